"""``omniroute sim``: what a routing policy and a staffing level do to service
level and waits, from a discrete-event simulation of the real pool and policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..tools.sim import (
    DesignResult,
    ErlangRun,
    OverflowPair,
    ScenarioError,
    VipTraffic,
    agents_for_service_level,
    day_report,
    erlang_c_service_level,
    evaluate,
    fewest_dedicated,
    fewest_shared,
    load_scenario,
    plot_lines,
    plot_service_level_by_interval,
    plot_waits_by_priority,
    simulate_day,
    staffing_table,
)
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
    wrap_up_seconds: Annotated[
        float,
        typer.Option(min=0, help="The queue's wrap-up time: the pool holds each agent this long."),
    ] = 0.0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result here.")] = None,
) -> None:
    """One FIFO queue (M/M/n, or M/M/n+M with patience) through the real pool:
    service level, ASA, abandonment and occupancy, with Erlang C beside it. With a
    wrap-up time, Erlang C's handle time is the handle time plus the wrap-up."""
    result = ErlangRun(
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        agents=agents,
        target_seconds=target_seconds,
        hours=hours,
        seed=seed,
        patience_seconds=patience_seconds,
        warmup_hours=warmup_hours,
        wrap_up_seconds=wrap_up_seconds,
    ).run()
    nan = float("nan")
    held = f"Erlang C (AHT {aht_seconds:g} + wrap-up {wrap_up_seconds:g} s)"
    columns = ["measure", "simulated", held if wrap_up_seconds else "Erlang C"]
    talk_only = "erlang_c_talk_only_service_level" in result
    if talk_only:
        columns.append(f"Erlang C (AHT {aht_seconds:g} s, wrap-up left out)")
    table = Table(*columns)

    def row(name: str, simulated: str, key: str, fmt: str) -> None:
        cells = [name, simulated, format(result.get(f"erlang_c_{key}", nan), fmt)]
        if talk_only:
            cells.append(format(result.get(f"erlang_c_talk_only_{key}", nan), fmt))
        table.add_row(*cells)

    row("service level", f"{result['service_level']:.1%}", "service_level", ".1%")
    row("ASA (s)", f"{result['asa_seconds']:.1f}", "asa_seconds", ".1f")
    table.add_row("abandoned", f"{result['abandon_rate']:.1%}", "-", *(["-"] if talk_only else []))
    offered = arrivals_per_hour * (aht_seconds + wrap_up_seconds) / 3600
    talk = arrivals_per_hour * aht_seconds / 3600
    table.add_row(
        "occupancy",
        f"{result['occupancy']:.1%}",
        f"{offered / agents:.1%}",
        *([f"{talk / agents:.1%}"] if talk_only else []),
    )
    console.print(table)
    _write_json(json_out, result)


@sim_app.command()
def overflow(
    arrivals_per_hour: Annotated[float, typer.Option(min=0.001, help="Per pool, Poisson.")],
    aht_seconds: Annotated[float, typer.Option(min=0.001, help="Mean handle time (exponential).")],
    agents: Annotated[int, typer.Option(min=1, help="Agents per pool.")],
    after: Annotated[
        list[float] | None,
        typer.Option(min=0.001, help="Overflow after this many seconds in queue (repeatable)."),
    ] = None,
    target_seconds: Annotated[float, typer.Option(min=0, help="Service-level threshold.")] = 20.0,
    hours: Annotated[float, typer.Option(min=0.01, help="Simulated hours measured.")] = 100.0,
    seed: Annotated[int, typer.Option(help="Same seed, same result.")] = 1,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results here.")] = None,
) -> None:
    """Two identical pools whose contacts overflow to each other after a wait, through
    the real pool: service level and ASA beside Erlang C for the separate pools (no
    overflow) and for one pooled queue (the most sharing can give)."""
    steps: list[float | None] = [None, *(after or [60.0, 20.0, 5.0])]
    results = [
        OverflowPair(
            arrivals_per_hour=arrivals_per_hour,
            aht_seconds=aht_seconds,
            agents=agents,
            target_seconds=target_seconds,
            overflow_after=step,
            hours=hours,
            seed=seed,
        ).run()
        for step in steps
    ]
    table = Table("overflow after", "overflowed", "SL", "ASA s")
    for result in results:
        step = result["overflow_after"]
        table.add_row(
            "never" if step is None else f"{step:g} s",
            f"{result['overflowed_share']:.1%}",
            f"{result['service_level']:.1%}",
            f"{result['asa_seconds']:.1f}",
        )
    first = results[0]
    for name in ("separate", "pooled"):
        table.add_row(
            f"Erlang C {name}",
            "-",
            f"{first[f'erlang_c_{name}_service_level']:.1%}",
            f"{first[f'erlang_c_{name}_asa_seconds']:.1f}",
        )
    console.print(table)
    _write_json(json_out, results)


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
    for step, count in report["overflowed"].items():
        console.print(f"overflowed {step}: {count}")
    _write_json(out / "report.json", report)
    for path in (
        plot_service_level_by_interval(result, out / "service-level-by-interval.png"),
        plot_waits_by_priority(result, out / "waits-by-priority.png"),
    ):
        console.print(f"wrote {path}")


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


