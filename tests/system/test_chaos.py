"""The short version of each fault scenario, fuzz and soak (``omniroute chaos --short``):
real workers, a private broker and Redis, faults injected, and the books asserted.

Each test runs its own fleet instead of the session stack, because the faults stop
the broker and Redis themselves. Findings not fixed yet are marked xfail (not strict)
with what is known, so the test starts passing when the fix lands; the schedule the
harness ran is in the failure message as a regression case. Sized for CI on a 2-core
machine: about a minute each, the whole file under ten minutes even on a busy host.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omniroute.router.tools.chaos import (
    ChaosOptions,
    ChaosResult,
    FuzzOptions,
    SoakOptions,
    plot_soak,
    run_fuzz,
    run_scenario,
    run_soak,
)

pytestmark = [
    pytest.mark.kafka,
    pytest.mark.redis,
    pytest.mark.slow,
    # kafka-python 3's network thread leaves the sockets of connections the faults
    # broke to the garbage collector; they surface as unraisable ResourceWarnings.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _run(
    name: str,
    tmp_path: Path,
    *,
    drain: float = 30.0,
    recovery: float = 30.0,
    catch_up: float = 60.0,
    steady: float = 30.0,
) -> ChaosResult:
    return run_scenario(
        name,
        ChaosOptions(
            short=True,
            state_dir=tmp_path,
            drain_seconds=drain,
            recovery_timeout=recovery,
            rate=10.0,
            catch_up_seconds=catch_up,
            steady_timeout=steady,
        ),
    )


def _assert_books(result: ChaosResult) -> None:
    """Nothing lost, nothing decided or assigned twice, no worker stopped, and every
    fault recovered from within the recovery window: hard assertions."""
    books = result.books
    regression = json.dumps(result.as_dict(), default=str)[:3000]
    assert books.arrivals_sent > 50, regression
    assert (books.lost, books.undecided, books.decided_twice) == (0, 0, 0), regression
    assert (books.assigned_twice, books.overlapping_offers) == (0, 0), regression
    assert books.decided == books.arrivals_sent, regression
    assert books.assigned_once + books.ended + books.still_queued == books.queued, regression
    assert result.crashed_workers == [], regression
    assert all(f.recovery_seconds is not None for f in result.faults), regression


def test_sigkill_of_routers_and_assigners_loses_nothing(tmp_path: Path) -> None:
    result = _run("kill", tmp_path)
    assert [f.target.split("-")[0] for f in result.faults] == ["router", "assigner"]
    _assert_books(result)


def test_redis_outage_under_load_loses_nothing(tmp_path: Path) -> None:
    result = _run("redis", tmp_path)
    assert [f.kind for f in result.faults] == ["redis_down"]
    _assert_books(result)
    assert result.books.offers_after_end == 0, result.books.examples


@pytest.mark.xfail(
    reason=(
        "Tansu 0.6 S3 storage (moto), not omniroute: with the broker's log in S3 the "
        "consumer groups never settle even before the restart (every group write is a "
        "conditional S3 PUT; about a third answer 412 and members rebalance every few "
        "seconds, UnknownMemberId on commit), so the routers decided 1 of 482 in the short "
        "run, and the books' reader may not reach the outputs' end at all (RuntimeError). "
        "The run now stops at its steadiness check, before the fault (FleetNotSteadyError, "
        "a RuntimeError), instead of running its schedule for a minute to fail the books. "
        "Same workers on memory storage pass the kill and redis scenarios"
    ),
    strict=False,
    raises=(AssertionError, RuntimeError),
)
def test_broker_restart_with_its_log_kept_loses_nothing(tmp_path: Path) -> None:
    # Short windows: on S3 storage nothing is decided in time anyway (see the xfail).
    # Steady within 10 s or not at all: on memory storage a fleet settles in under 1 s.
    result = _run("broker", tmp_path, drain=5.0, recovery=5.0, catch_up=10.0, steady=10.0)
    assert [f.kind for f in result.faults] == ["broker_down"]
    _assert_books(result)


def test_a_silent_desktop_stalls_no_other_agent_or_pool(tmp_path: Path) -> None:
    result = _run("silent-desktop", tmp_path)
    _assert_books(result)
    while_silent = result.extra["assigned_by_pool_while_silent"]
    assert isinstance(while_silent, dict)
    assert while_silent.get("care", 0) > 0, result.extra
    assert while_silent.get("tech", 0) > 0, result.extra


def test_a_paused_worker_makes_no_offer_after_its_partitions_moved(tmp_path: Path) -> None:
    result = _run("pause", tmp_path)
    assert [f.kind for f in result.faults] == ["sigstop", "sigstop"]
    _assert_books(result)


def _fuzz(tmp_path: Path, huge: tuple[int, ...]) -> None:
    result = run_fuzz(
        FuzzOptions(
            interactions=1500,
            agent_events=300,
            assigner_inputs=300,
            good_every=25,
            corpus=30,
            huge=huge,
            state_dir=tmp_path,
            timeout=180,
        )
    )
    summary = json.dumps(result.as_dict(), default=str)[:4000]
    assert sum(result.sent.values()) == 2100 + len(huge), summary
    assert result.silently_dropped == 0, summary
    assert sum(result.dead_by_reason.values()) > 1000, summary
    assert (result.good.lost, result.good.decided_twice) == (0, 0), summary
    assert result.good.decided == result.good.arrivals_sent > 50, summary
    assert result.unhealthy_workers == [], summary
    assert result.crashed_workers == [], summary


def test_hostile_records_are_dead_lettered_and_good_ones_decided(tmp_path: Path) -> None:
    _fuzz(tmp_path, huge=())


def test_a_900_kb_record_does_not_stop_routing(tmp_path: Path) -> None:
    _fuzz(tmp_path, huge=(900 * 1024,))


def test_soak_samples_and_plots_a_steady_run(tmp_path: Path) -> None:
    result = run_soak(SoakOptions(minutes=0.5, rate=20, interval=2, agents=30, state_dir=tmp_path))
    png = plot_soak(result, tmp_path / "soak.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(result.samples) >= 10
    assert all(s.router_rss_mib > 20 and s.assigner_rss_mib > 20 for s in result.samples)
    assert all(s.broker_rss_mib > 5 for s in result.samples)
    assert result.books.lost == 0, result.as_dict()["books"]
    assert {"router_rss_start_mib", "router_rss_end_mib", "assigner_lag_end"} <= set(result.summary)
