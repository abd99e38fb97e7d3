"""The naive routers a user would write, as anchors for ``omniroute bench``: each in
its own process draining a backlog of the same events, with its settings written
beside its figure. Faust's (one event at a time, omniroute's validation and policy)
and Quix Streams' (one Redis GET and an if/else per event)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from omniroute.router.runtime import Settings

from ._backlog import count_outputs, make_backlog, produce_all
from ._naive import (
    NAIVE_SINK,
    NAIVE_SOURCE,
    QUIX_SINK,
    QUIX_SOURCE,
    quix_python,
    start_naive,
    start_quix,
)

if TYPE_CHECKING:
    from ._run import BenchOptions, Progress

__all__ = ["run_faust_naive", "run_quix_naive"]


@contextmanager
def _anchor_process(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _drain_anchor(
    settings: Settings,
    options: BenchOptions,
    progress: Progress,
    *,
    name: str,
    source: str,
    sink: str,
    start: Callable[[], subprocess.Popen[bytes]],
) -> float:
    """A naive router in its own process draining a backlog: events/s."""
    bootstrap = settings.kafka.bootstrap_servers
    backlog = make_backlog(name, options.naive_events, options.customers)
    progress.start(f"naive router: {name}, one event at a time", backlog.routable)
    asyncio.run(produce_all(bootstrap, source, backlog.records))
    with _anchor_process(start()):
        drained = asyncio.run(
            count_outputs(
                bootstrap,
                sink,
                backlog.marker,
                backlog.routable,
                wait=options.timeout,
                on_progress=progress.advance,
            )
        )
    if drained.count < backlog.routable:
        raise RuntimeError(
            f"naive router ({name}): {drained.count} of {backlog.routable} decisions; "
            f"see {options.state_dir / (name + '.log')}"
        )
    return drained.per_second * len(backlog.records) / max(backlog.routable, 1)


def run_faust_naive(
    settings: Settings, options: BenchOptions, progress: Progress, report: dict[str, Any]
) -> None:
    import faust  # noqa: PLC0415 - the version, for the settings line

    rate = _drain_anchor(
        settings,
        options,
        progress,
        name="faust",
        source=NAIVE_SOURCE,
        sink=NAIVE_SINK,
        start=lambda: start_naive(settings.as_env(), options.state_dir / "faust.log"),
    )
    report["naive_events_per_second"] = round(rate, 1)
    report["naive_settings"] = (
        f"Faust {faust.__version__}: an agent over the stream, per event one validation, "
        f"one Redis GET, the policy, one send; fetch_max_wait_ms={settings.fetch_max_wait_ms} "
        "(Faust hard-codes 1500; lowered by wrapping its consumer factory)"
    )


def run_quix_naive(
    settings: Settings, options: BenchOptions, progress: Progress, report: dict[str, Any]
) -> None:
    python = quix_python(options.quix_python)
    if python is None:
        report["quix_naive_events_per_second"] = None
        report["quix_naive_settings"] = (
            "skipped: no interpreter with Quix Streams (./dev.sh bench-env, or --quix-python)"
        )
        return
    args = [
        settings.kafka.bootstrap_servers,
        settings.redis.host,
        str(settings.redis.port),
        QUIX_SOURCE,
        QUIX_SINK,
        "bench-quix",
        str(options.state_dir / "quix-state"),
        str(settings.fetch_max_wait_ms),
    ]
    rate = _drain_anchor(
        settings,
        options,
        progress,
        name="quix",
        source=QUIX_SOURCE,
        sink=QUIX_SINK,
        start=lambda: start_quix(python, args, options.state_dir / "quix.log"),
    )
    version = subprocess.run(  # noqa: S603 - the interpreter the user named
        [str(python), "-c", "import quixstreams; print(quixstreams.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    report["quix_naive_events_per_second"] = round(rate, 1)
    report["quix_naive_settings"] = (
        f"Quix Streams {version or '?'} ({python}): filter, apply (one Redis GET and an "
        f"if/else over the default policy's rules), to_topic as JSON (timestamped when routed); "
        f"fetch.wait.max.ms={settings.fetch_max_wait_ms}, other options Quix's defaults"
    )
