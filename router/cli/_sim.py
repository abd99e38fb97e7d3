"""``omniroute sim``: what a routing policy and a staffing level do to service
level and waits, from a discrete-event simulation of the real pool and policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..tools.sim import ErlangRun
from ._common import console

__all__ = ["sim_app"]

sim_app = typer.Typer(
    help="Simulate a floor through the real policy and pool.", no_args_is_help=True
)


def _write_json(path: Path | None, payload: object) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True)
    if path is None:
        typer.echo(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    console.print(f"wrote {path}")


@sim_app.command()
def erlang(
    arrivals_per_hour: Annotated[float, typer.Option(min=0.001, help="Poisson arrival rate.")],
    aht_seconds: Annotated[float, typer.Option(min=0.001, help="Mean handle time (exponential).")],
    agents: Annotated[int, typer.Option(min=1, help="Agents, one contact at a time each.")],
    target_seconds: Annotated[float, typer.Option(min=0, help="Service-level threshold.")] = 20.0,
    patience_seconds: Annotated[
        float | None,
        typer.Option(min=0.001, help="Mean patience (exponential); none: nobody leaves."),
    ] = None,
    hours: Annotated[float, typer.Option(min=0.01, help="Simulated hours measured.")] = 100.0,
    warmup_hours: Annotated[float, typer.Option(min=0, help="Simulated, not measured.")] = 0.5,
    seed: Annotated[int, typer.Option(help="Same seed, same result.")] = 1,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result here.")] = None,
) -> None:
    """One FIFO queue (M/M/n, or M/M/n+M with patience) through the real pool:
    service level, ASA, abandonment and occupancy, with Erlang C beside it."""
    result = ErlangRun(
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        agents=agents,
        target_seconds=target_seconds,
        hours=hours,
        seed=seed,
        patience_seconds=patience_seconds,
        warmup_hours=warmup_hours,
    ).run()
    table = Table("measure", "simulated", "Erlang C")
    table.add_row(
        "service level",
        f"{result['service_level']:.1%}",
        f"{result.get('erlang_c_service_level', float('nan')):.1%}",
    )
    table.add_row(
        "ASA (s)",
        f"{result['asa_seconds']:.1f}",
        f"{result.get('erlang_c_asa_seconds', float('nan')):.1f}",
    )
    table.add_row("abandoned", f"{result['abandon_rate']:.1%}", "-")
    offered = arrivals_per_hour * aht_seconds / 3600
    table.add_row("occupancy", f"{result['occupancy']:.1%}", f"{offered / agents:.1%}")
    console.print(table)
    _write_json(json_out, result)
