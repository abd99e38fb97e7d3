"""``omniroute settings``: the settings this process would run with, secrets hidden."""

from __future__ import annotations

import json

import typer

from ._common import load_settings

__all__ = ["settings_command"]


def settings_command() -> None:
    """Print every setting as read from OMNIROUTE_* variables, .env and secret files,
    each password shown as ********** (safe to paste into a ticket)."""
    typer.echo(json.dumps(load_settings().redacted(), indent=2))
