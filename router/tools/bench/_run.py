"""``omniroute bench``: one run, one broker, one Redis, every figure side by side.

The ceiling (raw aiokafka copy, configured and pipelined as the router's loop is),
the naive routers a user would write (Faust and Quix Streams, one event at a time,
each with the same fetch wait as omniroute's router), omniroute's router (1 and 2
worker processes draining a backlog, latency at fixed offered loads), the assigner
through the broker, RSS per worker and the ratios between them.
A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from omniroute.router.policy import default_policy
from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.stages.routing import connect_redis, recent_key
from omniroute.router.tools.harness import (
    EmbeddedStack,
    cpu_seconds,
    create_extra_topics,
    free_port,
    seed_customers,
)

from ._anchors import run_faust_naive, run_quix_naive
from ._assigner_broker import AssignerMeasure, measure_assigner
from ._backlog import make_backlog, produce_all, python_cpu_ms
from ._ceiling import run_ceiling
from ._naive import NAIVE_SINK, NAIVE_SOURCE, QUIX_SINK, QUIX_SOURCE
from ._router_broker import drain, offered_load, router_fleet, worker_rss
from ._router_parts import bench_decisions, bench_policy, bench_stage

__all__ = ["RATIO_KEYS", "BenchOptions", "Progress", "run_assigner_bench", "run_bench"]

CEILING_SOURCE = "omniroute.bench.ceiling-in"
CEILING_SINK = "omniroute.bench.ceiling-out"
RATIO_KEYS = (
    "ratio_to_ceiling",
    "ratio_to_naive",
    "ratio_to_quix_naive",
    "ratio_two_workers",
    "two_workers_cpu_efficiency",
)


@dataclass(frozen=True, slots=True)
class BenchOptions:
    short: bool = False
    events: int = 100_000
    customers: int = 20_000
    naive_events: int = 20_000
    loads: tuple[int, ...] = (500, 2000, 5000)
    load_seconds: float = 10.0
    agents: int = 10_000
    queued: int = 100_000
    probes: int = 200
    partitions: int = 6
    batch: int = 1000
    state_dir: Path = Path(".omniroute/bench")
    timeout: float = 600.0
    quix_python: Path | None = None
    """An interpreter with Quix Streams; None: found (``quix_python``) or skipped."""

    @classmethod
    def quick(cls, state_dir: Path = Path(".omniroute/bench")) -> BenchOptions:
        """Seconds, not minutes: every part runs, on small numbers (CI uses it)."""
        return cls(
            short=True,
            events=3000,
            customers=1000,
            naive_events=600,
            loads=(200, 1000),
            load_seconds=1.5,
            agents=100,
            queued=500,
            probes=10,
            state_dir=state_dir,
            timeout=120.0,
        )


@dataclass(slots=True)
class Progress:
    """What the CLI shows: ``start(name, total)`` then ``advance(n)``; silent by default."""

    start: Callable[[str, int], None] = lambda name, total: None
    advance: Callable[[int], None] = lambda n: None


def _settings(options: BenchOptions) -> Settings:
    return Settings(
        kafka=KafkaSettings(
            bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=options.partitions
        ),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_max_records=options.batch),
        state_dir=options.state_dir,
        metrics_port=free_port(),
        log_level="WARNING",
    )


def _finish(report: dict[str, Any], options: BenchOptions, started: float, name: str) -> None:
    report["load_average_after"] = round(os.getloadavg()[0], 2)
    report["seconds"] = round(time.perf_counter() - started, 1)
    (options.state_dir / name).write_text(json.dumps(report, indent=2))


def _flush_redis(settings: Settings) -> None:
    async def flush() -> None:
        client = connect_redis(settings.redis)
        await client.flushdb()
        await client.aclose()

    asyncio.run(flush())


def _clear_histories(settings: Settings) -> None:
    """Every customer's history gone, profiles kept: each drain starts from the same
    state. The 2-worker drain otherwise met the histories the 1-worker drain wrote
    (its customers are the same), longer and to be parsed on first touch."""

    async def clear() -> None:
        client = connect_redis(settings.redis)
        keys = [key async for key in client.scan_iter(match=recent_key("*"), count=5000)]
        for start in range(0, len(keys), 5000):
            await client.delete(*keys[start : start + 5000])
        await client.aclose()

    asyncio.run(clear())


def _micro(settings: Settings, options: BenchOptions, report: dict[str, Any]) -> None:
    policy = default_policy()
    count = max(1000, options.events // 5)
    results = [
        bench_decisions(policy, events=count, customers=options.customers),
        bench_policy(policy, events=count, customers=options.customers),
        *bench_stage(
            settings, policy, events=count, customers=options.customers, batch=options.batch
        ),
    ]
    report["parts"] = [
        {
            "name": r.name,
            "events": r.events,
            "us_per_event": round(r.micros_per_event, 2),
            "events_per_second": round(r.per_second, 1),
        }
        for r in results
    ]


def _ceiling(
    settings: Settings, options: BenchOptions, progress: Progress, report: dict[str, Any]
) -> None:
    bootstrap = settings.kafka.bootstrap_servers
    backlog = make_backlog("ceil", options.events, options.customers)
    progress.start("ceiling: raw aiokafka copy, pipelined", len(backlog.records))
    asyncio.run(produce_all(bootstrap, CEILING_SOURCE, backlog.records))
    figures = asyncio.run(
        run_ceiling(
            settings,
            CEILING_SOURCE,
            CEILING_SINK,
            expected=len(backlog.records),
            batch=options.batch,
            wait=options.timeout,
        )
    )
    progress.advance(len(backlog.records))
    report["ceiling_events_per_second"] = round(figures.events_per_second, 1)
    report["ceiling_settings"] = figures.settings


def _router(
    settings: Settings,
    options: BenchOptions,
    progress: Progress,
    report: dict[str, Any],
    broker_pid: int | None,
) -> None:
    """The 1- and 2-worker drains back to back, then the latency runs on one worker.

    Back to back because the embedded broker's fetch cost grows with its log
    (docs/embedded-broker.md): with the latency runs' ~85k events between them, the
    second drain met a bigger log than the first, and ``ratio_two_workers`` measured
    that too. Each from no history (``_clear_histories``). The broker's own CPU
    during each drain is reported beside it."""
    for workers in (1, 2):
        backlog = make_backlog(f"r{workers}w", options.events, options.customers)
        progress.start(f"router: {workers} worker(s) drain a backlog", backlog.routable)
        _clear_histories(settings)
        with router_fleet(settings, workers, options.state_dir) as fleet:
            broker_before = cpu_seconds(broker_pid) if broker_pid else 0.0
            figures = drain(
                settings, fleet, backlog, timeout=options.timeout, on_progress=progress.advance
            )
            prefix = f"router_{workers}w"
            report[f"{prefix}_events_per_second"] = round(figures.events_per_second, 1)
            report[f"{prefix}_events_per_cpu_second"] = round(
                len(backlog.records) / max(figures.cpu_seconds, 1e-3), 1
            )
            report[f"{prefix}_cpu_seconds"] = round(figures.cpu_seconds, 2)
            if broker_pid:
                report[f"{prefix}_broker_cpu_seconds"] = round(
                    cpu_seconds(broker_pid) - broker_before, 2
                )
            report[f"{prefix}_records_per_batch"] = round(
                len(backlog.records) / max(figures.batches, 1), 1
            )
            report[f"{prefix}_rss_mb"] = [round(m, 1) for m in worker_rss(fleet)]
    report["router_latency"] = _latency_runs(
        settings, options, progress, "after the drains", options.loads
    )


def _latency_runs(
    settings: Settings,
    options: BenchOptions,
    progress: Progress,
    where: str,
    loads: tuple[int, ...],
) -> list[dict[str, Any]]:
    """Event -> decision at each offered load, on one router worker."""
    latency = []
    with router_fleet(settings, 1, options.state_dir):
        for rate in loads:
            progress.start(f"router: latency at {rate} events/s offered, {where}", 1)
            measured = offered_load(
                settings,
                rate,
                options.load_seconds,
                run_id=f"lat{rate}",
                customers=options.customers,
            )
            progress.advance(1)
            latency.append(
                {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(measured).items()}
            )
    return latency


def _latency_on_a_fresh_broker(
    options: BenchOptions, progress: Progress, report: dict[str, Any]
) -> None:
    """Each latency run again, each on a stack of its own whose log holds only it.

    The embedded broker lists a partition's stored batches on every fetch that
    returns data (docs/embedded-broker.md), so its hops slow down as its log grows:
    at 5,000/s one router worker measured p99 ~100 ms on a fresh log, ~220 ms after
    the 500/s and 2,000/s runs and 225-335 ms after the drains (2026-12-05), with
    the same code. Apache Kafka finds a fetch offset through an index. These runs
    measure the router; those after the drains are kept beside them, to show the
    broker."""
    latency: list[dict[str, Any]] = []
    for rate in options.loads:
        settings = _settings(options)
        with EmbeddedStack(settings):
            seed_customers(settings, options.customers)
            latency += _latency_runs(settings, options, progress, "fresh broker", (rate,))
    report["router_latency_fresh_log"] = latency


def _ratios(report: dict[str, Any]) -> None:
    one = report["router_1w_events_per_second"]
    quix = report.get("quix_naive_events_per_second")
    naive = max(report["naive_events_per_second"], quix or 0.0)
    report["ratio_to_ceiling"] = round(one / report["ceiling_events_per_second"], 4)
    report["ratio_to_naive"] = round(one / naive, 2)
    report["ratio_to_quix_naive"] = round(one / quix, 2) if quix else None
    report["ratio_two_workers"] = round(report["router_2w_events_per_second"] / one, 3)
    report["two_workers_cpu_efficiency"] = round(
        report["router_2w_events_per_cpu_second"] / report["router_1w_events_per_cpu_second"], 3
    )


def _assigner(
    settings: Settings,
    options: BenchOptions,
    progress: Progress,
    report: dict[str, Any],
    assigner: AssignerMeasure,
) -> None:
    progress.start("assigner through the broker", options.agents + options.queued)
    figures = assigner(
        settings,
        agents=options.agents,
        queued=options.queued,
        probes=options.probes,
        log_dir=options.state_dir,
        on_progress=progress.advance,
    )
    report["assigner"] = {
        k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(figures).items()
    }


def _report_head(options: BenchOptions) -> dict[str, Any]:
    return {
        "short": options.short,
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "python_cpu_ms": round(python_cpu_ms(), 1),
        "events": options.events,
        "customers": options.customers,
    }


def run_assigner_bench(
    options: BenchOptions,
    *,
    progress: Progress | None = None,
    assigner: AssignerMeasure = measure_assigner,
) -> dict[str, Any]:
    """Only the assigner through the broker (``omniroute bench --only assigner``), on
    a stack of its own, with the same yardstick and report keys as ``run_bench``:
    a change to the assigner is measured in a minute, not the whole bench's three."""
    progress = progress or Progress()
    options.state_dir.mkdir(parents=True, exist_ok=True)
    report = _report_head(options)
    started = time.perf_counter()
    settings = _settings(options)
    with EmbeddedStack(settings):
        _assigner(settings, options, progress, report, assigner)
    _finish(report, options, started, "bench-assigner.json")
    return report


