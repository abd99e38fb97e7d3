"""Known operational errors of the tool commands as one clear line and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from omniroute.router.tools.harness import StackError

from ._common import console

__all__ = ["friendly_errors"]

P = ParamSpec("P")
R = TypeVar("R")


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
