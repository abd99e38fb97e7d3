"""A stalled assigner asks the group before it throws a batch away.

The assigner drops a batch as "ownership uncertain" when its event loop stood still
for more than half a session timeout. On a starved host (the demo at 1,000/s on
two cores) the re-read that follows a dropped batch is itself such a stall, and so
is applying the next batch: every batch was dropped again, a spiral the loop fed
itself. Now a stall is a question put to the coordinator (one Heartbeat), and only
its refusal drops the batch.

The stall is injected on a real worker, on the real broker, by moving the guard's
clock forward inside the batch (2 s against a 1.5 s threshold): the loop sees the
stall deterministically while the broker, which saw no real one, keeps the member.
The other side, a coordinator that did drop the member, is made real with a
LeaveGroup for the worker's member id sent during the stalled batch.

On a broker of its own: the session's assigner worker (``assigner_worker``) would
apply the same inputs and make the same offers, and each offer is counted here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.protocol.group import LeaveGroupRequest
from prometheus_client import CollectorRegistry

from omniroute.router.runtime import AssignerSettings, KafkaSettings, RedisSettings, Settings
from omniroute.router.stages.assignment import AssignerRuntime
from omniroute.router.tools.harness import EmbeddedStack, free_port
from omniroute.schemas import AgentLoggedIn, AgentPresence, Channel, topic
from tests.support.assigner import queued_decision

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3),
        redis=RedisSettings(port=free_port()),
        state_dir=tmp_path_factory.mktemp("stalls"),
        metrics_port=free_port(),
    )
    with EmbeddedStack(settings):
        yield settings


INPUT = topic("omniroute.assigner-input").name
ASSIGNMENTS = topic("omniroute.assignments").name
STALL = 2.0
"""Seconds the loop appears to stand still in each stalled batch: past the 1.5 s
threshold (half the embedded session timeout), short of the session itself."""


@contextlib.asynccontextmanager
async def _assigner(settings: Settings) -> AsyncIterator[AssignerRuntime]:
    app_id = f"stall-{uuid.uuid4().hex[:8]}"
    own = settings.model_copy(
        update={"assigner": AssignerSettings(app_id=app_id, offer_timeout_seconds=60.0)}
    )
    runtime = AssignerRuntime(own, CollectorRegistry())
    await runtime.start()
    try:
        await _until(lambda: runtime.loop is not None and runtime.loop.caught_up)
        yield runtime
    finally:
        await runtime.stop()


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(60):
        while True:
            if condition():
                return
            await asyncio.sleep(0.05)


class _Offers:
    """Offers on ``omniroute.assignments`` from here on, by interaction."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.by_interaction: dict[str, list[str]] = {}

    async def start(self) -> None:
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(ASSIGNMENTS) or set()
        tps = [TopicPartition(ASSIGNMENTS, p) for p in partitions]
        self._consumer.assign(tps)
        await self._consumer.seek_to_end(*tps)
        for tp in tps:
            await self._consumer.position(tp)

    async def until(self, interaction: str) -> None:
        async with asyncio.timeout(60):
            while interaction not in self.by_interaction:
                await self._read()

    async def read_to_end(self) -> None:
        """Every offer produced by now (the log's fetch high watermark)."""
        consumer = self._consumer
        async with asyncio.timeout(60):
            while True:
                await self._read()
                behind = [
                    tp
                    for tp in consumer.assignment()
                    if (high := consumer.highwater(tp)) is None
                    or await consumer.position(tp) < high
                ]
                if not behind:
                    return

    async def _read(self) -> None:
        for messages in (await self._consumer.getmany(timeout_ms=200)).values():
            for message in messages:
                body = json.loads(message.value or b"{}")
                if body.get("type") == "omniroute.offer":
                    offers = self.by_interaction.setdefault(body["interaction_id"], [])
                    offers.append(body["offer_id"])

    async def stop(self) -> None:
        await self._consumer.stop()


async def _send_contact_and_agent(
    bootstrap: str, pool: str, run: str
) -> tuple[str, TopicPartition, int]:
    """A ready agent and a contact for them: (interaction, input partition, the
    offset past the contact)."""
    interaction = f"int-{run}"
    agent = AgentLoggedIn(
        id=f"login-{run}",
        source="/t",
        agent_id=f"agent-{run}",
        pool=pool,
        queues=["general"],
        capacity={Channel.CHAT: 1},
        presence=AgentPresence.READY,
    )
    decision = queued_decision(interaction, f"cust-{run}", queue="general", pool=pool)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for message in (agent, decision):
            sent = await producer.send_and_wait(
                INPUT, key=pool.encode(), value=message.model_dump_json().encode()
            )
    finally:
        await producer.stop()
    return interaction, TopicPartition(INPUT, sent.partition), sent.offset + 1


