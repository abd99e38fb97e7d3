"""Wait estimates: written from a template yet exactly the contract's message, and
spread over their period one queue at a time, every queued contact once a period."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from omniroute.agents import WAIT_CEILING_SECONDS, ContactWait, wait_estimate_message
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import (
    AssignerMetrics,
    AssignerStage,
    EstimateRotation,
    encode_wait_estimates,
)
from omniroute.schemas import (
    Channel,
    PoolTick,
    WaitEstimate,
    new_event_id,
)
from tests.support.assigner import no_records, queued_decision

IDENTIFIER = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,30}", fullmatch=True)
QUEUE = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True)
WAITS = st.builds(
    ContactWait,
    interaction_id=IDENTIFIER,
    customer_id=IDENTIFIER,
    queue=QUEUE,
    position=st.integers(min_value=1, max_value=10**7),
    estimated_wait_seconds=st.one_of(
        st.floats(min_value=0, max_value=1e9, allow_nan=False), st.just(float("inf"))
    ),
)
AT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(waits=st.lists(WAITS, max_size=20), source=st.text(min_size=1, max_size=40), at=AT)
def test_the_template_writes_exactly_the_contracts_message(
    waits: list[ContactWait], source: str, at: datetime
) -> None:
    values = encode_wait_estimates(waits, source, at)
    assert len(values) == len(waits)
    ids = set()
    for wait, value in zip(waits, values, strict=True):
        decoded = WaitEstimate.model_validate_json(value)
        expected = wait_estimate_message(wait, source).model_copy(
            update={"id": decoded.id, "time": at}
        )
        assert decoded == expected
        assert decoded.estimated_wait_seconds <= WAIT_CEILING_SECONDS
        assert uuid.UUID(decoded.id).version == 4
        assert uuid.UUID(decoded.id).variant == uuid.RFC_4122
        assert str(uuid.UUID(decoded.id)) == decoded.id  # lower-case, canonical
        ids.add(decoded.id)
    assert len(ids) == len(waits)


def test_each_queue_comes_due_once_a_period_and_the_queues_spread_over_it() -> None:
    rotation = EstimateRotation(period=30.0)
    queues = [f"q{n:02d}" for n in range(20)]
    due_at: dict[str, list[float]] = {queue: [] for queue in queues}
    per_tick = Counter[float]()
    for second in range(1000, 1090):  # three periods of one-second ticks
        for queue in rotation.due("pool", queues, float(second)):
            due_at[queue].append(float(second))
            per_tick[float(second)] += 1
    for queue, times in due_at.items():
        assert times[0] <= 1030, queue  # a new queue's first turn comes within one period
        assert times == [float(t) for t in range(int(times[0]), 1090, 30)], queue
    assert max(per_tick.values()) <= 4
    assert len(per_tick) >= 30  # ~60 turns on at least 30 of the 90 ticks
    # The phase is the name's, not the order it was first seen in: a takeover keeps it.
    again = EstimateRotation(period=30.0)
    firsts = {
        q: next(t for t in range(1000, 1031) if q in again.due("pool", [q], t)) for q in queues
    }
    assert firsts == {queue: int(times[0]) for queue, times in due_at.items()}


def test_over_one_period_every_queued_contact_gets_one_estimate_with_its_position() -> None:
    stage = AssignerStage(
        AssignerSettings(wait_estimate_every_seconds=30.0),
        AssignerMetrics(CollectorRegistry(), process=False),
        no_records,
    )
    start = 1_800_000_000.0
    queues = [f"q{n}" for n in range(12)]
    for n in range(120):
        stage.apply(
            "care",
            queued_decision(
                f"i{n}",
                f"c{n}",
                queue=queues[n % 12],
                pool="care",
                channel=Channel.EMAIL,
                max_wait_seconds=86_400,
            ),
            start + n / 1000,
        )
    published: list[WaitEstimate] = []
    busiest = 0
    for second in range(1, 31):
        now = start + second
        tick = PoolTick(
            id=new_event_id(), source="/t", pool="care", now=datetime.fromtimestamp(now, UTC)
        )
        result = stage.apply("care", tick, now)
        estimates = [
            WaitEstimate.model_validate_json(value)
            for name, _, value in result.outbound
            if name == "omniroute.wait-estimates"
        ]
        busiest = max(busiest, len(estimates))
        published += estimates
    assert sorted(e.interaction_id for e in published) == sorted(f"i{n}" for n in range(120))
    # Each queue's ten contacts in arrival order (no agents, equal priority).
    for queue in queues:
        mine = [e for e in published if e.queue == queue]
        assert [e.position for e in mine] == list(range(1, 11))
        assert [int(e.interaction_id[1:]) for e in mine] == sorted(
            int(e.interaction_id[1:]) for e in mine
        )
    assert busiest < 120  # not the whole pool on one tick
