"""``omniroute bench``: performance numbers measured on this machine.

``omniroute bench`` alone runs everything side by side (ceiling, naive routers,
omniroute's router, assigner); ``bench router`` and ``bench assigner`` are the
parts on their own.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from omniroute.router.policy import default_policy, load_policy
from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.tools.bench import (
    BenchOptions,
    BenchResult,
    Progress,
    bench_decisions,
    bench_policy,
    bench_stage,
    measure_broker_log,
    run_assigner_bench,
    run_assigner_pool_bench,
    run_bench,
)
from omniroute.router.tools.harness import EmbeddedStack, free_port

from ._common import console
from ._errors import friendly_errors

__all__ = ["bench_app", "render_report"]

bench_app = typer.Typer(
    help="Measure throughput and latency on this machine.", invoke_without_command=True
)


def _print(results: list[BenchResult]) -> None:
    table = Table("measurement", "events", "seconds", "events/s", "us/event", "note")
    for r in results:
        table.add_row(
            r.name,
            f"{r.events:,}",
            f"{r.seconds:.3f}",
            f"{r.per_second:,.0f}",
            f"{r.micros_per_event:.1f}",
            r.note,
        )
    console.print(table)


def render_report(report: dict[str, Any]) -> Table:
    """The report as one table: what was measured, the figure, and its unit."""
    table = Table("measurement", "figure", "unit", title="omniroute bench")
    for part in report.get("parts", []):
        table.add_row(f"part: {part['name']}", f"{part['us_per_event']:.1f}", "us/event")
    rows = [
        ("ceiling: raw aiokafka consume -> produce", "ceiling_events_per_second", "events/s"),
        ("naive router: Faust, GET + send per event", "naive_events_per_second", "events/s"),
        ("naive router: Quix Streams, GET + if/else", "quix_naive_events_per_second", "events/s"),
        ("omniroute router, 1 worker, backlog", "router_1w_events_per_second", "events/s"),
        ("omniroute router, 2 workers, backlog", "router_2w_events_per_second", "events/s"),
        ("  1 worker per CPU-second it used", "router_1w_events_per_cpu_second", "events/s"),
        ("  2 workers per CPU-second they used", "router_2w_events_per_cpu_second", "events/s"),
        ("  1 worker: records per batch", "router_1w_records_per_batch", "records"),
        ("  2 workers: records per batch", "router_2w_records_per_batch", "records"),
    ]
    for label, key, unit in rows:
        if key not in report:  # a part not run (``--only``)
            continue
        value = report.get(key)
        if value is None and key.endswith("records_per_batch"):
            continue
        table.add_row(label, "skipped" if value is None else f"{value:,.0f}", unit)
    for key, where in (
        ("router_latency_fresh_log", "fresh broker each"),
        ("router_latency", "after the drains"),
    ):
        for step in report.get(key, []):
            table.add_row(
                f"event -> decision at {step['offered_per_second']:,}/s offered "
                f"({step['achieved_per_second']:,.0f}/s sent), {where}",
                f"{step['p50_ms']:.1f} / {step['p95_ms']:.1f} / {step['p99_ms']:.1f}",
                "ms p50/p95/p99",
            )
    assigner = report.get("assigner", {})
    if assigner:
        scale = f"{assigner['agents']:,} agents, {assigner['queued']:,} queued"
        table.add_row(f"assigner inputs ({scale})", f"{assigner['inputs_per_second']:,.0f}", "/s")
        if "inputs_per_cpu_second" in assigner:
            table.add_row(
                "  assigner inputs per CPU-second it used",
                f"{assigner['inputs_per_cpu_second']:,.0f}",
                "/s",
            )
        table.add_row(
            "assigner agent-ready -> offer",
            f"{assigner['ready_to_offer_p50_ms']:.1f} / {assigner['ready_to_offer_p99_ms']:.1f}",
            "ms p50/p99",
        )
        table.add_row(
            "assigner contact-arrived -> offer",
            f"{assigner['arrived_to_offer_p50_ms']:.1f} / "
            f"{assigner['arrived_to_offer_p99_ms']:.1f}",
            "ms p50/p99",
        )
        table.add_row("RSS assigner", f"{assigner['rss_mb']:.0f}", "MB")
    for workers in (1, 2):
        if f"router_{workers}w_rss_mb" not in report:
            continue
        rss = ", ".join(f"{m:.0f}" for m in report.get(f"router_{workers}w_rss_mb", []))
        table.add_row(f"RSS router, {workers} worker(s)", rss, "MB each")
    ratios = (
        ("ratio_to_ceiling", "{:.3f}", "router / ceiling"),
        ("ratio_to_naive", "{:.2f}", "router / the faster naive router"),
        ("ratio_to_quix_naive", "{:.2f}", "router / Quix Streams naive router"),
        ("ratio_two_workers", "{:.2f}", "2 workers / 1, events/s"),
        ("two_workers_cpu_efficiency", "{:.2f}", "2 workers / 1, events per CPU-second"),
    )
    for key, shape, unit in ratios:
        if key not in report:
            continue
        value = report.get(key)
        table.add_row(key, "-" if value is None else shape.format(value), unit)
    table.caption = (
        f"{report['cpus']} CPUs, load average {report['load_average_before']} before, "
        f"{report['load_average_after']} after; {report['seconds']:.0f} s; "
        f"yardstick {report['python_cpu_ms']:.0f} ms CPU for a fixed Python loop"
    )
    return table


@bench_app.callback()
@friendly_errors
def everything(
    ctx: typer.Context,
    short: Annotated[bool, typer.Option(help="Every part on small numbers (seconds).")] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report here.")
    ] = None,
    state_dir: Annotated[Path, typer.Option(help="Logs and bench.json.")] = Path(
        ".omniroute/bench"
    ),
    events: Annotated[int | None, typer.Option(help="Backlog size for the drains.")] = None,
    agents: Annotated[int | None, typer.Option(help="Assigner agents.")] = None,
    queued: Annotated[int | None, typer.Option(help="Assigner queued contacts.")] = None,
    quix_python: Annotated[
        Path | None,
        typer.Option(
            help="A Python with Quix Streams for the Quix anchor "
            "(default: this one if it has it, else .venv-quix from ./dev.sh bench-env)."
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            help="Run one part alone on a stack of its own: 'assigner' (through the broker)."
        ),
    ] = None,
) -> None:
    """Ceiling, naive router, omniroute's router and the assigner, side by side."""
    if ctx.invoked_subcommand is not None:
        return
    if only not in (None, "assigner"):
        raise typer.BadParameter(
            f"unknown part {only!r}: the one part is 'assigner'", param_hint="--only"
        )
    options = BenchOptions.quick(state_dir) if short else BenchOptions(state_dir=state_dir)
    options = replace(
        options,
        events=events or options.events,
        agents=agents or options.agents,
        queued=queued or options.queued,
        quix_python=quix_python,
    )
    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        current: list[TaskID] = []

        def start(name: str, total: int) -> None:
            if current:
                bar.update(current[-1], completed=bar.tasks[-1].total)
            current.append(bar.add_task(name, total=total))

        def advance(count: int) -> None:
            if current:
                bar.advance(current[-1], count)

        run = run_assigner_bench if only == "assigner" else run_bench
        report = run(options, progress=Progress(start, advance))
        if current:
            bar.update(current[-1], completed=bar.tasks[-1].total)
    console.print(render_report(report))
    for key in ("ceiling_settings", "naive_settings", "quix_naive_settings"):
        if report.get(key):
            console.print(f"{key}: {report[key]}")
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2))
        console.print(f"report: {json_path}")