@sim_app.command("staffing")
def staffing(
    loads: Annotated[str, typer.Option(help="Arrivals per hour, comma-separated.")] = (
        "60,120,240,480"
    ),
    aht_seconds: Annotated[float, typer.Option(min=1)] = 180.0,
    target_seconds: Annotated[float, typer.Option(min=0)] = 20.0,
    service_level: Annotated[float, typer.Option(min=0.01, max=0.999)] = 0.80,
    hours: Annotated[float, typer.Option(min=1, help="Simulated hours per staffing.")] = 100.0,
    seed: Annotated[int, typer.Option()] = 1,
    out: Annotated[Path, typer.Option(help="Where staffing.md/.json/.png go.")] = Path("docs/sim"),
) -> None:
    """Agents needed for the service level at each load: Erlang C and the simulator."""
    rows = staffing_table(
        [float(x) for x in loads.split(",")],
        aht_seconds=aht_seconds,
        target_seconds=target_seconds,
        service_level=service_level,
        hours=hours,
        seed=seed,
    )
    goal = f"{service_level:.0%}/{target_seconds:.0f}s"
    table = _markdown(
        ["arrivals/h", "AHT s", "erlangs", f"Erlang C agents for {goal}", "Erlang C SL",
         f"simulated agents for {goal}", "simulated SL"],
        [
            [f"{r.arrivals_per_hour:.0f}", f"{r.aht_seconds:.0f}",
             f"{r.arrivals_per_hour * r.aht_seconds / 3600:.1f}", str(r.erlang_c_agents),
             f"{r.erlang_c_service_level:.1%}", str(r.simulated_agents),
             f"{r.simulated_service_level:.1%}"]
            for r in rows
        ],
    )  # fmt: skip
    note = (
        f"# Staffing for {goal}: Erlang C and the simulator\n\n"
        f"`omniroute sim staffing --loads {loads} --aht-seconds {aht_seconds:.0f} "
        f"--hours {hours:.0f} --seed {seed}`: one FIFO queue, Poisson arrivals, exponential "
        f"handle times, no abandonment; the simulator drives the real pool for {hours:.0f} "
        "simulated hours per staffing level.\n\n" + table
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "staffing.md").write_text(note)
    _write_json(
        out / "staffing.json",
        [
            {
                "arrivals_per_hour": r.arrivals_per_hour,
                "aht_seconds": r.aht_seconds,
                "erlang_c_agents": r.erlang_c_agents,
                "simulated_agents": r.simulated_agents,
                "curve": {str(n): {"simulated": s, "erlang_c": c} for n, (s, c) in r.curve.items()},
            }
            for r in rows
        ],
    )
    lines: dict[str, list[float]] = {}
    x = sorted({n - r.erlang_c_agents for r in rows for n in r.curve})
    for r in rows:
        label = f"{r.arrivals_per_hour:.0f}/h"
        lines[f"{label} simulated"] = [
            r.curve.get(r.erlang_c_agents + d, (float("nan"), 0))[0] * 100 for d in x
        ]
        lines[f"{label} Erlang C"] = [
            erlang_c_service_level(
                r.arrivals_per_hour, aht_seconds, r.erlang_c_agents + d, target_seconds
            )
            * 100
            for d in x
        ]
    plot_lines(
        out / "staffing.png",
        title=f"Service level against agents (0 = Erlang C's staffing for {goal})",
        x_label="agents relative to Erlang C's answer",
        y_label="% answered within target",
        x=[float(d) for d in x],
        lines=lines,
        targets={goal: service_level * 100},
    )
    typer.echo(note)


