"""A simulated day's figures: overall, per queue, priority, channel, segment and
tier, and per interval of arrival, as one JSON-ready dict."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ._day import DayResult
from ._engine import ContactRun
from ._report import group_by, occupancy, summarize

__all__ = ["GROUPS", "day_report", "interval_of"]

GROUPS = ("queue", "priority", "channel", "segment", "tier", "escalated")


def interval_of(result: DayResult, run: ContactRun) -> int:
    scenario = result.scenario
    index = int((run.arrived - result.floor.start) // (scenario.interval_minutes * 60))
    return min(index, scenario.intervals - 1)


def day_report(result: DayResult) -> dict[str, Any]:
    floor, scenario = result.floor, result.scenario
    runs = floor.contacts
    begin, end = floor.start, floor.start + scenario.hours * 3600.0
    report: dict[str, Any] = {
        "scenario": scenario.name,
        "policy_version": result.policy_version,
        "hours": scenario.hours,
        "seed": scenario.seed,
        "agents": len(floor.agents()),
        "arrived": result.arrived,
        "contained_by_automation": result.contained,
        "escalated_from_automation": result.escalated,
        "decisions_by_target": dict(sorted(result.by_target.items())),
        "overflowed": dict(sorted(Counter(step for r in runs for step in r.overflows).items())),
        "overall": {
            **summarize(runs).as_dict(),
            "occupancy": occupancy(runs, floor.agents(), begin, end, floor.start),
        },
        "occupancy_by_pool": {
            pool: occupancy(
                [r for r in runs if r.pool == pool],
                [a for a in floor.agents() if a.pool == pool],
                begin,
                end,
                floor.start,
            )
            for pool in sorted(floor.pools)
        },
    }
    for label in GROUPS:
        report[f"by_{label}"] = {
            key: summarize(group).as_dict() for key, group in group_by(runs, label).items()
        }
    intervals: dict[int, list[ContactRun]] = {i: [] for i in range(scenario.intervals)}
    for run in runs:
        intervals[interval_of(result, run)].append(run)
    report["by_interval"] = [
        {
            "interval": index,
            "starts_minutes": index * scenario.interval_minutes,
            **summarize(group).as_dict(),
        }
        for index, group in intervals.items()
    ]
    return report