@bench_app.command()
@friendly_errors
def router(
    events: Annotated[int, typer.Option(min=1000)] = 100_000,
    customers: Annotated[int, typer.Option(min=1)] = 20_000,
    batch: Annotated[int, typer.Option(min=1)] = 1000,
    policy_file: Annotated[Path | None, typer.Option(help="Default: the shipped policy.")] = None,
) -> None:
    """The router's parts: pure policy, and the stage with real Redis."""
    policy = load_policy(policy_file) if policy_file else default_policy()
    results = [
        bench_decisions(policy, events=events, customers=customers),
        bench_policy(policy, events=events, customers=customers),
    ]
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}"),
        redis=RedisSettings(port=free_port()),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    try:
        results += bench_stage(settings, policy, events=events, customers=customers, batch=batch)
    finally:
        stack.down()
    _print(results)


@bench_app.command("broker-log")
@friendly_errors
def broker_log(
    steps: Annotated[int, typer.Option(min=1)] = 4,
    batches_per_step: Annotated[int, typer.Option(min=1000)] = 25_000,
    seconds: Annotated[float, typer.Option(min=0.5)] = 4.0,
) -> None:
    """The embedded broker's CPU per request as its log grows (docs/embedded-broker.md)."""
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}"),
        redis=RedisSettings(port=free_port()),
        state_dir=Path(tempfile.mkdtemp(prefix="omniroute-broker-log-")),
    )
    stack = EmbeddedStack(settings)  # a broker of its own: nothing else may load it
    stack.up()
    try:
        pid = next(c.pid for c in stack.status() if c.name == "kafka")
        if pid is None:
            raise typer.BadParameter("the embedded broker did not start")
        steps_measured = measure_broker_log(
            settings.kafka.bootstrap_servers,
            pid,
            steps=steps,
            batches_per_step=batches_per_step,
            seconds=seconds,
        )
    finally:
        stack.down()
    table = Table(
        "batches stored",
        "produce (us CPU)",
        "idle reader (% of a core)",
        "fetch with data (us CPU)",
        title="embedded broker: its own CPU per request",
    )
    for step in steps_measured:
        table.add_row(
            f"{step.stored_batches:,}",
            f"{step.produce_us:,.0f}",
            f"{step.idle_reader_pct:.1f}",
            f"{step.data_fetch_us:,.0f}",
        )
    console.print(table)


@bench_app.command()
def assigner(
    agents: Annotated[int, typer.Option(min=1)] = 10_000,
    contacts: Annotated[int, typer.Option(min=1)] = 100_000,
    events: Annotated[int, typer.Option(min=1)] = 20_000,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """The assignment pool in process: agent-ready -> offer latency and state memory."""
    run_assigner_pool_bench(agents=agents, contacts=contacts, events=events, seed=seed)
