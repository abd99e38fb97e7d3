"""``omniroute chaos``, ``omniroute fuzz`` and ``omniroute soak``: the fault harness
as commands anyone can start. Each prints its counts, writes them as JSON, and exits
1 when the books do not balance."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from omniroute.router.tools.chaos import (
    SCENARIOS,
    ChaosOptions,
    ChaosResult,
    FuzzOptions,
    SoakOptions,
    plot_soak,
    run_fuzz,
    run_scenario,
    run_soak,
)

from ._common import console
from ._errors import friendly_errors

__all__ = ["chaos", "fuzz", "soak"]

_BOOK_ROWS = (
    "arrivals_sent",
    "decided",
    "undecided",
    "decided_twice",
    "duplicate_decisions",
    "queued",
    "assigned_once",
    "assigned_twice",
    "duplicate_assignments",
    "ended",
    "still_queued",
    "overlapping_offers",
    "offers_after_end",
    "lost",
)


def _exit_cleanly_on_sigterm() -> None:
    """A SIGTERM (e.g. from ``timeout``) unwinds like Ctrl-C, so the fleet the run
    started is torn down by its ``finally`` instead of being left running. SIGINT is
    set back to Ctrl-C's own handler: a run started in the background by a shell
    without job control inherits SIGINT ignored, and ``kill -INT`` then did nothing
    (the last session's "fleet left running after SIGINT")."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _write(path: Path | None, payload: Mapping[str, object]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        console.print(f"wrote {path}")


def _print_chaos(result: ChaosResult) -> None:
    table = Table("books", "count", title=f"chaos {result.scenario} ({result.run_id})")
    books = result.books.as_dict()
    table.add_row("faults injected", str(len(result.faults)))
    for row in _BOOK_ROWS:
        table.add_row(row.replace("_", " "), str(books[row]))
    console.print(table)
    recovery = Table("fault", "count", "not recovered", "median s", "max s", title="recovery")
    for kind, stats in result.recovery_by_kind().items():
        recovery.add_row(
            kind, *(str(stats[k]) for k in ("count", "not_recovered", "median_s", "max_s"))
        )
    console.print(recovery)
    if result.crashed_workers:
        console.print(f"[red]workers stopped on their own:[/] {result.crashed_workers}")
    if result.extra:
        console.print(result.extra)
    if result.books.examples:
        console.print({"examples": result.books.examples})
    console.print("[green]books balance[/]" if result.ok else "[red]books do not balance[/]")


@friendly_errors
def chaos(
    scenario: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCENARIOS)}, all.")],
    short: Annotated[bool, typer.Option(help="The seconds-long CI version.")] = False,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the counts here.")] = None,
    rate: Annotated[float, typer.Option(min=1)] = 20.0,
    state_dir: Annotated[Path, typer.Option()] = Path(".omniroute/chaos"),
) -> None:
    """Run a fault scenario on real workers under load and check the books."""
    _exit_cleanly_on_sigterm()
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        console.print(f"[red]unknown scenario[/] {unknown[0]}; choose from {', '.join(SCENARIOS)}")
        raise typer.Exit(2)
    results = []
    for name in names:
        result = run_scenario(
            name,
            ChaosOptions(short=short, rate=rate, state_dir=state_dir, progress=console.print),
        )
        _print_chaos(result)
        results.append(result)
    payload = (
        results[0].as_dict() if len(results) == 1 else {r.scenario: r.as_dict() for r in results}
    )
    _write(json_file, payload)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@friendly_errors
def fuzz(
    records: Annotated[int, typer.Option(min=100, help="Hostile interaction records.")] = 100_000,
    agent_events: Annotated[int, typer.Option(min=0)] = 20_000,
    assigner_inputs: Annotated[int, typer.Option(min=0)] = 20_000,
    huge: Annotated[bool, typer.Option(help="Also a 900 KB and a 10 MB record.")] = True,
    json_file: Annotated[Path | None, typer.Option("--json")] = None,
) -> None:
    """Hostile records through live workers: every one dead-lettered with a reason or
    accepted as valid; the good contacts between them all decided."""
    _exit_cleanly_on_sigterm()
    result = run_fuzz(
        FuzzOptions(
            interactions=records,
            agent_events=agent_events,
            assigner_inputs=assigner_inputs,
            huge=FuzzOptions().huge if huge else (),
        )
    )
    payload = result.as_dict()
    table = Table("mutation", "outcome", "records", title=f"fuzz {result.run_id}")
    for mutation, outcomes in sorted(result.outcomes.items()):
        for outcome, count in sorted(outcomes.items()):
            table.add_row(mutation, outcome, f"{count:,}")
    console.print(table)
    console.print(
        {k: payload[k] for k in ("hostile_sent", "dead_lettered_by_reason", "silently_dropped")}
    )
    console.print({"good contacts": {k: result.good.as_dict()[k] for k in _BOOK_ROWS}})
    for problem in result.unhealthy_workers + result.crashed_workers:
        console.print(f"[red]{problem}[/]")
    _write(json_file, payload)
    if not result.ok:
        raise typer.Exit(1)


@friendly_errors
def soak(
    minutes: Annotated[float, typer.Option(min=0.2)] = 10.0,
    rate: Annotated[float, typer.Option(min=1)] = 50.0,
    interval: Annotated[float, typer.Option(min=0.5)] = 5.0,
    plot: Annotated[Path, typer.Option(help="PNG to draw.")] = Path(".omniroute/soak/soak.png"),
    json_file: Annotated[Path | None, typer.Option("--json")] = None,
) -> None:
    """A steady load for N minutes; RSS, lag and latencies sampled, plotted, checked."""
    _exit_cleanly_on_sigterm()
    result = run_soak(SoakOptions(minutes=minutes, rate=rate, interval=interval))
    plot_soak(result, plot)
    table = Table("measure", "value", title=f"soak {result.run_id} ({minutes:g} min at {rate:g}/s)")
    for name, value in result.summary.items():
        table.add_row(name, "-" if value is None else f"{value:g}")
    books = result.books
    table.add_row("lost (undecided + unresolved, not held)", str(books.lost))
    table.add_row(
        "undecided / unresolved / still queued",
        f"{books.undecided} / {books.unresolved} / {books.still_queued}",
    )
    console.print(table)
    console.print(f"plot: {plot}")
    if books.examples:  # the ids to look up when the books do not balance
        console.print({"examples": books.examples})
    for problem in result.problems:
        console.print(f"[red]{problem}[/]")
    _write(json_file, result.as_dict())
    if not result.ok:
        raise typer.Exit(1)
