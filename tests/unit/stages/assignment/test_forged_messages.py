"""What a forged message can do to the assigner, case by case (docs/security.md):

- an agent event naming another agent than its record key: dead-lettered;
- an accept for an offer made to another agent: answered with a revocation to the
  sender, the offer stays with the agent it was made to;
- a huge or hostile event: a dead letter with its reason, the loop goes on;
- a flood of them: every record still has its dead letter, past the budget without
  the copy of the original.
"""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.router.runtime import AssignerSettings, DeadLetterBudget, dead_letter_records
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, PoolRecords
from omniroute.schemas import (
    AgentEventAdapter,
    AgentLoggedIn,
    AgentPresence,
    Channel,
    DeadLetter,
    DeadLetterReason,
    OfferAccepted,
    new_event_id,
    topic,
    utc_now,
)
from tests.support.assigner import queued_decision

POOL = "care"
NOW = 1_800_000_000.0
ASSIGNMENTS = topic("omniroute.assignments").name
AGENT_EVENTS = topic("omniroute.agent-events").name


def _no_records(pool: str) -> PoolRecords:
    return [], [], []


def _login(agent: str) -> AgentLoggedIn:
    return AgentLoggedIn(
        id=new_event_id(),
        source=f"/desktops/{agent}",
        agent_id=agent,
        pool=POOL,
        queues=["general"],
        capacity={Channel.CHAT: 1},
        presence=AgentPresence.READY,
    )


def _accept(agent: str, interaction: str, offer_id: str) -> OfferAccepted:
    return OfferAccepted(
        id=new_event_id(),
        source=f"/desktops/{agent}",
        agent_id=agent,
        pool=POOL,
        offer_id=offer_id,
        interaction_id=interaction,
    )


def _sent(stage_outbound: list[tuple[str, bytes, bytes]]) -> list[dict[str, object]]:
    return [json.loads(value) for name, _, value in stage_outbound if name == ASSIGNMENTS]


def test_an_accept_for_an_offer_made_to_another_agent_takes_nothing() -> None:
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), _no_records
    )
    stage.apply(POOL, _login("ann"), NOW)
    offered = stage.apply(POOL, queued_decision("ix-1", "c-1", queue="general", pool=POOL), NOW + 1)
    (offer,) = _sent(offered.outbound)
    assert offer["agent_id"] == "ann"
    stage.apply(POOL, _login("bob"), NOW + 2)  # the forger: a logged-in agent

    forged = stage.apply(POOL, _accept("bob", "ix-1", str(offer["offer_id"])), NOW + 3)

    (answer,) = _sent(forged.outbound)
    assert answer["type"] == "omniroute.offer.revoked"  # bob's desktop drops it
    assert answer["agent_id"] == "bob"
    contact = stage.pools[POOL].contact("ix-1")
    assert contact is not None
    assert contact.state.value == "offered"
    assert contact.agent_id == "ann"  # still ann's to take
    taken = stage.apply(POOL, _accept("ann", "ix-1", str(offer["offer_id"])), NOW + 4)
    assert [m["type"] for m in _sent(taken.outbound)] == ["omniroute.offer.assigned"]
    assert _sent(taken.outbound)[0]["agent_id"] == "ann"


def test_a_guessed_offer_id_is_not_an_offer() -> None:
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), _no_records
    )
    stage.apply(POOL, _login("ann"), NOW)
    stage.apply(POOL, queued_decision("ix-2", "c-2", queue="general", pool=POOL), NOW + 1)
    forged = stage.apply(POOL, _accept("ann", "ix-2", "ix-2#7"), NOW + 2)
    assert [m["type"] for m in _sent(forged.outbound)] == ["omniroute.offer.revoked"]
    contact = stage.pools[POOL].contact("ix-2")
    assert contact is not None
    assert contact.state.value == "offered"


def _agent_record(offset: int, key: bytes, value: bytes) -> InboundRecord:
    return InboundRecord(AGENT_EVENTS, 0, offset, key, value)


