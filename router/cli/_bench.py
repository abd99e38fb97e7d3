"""``omniroute bench``: performance numbers measured on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from omniroute.router.policy import default_policy, load_policy
from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.tools import (
    BenchResult,
    EmbeddedStack,
    bench_decisions,
    bench_end_to_end,
    bench_policy,
    bench_stage,
    free_port,
)
from omniroute.router.tools import main as run_assigner_bench

from ._common import console, friendly_errors

__all__ = ["bench_app"]

bench_app = typer.Typer(help="Measure throughput and latency on this machine.")


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


@bench_app.command()
@friendly_errors
def router(
    events: Annotated[int, typer.Option(min=1000)] = 100_000,
    customers: Annotated[int, typer.Option(min=1)] = 20_000,
    batch: Annotated[int, typer.Option(min=1)] = 1000,
    end_to_end: Annotated[bool, typer.Option(help="Also drain a backlog through a worker.")] = True,
    policy_file: Annotated[Path | None, typer.Option(help="Default: the shipped policy.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Router processes draining the backlog.")] = 1,
) -> None:
    """The router: pure policy, the stage with real Redis, and a worker end to end."""
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
    if end_to_end:
        results += bench_end_to_end(
            events=events, customers=customers, batch=batch, workers=workers
        )
    _print(results)


@bench_app.command()
def assigner(
    agents: Annotated[int, typer.Option(min=1)] = 10_000,
    contacts: Annotated[int, typer.Option(min=1)] = 100_000,
    events: Annotated[int, typer.Option(min=1)] = 20_000,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """The assignment core: agent-ready -> offer latency and state memory at scale."""
    run_assigner_bench(
        [
            "--agents",
            str(agents),
            "--contacts",
            str(contacts),
            "--events",
            str(events),
            "--seed",
            str(seed),
        ]
    )
