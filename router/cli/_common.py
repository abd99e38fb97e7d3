"""What every command shares: settings, the console, turning known errors into exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import StackError

__all__ = ["console", "friendly_errors", "load_settings"]

console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for e in error.errors():
            field = "OMNIROUTE_" + "__".join(str(p).upper() for p in e["loc"])
            console.print(f"[red]bad setting[/] {field}: {e['msg']}")
        raise typer.Exit(2) from error


def friendly_errors(fun: Callable[P, R]) -> Callable[P, R]:
    """Known operational errors print one clear line and exit 1, no traceback."""

    @functools.wraps(fun)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fun(*args, **kwargs)
        except StackError as error:
            console.print(f"[red]error:[/] {error}")
            raise typer.Exit(1) from error

    return wrapper
