"""What every command shares, workers included: settings and the console."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.console import Console

from omniroute.router.runtime import Settings

__all__ = ["console", "load_settings"]

console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for e in error.errors():
            field = "OMNIROUTE_" + "__".join(str(p).upper() for p in e["loc"])
            console.print(f"[red]bad setting[/] {field}: {e['msg']}")
        raise typer.Exit(2) from error
