"""The assigner engine against an in-memory changelog (the same code the batch loop
runs): an input that raises half-way through leaves memory and changelog equal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from omniroute.agents import Pool, Record, agent_record, contact_record
from omniroute.router.codec import InboundRecord
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import (
    AssignerEngine,
    AssignerMetrics,
    AssignerStage,
    BatchResult,
    PoolRecords,
)
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    Channel,
    ContactTarget,
    CustomerContext,
    DeadLetterReason,
    InteractionUpdate,
    OfferAccepted,
    RoutingDecision,
    new_event_id,
)

POOL = "care"
PARTITION = 2
NOW = 1_800_000_000.0


class Changelog:
    """A compacted changelog partition: the latest record per key."""

    def __init__(self) -> None:
        self.latest: dict[str, Record] = {}

    async def read(self, partition: int) -> dict[str, Record]:
        assert partition == PARTITION
        return dict(self.latest)

    def write(self, out: BatchResult) -> None:
        for key, (partition, record) in out.writes.items():
            assert partition == PARTITION
            if record is None:
                self.latest.pop(key, None)
            else:
                self.latest[key] = record


def _no_records(pool: str) -> PoolRecords:
    return [], [], []


def _engine(changelog: Changelog) -> AssignerEngine:
    metrics = AssignerMetrics(CollectorRegistry(), process=False)
    stage = AssignerStage(AssignerSettings(), metrics, _no_records)
    return AssignerEngine(stage, changelog.read)


def _inputs(
    messages: list[Any], first_offset: int = 0, key: bytes | None = POOL.encode()
) -> list[InboundRecord]:
    return [
        InboundRecord(
            "omniroute.assigner-input",
            PARTITION,
            first_offset + n,
            key,
            message.model_dump_json().encode(),
        )
        for n, message in enumerate(messages)
    ]


def _login(agent: str) -> AgentLoggedIn:
    return AgentLoggedIn(
        id=new_event_id(),
        source="/t",
        agent_id=agent,
        pool=POOL,
        queues=["general"],
        capacity={Channel.CHAT: 1},
        presence=AgentPresence.READY,
    )


def _decision(interaction: str) -> RoutingDecision:
    return RoutingDecision(
        id=new_event_id(),
        source="/t",
        interaction_id=interaction,
        customer_id=f"c-{interaction}",
        channel=Channel.CHAT,
        cause_id=f"e-{interaction}",
        cause_type="omniroute.interaction.arrived",
        target=ContactTarget.AGENT_QUEUE,
        queue="general",
        pool=POOL,
        priority=0,
        max_wait_seconds=300,
        policy_version="t",
        customer=CustomerContext(customer_id=f"c-{interaction}", known=False),
    )


def _accept(agent: str, interaction: str) -> OfferAccepted:
    return OfferAccepted(
        id=new_event_id(),
        source="/t",
        agent_id=agent,
        pool=POOL,
        offer_id=f"{interaction}#1",
        interaction_id=interaction,
    )


def _memory(pool: Pool) -> dict[str, Record]:
    records = {f"{POOL}|c|{c.interaction_id}": contact_record(c) for c in pool.contacts()}
    records |= {f"{POOL}|a|{a.agent_id}": agent_record(a) for a in pool.agents()}
    return records


def _persisted(changelog: Changelog) -> dict[str, Record]:
    return {key: value for key, value in changelog.latest.items() if "|h|" not in key}


@pytest.fixture
def accept_fails_after_changing_the_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The first accept of interaction i1 marks the contact assigned, then raises."""
    original = Pool.accept
    failed: list[str] = []

    def accept(self: Pool, agent: str, interaction: str, offer: str, now: float) -> Any:
        effects = original(self, agent, interaction, offer, now)
        if interaction == "i1" and not failed:
            failed.append(interaction)
            raise RuntimeError("injected after the pool changed")
        return effects

    monkeypatch.setattr(Pool, "accept", accept)
    yield
    assert failed == ["i1"]


@pytest.mark.usefixtures("accept_fails_after_changing_the_pool")
def test_an_input_failing_mid_apply_leaves_memory_equal_to_the_changelog() -> None:
    changelog = Changelog()
    engine = _engine(changelog)
    first = BatchResult()
    batch = [_login("a1"), _login("a2"), _decision("i1"), _decision("i2")]
    asyncio.run(engine.apply_batch(_inputs(batch), NOW, first))
    changelog.write(first)
    assert _memory(engine.stage.pools[POOL]) == _persisted(changelog)

    # One batch: a new contact and an accept before the failing accept (their writes
    # are still pending when the pool is rebuilt); nothing after it drains the
    # pool's half-made changes.
    second = BatchResult()
    batch = [_decision("i3"), _accept("a2", "i2"), _accept("a1", "i1")]
    asyncio.run(engine.apply_batch(_inputs(batch, first_offset=4), NOW + 1, second))
    changelog.write(second)

    pool = engine.stage.pools[POOL]
    assert _memory(pool) == _persisted(changelog)
    assert [(d.reason, d.original_offset) for d in second.dead_letters] == [
        (DeadLetterReason.PROCESSING_ERROR, 6)
    ]
    assert "injected after the pool changed" in second.dead_letters[0].detail
    states = {c.interaction_id: c.state.value for c in pool.contacts()}
    assert states == {"i1": "offered", "i2": "assigned", "i3": "queued"}
    assert engine.partition_of == {POOL: PARTITION}


