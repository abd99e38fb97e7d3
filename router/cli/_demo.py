"""``omniroute seed``, ``omniroute traffic`` and ``omniroute demo``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from omniroute.router.tools import (
    DemoOptions,
    TrafficGenerator,
    publish_traffic,
    run_demo,
    seed_customers,
)

from ._common import console, friendly_errors, load_settings

__all__ = ["demo", "seed", "traffic"]


@friendly_errors
def seed(
    customers: Annotated[int, typer.Option(min=1, help="How many customer profiles.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same customers.")] = 7,
) -> None:
    """Load a realistic customer base (tiers, ARPU, segments, names) into Redis."""
    count = seed_customers(load_settings(), customers, seed)
    console.print(f"seeded {count} customers")


@friendly_errors
def traffic(
    events: Annotated[int, typer.Option(min=1)] = 10_000,
    rate: Annotated[float, typer.Option(min=0, help="Events per second; 0 = flat out.")] = 1000,
    customers: Annotated[int, typer.Option(min=1, help="Customer ids to draw from.")] = 20_000,
    bad_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of malformed events.")
    ] = 0.02,
    seed: Annotated[int, typer.Option()] = 11,
) -> None:
    """Publish a realistic mix of contacts across all channels."""
    settings = load_settings()
    generator = TrafficGenerator(
        customers, seed=seed, bad_share=bad_share, run_id=f"run{uuid.uuid4().hex[:8]}"
    )
    with Progress(console=console) as progress:
        task = progress.add_task("traffic", total=events)
        report = publish_traffic(
            settings.kafka.bootstrap_servers,
            generator.next,
            count=events,
            rate=rate,
            on_progress=lambda n: progress.advance(task, n),
        )
    console.print(
        f"sent {sum(report.kinds.values())} events in {report.seconds:.1f} s "
        f"({report.routable} to decide, {report.bad} malformed)"
    )


@friendly_errors
def demo(
    customers: Annotated[int, typer.Option(min=1)] = 20_000,
    events: Annotated[int, typer.Option(min=1)] = 9_000,
    rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="Events per second; 0 = flat out. Above ~400/s one assigner falls behind "
            "on 2 cores (about 2.5 Faust events per contact event; ~1.1k/s per worker).",
        ),
    ] = 300,
    bad_share: Annotated[float, typer.Option(min=0, max=1)] = 0.02,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all outputs.")] = 120,
    agents: Annotated[
        int, typer.Option(min=1, help="Simulated agents (staffed for the default rate).")
    ] = 300,
    state_dir: Annotated[Path, typer.Option(help="Logs of this run.")] = Path(".omniroute/demo"),
    record: Annotated[
        Path | None, typer.Option(help="Write the run's events and decisions here (for replay).")
    ] = None,
) -> None:
    """Stack up, seed, start the router, send traffic, print a summary, tear down."""
    options = DemoOptions(
        customers=customers,
        events=events,
        rate=rate,
        bad_share=bad_share,
        timeout=timeout,
        agents=agents,
        state_dir=state_dir,
        record_dir=record,
    )
    outputs = run_demo(options, console)
    if outputs.decisions == 0:
        raise typer.Exit(1)
