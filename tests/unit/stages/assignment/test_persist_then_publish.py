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
    def __init__(self, stamps: list[int | None]) -> None:
        self.values: list[bytes | None] = []
        self._stamps = stamps

    def append(self, *, value: bytes | None, timestamp: int | None, **_: Any) -> object:
        self.values.append(value)
        self._stamps.append(timestamp)
        return object()


class _Metadata:
    async def add_topic(self, topic: str) -> None:
        return None


class _Broker:
    """Logs each send and each ack, in the order they happen."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.stamps: list[int | None] = []
        self.client = _Metadata()

    def create_batch(self) -> _Batch:
        return _Batch(self.stamps)

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


def test_every_record_of_a_batch_carries_the_batch_time() -> None:
    """A revocation and the re-offer it made room for, on two partitions: one time,
    whatever order the partitions are sent in (appended, the re-offer could carry
    the earlier millisecond and look like two offers standing at once)."""
    broker = _Broker()
    state = {("changelog", 0): [(b"c", b"offered", ())]}
    world = {
        ("omniroute.assignments", 1): [(b"agent-2", b"offer #2", ())],
        ("omniroute.assignments", 0): [(b"agent-1", b"revoke #1", ())],
    }

    async def run() -> None:
        await persist_then_publish(BatchProducer(broker), state, world, at=1_700_000_000.1234)  # type: ignore[arg-type]

    asyncio.run(run())
    assert broker.stamps == [1_700_000_000_123] * 3
