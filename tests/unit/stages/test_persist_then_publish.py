"""The assigner persists a batch's state before anything of it is seen: the changelog
writes are acked before the first offer, assignment or revocation is sent. Sent
together, a SIGKILL between the acks landed an offer whose state was lost, and the
next owner offered the contact again under the same offer id (full chaos kill run)."""

from __future__ import annotations

import asyncio
from typing import Any

from omniroute.router.runtime import BatchProducer
from omniroute.router.stages.assignment import persist_then_publish


class _Batch:
    def __init__(self) -> None:
        self.values: list[bytes | None] = []

    def append(self, *, value: bytes | None, **_: Any) -> object:
        self.values.append(value)
        return object()


class _Metadata:
    async def add_topic(self, topic: str) -> None:
        return None


class _Broker:
    """Logs each send and each ack, in the order they happen."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.client = _Metadata()

    def create_batch(self) -> _Batch:
        return _Batch()

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.log.append(f"send {topic}")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, self._ack, future, topic)
        return future

    def _ack(self, future: asyncio.Future[Any], topic: str) -> None:
        self.log.append(f"ack {topic}")
        future.set_result(None)


def test_the_changelog_is_acked_before_any_output_is_sent() -> None:
    broker = _Broker()
    state = {("changelog", 0): [(b"k1", b"v1", ())], ("changelog", 1): [(b"k2", b"v2", ())]}
    world = {("omniroute.assignments", 0): [(b"a", b"offer", ())], ("deadletter", 0): []}

    async def run() -> None:
        await persist_then_publish(BatchProducer(broker), state, world)  # type: ignore[arg-type]

    asyncio.run(run())
    assert broker.log == [
        "send changelog",
        "send changelog",
        "ack changelog",
        "ack changelog",
        "send omniroute.assignments",
        "send deadletter",
        "ack omniroute.assignments",
        "ack deadletter",
    ]


def test_a_batch_without_state_changes_still_publishes() -> None:
    broker = _Broker()

    async def run() -> None:
        world = {("omniroute.pool-load", 2): [(b"p", b"load", ())]}
        await persist_then_publish(BatchProducer(broker), {}, world)  # type: ignore[arg-type]

    asyncio.run(run())
    assert broker.log == ["send omniroute.pool-load", "ack omniroute.pool-load"]