async def _until_committed(bootstrap: str, group: str, tp: TopicPartition, offset: int) -> None:
    """The worker committed its input to ``offset``: what it made of it is acked."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await reader.start()
    try:
        async with asyncio.timeout(60):
            while True:
                if (await reader.committed(tp) or 0) >= offset:
                    return
                await asyncio.sleep(0.1)
    finally:
        await reader.stop()


def _stall_every_batch(
    runtime: AssignerRuntime,
    monkeypatch: pytest.MonkeyPatch,
    during: Callable[[], Awaitable[None]] | None = None,
) -> list[int]:
    """Each batch applied (and each re-read of the pools) stands the loop still for
    ``STALL`` seconds as its guard sees it; ``during`` runs inside the first."""
    loop = runtime.loop
    assert loop is not None
    skew = [0.0]
    real_clock = loop.guard.clock
    loop.guard.clock = lambda: real_clock() + skew[0]
    engine = loop.engine
    apply_batch, adopt = engine.apply_batch, engine.adopt
    stalls = [0]

    async def stalled_apply(*args: Any, **kwargs: Any) -> None:
        if stalls[0] == 0 and during is not None:
            await during()
        stalls[0] += 1
        skew[0] += STALL
        await apply_batch(*args, **kwargs)

    async def stalled_adopt(*args: Any, **kwargs: Any) -> None:
        skew[0] += STALL
        await adopt(*args, **kwargs)

    monkeypatch.setattr(engine, "apply_batch", stalled_apply)
    monkeypatch.setattr(engine, "adopt", stalled_adopt)
    return stalls


async def _kept_scenario(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    bootstrap = settings.kafka.bootstrap_servers
    async with _assigner(settings) as runtime:
        loop = runtime.loop
        assert loop is not None
        offers = _Offers(bootstrap)
        await offers.start()
        try:
            stalls = _stall_every_batch(runtime, monkeypatch)
            run = uuid.uuid4().hex[:8]
            interaction, tp, end = await _send_contact_and_agent(bootstrap, "stall-kept", run)
            await offers.until(interaction)
            await _until_committed(bootstrap, runtime.settings.assigner.app_id, tp, end)
            await offers.read_to_end()
        finally:
            await offers.stop()
        assert stalls[0] >= 1
        assert loop.resyncs == 0
        assert loop.guard.refusals == 0
        assert loop.guard.confirmations >= 1
        assert len(offers.by_interaction[interaction]) == 1


def test_a_loop_that_stalls_in_every_batch_keeps_its_batches_while_the_group_keeps_it(
    own_stack: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: every batch was dropped and re-read, and the offer never came."""
    asyncio.run(_kept_scenario(own_stack, monkeypatch))


async def _leave_group(bootstrap: str, runtime: AssignerRuntime) -> None:
    """The coordinator forgets the worker's member, as a session expiry would: a
    LeaveGroup for its member id from another client."""
    loop = runtime.loop
    assert loop is not None
    group, member = loop.membership.member
    assert member
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        node = await client.coordinator_lookup(0, group)
        response = await client.send(node, LeaveGroupRequest(group, member))
    finally:
        await client.close()
    assert response.error_code == 0


async def _dropped_scenario(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    bootstrap = settings.kafka.bootstrap_servers
    async with _assigner(settings) as runtime:
        loop = runtime.loop
        assert loop is not None
        offers = _Offers(bootstrap)
        await offers.start()
        try:
            left = False

            async def leave_once() -> None:
                nonlocal left
                if not left:
                    left = True
                    await _leave_group(bootstrap, runtime)

            _stall_every_batch(runtime, monkeypatch, during=leave_once)
            run = uuid.uuid4().hex[:8]
            sent = await _send_contact_and_agent(bootstrap, "stall-dropped", run)
            interaction, tp, end = sent
            await offers.until(interaction)
            await _until_committed(bootstrap, runtime.settings.assigner.app_id, tp, end)
            await offers.read_to_end()
        finally:
            await offers.stop()
        assert loop.guard.refusals >= 1
        assert loop.resyncs >= 1
        # The batch applied while the group had dropped the worker made no offer: the
        # one offer is the re-applied batch's, after the worker rejoined.
        assert len(offers.by_interaction[interaction]) == 1


def test_a_batch_is_dropped_when_the_group_let_the_stalled_worker_go(
    own_stack: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_dropped_scenario(own_stack, monkeypatch))