@sim_app.command("vip-vs-dedicated")
def vip_vs_dedicated(
    arrivals_per_hour: Annotated[float, typer.Option(min=1)] = 200.0,
    vip_share: Annotated[float, typer.Option(min=0.01, max=0.9)] = 0.10,
    aht_seconds: Annotated[float, typer.Option(min=1)] = 180.0,
    hours: Annotated[float, typer.Option(min=1, help="Simulated hours per design.")] = 24.0,
    seed: Annotated[int, typer.Option()] = 3,
    policy_file: Annotated[Path | None, typer.Option("--policy")] = None,
    out: Annotated[Path, typer.Option(help="Where the table and plot go.")] = Path("docs/sim"),
) -> None:
    """Shared priority queue with aging against dedicated VIP agents: the same
    traffic, VIP 90/10 and standard 80/20, side by side and the fewest agents each needs."""
    policy = load_or_exit(policy_file)
    traffic = VipTraffic(arrivals_per_hour, vip_share, aht_seconds, 1.0, hours, seed)
    start = max(1, agents_for_service_level(arrivals_per_hour, aht_seconds, 20.0, 0.8) - 1)
    shared = fewest_shared(policy, traffic, start)
    vip, standard, _tried = fewest_dedicated(
        policy,
        traffic,
        max(
            1,
            agents_for_service_level(arrivals_per_hour * (1 - vip_share), aht_seconds, 20.0, 0.8)
            - 1,
        ),
    )
    best_shared = shared[-1]
    same_total = evaluate(policy, traffic, best_shared.agents, min(vip, best_shared.agents - 1))
    best_dedicated = evaluate(policy, traffic, vip + standard, vip)

    def row(r: DesignResult) -> list[str]:
        split = f"{r.vip_agents} VIP + {r.agents - r.vip_agents}" if r.vip_agents else "all"
        return [
            r.design, str(r.agents), split,
            f"{r.vip_service_level:.1%}", f"{r.vip_asa_seconds:.1f}", f"{r.vip_p90_seconds:.0f}",
            f"{r.standard_service_level:.1%}", f"{r.standard_asa_seconds:.1f}",
            f"{r.standard_p90_seconds:.0f}",
            "yes" if r.vip_met and r.standard_met else "no",
        ]  # fmt: skip

    table = _markdown(
        ["design", "agents", "who serves VIPs", "VIP SL 10s", "VIP ASA s", "VIP p90 s",
         "standard SL 20s", "standard ASA s", "standard p90 s", "both targets met"],
        [row(r) for r in (*shared, same_total, best_dedicated)],
    )  # fmt: skip
    note = (
        "# Shared priority queue with aging against dedicated VIP agents\n\n"
        f"`omniroute sim vip-vs-dedicated --arrivals-per-hour {arrivals_per_hour:.0f} "
        f"--vip-share {vip_share} --aht-seconds {aht_seconds:.0f} --hours {hours:.0f} "
        f"--seed {seed}`: voice, Poisson arrivals, lognormal handle times (cv 1), "
        f"{hours:.0f} simulated hours per design, the same customers in every run, routed "
        "by the default policy (VIPs to `priority` at 90, others to `general` at 30, "
        "aging 1 point/s, 180 s bound) and assigned by the real pool. Targets: VIP 90% "
        "within 10 s, standard 80% within 20 s.\n\n"
        f"Fewest agents: **shared {best_shared.agents}**, **dedicated {vip + standard}** "
        f"({vip} VIP + {standard} standard).\n\n" + table
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "vip-vs-dedicated.md").write_text(note)
    totals = sorted({r.agents for r in shared})
    dedicated_at = {n: evaluate(policy, traffic, n, min(vip, n - 1)) for n in totals}
    shared_at = {r.agents: r for r in shared}
    plot_lines(
        out / "vip-vs-dedicated.png",
        title=f"Same traffic, same agents: shared queue vs {vip} dedicated VIP agents",
        x_label="agents in total",
        y_label="% answered within target",
        x=[float(n) for n in totals],
        lines={
            "shared: VIP within 10 s": [shared_at[n].vip_service_level * 100 for n in totals],
            "shared: standard within 20 s": [
                shared_at[n].standard_service_level * 100 for n in totals
            ],
            "dedicated: VIP within 10 s": [dedicated_at[n].vip_service_level * 100 for n in totals],
            "dedicated: standard within 20 s": [
                dedicated_at[n].standard_service_level * 100 for n in totals
            ],
        },
        targets={"VIP 90%": 90.0, "standard 80%": 80.0},
    )
    typer.echo(note)
