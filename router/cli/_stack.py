"""``omniroute stack up|down|status``: the embedded broker and Redis."""

from __future__ import annotations

import typer
from rich.table import Table

from omniroute.router.tools.harness import EmbeddedStack

from ._common import console, load_settings
from ._errors import friendly_errors

__all__ = ["stack_app"]

stack_app = typer.Typer(help="Start, stop and inspect the embedded broker and Redis.")


def _print_status(stack: EmbeddedStack) -> None:
    table = Table("component", "address", "pid", "running", "listening")
    for s in stack.status():
        table.add_row(
            s.name, f"{s.host}:{s.port}", str(s.pid or "-"), str(s.running), str(s.listening)
        )
    console.print(table)


@stack_app.command()
@friendly_errors
def up() -> None:
    """Start the embedded Tansu broker and redis-server and create the topics."""
    stack = EmbeddedStack(load_settings(), detached=True)  # outlives this command
    stack.up()
    _print_status(stack)


@stack_app.command()
@friendly_errors
def down() -> None:
    """Stop what `stack up` started."""
    EmbeddedStack(load_settings()).down()
    console.print("stack stopped")


@stack_app.command()
@friendly_errors
def status() -> None:
    """Show whether each component runs and listens."""
    _print_status(EmbeddedStack(load_settings()))
