"""Hosting a Faust app as a worker process, the same way for every stage: the
HTTP endpoints on their own thread, JSON logs, Faust owning the loop and signals."""

from __future__ import annotations

import logging
from collections.abc import Callable

import faust
import mode
from prometheus_client import CollectorRegistry

from ._http import HealthServer
from ._logging import logging_config
from ._settings import Settings

__all__ = ["run_worker"]

log = logging.getLogger("omniroute.worker")


def run_worker(
    settings: Settings,
    registry: CollectorRegistry,
    app: faust.App,
    *services: mode.Service,
    live: Callable[[], bool] = lambda: True,
    ready: Callable[[], bool] = lambda: True,
) -> None:
    """Run until SIGTERM/SIGINT. ``services`` start beside the app, not after it."""
    http = HealthServer(registry, port=settings.metrics_port, live=live, ready=ready).start()
    log.info("metrics on :%d", http.port)
    worker = faust.Worker(
        app,
        *services,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level, trace_contacts=settings.trace_contacts),
        quiet=True,
        redirect_stdouts=False,
    )
    try:
        worker.execute_from_commandline()
    finally:
        http.stop()