def _decode(records: list[InboundRecord]) -> tuple[list[str], list[DeadLetter]]:
    """Agent events as the assigner's re-key decodes them: keyed by the agent."""
    decoded = decode_batch(
        records,
        AgentEventAdapter,
        max_bytes=AssignerSettings().max_input_bytes,
        stage="assigner",
        now=utc_now(),
        key_of=lambda event: event.agent_id,
    )
    return [event.agent_id for _, event in decoded.events], list(decoded.dead_letters)


def test_an_agent_event_claiming_another_agent_than_its_key_is_dead_lettered() -> None:
    claim = _login("ann").model_dump_json().encode()
    passed, letters = _decode([_agent_record(0, b"bob", claim), _agent_record(1, b"ann", claim)])
    assert passed == ["ann"]
    assert [(d.reason, d.original_offset) for d in letters] == [(DeadLetterReason.KEY_MISMATCH, 0)]


def test_huge_and_hostile_agent_events_are_dead_lettered_with_their_reason() -> None:
    login = _login("ann").model_dump(mode="json")
    hostile = {
        "huge": json.dumps(login | {"queues": ["q"] * 400_000}).encode(),
        "nested": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "twice": json.dumps(login).encode()[:-1] + b', "agent_id": "bob"}',
        "nan": json.dumps(login | {"capacity": {"chat": float("nan")}}).encode(),
        "not json": b"\xff\xfe<script>",
        "wrong type": json.dumps(login | {"type": "omniroute.admin.wipe"}).encode(),
    }
    records = [_agent_record(n, b"ann", value) for n, value in enumerate(hostile.values())]
    passed, letters = _decode(records)
    assert passed == []
    reasons = dict(zip(hostile, (d.reason for d in letters), strict=True))
    assert reasons["huge"] is DeadLetterReason.OVERSIZED
    assert reasons["twice"] is DeadLetterReason.DUPLICATE_KEY
    assert reasons["not json"] is DeadLetterReason.NOT_JSON
    assert reasons["wrong type"] is DeadLetterReason.UNKNOWN_TYPE
    assert reasons["nan"] in {DeadLetterReason.INVALID_VALUE, DeadLetterReason.NOT_JSON}
    assert reasons["nested"] in {DeadLetterReason.NOT_JSON, DeadLetterReason.INVALID_VALUE}
    huge = letters[0]
    assert huge.original_truncated  # the letter holds a prefix, not the whole 2 MB
    assert len(huge.model_dump_json()) < 100_000


def test_a_flood_of_bad_records_costs_bounded_bytes_but_every_record_has_its_letter() -> None:
    budget = DeadLetterBudget(per_key_per_minute=30, per_second=100, stage="assigner")
    junk = b"x" * 50_000
    flood = [_agent_record(n, b"mallory", junk) for n in range(1000)]
    _, letters = _decode(flood)
    records = [(key, value) for _, key, value in dead_letter_records(letters, "dl")]
    admitted = budget.admit(records, now=100.0)
    assert len(admitted) == 1000  # every bad record leaves its dead letter
    full = [value for _, value in admitted if len(value) > 10_000]
    assert len(full) == 30  # one key's budget: 30 a minute
    assert budget.shrunk == 970
    minimal = DeadLetter.model_validate_json(admitted[-1][1])
    assert minimal.reason is DeadLetterReason.NOT_JSON
    assert minimal.original_value_b64 == ""
    assert minimal.original_offset == 999
    assert minimal.original_sha256 == letters[-1].original_sha256
    assert sum(len(value) for _, value in admitted) < 30 * 70_000 + 970 * 1_000
    # A minute later the key has its budget back; other keys had theirs all along.
    later = budget.admit([*records[:1], (b"ann", records[0][1])], now=160.0)
    assert [len(value) > 10_000 for _, value in later] == [True, True]
