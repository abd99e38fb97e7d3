"""Hosting a Faust app as a worker process, the same way for every stage: the
HTTP endpoints on their own thread, JSON logs, Faust owning the loop and signals.

A worker whose loop stopped on an error exits non-zero, so that its supervisor
(Kubernetes, systemd, ``omniroute stack``) restarts it and the failure shows."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import os
import signal
from collections.abc import Callable
from typing import Any, Protocol

import faust
import mode
from prometheus_client import CollectorRegistry

from ._clients import (
    SecurityError,
    as_security_error,
    component_of,
    faust_credentials,
    probe_kafka,
)
from ._http import HealthServer
from ._logging import logging_config
from ._settings import KafkaSettings, Settings

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "StageRuntime",
    "StageService",
    "faust_settings",
    "host_stage",
    "run_worker",
    "stop_worker_process",
]

log = logging.getLogger("omniroute.worker")
EXIT_FAILED = 70  # EX_SOFTWARE: an internal error, not a usage error
EXIT_CONFIG = 78  # EX_CONFIG: refused credentials, an untrusted certificate


def stop_worker_process() -> None:
    """Stop this worker as SIGTERM does: Faust stops every service, then the process
    exits, non-zero when ``live`` says it failed."""
    os.kill(os.getpid(), signal.SIGTERM)


def faust_settings(settings: Settings) -> dict[str, Any]:
    """Faust options from our settings: the session timeout by profile (the embedded
    broker holds a group join for about half of it), no Faust web server."""
    return {
        "broker": f"kafka://{settings.kafka.bootstrap_servers.split(',')[0]}",
        "broker_session_timeout": settings.kafka.session_timeout_seconds,
        "broker_heartbeat_interval": settings.kafka.heartbeat_interval_seconds,
        "broker_rebalance_timeout": max(6.0, (settings.kafka.session_timeout_seconds or 45) * 2),
        "topic_partitions": settings.kafka.partitions,
        "topic_replication_factor": settings.kafka.replication_factor,
        "producer_compression_type": settings.kafka.producer_compression,
        "broker_credentials": faust_credentials(settings.kafka),
        "web_enabled": False,
        "autodiscover": False,
        "store": "memory://",
        "datadir": str(settings.state_dir / "faust"),
    }


def run_worker(
    settings: Settings,
    registry: CollectorRegistry,
    app: faust.App,
    *services: mode.Service,
    live: Callable[[], bool] = lambda: True,
    ready: Callable[[], bool] = lambda: True,
) -> None:
    """Run until SIGTERM/SIGINT. ``services`` start beside the app, not after it.
    Exits with ``EXIT_FAILED`` when ``live`` is false at the end."""
    http = HealthServer(
        registry,
        host=settings.metrics_host,
        port=settings.metrics_port,
        live=live,
        ready=ready,
        debug_modules=settings.debug_modules,
    ).start()
    log.info("metrics on %s:%d", settings.metrics_host, http.port)
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
    except SystemExit as exit_:
        if not live():
            log.error("worker stopped after a failure; exiting %d", EXIT_FAILED)
            raise SystemExit(EXIT_FAILED) from exit_
        raise
    finally:
        http.stop()


class StageRuntime(Protocol):
    """A stage's clients and loops for the lifetime of one worker."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def live(self) -> bool: ...

    def ready(self) -> bool: ...


class StageService(mode.Service):
    """A stage runtime as a mode service, given to the Faust worker beside the host
    app, so the stage's consumer-group joins run while Faust joins its own, not after."""

    def __init__(
        self,
        runtime: StageRuntime,
        *,
        who: str = "worker",
        kafka: KafkaSettings | None = None,
        **kwargs: Any,
    ) -> None:
        self.runtime = runtime
        self.who = who
        self.kafka = kafka
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        try:
            await self.runtime.start()
        except Exception as error:
            refused = await self._refused(error)
            if refused is None:
                raise
            # Retrying cannot fix it: say what and exit, no traceback, no restart loop
            # inside the process (a supervisor sees EX_CONFIG and the one line).
            log.critical("%s", refused)
            logging.shutdown()
            os._exit(EXIT_CONFIG)

    async def _refused(self, error: Exception) -> SecurityError | None:
        if isinstance(error, SecurityError):
            return error
        component = component_of(error)
        refused = as_security_error(component, self.who, error)
        if refused is None and component == "Kafka" and self.kafka is not None:
            try:
                await probe_kafka(self.kafka, self.who)
            except SecurityError as found:
                return found
        return refused

    async def on_stop(self) -> None:
        await self.runtime.stop()


def _preflight(settings: Settings, who: str) -> None:
    """One connection to the broker before anything starts: a refused login or an
    untrusted certificate ends the worker here, named, whichever of its clients (the
    stage's or Faust's own) would have met it first. A broker merely down passes: the
    clients retry as they always do."""
    if settings.kafka.security_protocol.value == "PLAINTEXT":
        return
    logging.config.dictConfig(
        logging_config(settings.log_level, trace_contacts=settings.trace_contacts)
    )
    try:
        asyncio.run(asyncio.wait_for(probe_kafka(settings.kafka, who), 30))
    except TimeoutError:
        return
    except SecurityError as refused:
        log.critical("%s", refused)
        logging.shutdown()
        raise SystemExit(EXIT_CONFIG) from None


def host_stage(
    settings: Settings, registry: CollectorRegistry, name: str, runtime: StageRuntime
) -> None:
    """Run one stage as a worker until SIGTERM/SIGINT: Faust owns the event loop and
    signals, the HTTP endpoints report the runtime's health."""
    who = name.removeprefix("omniroute-").removesuffix("-host")
    _preflight(settings, who)
    app = faust.App(name, **faust_settings(settings))
    run_worker(
        settings,
        registry,
        app,
        StageService(runtime, who=who, kafka=settings.kafka),
        live=runtime.live,
        ready=runtime.ready,
    )
