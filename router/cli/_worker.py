"""``omniroute worker router|assigner``: the long-running stream processors."""

from __future__ import annotations

import typer

from omniroute.router.stages.assignment import run_assigner_worker
from omniroute.router.stages.routing import run_router_worker

from ._common import load_settings

__all__ = ["worker_app"]

worker_app = typer.Typer(help="Run a stream-processing worker until SIGTERM.")


@worker_app.command()
def router() -> None:
    """Route interaction events to IVR, self-service or an agent queue."""
    run_router_worker(load_settings())


@worker_app.command()
def assigner() -> None:
    """Queue contacts per pool and offer them to agents (one owner per pool)."""
    run_assigner_worker(load_settings())