@pytest.mark.parametrize("key", [None, b"", b"OMN", b"tech", "caré".encode()])
def test_an_input_keyed_by_another_pool_than_it_names_is_dead_lettered(key: bytes | None) -> None:
    """Found by ``omniroute fuzz``: such a key made a pool the contract forbids, and
    every later tick of it failed."""
    engine = _engine(Changelog())
    out = BatchResult()
    asyncio.run(engine.apply_batch(_inputs([_login("a1"), _decision("i1")], key=key), NOW, out))
    assert [d.reason for d in out.dead_letters] == [DeadLetterReason.KEY_MISMATCH] * 2
    assert "but the body names 'care'" in out.dead_letters[0].detail
    assert engine.partition_of == {}
    assert (out.writes, out.outbound) == ({}, [])


def test_the_assigner_refuses_what_the_router_refuses_with_the_same_reasons() -> None:
    """One decoder for every input: a field named twice (the fuzz found 50 such
    assigner inputs and agent events taken with the last value), an oversized
    record and an empty one are dead-lettered, and the good input between them
    applies."""
    engine = _engine(Changelog())
    engine.max_input_bytes = 4096
    good = _inputs([_login("a1")])[0]
    body = good.value or b""
    twice = replace(good, offset=1, value=body[:-1] + b',"agent_id":"a2"}')
    huge = replace(good, offset=2, value=body[:-1] + b',"x":"' + b"y" * 5000 + b'"}')
    empty = replace(good, offset=3, value=b"")
    out = BatchResult()

    asyncio.run(engine.apply_batch([twice, good, huge, empty], NOW, out))

    assert [(d.reason, d.original_offset) for d in out.dead_letters] == [
        (DeadLetterReason.DUPLICATE_KEY, 1),
        (DeadLetterReason.OVERSIZED, 2),
        (DeadLetterReason.NOT_JSON, 3),
    ]
    assert [a.agent_id for a in engine.stage.pools[POOL].agents()] == ["a1"]


def _ended(interaction: str) -> InteractionUpdate:
    return InteractionUpdate(
        id=new_event_id(),
        source="/t",
        pool=POOL,
        interaction_id=interaction,
        customer_id=f"c-{interaction}",
        update="ended",
        cause_id=f"end-{interaction}",
    )


def _offers_and_revocations(messages: list[tuple[str, bytes, bytes]]) -> list[tuple[str, str]]:
    kinds = []
    for _, _, value in messages:
        message = json.loads(value)
        if message["type"] in ("omniroute.offer", "omniroute.offer.revoked"):
            kinds.append((message["type"], message["offer_id"]))
    return kinds


def test_an_offer_revoked_in_the_batch_that_made_it_is_never_sent() -> None:
    """After a backlog an arrival and its end share a batch: the offer and its
    revocation both stay unsent (no desktop rings for an ended contact), what is
    persisted is the end, and an offer made in an earlier batch is still revoked."""
    changelog = Changelog()
    engine = _engine(changelog)
    first = BatchResult()
    asyncio.run(engine.apply_batch(_inputs([_login("a1"), _decision("i1")]), NOW, first))
    assert _offers_and_revocations(first.publishable()) == [("omniroute.offer", "i1#1")]
    changelog.write(first)

    backlog = BatchResult()
    inputs = _inputs([_ended("i1"), _decision("i2"), _ended("i2")], first_offset=2)
    asyncio.run(engine.apply_batch(inputs, NOW + 1, backlog))

    assert _offers_and_revocations(backlog.outbound) == [
        ("omniroute.offer.revoked", "i1#1"),  # i1's end frees a1, who is offered i2 ...
        ("omniroute.offer", "i2#1"),
        ("omniroute.offer.revoked", "i2#1"),  # ... which ends in the same batch
    ]
    assert _offers_and_revocations(backlog.publishable()) == [("omniroute.offer.revoked", "i1#1")]
    changelog.write(backlog)
    assert not any("|c|" in key for key in changelog.latest)
