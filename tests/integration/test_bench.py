"""``omniroute bench --short``: every part runs on the real broker, Redis and worker
processes, and the report carries every figure other tools read. No timed
assertion: the figures only have to exist and be positive."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.router.cli import app
from omniroute.router.runtime import Settings
from omniroute.router.tools.bench import (
    RATIO_KEYS,
    AssignerFigures,
    BenchOptions,
    run_assigner_bench,
)

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.timeout(900)]

FIGURES = (
    "ceiling_events_per_second",
    "naive_events_per_second",
    "router_1w_events_per_second",
    "router_2w_events_per_second",
    "router_1w_events_per_cpu_second",
    "router_2w_events_per_cpu_second",
    *RATIO_KEYS,
)
ASSIGNER = (
    "inputs_per_second",
    "ready_to_offer_p50_ms",
    "ready_to_offer_p99_ms",
    "arrived_to_offer_p50_ms",
    "arrived_to_offer_p99_ms",
    "rss_mb",
)
LATENCY = ("achieved_per_second", "decisions", "p50_ms", "p95_ms", "p99_ms")


def test_the_short_bench_reports_every_figure_as_a_positive_number(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    # As anyone runs it: its own process (its stack, workers and clients are its own).
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "omniroute.router.cli",
            "bench",
            "--short",
            "--json",
            str(report_path),
            "--state-dir",
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_path.read_text())

    quix_ran = report["quix_naive_events_per_second"] is not None
    for key in FIGURES:
        if key == "ratio_to_quix_naive" and not quix_ran:
            assert report["quix_naive_settings"].startswith("skipped"), report
            continue
        assert isinstance(report[key], int | float), key
        assert report[key] > 0, key
    # Each anchor says what it ran with, the fetch wait the same as the router's.
    assert "max_records=1000" in report["ceiling_settings"]
    assert "fetch_max_wait_ms=50" in report["naive_settings"]
    if quix_ran:
        assert "fetch.wait.max.ms=50" in report["quix_naive_settings"]
    # The latency runs twice: after the drains, and each on a broker whose log holds only it.
    for runs in ("router_latency", "router_latency_fresh_log"):
        assert [step["offered_per_second"] for step in report[runs]] == [200, 1000], runs
        for step in report[runs]:
            for key in LATENCY:
                assert step[key] > 0, (runs, step["offered_per_second"], key)
    for key in ASSIGNER:
        assert report["assigner"][key] > 0, key
    for workers, count in ((1, 1), (2, 2)):
        rss = report[f"router_{workers}w_rss_mb"]
        assert len(rss) == count
        assert all(megabytes > 0 for megabytes in rss)
    assert {part["name"] for part in report["parts"]} >= {
        "policy.route alone (decision built)",
        "policy + history (pure)",
    }
    assert all(part["us_per_event"] > 0 for part in report["parts"])


def test_the_broker_log_bench_measures_each_step_as_anyone_runs_it() -> None:
    """``omniroute bench broker-log`` runs end to end on a broker of its own and
    prints one row per step, each step holding exactly the filler's batches more
    than the last plus what the previous step's produces stored."""
    run = subprocess.run(
        [
            *(sys.executable, "-m", "omniroute.router.cli", "bench", "broker-log"),
            *("--steps", "2", "--batches-per-step", "1000", "--seconds", "0.5"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # rich draws its box in ASCII when the locale is not UTF-8 (as on CI): read both.
    output = run.stdout + run.stderr  # the CLI prints its tables on stderr
    rows = [re.split(r"[│|]", line) for line in output.splitlines()]
    stored = [
        int(cells[1].strip().replace(",", ""))
        for cells in rows
        if len(cells) > 2 and re.fullmatch(r"[\d,]+", cells[1].strip())
    ]
    assert len(stored) == 3
    assert stored[0] == 0
    assert all(later - earlier > 1000 for earlier, later in itertools.pairwise(stored))


def test_only_the_assigner_runs_on_a_stack_of_its_own_with_the_yardstick(tmp_path: Path) -> None:
    """``omniroute bench --only assigner``: the assigner part alone (here a stand-in
    measure, so the test takes seconds), on its own broker, reported under the same
    keys as the whole bench with the yardstick, and the table shows only its rows."""
    seen: list[tuple[str, int, int, int]] = []

    def measure(
        settings: Settings, *, agents: int, queued: int, probes: int, **_: object
    ) -> AssignerFigures:
        seen.append((settings.kafka.bootstrap_servers, agents, queued, probes))
        return AssignerFigures(12_000.5, 40.0, 90.0, 20.0, 60.0, 280.0, agents, queued, 13_000.0)

    options = BenchOptions.quick(tmp_path / "state")
    report = run_assigner_bench(options, assigner=measure)

    assert [s[1:] for s in seen] == [(100, 500, 10)]
    assert report["assigner"]["inputs_per_second"] == 12_000.5
    assert report["assigner"]["inputs_per_cpu_second"] == 13_000.0
    assert report["python_cpu_ms"] > 0
    assert "router_1w_events_per_second" not in report
    saved = json.loads((tmp_path / "state" / "bench-assigner.json").read_text())
    assert saved["assigner"] == report["assigner"]


def test_bench_only_names_the_part_it_can_run_alone() -> None:
    result = CliRunner().invoke(app, ["bench", "--only", "router"])
    assert result.exit_code == 2
    assert "'assigner'" in result.output
