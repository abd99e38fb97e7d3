"""``omniroute sim``: what a routing policy and a staffing level do to service
level and waits, from a discrete-event simulation of the real pool and policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..tools.sim import ErlangRun
from ..tools.sim._day import simulate_day
from ..tools.sim._day_report import day_report
from ..tools.sim._plots import plot_service_level_by_interval, plot_waits_by_priority
from ..tools.sim._scenario import ScenarioError, load_scenario
from ._common import console
from ._policy import load_or_exit

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


def _summary_table(title: str, rows: dict[str, dict[str, float]]) -> Table:
    table = Table(title, "offered", "SL", "ASA s", "p90 s", "abandoned", title=None)
    for key, figures in rows.items():
        table.add_row(
            key,
            f"{figures['offered']:.0f}",
            f"{figures['service_level']:.1%}",
            f"{figures['asa_seconds']:.1f}",
            f"{figures['wait_p90_seconds']:.0f}",
            f"{figures['abandon_rate']:.1%}",
        )
    return table


@sim_app.command("run")
def run_scenario(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML (deploy/scenarios/).")],
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Policy file; omitted: the default policy.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where report.json and the plots go.")] = Path(
        "sim-out"
    ),
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
) -> None:
    """Simulate a scenario's day through the policy and the pool: service level,
    ASA, abandonment, occupancy and waits per queue, priority and channel, and plots."""
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as error:
        for line in str(error).split("; "):
            console.print(f"[red]scenario error:[/] {line}")
        raise typer.Exit(1) from error
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    policy = load_or_exit(policy_file)
    try:
        result = simulate_day(scenario, policy)
    except ScenarioError as error:
        console.print(f"[red]scenario error:[/] {error}")
        raise typer.Exit(1) from error
    report = day_report(result)
    overall = report["overall"]
    console.print(
        f"{scenario.name}: {report['arrived']} contacts, {report['contained_by_automation']} "
        f"contained by automation; to agents: SL {overall['service_level']:.1%}, "
        f"ASA {overall['asa_seconds']:.1f} s, abandoned {overall['abandon_rate']:.1%}, "
        f"occupancy {overall['occupancy']:.1%} (policy {report['policy_version']})"
    )
    for label in ("queue", "priority", "channel"):
        console.print(_summary_table(label, report[f"by_{label}"]))
    _write_json(out / "report.json", report)
    for path in (
        plot_service_level_by_interval(result, out / "service-level-by-interval.png"),
        plot_waits_by_priority(result, out / "waits-by-priority.png"),
    ):
        console.print(f"wrote {path}")
