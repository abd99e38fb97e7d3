"""Wait estimates: written from a template yet exactly the contract's message, and
spread over their period one queue at a time, every queued contact once a period."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from omniroute.agents import (
    WAIT_CEILING_SECONDS,
    Contact,
    ContactWait,
    Pool,
    PoolConfig,
    QueueConfig,
    wait_estimate_message,
)
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import (
    AssignerMetrics,
    AssignerStage,
    EstimateBacklog,
    EstimateRotation,
    encode_wait_estimates,
)
from omniroute.schemas import (
    Channel,
    InteractionUpdate,
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


def _tick(stage: AssignerStage, now: float) -> list[WaitEstimate]:
    tick = PoolTick(
        id=new_event_id(), source="/t", pool="care", now=datetime.fromtimestamp(now, UTC)
    )
    return [
        WaitEstimate.model_validate_json(value)
        for name, _, value in stage.apply("care", tick, now).outbound
        if name == "omniroute.wait-estimates"
    ]


def test_a_large_queue_goes_out_a_slice_a_tick_each_contact_once() -> None:
    """One queue of 5,000: its turn is computed on one tick and published 2,000 a tick
    (the floor), stamped with the turn's time, positions as of then; a contact that
    abandons before its slice is not announced."""
    stage = AssignerStage(
        AssignerSettings(wait_estimate_every_seconds=30.0, tick_seconds=1.0),
        AssignerMetrics(CollectorRegistry(), process=False),
        no_records,
    )
    start = 1_800_000_000.0
    for n in range(5000):
        decision = queued_decision(
            f"i{n}", f"c{n}", queue="big", pool="care", max_wait_seconds=86_400
        )
        stage.apply("care", decision, start + n / 10_000)
    per_tick: list[list[WaitEstimate]] = []
    second = 1
    while not per_tick or not per_tick[-1]:  # up to the turn
        per_tick = [_tick(stage, start + second)]
        second += 1
    turn = start + second - 1
    gone = InteractionUpdate(
        id=new_event_id(),
        source="/t",
        pool="care",
        interaction_id="i4500",
        customer_id="c4500",
        update="abandoned",
        cause_id="e",
    )
    stage.apply("care", gone, turn + 0.5)
    for offset in range(1, 30):
        per_tick.append(_tick(stage, turn + offset))
    sizes = [len(batch) for batch in per_tick if batch]
    assert sizes == [2000, 2000, 999]
    published = [e for batch in per_tick for e in batch]
    assert [e.interaction_id for e in published] == [f"i{n}" for n in range(5000) if n != 4500]
    assert [e.position for e in published] == [n + 1 for n in range(5000) if n != 4500]
    assert {e.time.timestamp() for e in published} == {turn}


def _pool_of(contacts: list[Contact]) -> Pool:
    config = PoolConfig(
        name="p", default_queue=QueueConfig(aging_per_second=0.5, max_wait_seconds=600)
    )
    pool = Pool(config)
    for contact in contacts:
        pool.enqueue(contact, contact.enqueued_at)
    return pool


def test_the_backlog_takes_a_share_of_the_pool_with_a_floor() -> None:
    pool = _pool_of([Contact(f"i{n}", f"c{n}", "q", Channel.CHAT, 0, n) for n in range(1000)])
    everyone = pool.wait_estimates(2000.0, ["q"])
    backlog = EstimateBacklog(period=30.0, tick=1.0, floor=100)
    backlog.add("p", pool.queue_turns(1000.0, ["q"]))
    backlog.add("p", pool.queue_turns(2000.0, ["q"]))
    first_turn = pool.wait_estimates(1000.0, ["q"])
    # 3,000 queued: ceil(3000 * 2 / 30) = 200 a tick, and 800 order keys: the first
    # tick ranks 800 of the turn's 1,000, the second the rest, and publishes 200
    assert backlog.take("p", 3000, lambda _: True) == []
    first = backlog.take("p", 3000, lambda _: True)
    assert [(part.at, len(part.waits)) for part in first] == [(1000.0, 200)]
    taken = [w for part in first for w in part.waits]
    # 60 queued: the floor, 100 a tick; a contact no longer queued is left out
    second = backlog.take("p", 60, lambda i: i != "i250")
    assert [(part.at, len(part.waits)) for part in second] == [(1000.0, 99)]
    taken += [w for part in second for w in part.waits]
    # 12,000 queued: 800, the first turn's last 700 and the next turn's first 100
    third = backlog.take("p", 12_000, lambda _: True)
    assert [(part.at, len(part.waits)) for part in third] == [(1000.0, 700), (2000.0, 100)]
    taken += [w for part in third for w in part.waits]
    while backlog.pending("p"):
        taken += [w for part in backlog.take("p", 3000, lambda _: True) for w in part.waits]
    assert taken == [w for w in first_turn if w.interaction_id != "i250"] + everyone
    backlog.add("p", pool.queue_turns(3000.0, ["q"]))
    backlog.forget("p")
    assert backlog.take("p", 3000, lambda _: True) == []


def test_a_turn_ranks_a_large_queue_over_ticks() -> None:
    """Ranking is bounded by four times the publish budget: 10,000 contacts at the
    floor of 100 take 25 ticks to rank, and publish nothing until ranked."""
    pool = _pool_of([Contact(f"i{n}", f"c{n}", "q", Channel.CHAT, 0, n) for n in range(10_000)])
    backlog = EstimateBacklog(period=30.0, tick=1.0, floor=100)
    backlog.add("p", pool.queue_turns(20_000.0, ["q"]))
    ticks = [backlog.take("p", 0, lambda _: True) for _ in range(26)]
    assert [len(t) for t in ticks[:24]] == [0] * 24
    assert [len(part.waits) for part in ticks[24]] == [100]


ARRIVALS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # queue
        st.sampled_from((0, 50, 100)),  # priority
        st.floats(min_value=0, max_value=900),  # queued at
        st.sampled_from((None, 30.0, 300.0)),  # max wait
    ),
    max_size=60,
)


@given(
    arrivals=ARRIVALS,
    now=st.floats(min_value=900, max_value=2000),
    rank_steps=st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=8),
    take_steps=st.lists(st.integers(min_value=1, max_value=25), min_size=1, max_size=8),
)
def test_a_turn_taken_in_any_steps_gives_the_waits_of_one_ranking(
    arrivals: list[tuple[int, int, float, float | None]],
    now: float,
    rank_steps: list[int],
    take_steps: list[int],
) -> None:
    contacts = [
        Contact(f"i{n}", f"c{n}", f"q{queue}", Channel.CHAT, priority, at, max_wait=max_wait)
        for n, (queue, priority, at, max_wait) in enumerate(arrivals)
    ]
    pool = _pool_of(sorted(contacts, key=lambda c: c.enqueued_at))
    queues = [f"q{n}" for n in range(4)]
    stepped: list[ContactWait] = []
    for turn in pool.queue_turns(now, queues):
        for step in rank_steps:
            turn.rank(step)
        while not turn.ranked:
            turn.rank(rank_steps[0])
        index = 0
        while turn.remaining:
            stepped += turn.take(take_steps[index % len(take_steps)])
            index += 1
    assert stepped == pool.wait_estimates(now, queues)
