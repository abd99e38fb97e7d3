"""The simulator, driving the real pool, against queueing theory.

Erlang C comes from an independent implementation (pyworkforce); Erlang A from
the exact birth-death computation in ``tests/support/queueing_theory.py``, which shares no
code with the simulator. Small floors (4-6 agents) relax fastest per contact
simulated, so a few hundred simulated hours (a few seconds each) put the
simulated service level within a fraction of a point of theory; the seeds are
fixed, so the numbers are the same on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyworkforce.queuing import ErlangC
from typer.testing import CliRunner

from omniroute.router.cli import app
from omniroute.router.tools.sim import (
    ErlangRun,
    agents_for_service_level,
    erlang_c_asa,
    erlang_c_service_level,
)
from tests.support.queueing_theory import erlang_a, pyworkforce_erlang_c

AHT = 180.0
TARGET = 20.0


def erlang_c(arrivals_per_hour: float, agents: int) -> tuple[float, float]:
    """(service level, ASA seconds) from pyworkforce at this module's AHT and target."""
    return pyworkforce_erlang_c(arrivals_per_hour, agents, AHT, TARGET)


@pytest.mark.parametrize(
    ("arrivals_per_hour", "agents", "hours", "seed"),
    [(40, 4, 500, 11), (60, 5, 400, 12), (80, 6, 300, 13)],
)
def test_fifo_queue_matches_erlang_c(
    arrivals_per_hour: float, agents: int, hours: float, seed: int
) -> None:
    result = ErlangRun(arrivals_per_hour, AHT, agents, TARGET, hours=hours, seed=seed).run()
    theory_sl, theory_asa = erlang_c(arrivals_per_hour, agents)
    assert result["service_level"] == pytest.approx(theory_sl, abs=0.02)
    assert result["asa_seconds"] == pytest.approx(theory_asa, rel=0.12)
    assert result["occupancy"] == pytest.approx(arrivals_per_hour * AHT / 3600 / agents, abs=0.02)
    assert result["abandon_rate"] == 0.0
    assert result["unresolved"] == 0


@pytest.mark.parametrize(
    ("arrivals_per_hour", "agents", "patience", "hours", "seed"),
    [(60, 4, 120.0, 300, 21), (80, 5, 300.0, 250, 22)],
)
def test_impatient_fifo_queue_matches_erlang_a(
    arrivals_per_hour: float, agents: int, patience: float, hours: float, seed: int
) -> None:
    result = ErlangRun(
        arrivals_per_hour, AHT, agents, TARGET, hours=hours, seed=seed, patience_seconds=patience
    ).run()
    abandon, answered_in_target = erlang_a(arrivals_per_hour, AHT, agents, patience, TARGET)
    assert result["abandon_rate"] == pytest.approx(abandon, abs=0.015)
    assert result["service_level"] == pytest.approx(answered_in_target, abs=0.02)


@pytest.mark.parametrize(("arrivals_per_hour", "agents"), [(40, 4), (60, 5), (300, 19)])
def test_the_oracles_agree_with_pyworkforce(arrivals_per_hour: float, agents: int) -> None:
    """Erlang A with endless patience is Erlang C; the staffing table's own Erlang C
    is pyworkforce's."""
    theory_sl, theory_asa = erlang_c(arrivals_per_hour, agents)
    _, answered_in_target = erlang_a(arrivals_per_hour, AHT, agents, 1e12, TARGET)
    assert answered_in_target == pytest.approx(theory_sl, abs=1e-6)
    assert erlang_c_service_level(arrivals_per_hour, AHT, agents, TARGET) == pytest.approx(
        theory_sl, abs=1e-9
    )
    assert erlang_c_asa(arrivals_per_hour, AHT, agents) == pytest.approx(theory_asa, rel=1e-9)


def test_staffing_for_80_20_matches_pyworkforce() -> None:
    model = ErlangC(transactions=300, aht=AHT / 60, asa=TARGET / 60, interval=60)
    assert (
        agents_for_service_level(300, AHT, TARGET, 0.8)
        == model.required_positions(0.8)["raw_positions"]
    )


def test_the_command_writes_the_measures(tmp_path: Path) -> None:
    out = tmp_path / "erlang.json"
    outcome = CliRunner().invoke(
        app,
        [
            "sim", "erlang", "--arrivals-per-hour", "60", "--aht-seconds", "180",
            "--agents", "5", "--target-seconds", "20", "--patience-seconds", "240",
            "--hours", "20", "--seed", "5", "--json", str(out),
        ],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(out.read_text())
    again = ErlangRun(60, 180, 5, 20, hours=20, seed=5, patience_seconds=240).run()
    assert result == pytest.approx(again)
    assert 0.5 < result["service_level"] < 1.0
    assert 0.0 < result["abandon_rate"] < 0.2
    assert result["occupancy"] == pytest.approx((1 - result["abandon_rate"]) * 3.0 / 5, abs=0.05)
