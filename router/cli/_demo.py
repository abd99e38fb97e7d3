"""``omniroute seed``, ``omniroute traffic`` and ``omniroute demo``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from omniroute.router.runtime import kafka_python_security
from omniroute.router.tools.demo import DEFAULT_SCENARIO, DemoOptions, run_demo
from omniroute.router.tools.harness import TrafficGenerator, publish_traffic, seed_customers

from ._common import console, load_settings
from ._errors import friendly_errors

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
            kafka_config=kafka_python_security(settings.kafka),
        )
    console.print(
        f"sent {sum(report.kinds.values())} events in {report.seconds:.1f} s "
        f"({report.routable} to decide, {report.bad} malformed)"
    )


@friendly_errors
def demo(
    customers: Annotated[int, typer.Option(min=1)] = 20_000,
    events: Annotated[int, typer.Option(min=1)] = 1_250,
    rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="Events per second; 0 = flat out. On 2 cores one router worker drains ~8-10k/s "
            "and one assigner ~11-13k inputs/s (omniroute bench; docs/performance.md).",
        ),
    ] = 25,
    bad_share: Annotated[float, typer.Option(min=0, max=1)] = 0.02,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all outputs.")] = 120,
    agents: Annotated[
        int, typer.Option(min=1, help="Agents of the toy floor (--toy-floor only).")
    ] = 300,
    scenario: Annotated[
        Path,
        typer.Option(help="Handle, answer and patience times of the floor (a sim scenario)."),
    ] = DEFAULT_SCENARIO,
    toy_floor: Annotated[
        bool,
        typer.Option(help="The old floor: agents answer in 0.05-0.3 s and handle in 0.2-0.8 s."),
    ] = False,
    compression: Annotated[
        float,
        typer.Option(min=1, help="Floor seconds per wall second: durations are divided by it."),
    ] = 20.0,
    service_level: Annotated[
        float,
        typer.Option(min=0.05, max=0.99, help="Erlang C staffs each pool and channel for it."),
    ] = 0.8,
    compare: Annotated[
        bool,
        typer.Option(help="Replay the run's contacts in the simulator; print both side by side."),
    ] = False,
    state_dir: Annotated[Path, typer.Option(help="Logs of this run.")] = Path(".omniroute/demo"),
    record: Annotated[
        Path | None, typer.Option(help="Write the run's events and decisions here (for replay).")
    ] = None,
) -> None:
    """Stack up, seed, start the router, send traffic, print a summary, tear down.

    The agent floor is a real one sped up: the scenario's handle, answer and patience
    times divided by --compression, staffed by Erlang C for the traffic's load."""
    options = DemoOptions(
        customers=customers,
        events=events,
        rate=rate,
        bad_share=bad_share,
        timeout=timeout,
        agents=agents,
        state_dir=state_dir,
        record_dir=record,
        scenario=None if toy_floor else scenario,
        compression=compression,
        service_level=service_level,
        compare=compare,
    )
    outputs = run_demo(options, console).outputs
    if outputs.decisions == 0:
        raise typer.Exit(1)
