"""What a manager reads off a simulated floor: service level, average speed of
answer, abandonment, occupancy and wait percentiles, overall and per group.

Service level counts abandoned contacts as missed (answered within the target
over all contacts offered), the stricter of the usual definitions and the one
Erlang A predicts; ``service_level_of_answered`` is the lenient one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from omniroute.router.tools.harness import percentile

from ._engine import AgentRun, ContactRun

__all__ = ["Summary", "group_by", "occupancy", "summarize"]


@dataclass(frozen=True, slots=True)
class Summary:
    offered: int
    answered: int
    abandoned: int
    unresolved: int
    service_level: float
    service_level_of_answered: float
    asa_seconds: float
    abandon_rate: float
    wait_p50_seconds: float
    wait_p90_seconds: float
    wait_p95_seconds: float
    wait_p99_seconds: float
    max_wait_seconds: float

    def as_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__slots__}


def summarize(runs: Iterable[ContactRun]) -> Summary:
    """The figures for these contacts, each against its own service target."""
    offered = answered = abandoned = in_target = 0
    waits: list[float] = []
    for run in runs:
        offered += 1
        if run.answered_at is not None:
            answered += 1
            wait = run.answered_at - run.arrived
            waits.append(wait)
            if wait <= run.target_seconds:
                in_target += 1
        elif run.abandoned_at is not None:
            abandoned += 1
    return Summary(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        unresolved=offered - answered - abandoned,
        service_level=in_target / offered if offered else 0.0,
        service_level_of_answered=in_target / answered if answered else 0.0,
        asa_seconds=sum(waits) / answered if answered else 0.0,
        abandon_rate=abandoned / offered if offered else 0.0,
        wait_p50_seconds=percentile(waits, 0.50),
        wait_p90_seconds=percentile(waits, 0.90),
        wait_p95_seconds=percentile(waits, 0.95),
        wait_p99_seconds=percentile(waits, 0.99),
        max_wait_seconds=max(waits, default=0.0),
    )


def group_by(runs: Iterable[ContactRun], label: str) -> dict[str, list[ContactRun]]:
    groups: dict[str, list[ContactRun]] = defaultdict(list)
    for run in runs:
        groups[run.labels.get(label, "-")].append(run)
    return dict(sorted(groups.items()))


def occupancy(
    runs: Iterable[ContactRun],
    agents: Iterable[AgentRun],
    begin: float,
    finish: float,
    start: float = 0.0,
) -> float:
    """Work (handle + wrap) over capacity offered (agents' slots logged in and not
    on break) in ``[begin, finish)`` (absolute simulated times; ``start`` is the
    simulation's start, from which agents' shifts count)."""
    work = 0.0
    for run in runs:
        if run.answered_at is None:
            continue
        done = run.done_at if run.done_at is not None else finish
        work += max(0.0, min(done, finish) - max(run.answered_at, begin))
    capacity = sum(
        a.available_seconds(begin - start, finish - start) * a.spec.max_total for a in agents
    )
    return work / capacity if capacity else 0.0
