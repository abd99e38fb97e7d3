"""``omniroute worker router|assigner|insight|outbound``: the long-running stream processors."""

from __future__ import annotations

import typer

from ._common import console, load_settings

__all__ = ["worker_app"]

worker_app = typer.Typer(help="Run a stream-processing worker until SIGTERM.")


@worker_app.command()
def router() -> None:
    """Route interaction events to IVR, self-service or an agent queue."""
    # Each worker imports its own stage only, when it starts.
    from omniroute.router.policy import PolicyError  # noqa: PLC0415
    from omniroute.router.stages.routing import run_router_worker  # noqa: PLC0415

    settings = load_settings()
    try:
        run_router_worker(settings)
    except PolicyError as error:
        # A bad policy file at start: one clear line naming file and problem, exit 2.
        for line in str(error).split("; "):
            console.print(f"[red]policy error:[/] {line}", soft_wrap=True)
        raise typer.Exit(2) from error


@worker_app.command()
def assigner() -> None:
    """Queue contacts per pool and offer them to agents (one owner per pool)."""
    from omniroute.router.stages.assignment import (  # noqa: PLC0415
        QueueSettingsError,
        run_assigner_worker,
    )

    try:
        run_assigner_worker(load_settings())
    except QueueSettingsError as error:
        # The policy file's queue settings are bad: one line naming file and field, exit 2.
        console.print(f"[red]policy error:[/] {error}", soft_wrap=True)
        raise typer.Exit(2) from error


@worker_app.command()
def insight() -> None:
    """Count contacts by reason, segment and outcome, their cost, and feedback."""
    from omniroute.router.stages.insight import run_insight_worker  # noqa: PLC0415

    run_insight_worker(load_settings())


@worker_app.command()
def outbound() -> None:
    """Approve, defer or suppress departments' requests to contact a customer."""
    from omniroute.router.stages.outbound import run_outbound_worker  # noqa: PLC0415

    run_outbound_worker(load_settings())
