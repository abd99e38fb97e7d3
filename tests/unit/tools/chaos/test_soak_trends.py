"""The soak's verdict on trends, on made-up series: a flat noisy series passes, a
steady climb fails and names the series, and the shape of the soak that failed
(offer p99 from 31 ms to 36 s, lag +10 records a minute) fails on both counts."""

from __future__ import annotations

import math
import random

import pytest

from omniroute.router.tools.chaos import (
    Bound,
    Sample,
    default_bounds,
    diagnose_growth,
    judge_trend,
    judge_trends,
    slope_per_minute,
)


def _points(values: list[float], every: float = 5.0) -> list[tuple[float, float]]:
    return [(i * every, v) for i, v in enumerate(values)]


def test_slope_is_per_minute_with_its_standard_error() -> None:
    slope, error = slope_per_minute(_points([10.0 + 0.5 * i for i in range(20)]))
    assert slope == pytest.approx(6.0)  # 0.5 a 5-second sample
    assert error == pytest.approx(0.0, abs=1e-9)
    assert slope_per_minute([(0.0, 1.0), (5.0, 2.0)]) == (0.0, math.inf)


def test_a_flat_noisy_series_does_not_grow() -> None:
    rng = random.Random(1)
    noisy = _points([40 + rng.uniform(-15, 15) for _ in range(80)])
    trend = judge_trend("decision_p99_ms", noisy, Bound(absolute=25, share=0.5))
    assert not trend.grows
    assert trend.samples == 80
    assert trend.median == pytest.approx(40, abs=5)


def test_noise_alone_never_fails_even_when_its_fit_tilts() -> None:
    """A few large outliers at the end tilt the fit, but the slope's lower bound
    stays under zero: not a trend."""
    values = [30.0] * 60 + [30.0, 400.0, 30.0, 30.0]
    trend = judge_trend("offer_p99_ms", _points(values), Bound(absolute=25, share=0.5))
    assert trend.slope_low_per_min <= 0
    assert not trend.grows


def test_a_climb_past_its_bound_grows_and_says_so() -> None:
    climbing = _points([20 + 2.0 * i for i in range(60)])  # +24 a minute
    trend = judge_trend("assigner_lag", climbing, Bound(absolute=25))
    assert trend.grows
    assert trend.slope_per_min == pytest.approx(24.0)
    assert trend.growth == pytest.approx(24.0 * 59 * 5 / 60)
    assert "assigner_lag grows +24/min" in trend.why()


def test_a_real_but_small_climb_within_its_bound_passes() -> None:
    creeping = _points([100 + 0.05 * i for i in range(60)])  # +0.6 a minute, 3 in all
    trend = judge_trend("broker_cpu", creeping, Bound(absolute=10))
    assert trend.slope_low_per_min > 0  # real ...
    assert not trend.grows  # ... and too small to matter


def _sample(t: float, *, assigner_lag: float, offer_p99: float, broker_cpu: float) -> Sample:
    return Sample(
        t=t,
        router_rss_mib=100,
        assigner_rss_mib=100,
        broker_rss_mib=100,
        router_lag=2,
        assigner_lag=assigner_lag,
        decision_p50_ms=20,
        decision_p99_ms=50,
        offer_p50_ms=30,
        offer_p99_ms=offer_p99,
        router_cpu=12,
        assigner_cpu=15,
        broker_cpu=broker_cpu,
        redis_cpu=1,
        harness_cpu=30,
    )


def test_the_soak_that_failed_is_judged_growing_on_each_series_that_grew() -> None:
    """The reduced form of the run in issue 20: 10 minutes at 50/s, the assigner's
    lag +10 records a minute, offer p99 from 31 ms to 36 s, the broker's CPU from
    24% to 133% of a core; everything else flat."""
    samples = [
        _sample(
            t * 5.0,
            assigner_lag=3 + 10 * t / 12,
            offer_p99=31 * (36_000 / 31) ** (t / 119),
            broker_cpu=24 + 109 * t / 119,
        )
        for t in range(120)
    ]
    grown = {t.series for t in judge_trends(samples, rate=50, warm_up_share=1 / 3) if t.grows}
    assert grown == {"assigner_lag", "offer_p99_ms", "broker_cpu"}


def test_a_steady_run_is_judged_flat_on_every_series() -> None:
    rng = random.Random(7)
    samples = [
        _sample(
            t * 5.0,
            assigner_lag=rng.uniform(0, 30),
            offer_p99=rng.uniform(30, 90),
            broker_cpu=rng.uniform(25, 35),
        )
        for t in range(120)
    ]
    trends = judge_trends(samples, rate=50, warm_up_share=1 / 3)
    assert {t.series for t in trends} == set(default_bounds(50))
    assert [t.series for t in trends if t.grows] == []
    assert all(t.samples == 80 for t in trends)


def test_a_growing_broker_beside_flat_workers_is_named_as_the_cause() -> None:
    assert diagnose_growth({"broker_cpu", "offer_p99_ms"}) != []
    assert "embedded broker" in diagnose_growth({"broker_cpu"})[0]
    assert diagnose_growth({"broker_cpu", "assigner_cpu"}) == []  # a worker grows too
    assert diagnose_growth({"offer_p99_ms"}) == []
