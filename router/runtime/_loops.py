"""A stage's long-running loops, supervised the same way in every stage: each runs
until the stop event, and one that stops on an error marks the stage failed and
calls ``on_fatal`` (the worker host exits non-zero, so a supervisor restarts the
whole worker rather than leaving a process that answers /metrics and does nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Set
from typing import Any, Protocol

__all__ = ["Loops"]

log = logging.getLogger("omniroute.worker")

STALLED_AFTER_SECONDS = 30.0
"""A loop that has not polled for this long is alive but not ready."""


class _Assigned(Protocol):
    def assignment(self) -> Set[Any]: ...


class _Stoppable(Protocol):
    async def stop(self) -> None: ...


class _Polling(Protocol):
    @property
    def last_poll(self) -> float: ...


LoopBody = Callable[[asyncio.Event], Coroutine[object, object, None]]
"""A loop's ``run(stopping)``."""


class Loops:
    def __init__(self, on_fatal: Callable[[], None] | None = None) -> None:
        self.stopping = asyncio.Event()
        self.failed = False
        self.on_fatal = on_fatal
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, name: str, run: LoopBody) -> None:
        self._tasks.append(asyncio.create_task(self._guard(name, run(self.stopping))))

    async def _guard(self, name: str, work: Coroutine[object, object, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s stopped on an error; the worker will exit", name)
            self.failed = True
            if self.on_fatal is not None:
                self.on_fatal()
            raise

    def consuming(self, consumer: _Assigned | None, loop: _Polling | None) -> bool:
        """``/readyz`` for a stage that consumes: no loop failed, the consumer holds
        partitions, and its loop polled within ``STALLED_AFTER_SECONDS`` (a stalled
        loop answers /healthz but must not take traffic)."""
        return (
            not self.failed
            and consumer is not None
            and loop is not None
            and bool(consumer.assignment())
            and time.monotonic() - loop.last_poll < STALLED_AFTER_SECONDS
        )

    async def stop(self, clients: Iterable[_Stoppable | None] = ()) -> None:
        """Ask every loop to stop, cancel and wait for what is left, then stop each
        client the loops used; a client's error is ignored, so a worker shutting down
        never hangs on one that is already broken."""
        self.stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for client in clients:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.stop()
