"""The soak's verdict on trends: after warm-up, a series must not keep growing.

A constant load should give constant lag, latency, CPU and memory. A threshold
alone (the first soak's "lag above 500 and growing") called runs OK whose offer
p99 went from 31 ms to 36 s, because each sample was still "small". Here every
series gets a least-squares slope over the judged window (after warm-up) and is
judged by two questions, both of which must say "grows" before it fails:

- **Is the growth real?** The slope's lower 95% bound (slope - 2 standard errors)
  is above zero. Five-second samples of a p99 jump around; noise alone must not
  fail a run.
- **Does it matter?** The growth over the window (slope x window length) is above
  the series' bound. Each bound is stated with its reason in ``default_bounds``.

Pure: plain numbers in, plain numbers out (no clock, no processes), so the judge
is tested on made-up series, including the shape of the run that failed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

__all__ = ["Bound", "Trend", "default_bounds", "judge_trend", "slope_per_minute"]


@dataclass(frozen=True, slots=True)
class Bound:
    """How much a series may grow over the judged window: ``absolute`` in its own
    unit, or ``share`` of its median in the window, whichever is larger."""

    absolute: float
    share: float = 0.0
    why: str = ""

    def allowed(self, median: float) -> float:
        return max(self.absolute, self.share * abs(median))


@dataclass(frozen=True, slots=True)
class Trend:
    series: str
    slope_per_min: float
    """Least-squares slope, in the series' unit per minute."""
    slope_low_per_min: float
    """The slope less two standard errors: above zero, the growth is not noise."""
    growth: float
    """Slope x the judged window: what the series gained over it, in its unit."""
    allowed: float
    median: float
    samples: int
    grows: bool

    def as_dict(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def why(self) -> str:
        return (
            f"{self.series} grows {self.slope_per_min:+.3g}/min after warm-up "
            f"({self.growth:+.3g} over the window, bound {self.allowed:.3g}; "
            f"median {self.median:.3g})"
        )


def slope_per_minute(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(slope, standard error of the slope) of (seconds, value) points, per minute;
    (0, inf) for fewer than three points or no spread in time."""
    if len(points) < 3:
        return 0.0, math.inf
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mean_x = statistics.fmean(xs)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return 0.0, math.inf
    fit = statistics.linear_regression(xs, ys)
    residual = sum((y - (fit.slope * x + fit.intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    error = math.sqrt(residual / (len(points) - 2) / sxx)
    return fit.slope * 60, error * 60


def judge_trend(series: str, points: Sequence[tuple[float, float]], bound: Bound) -> Trend:
    """The verdict on one series over the judged window (already cut after warm-up)."""
    values = [v for _, v in points]
    slope, error = slope_per_minute(points)
    window_min = (points[-1][0] - points[0][0]) / 60 if len(points) > 1 else 0.0
    median = statistics.median(values) if values else 0.0
    growth = slope * window_min
    allowed = bound.allowed(median)
    low = slope - 2 * error
    return Trend(
        series,
        slope,
        low if math.isfinite(low) else -math.inf,
        growth,
        allowed,
        median,
        len(points),
        grows=low > 0 and growth > allowed,
    )


def default_bounds(rate: float) -> Mapping[str, Bound]:
    """What each series may gain over the judged window, at ``rate`` contacts/s."""
    lag = Bound(
        absolute=rate * 0.5,
        why="half a second of arrivals: a worker whose lag gains less over the whole "
        "window is within one fetch-and-batch cycle of the tail",
    )
    latency = Bound(
        absolute=25.0,
        share=0.5,
        why="half its own median or 25 ms: a p99 of 5-second samples moves by that "
        "much between quiet and busy seconds; 31 ms -> 36 s is 1000x",
    )
    cpu = Bound(
        absolute=10.0,
        why="ten points of a core: /proc samples of 20 s differ by a few points with "
        "the load's own randomness (abandons, handle times)",
    )
    bounds: dict[str, Bound] = {}
    for kind in ("router", "assigner"):
        bounds[f"{kind}_lag"] = lag
    for name in ("decision_p50_ms", "decision_p99_ms", "offer_p50_ms", "offer_p99_ms"):
        bounds[name] = latency
    for name in ("router_cpu", "assigner_cpu", "broker_cpu", "redis_cpu", "harness_cpu"):
        bounds[name] = cpu
    return bounds
