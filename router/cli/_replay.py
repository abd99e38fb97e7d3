"""``omniroute replay``: what would another policy have decided on recorded traffic?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from omniroute.router.policy import ReplayReport
from omniroute.router.runtime import kafka_python_config
from omniroute.router.tools.ops import load_inputs, read_source, replay

from ._common import console, load_settings
from ._policy import load_or_exit

__all__ = ["replay_command"]


def _print(report: ReplayReport, missing: int, skipped: int) -> None:
    console.print(
        f"replayed {report.compared} decisions: {report.changed} would change "
        f"({report.changed / max(report.compared, 1):.1%}); policy "
        f"{', '.join(sorted(report.policy_before))} -> {report.policy_after}"
        + (f"; {missing} decisions had no recorded event" if missing else "")
        + (f"; {skipped} malformed records skipped (dead-lettered at the time)" if skipped else "")
    )
    targets = Table("before", "after", "contacts", title="Targets")
    for (before, after), n in sorted(report.targets.items()):
        targets.add_row(before, after, str(n), style="bold" if before != after else None)
    console.print(targets)
    queues = Table("before", "after", "contacts", title="Queues that changed")
    for (before, after), n in sorted(report.queues.items(), key=lambda kv: -kv[1]):
        if before != after:
            queues.add_row(before, after, str(n))
    console.print(queues)
    figures = Table("figure", "before", "after", title="Cost, priority, offers")
    # Per decision, as replay compares decisions: an escalation is a second decision.
    # What contacts really cost, counted once each, is omniroute report's.
    figures.add_row(
        "expected cost (decisions)", f"${report.cost_before:,.2f}", f"${report.cost_after:,.2f}"
    )
    figures.add_row(
        "expected cost per decision",
        *(
            f"${cost / max(report.compared, 1):.3f}"
            for cost in (report.cost_before, report.cost_after)
        ),
    )
    figures.add_row(
        "priority raised / lowered", "", f"{report.priority_up} / {report.priority_down}"
    )
    figures.add_row("sales offers", str(report.offers_before), str(report.offers_after))
    console.print(figures)
    guardrails = Table("guardrail", "before", "after", title="Guardrail hits")
    for name in sorted(set(report.guardrails_before) | set(report.guardrails_after)):
        guardrails.add_row(
            name, str(report.guardrails_before[name]), str(report.guardrails_after[name])
        )
    console.print(guardrails)
    for line in report.examples:
        console.print(f"  e.g. {line}")


def replay_command(
    policy: Annotated[Path, typer.Option(help="The policy to try.")],
    events: Annotated[str, typer.Option(help="Recorded events: a JSON-lines file or topic:NAME.")],
    decisions: Annotated[
        str, typer.Option(help="Recorded decisions: a JSON-lines file or topic:NAME.")
    ] = "topic:omniroute.decisions",
) -> None:
    """Run recorded contacts through POLICY and report how decisions would change."""
    new = load_or_exit(policy)
    kafka = load_settings().kafka
    bootstrap, config = kafka.bootstrap_servers, kafka_python_config(kafka)
    inputs = load_inputs(
        read_source(events, bootstrap, config), read_source(decisions, bootstrap, config)
    )
    report, missing = replay(new, inputs)
    _print(report, missing, inputs.skipped)
