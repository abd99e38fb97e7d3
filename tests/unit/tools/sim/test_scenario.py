"""Scenario mode: the YAML is checked like the policy, and a day runs through the
real policy and pools with figures that add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from omniroute.router.cli import app
from omniroute.router.policy import default_policy
from omniroute.router.tools.sim import ScenarioError, day_report, load_scenario, simulate_day

EXAMPLE = Path(__file__).parents[4] / "deploy" / "scenarios" / "care-weekday.yaml"


def small_scenario() -> dict[str, object]:
    return {
        "name": "small",
        "hours": 2,
        "interval_minutes": 30,
        "seed": 4,
        "channels": {
            "voice": {
                "arrivals_per_hour": [60, 120, 120, 60],
                "handle": {"mean_seconds": 240, "cv": 0.8},
                "patience_seconds": 200,
            },
            "chat": {"arrivals_per_hour": 30, "handle": {"mean_seconds": 300}},
        },
        "reasons": {"billing": 0.5, "other": 0.3, "password_reset": 0.2},
        "tiers": {"standard": 0.8, "vip": 0.2},
        "agents": [
            {
                "name": "care",
                "count": 7,
                "pool": "care",
                "queues": ["general", "priority", "billing"],
                "skills": {"billing": 5},
                "capacity": {"voice": 1, "chat": 2},
                "max_total": 2,
                "breaks": [{"at_hour": 1, "minutes": 10}],
            }
        ],
    }


def write(tmp_path: Path, raw: dict[str, object]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_the_shipped_example_is_valid() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.intervals == 16
    assert {g.pool for g in scenario.agents} <= {
        q.pool for q in default_policy().spec.queues.values()
    }


def test_an_unknown_key_is_an_error_naming_the_field(tmp_path: Path) -> None:
    raw = small_scenario()
    raw["channels"]["voice"]["handel"] = {"mean_seconds": 1}  # type: ignore[index]
    with pytest.raises(ScenarioError, match=r"channels\.voice\.handel: Extra inputs"):
        load_scenario(write(tmp_path, raw))


def test_a_curve_of_the_wrong_length_is_an_error_naming_the_field(tmp_path: Path) -> None:
    raw = small_scenario()
    raw["channels"]["voice"]["arrivals_per_hour"] = [60, 60]  # type: ignore[index]
    with pytest.raises(ScenarioError, match=r"channels\.voice\.arrivals_per_hour: 2 rates for 4"):
        load_scenario(write(tmp_path, raw))


def test_a_day_adds_up_and_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, small_scenario()))
    report = day_report(simulate_day(scenario, default_policy()))
    again = day_report(simulate_day(scenario, default_policy()))
    assert report == again
    overall = report["overall"]
    decisions = report["decisions_by_target"]
    assert overall["offered"] == decisions["agent_queue"]
    assert sum(decisions.values()) == report["arrived"] + report["escalated_from_automation"]
    assert overall["offered"] == overall["answered"] + overall["abandoned"]
    assert report["by_channel"].keys() == {"voice", "chat"}
    assert report["by_priority"].keys() == {"030", "090"}  # standard and VIP
    assert sum(i["offered"] for i in report["by_interval"]) == overall["offered"]
    assert 0.0 < overall["occupancy"] < 1.0


def test_the_command_writes_the_report_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app, ["sim", "run", str(write(tmp_path, small_scenario())), "--out", str(out)]
    )
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((out / "report.json").read_text())
    assert report["scenario"] == "small"
    for name in ("service-level-by-interval.png", "waits-by-priority.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_command_names_the_bad_field(tmp_path: Path) -> None:
    raw = small_scenario()
    raw["agents"][0]["count"] = -1  # type: ignore[index]
    outcome = CliRunner().invoke(app, ["sim", "run", str(write(tmp_path, raw))])
    assert outcome.exit_code == 1
    assert "agents.0.count" in outcome.output


def test_transfers_cost_service_level(tmp_path: Path) -> None:
    """The same day (same arrivals) with a fifth of answered contacts transferred
    half-way to technical, whose agents have their own faults to handle: the time
    spent twice shows as fewer contacts answered within target."""
    raw = small_scenario()
    raw["reasons"] = {"billing": 0.6, "technical_fault": 0.4}
    raw["tiers"] = {"silver": 1.0}  # billing to the billing team, not to automation
    agents = raw["agents"]
    assert isinstance(agents, list)
    agents.append(
        {
            "name": "tech",
            "count": 3,
            "pool": "tech",
            "queues": ["technical"],
            "skills": {"technical": 5},
            "capacity": {"voice": 1, "chat": 2},
            "max_total": 2,
        }
    )
    plain = day_report(simulate_day(load_scenario(write(tmp_path, raw)), default_policy()))
    raw["transfers"] = {"share": 0.2, "to_queue": "technical"}
    result = simulate_day(load_scenario(write(tmp_path, raw)), default_policy())
    moved = [run for run in result.floor.contacts if run.transferred_at is not None]
    assert len(moved) > 10
    assert all(run.pool == "tech" for run in moved)
    unserved = [
        r.contact.interaction_id for r in moved if not (r.agent_id or "").startswith("tech")
    ]
    assert unserved == [], f"{len(unserved)} of {len(moved)} transferred contacts never served"
    with_transfers = day_report(result)
    assert with_transfers["overall"]["offered"] == plain["overall"]["offered"]
    assert with_transfers["overall"]["service_level"] < plain["overall"]["service_level"] - 0.02, (
        with_transfers["overall"],
        plain["overall"],
    )
