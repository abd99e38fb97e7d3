"""``omniroute deploy export``: regenerate the Grafana dashboards from their spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omniroute.router.tools.ops import DASHBOARD_DIR, export_dashboards

from ._common import console

__all__ = ["deploy_app"]

deploy_app = typer.Typer(help="Deployment artefacts generated from code.")


@deploy_app.command("export")
def export(directory: Annotated[Path, typer.Option()] = DASHBOARD_DIR) -> None:
    """Write the supervisor and SRE dashboards (Grafana JSON)."""
    for path in export_dashboards(directory):
        console.print(f"wrote {path}")
