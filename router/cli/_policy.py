"""``omniroute policy check|explain|facts``: a policy file before it goes live."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from omniroute.router.core import CustomerRecord
from omniroute.router.policy import FACTS, Policy, PolicyError, default_policy, explain, load_policy
from omniroute.schemas import (
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    InteractionEventAdapter,
    PoolLoad,
    RecentContact,
    utc_now,
)

from ._common import console

__all__ = ["policy_app"]

policy_app = typer.Typer(help="Check and explain routing policies.")
PolicyPath = Annotated[Path | None, typer.Argument(help="Policy file; omitted: the default.")]


def load_or_exit(path: Path | None) -> Policy:
    try:
        return load_policy(path) if path else default_policy()
    except PolicyError as error:
        for line in str(error).split("; "):
            console.print(f"[red]policy error:[/] {line}")
        raise typer.Exit(1) from error


@policy_app.command()
def check(path: PolicyPath = None) -> None:
    """Validate a policy file: schema, queues, CEL syntax, facts and types."""
    policy = load_or_exit(path)
    spec = policy.spec
    console.print(
        f"[green]ok[/] {path or 'default policy'}: version {policy.version}, "
        f"{len(spec.queues)} queues, {len(spec.automation)} automation and "
        f"{len(spec.routing)} routing rules"
    )


@policy_app.command()
def facts() -> None:
    """The facts conditions can use."""
    table = Table("fact", "meaning")
    for name, meaning in FACTS.items():
        table.add_row(name, meaning)
    console.print(table)


def _json(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(Path(text[1:]).read_text() if text.startswith("@") else text)
    except (json.JSONDecodeError, OSError) as error:
        console.print(f"[red]--{what}:[/] {error}")
        raise typer.Exit(2) from error


def _recent(items: list[dict[str, Any]] | None, now: datetime) -> tuple[RecentContact, ...]:
    lines = []
    for n, given in enumerate(items or []):
        item = dict(given)
        if "ago" in item:  # convenience: seconds before now
            item["at"] = (now - timedelta(seconds=float(item.pop("ago")))).isoformat()
        item.setdefault("interaction_id", f"earlier-{n}")
        lines.append(RecentContact.model_validate(item))
    return tuple(sorted(lines, key=lambda line: line.at))


@policy_app.command("explain")
def explain_command(
    path: PolicyPath = None,
    event: Annotated[str, typer.Option(help="Interaction event JSON (or @file).")] = "{}",
    customer: Annotated[str | None, typer.Option(help="Customer profile JSON (or @file).")] = None,
    recent: Annotated[
        str | None, typer.Option(help='Recent contacts JSON list; "ago": seconds is accepted.')
    ] = None,
    load: Annotated[str | None, typer.Option(help="Pool loads JSON list (or @file).")] = None,
    now: Annotated[str | None, typer.Option(help="ISO time; default: now.")] = None,
) -> None:
    """Print the decision the policy makes for one contact, and why."""
    policy = load_or_exit(path)
    at = datetime.fromisoformat(now) if now else utc_now()
    try:
        profile = CustomerProfile.model_validate(_json(customer, "customer")) if customer else None
        customer_id = profile.customer_id if profile else "c-explain"
        raw = {
            "id": "explain-event",  # an event needs an id; the question does not
            "type": "omniroute.interaction.arrived",
            "source": "/cli/explain",
            "interaction_id": "explain-1",
            "customer_id": customer_id,
            "time": at.isoformat(),
        } | _json(event, "event")
        parsed = InteractionEventAdapter.validate_python(raw)
        loads = {
            entry.pool: entry
            for entry in (PoolLoad.model_validate(item) for item in _json(load, "load") or [])
        }
        history = _recent(_json(recent, "recent"), at)
    except ValidationError as error:
        console.print(f"[red]invalid input:[/] {error}")
        raise typer.Exit(2) from error
    if not isinstance(parsed, InteractionArrived | InteractionEscalated):
        console.print(f"[red]{parsed.type} needs no decision[/]: only arrivals and escalations do")
        raise typer.Exit(2)
    decision = policy.route(parsed, CustomerRecord(customer_id, profile, history), loads, at)
    for line in explain(decision):
        typer.echo(line)
