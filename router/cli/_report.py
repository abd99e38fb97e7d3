"""``omniroute report``: contacts by segment, reason and outcome, cost per contact and
feedback, from the insight stage's state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, load_settings

__all__ = ["report"]


def report(
    out: Annotated[Path, typer.Option(help="Directory for insight.csv and insight.png.")] = Path(
        "report"
    ),
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to read the state.")] = 30.0,
) -> None:
    """Which reasons drive repeat contacts, which a proactive message could prevent, which
    are contained or escalated, per segment; and what contacts cost, per channel."""
    from omniroute.router.tools.report import (  # noqa: PLC0415
        print_report,
        read_figures,
        write_chart,
        write_csv,
    )

    settings = load_settings()
    from omniroute.router.runtime import kafka_python_security  # noqa: PLC0415

    figures = read_figures(
        settings.kafka.bootstrap_servers,
        settings.insight.changelog_topic,
        timeout,
        kafka_python_security(settings.kafka),
    )
    print_report(console, figures)
    csv_path = write_csv(out / "insight.csv", figures)
    png_path = write_chart(out / "insight.png", figures)
    console.print(f"wrote {csv_path} and {png_path}")
