"""``omniroute schema export|check``: the generated contract documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omniroute.schemas.export import CONTRACT_DIR, check_contract, write_contract

from ._common import console

__all__ = ["schema_app"]

schema_app = typer.Typer(help="JSON Schema and AsyncAPI documents generated from the models.")


@schema_app.command("export")
def export(
    directory: Annotated[Path, typer.Option(help="Where to write the documents.")] = CONTRACT_DIR,
) -> None:
    """Write JSON Schema per topic and the AsyncAPI 3 document."""
    for path in write_contract(directory):
        console.print(f"wrote {path}")


@schema_app.command("check")
def check(directory: Annotated[Path, typer.Option()] = CONTRACT_DIR) -> None:
    """Exit 1 if the committed documents differ from the models."""
    drifted = check_contract(directory)
    if drifted:
        console.print(f"[red]drifted:[/] {', '.join(drifted)}; run `omniroute schema export`")
        raise typer.Exit(1)
    console.print("contract documents match the models")
