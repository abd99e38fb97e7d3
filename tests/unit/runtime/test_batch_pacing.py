"""A caught-up loop takes at most one batch per interval; a backlog never waits."""

from __future__ import annotations

from omniroute.router.runtime import BatchPacer, RouterSettings


def test_after_a_partial_batch_the_next_waits_out_the_interval() -> None:
    pacer = BatchPacer(0.020)
    assert pacer.pause(100.0) == 0.0  # nothing taken yet: no wait
    pacer.took(100.0, full=False)
    assert abs(pacer.pause(100.005) - 0.015) < 1e-9
    assert abs(pacer.pause(100.019) - 0.001) < 1e-9
    assert pacer.pause(100.020) == 0.0
    assert pacer.pause(105.0) == 0.0  # after a quiet spell a record goes at once


def test_a_full_batch_means_a_backlog_and_the_next_goes_at_once() -> None:
    pacer = BatchPacer(0.020)
    pacer.took(100.0, full=False)
    pacer.took(100.020, full=True)
    assert pacer.pause(100.021) == 0.0
    pacer.took(100.021, full=False)
    assert abs(pacer.pause(100.031) - 0.010) < 1e-9


def test_an_interval_of_zero_never_waits_and_the_router_default_is_20_ms() -> None:
    pacer = BatchPacer(0.0)
    pacer.took(5.0, full=False)
    assert pacer.pause(5.0) == 0.0
    assert RouterSettings().batch_interval_ms == 20
