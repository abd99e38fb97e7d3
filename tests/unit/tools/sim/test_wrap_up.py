"""The simulator runs each queue's settings and wrap-up from the policy file, as the
assigner does, and shows Erlang C with the wrap-up in its handle time."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.router.cli import app
from omniroute.router.policy import parse_policy
from omniroute.router.tools.sim import (
    ErlangRun,
    erlang_c_service_level,
    load_scenario,
    simulate_day,
)
from tests.unit.tools.sim.test_scenario import small_scenario, write


def test_a_day_runs_each_queues_wrap_up_and_widening_from_the_policy(tmp_path: Path) -> None:
    text = files("omniroute.router").joinpath("policy/default_policy.yaml").read_text()
    text = text.replace(
        "billing:   {pool: care, priority: 30, floor: 30,",
        "billing:   {pool: care, priority: 30, floor: 30, wrap_up_seconds: 90, "
        "relax_after_seconds: 5,",
    ).replace(
        "default_queue: general", "queue_defaults: {wrap_up_seconds: 20}\ndefault_queue: general"
    )
    policy = parse_policy(text)
    day = simulate_day(load_scenario(write(tmp_path, small_scenario())), policy)
    care = day.floor.pools["care"].config
    assert (care.queue("billing").wrap_up_seconds, care.queue("billing").relax_after_seconds) == (
        90,
        5,
    )
    assert care.queue("general").wrap_up_seconds == 20
    held = {
        round(run.done_at - run.answered_at - run.handle_seconds, 6)
        for run in day.floor.contacts
        if run.done_at is not None
        and run.answered_at is not None
        and run.contact.queue in ("billing", "general")
    }
    assert held == {90.0, 20.0}, "each answered contact held its agent for its queue's wrap-up"


def test_wrap_up_lengthens_the_handle_time_erlang_c_sees() -> None:
    """Exponential talk time plus a fixed wrap-up: the pool holds each agent for both,
    so occupancy is the offered load with the wrap-up in it (Little's law), and the
    service level lies between Erlang C with the wrap-up in the handle time (its
    exponential service is more variable than talk plus a fixed wrap-up) and Erlang C
    without it, which promises far more than the floor delivers."""
    result = ErlangRun(60, 150, 4, 20, hours=200, seed=31, wrap_up_seconds=30).run()
    assert result["occupancy"] == pytest.approx(60 * (150 + 30) / 3600 / 4, abs=0.02)
    with_wrap_up = erlang_c_service_level(60, 180, 4, 20)
    talk_only = erlang_c_service_level(60, 150, 4, 20)
    assert result["erlang_c_service_level"] == pytest.approx(with_wrap_up)
    assert result["erlang_c_talk_only_service_level"] == pytest.approx(talk_only)
    simulated = result["service_level"]
    assert isinstance(simulated, float)
    assert with_wrap_up - 0.02 < simulated < talk_only - 0.05


def test_the_command_shows_erlang_c_with_and_without_the_wrap_up(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(
        app,
        [
            "sim", "erlang", "--arrivals-per-hour", "60", "--aht-seconds", "150",
            "--agents", "4", "--wrap-up-seconds", "30", "--hours", "5", "--json",
            str(tmp_path / "out.json"),
        ],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert "wrap-up 30 s" in outcome.output
    assert "wrap-up left out" in outcome.output
