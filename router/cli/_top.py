"""``omniroute top``: rates, queues, service level and agents, live."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.live import Live

from omniroute.router.tools.ops import Snapshot, render, scrape

from ._common import console

__all__ = ["top"]


def top(
    url: Annotated[
        list[str] | None, typer.Option(help="A worker's /metrics URL; repeat for each worker.")
    ] = None,
    interval: Annotated[float, typer.Option(min=0.2, help="Seconds between refreshes.")] = 2.0,
    once: Annotated[
        bool, typer.Option(help="Print one frame (two scrapes apart) and exit.")
    ] = False,
) -> None:
    """A live terminal dashboard fed by the workers' /metrics."""
    urls = url or ["http://127.0.0.1:9464/metrics"]
    before: Snapshot | None = None
    if once:
        before, _ = scrape(urls, time.monotonic())
        time.sleep(interval)
        now, down = scrape(urls, time.monotonic())
        console.print(render(now, before, down))
        return
    with Live(console=console, refresh_per_second=4, screen=False) as live:
        while True:
            now, down = scrape(urls, time.monotonic())
            live.update(render(now, before, down))
            before = now
            time.sleep(interval)
