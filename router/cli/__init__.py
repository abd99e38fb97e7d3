"""The ``omniroute`` command line: one typer app, one module per command group."""

from ._main import app, main

__all__ = ["app", "main"]