def run_bench(
    options: BenchOptions,
    *,
    progress: Progress | None = None,
    assigner: AssignerMeasure = measure_assigner,
) -> dict[str, Any]:
    """Every part on one private stack; returns the report (also written as JSON
    to ``state_dir/bench.json``)."""
    progress = progress or Progress()
    options.state_dir.mkdir(parents=True, exist_ok=True)
    report = _report_head(options)
    started = time.perf_counter()
    settings = _settings(options)
    with EmbeddedStack(settings) as stack:
        create_extra_topics(
            settings.kafka.bootstrap_servers,
            [CEILING_SOURCE, CEILING_SINK, NAIVE_SOURCE, NAIVE_SINK, QUIX_SOURCE, QUIX_SINK],
            options.partitions,
        )
        progress.start("parts: policy alone, stage with Redis", 1)
        _micro(settings, options, report)
        progress.advance(1)
        _flush_redis(settings)
        seed_customers(settings, options.customers)
        _ceiling(settings, options, progress, report)
        run_faust_naive(settings, options, progress, report)
        run_quix_naive(settings, options, progress, report)
        # Before the router parts: the assigner reads assigner-input from the start,
        # and the router's decisions there would be a backlog ahead of this part's.
        _assigner(settings, options, progress, report, assigner)
        broker = next((c.pid for c in stack.status() if c.name == "kafka"), None)
        _router(settings, options, progress, report, broker)
    _latency_on_a_fresh_broker(options, progress, report)
    _ratios(report)
    _finish(report, options, started, "bench.json")
    return report
