"""``omniroute soak``: a steady load for N minutes with the workers' RSS, consumer lag,
event->decision latency and decision->offer latency sampled every few seconds,
plotted to a PNG and summarised, with a trend check: after warm-up, memory and lag
must not keep growing."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omniroute.router.tools.harness import rss_mb

from ._books import BookReport
from ._fleet import Fleet, FleetOptions, metric_sum
from ._under_load import under_load

__all__ = ["Sample", "SoakOptions", "SoakResult", "plot_soak", "run_soak", "trend_per_minute"]


@dataclass(frozen=True, slots=True)
class SoakOptions:
    minutes: float = 10.0
    rate: float = 50.0
    interval: float = 5.0
    agents: int = 120
    """Twice the first soak's floor: with 60 agents at 50 contacts/s the queue and the
    offer waits grew all run (p99 120 s), which measured the staffing, not the system."""
    customers: int = 5000
    state_dir: Path = Path(".omniroute/soak")
    max_rss_growth_mib_per_min: float = 2.0
    max_lag_records: float = 500.0


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


@dataclass(slots=True)
class SoakResult:
    run_id: str
    samples: list[Sample] = field(default_factory=list)
    books: BookReport = field(default_factory=BookReport)
    summary: dict[str, float | None] = field(default_factory=dict)
    ok: bool = False
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "ok": self.ok,
            "problems": self.problems,
            "summary": self.summary,
            "books": self.books.as_dict(),
            "samples": [asdict(s) for s in self.samples],
        }


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    if len(values) < 2:
        return (values[0] * 1000, values[0] * 1000) if values else (None, None)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def trend_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 3:
        return 0.0
    slope = statistics.linear_regression([p[0] for p in points], [p[1] for p in points]).slope
    return slope * 60


def run_soak(options: SoakOptions) -> SoakResult:
    run_id = f"soak{uuid.uuid4().hex[:8]}"
    fleet = Fleet(FleetOptions(state_dir=options.state_dir / run_id, routers=1, assigners=1))
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
        while time.time() < end:
            time.sleep(options.interval)
            decisions = [s for _, s in ledger.decision_latencies[seen_decisions:]]
            offers = [s for _, s in ledger.offer_latencies[seen_offers:]]
            seen_decisions += len(decisions)
            seen_offers += len(offers)
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
                )
            )
        loaded.stop_load_and_drain(60)
        result.books = loaded.books()
        result.problems = _summarise(result, options) + [
            f"worker stopped: {w}" for w in fleet.crashed()
        ]
        result.ok = not result.problems and result.books.violations == 0
    return result


def _summarise(result: SoakResult, options: SoakOptions) -> list[str]:
    samples = result.samples
    if not samples:
        return ["no samples"]
    warm = samples[len(samples) // 3 :]  # after warm-up: the last two thirds
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
        slope = trend_per_minute(rss)
        summary[f"{kind}_rss_trend_mib_per_min"] = round(slope, 3)
        summary[f"{kind}_lag_start"] = lag[0]
        summary[f"{kind}_lag_end"] = lag[-1]
        summary[f"{kind}_lag_max"] = max(lag)
        if slope > options.max_rss_growth_mib_per_min:
            problems.append(f"{kind} RSS grows {slope:.2f} MiB/min after warm-up")
        lag_trend = trend_per_minute([(s.t, getattr(s, f"{kind}_lag")) for s in warm])
        summary[f"{kind}_lag_trend_per_min"] = round(lag_trend, 2)
        if lag[-1] > options.max_lag_records and lag_trend > 0:
            problems.append(f"{kind} lag ends at {lag[-1]:.0f} records and still grows")
    for name in ("decision_p50_ms", "decision_p99_ms", "offer_p50_ms", "offer_p99_ms"):
        values = [v for s in warm if (v := getattr(s, name)) is not None]
        summary[f"{name}_median"] = round(statistics.median(values), 1) if values else None
    result.summary = summary
    return problems


def _pairs(samples: list[Sample], kind: str) -> list[tuple[float, float]]:
    return [(s.t, getattr(s, f"{kind}_rss_mib")) for s in samples]


def plot_soak(result: SoakResult, path: Path) -> Path:
    import matplotlib  # noqa: PLC0415 - only the soak command draws

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    t = [s.t / 60 for s in result.samples]
    fig, axes = plt.subplots(4, 1, figsize=(9, 11), sharex=True)
    series = [
        ("RSS (MiB)", ("router_rss_mib", "assigner_rss_mib", "broker_rss_mib")),
        ("consumer lag (records)", ("router_lag", "assigner_lag")),
        ("event -> decision (ms)", ("decision_p50_ms", "decision_p99_ms")),
        ("decision -> first offer (ms)", ("offer_p50_ms", "offer_p99_ms")),
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
