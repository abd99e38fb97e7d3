"""``omniroute soak``: a steady load for N minutes with the workers' RSS, consumer lag,
event->decision latency, decision->offer latency and every process's CPU (the
broker's and the harness's own included) sampled every few seconds, plotted to a
PNG and summarised, with a verdict on trends (``_trends``): after warm-up, no lag,
latency or CPU series may keep growing, and memory may not grow past its bound.
The JSON carries ``lost``, ``decided_twice`` and one slope per series, so a run
can be checked without reading the plot."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omniroute.router.tools.harness import cpu_seconds, percentile, rss_mb

from ._books import BookReport
from ._fleet import Fleet, FleetOptions, metric_sum
from ._trends import Trend, default_bounds, judge_trend, slope_per_minute
from ._under_load import under_load

__all__ = [
    "Sample",
    "SoakOptions",
    "SoakResult",
    "diagnose_growth",
    "judge_trends",
    "plot_soak",
    "run_soak",
]

_CPU_SERIES = ("router_cpu", "assigner_cpu", "broker_cpu", "redis_cpu", "harness_cpu")


@dataclass(frozen=True, slots=True)
class SoakOptions:
    minutes: float = 10.0
    rate: float = 50.0
    interval: float = 5.0
    agents: int = 120
    """Twice the first soak's floor: with 60 agents at 50 contacts/s the queue and the
    offer waits grew all run (p99 120 s), which measured the staffing, not the system."""
    customers: int = 5000
    partitions: int = 6
    state_dir: Path = Path(".omniroute/soak")
    max_rss_growth_mib_per_min: float = 2.0
    max_lag_records: float = 500.0
    warm_up_share: float = 1 / 3
    """The first third is warm-up (group joins, caches, the floor's first offers):
    trends are judged on the rest."""


@dataclass(frozen=True, slots=True)
class Sample:
    t: float
    router_rss_mib: float
    assigner_rss_mib: float
    broker_rss_mib: float
    """The embedded broker keeps every record in memory (``memory://``): its growth
    is the run's data, shown so a worker's figure is read apart from it."""
    router_lag: float
    assigner_lag: float
    decision_p50_ms: float | None
    decision_p99_ms: float | None
    offer_p50_ms: float | None
    offer_p99_ms: float | None
    router_cpu: float = 0.0
    """Per cent of one core since the previous sample, from /proc."""
    assigner_cpu: float = 0.0
    broker_cpu: float = 0.0
    redis_cpu: float = 0.0
    harness_cpu: float = 0.0
    """This process: the load, the 120 desktops and the books."""


@dataclass(slots=True)
class SoakResult:
    run_id: str
    samples: list[Sample] = field(default_factory=list)
    books: BookReport = field(default_factory=BookReport)
    summary: dict[str, float | None] = field(default_factory=dict)
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "ok": self.ok,
            "problems": self.problems,
            "lost": self.books.lost,
            "decided_twice": self.books.decided_twice,
            "slopes": {t.series: t.as_dict() for t in self.trends},
            "summary": self.summary,
            "books": self.books.as_dict(),
            "samples": [asdict(s) for s in self.samples],
        }


class _CpuMeter:
    """Per cent of a core each process used since the last reading."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, float]] = {}

    def read(self, pids: dict[str, int | None]) -> dict[str, float]:
        now = time.monotonic()
        shares: dict[str, float] = {}
        for name, pid in pids.items():
            used = cpu_seconds(pid)
            before = self._last.get(name)
            self._last[name] = (now, used)
            if before is not None and now > before[0] and used >= before[1]:
                shares[name] = round(100 * (used - before[1]) / (now - before[0]), 1)
        return shares


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    """p50 and p99 in milliseconds of latencies in seconds; None when there are none."""
    if not values:
        return None, None
    return percentile(values, 0.50) * 1000, percentile(values, 0.99) * 1000


def run_soak(options: SoakOptions) -> SoakResult:
    run_id = f"soak{uuid.uuid4().hex[:8]}"
    fleet = Fleet(
        FleetOptions(
            state_dir=options.state_dir / run_id,
            routers=1,
            assigners=1,
            partitions=options.partitions,
        )
    )
    result = SoakResult(run_id)
    # Customers start with histories at their kept size: the router's parse cache
    # then starts at its working set, and what the trend sees is growth, not the
    # histories filling (each line ~1.5 KB parsed; +52 MiB in the first soak).
    with under_load(
        fleet,
        run_id,
        customers=options.customers,
        agents=options.agents,
        rate=options.rate,
        history_lines=fleet.settings.router.recent_contacts_kept,
    ) as loaded:
        ledger = loaded.ledger
        started = time.time()
        end = started + options.minutes * 60
        seen_decisions = seen_offers = 0
        meter = _CpuMeter()
        meter.read(_pids(fleet))
        while time.time() < end:
            time.sleep(options.interval)
            decisions = [s for _, s in ledger.decision_latencies[seen_decisions:]]
            offers = [s for _, s in ledger.offer_latencies[seen_offers:]]
            seen_decisions += len(decisions)
            seen_offers += len(offers)
            cpu = meter.read(_pids(fleet))
            result.samples.append(
                Sample(
                    round(time.time() - started, 1),
                    rss_mb(fleet.workers["router"][0].pid),
                    rss_mb(fleet.workers["assigner"][0].pid),
                    rss_mb(fleet.service_pid("broker")),
                    metric_sum(fleet.metrics("router"), "omniroute_consumer_lag_records"),
                    metric_sum(fleet.metrics("assigner"), "omniroute_consumer_lag_records"),
                    *_quantiles(decisions),
                    *_quantiles(offers),
                    **{f"{name}_cpu": cpu.get(name, 0.0) for name in _PROCESSES},
                )
            )
        loaded.stop_load_and_drain(60)
        result.books = loaded.books()
        result.problems = _summarise(result, options) + [
            f"worker stopped: {w}" for w in fleet.crashed()
        ]
        result.ok = not result.problems and result.books.violations == 0
    return result


_PROCESSES = ("router", "assigner", "broker", "redis", "harness")


def _pids(fleet: Fleet) -> dict[str, int | None]:
    return {
        "router": fleet.workers["router"][0].pid,
        "assigner": fleet.workers["assigner"][0].pid,
        "broker": fleet.service_pid("broker"),
        "redis": fleet.service_pid("redis"),
        "harness": os.getpid(),
    }


def judge_trends(samples: list[Sample], rate: float, warm_up_share: float) -> list[Trend]:
    """One verdict per lag, latency and CPU series on the samples after warm-up."""
    warm = samples[int(len(samples) * warm_up_share) :]
    trends = []
    for series, bound in default_bounds(rate).items():
        points = [(s.t, v) for s in warm if (v := getattr(s, series)) is not None]
        if len(points) >= 3:
            trends.append(judge_trend(series, points, bound))
    return trends


def _summarise(result: SoakResult, options: SoakOptions) -> list[str]:
    samples = result.samples
    if not samples:
        return ["no samples"]
    warm = samples[int(len(samples) * options.warm_up_share) :]
    head, tail = samples[: min(3, len(samples))], samples[-min(3, len(samples)) :]
    summary: dict[str, float | None] = {}
    problems = []
    for kind in ("router", "assigner"):
        rss = [(s.t, getattr(s, f"{kind}_rss_mib")) for s in warm]
        lag = [getattr(s, f"{kind}_lag") for s in samples]
        summary[f"{kind}_rss_start_mib"] = round(
            statistics.mean(x[1] for x in _pairs(head, kind)), 1
        )
        summary[f"{kind}_rss_end_mib"] = round(statistics.mean(x[1] for x in _pairs(tail, kind)), 1)
        slope = slope_per_minute(rss)[0]
        summary[f"{kind}_rss_trend_mib_per_min"] = round(slope, 3)
        summary[f"{kind}_lag_start"] = lag[0]
        summary[f"{kind}_lag_end"] = lag[-1]
        summary[f"{kind}_lag_max"] = max(lag)
        if slope > options.max_rss_growth_mib_per_min:
            problems.append(f"{kind} RSS grows {slope:.2f} MiB/min after warm-up")
        if lag[-1] > options.max_lag_records:
            problems.append(f"{kind} lag ends at {lag[-1]:.0f} records")
    for name in ("decision_p50_ms", "decision_p99_ms", "offer_p50_ms", "offer_p99_ms"):
        values = [v for s in warm if (v := getattr(s, name)) is not None]
        summary[f"{name}_median"] = round(statistics.median(values), 1) if values else None
    for name in _CPU_SERIES:
        summary[f"{name}_median_pct"] = round(statistics.median(getattr(s, name) for s in warm), 1)
    result.trends = judge_trends(samples, options.rate, options.warm_up_share)
    problems += [trend.why() for trend in result.trends if trend.grows]
    problems += diagnose_growth({t.series for t in result.trends if t.grows})
    result.summary = summary
    return problems


def diagnose_growth(grown: set[str]) -> list[str]:
    """What a set of growing series points at, when it points somewhere."""
    if "broker_cpu" in grown and not grown & {"router_cpu", "assigner_cpu"}:
        return [
            "the broker's own CPU grows while the workers' does not: the embedded "
            "broker's cost per fetch grows with every batch it stores "
            "(docs/embedded-broker.md; measure it with `omniroute bench broker-log`), "
            "and lag or latency that grow beside it are waits on the broker"
        ]
    return []


def _pairs(samples: list[Sample], kind: str) -> list[tuple[float, float]]:
    return [(s.t, getattr(s, f"{kind}_rss_mib")) for s in samples]


def plot_soak(result: SoakResult, path: Path) -> Path:
    import matplotlib  # noqa: PLC0415 - only the soak command draws

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    t = [s.t / 60 for s in result.samples]
    fig, axes = plt.subplots(5, 1, figsize=(9, 13), sharex=True)
    series = [
        ("RSS (MiB)", ("router_rss_mib", "assigner_rss_mib", "broker_rss_mib")),
        ("consumer lag (records)", ("router_lag", "assigner_lag")),
        ("event -> decision (ms)", ("decision_p50_ms", "decision_p99_ms")),
        ("decision -> first offer (ms)", ("offer_p50_ms", "offer_p99_ms")),
        ("CPU (% of a core)", _CPU_SERIES),
    ]
    for axis, (title, names) in zip(axes, series, strict=True):
        for name in names:
            values = [getattr(s, name) for s in result.samples]
            axis.plot(t, [v if v is not None else float("nan") for v in values], label=name)
        axis.set_ylabel(title)
        axis.legend(loc="upper left", fontsize="small")
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("minutes")
    fig.suptitle(f"omniroute soak {result.run_id}: {'OK' if result.ok else 'PROBLEMS'}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
