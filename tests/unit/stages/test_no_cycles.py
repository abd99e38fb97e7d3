"""Both stages' steady state makes no reference cycles.

The workers freeze what survives a full collection (``runtime.CollectorFreezer``)
so the collector stops walking their state. That leaks nothing only if what the
stages allocate per input is freed by reference counting alone: a cycle among
frozen objects would never be collected. So: warm a stage up, switch the
collector off, run many inputs through every path of a contact's life, and the
collector must then find nothing to collect."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord
from omniroute.router.policy import default_policy
from omniroute.router.runtime import AssignerSettings, RouterSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage
from omniroute.router.stages.routing import (
    PolicyHolder,
    RouterMetrics,
    RouterStage,
    customer_record,
)
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    Channel,
    InteractionArrived,
    OfferAccepted,
    PoolTick,
    RecentContact,
    RoutingDecision,
    WorkCompleted,
    new_event_id,
)
from tests.support.assigner import no_records, queued_decision

POOL = "care"
START = 1_800_000_000.0


def _decision(n: int) -> RoutingDecision:
    return queued_decision(f"i{n}", f"c{n % 50}", queue=f"q{n % 3}", pool=POOL, priority=n % 2 * 50)


def _life_of_contacts(stage: AssignerStage, first: int, count: int, now: float) -> float:
    """Contacts arrive, are offered, accepted and completed; the pool ticks."""
    for n in range(first, first + count):
        now += 0.5
        result = stage.apply(POOL, _decision(n), now)
        offers = [m for name, _, m in result.outbound if name == "omniroute.assignments"]
        for agent in [f"a{k}" for k in range(20)]:
            pool = stage.pools[POOL]
            contact = pool.contact(f"i{n}")
            if contact is not None and contact.agent_id == agent and contact.offer_id:
                accept = OfferAccepted(
                    id=new_event_id(),
                    source="/t",
                    agent_id=agent,
                    pool=POOL,
                    offer_id=contact.offer_id,
                    interaction_id=f"i{n}",
                )
                stage.apply(POOL, accept, now + 0.1)
                done = WorkCompleted(
                    id=new_event_id(),
                    source="/t",
                    agent_id=agent,
                    pool=POOL,
                    interaction_id=f"i{n}",
                )
                stage.apply(POOL, done, now + 0.2)
        assert offers or n >= first  # every path ran: offered ones and queued ones
        if n % 10 == 0:
            tick = PoolTick(
                id=new_event_id(), source="/t", pool=POOL, now=datetime.fromtimestamp(now, UTC)
            )
            stage.apply(POOL, tick, now)
    return now


def test_the_assigner_stage_makes_no_reference_cycles() -> None:
    stage = AssignerStage(
        AssignerSettings(wait_estimate_every_seconds=5.0),
        AssignerMetrics(CollectorRegistry(), process=False),
        no_records,
    )
    for k in range(20):
        login = AgentLoggedIn(
            id=new_event_id(),
            source="/t",
            agent_id=f"a{k}",
            pool=POOL,
            queues=["q0", "q1", "q2"],
            skills={},
            capacity={Channel.CHAT: 2},
            max_total=2,
            presence=AgentPresence.READY,
        )
        stage.apply(POOL, login, START)
    now = _life_of_contacts(stage, 0, 300, START)  # warm-up: caches, metric series
    gc.collect()
    gc.disable()
    try:
        _life_of_contacts(stage, 300, 600, now)
        assert gc.collect() == 0
    finally:
        gc.enable()


class _Customers:
    """The customer store in memory, behind the same Protocol as Redis."""

    def __init__(self) -> None:
        self.recent: dict[str, tuple[RecentContact, ...]] = {}

    async def fetch(self, customer_ids: Sequence[str]) -> dict[str, CustomerRecord]:
        profile = b'{"customer_id": "x", "tier": "gold", "arpu": 80.0}'
        return {
            c: customer_record(c, profile.replace(b'"x"', f'"{c}"'.encode()), None)
            for c in customer_ids
        }

    async def save_recent(self, updates: Mapping[str, tuple[RecentContact, ...]]) -> None:
        self.recent.update(updates)


def _arrivals(first: int, count: int) -> list[InboundRecord]:
    records = []
    for n in range(first, first + count):
        event = InteractionArrived(
            id=new_event_id(),
            source="/t",
            interaction_id=f"r{n}",
            customer_id=f"c{n % 50}",
            channel=list(Channel)[n % len(Channel)],
        )
        records.append(
            InboundRecord(
                "omniroute.interactions",
                0,
                n,
                event.customer_id.encode(),
                event.model_dump_json().encode(),
            )
        )
    return records


def test_the_router_stage_makes_no_reference_cycles() -> None:
    metrics = RouterMetrics(CollectorRegistry(), process=False)
    clock = [datetime(2026, 12, 4, tzinfo=UTC)]
    stage = RouterStage(
        policy=PolicyHolder(default_policy(), metrics),
        store=_Customers(),
        settings=RouterSettings(),
        metrics=metrics,
        clock=lambda: clock[0],
    )

    async def batches(first: int) -> int:
        decided = 0
        for start in range(first, first + 600, 100):
            clock[0] += timedelta(seconds=1)
            output = await stage.process(_arrivals(start, 100))
            decided += len(output.decisions)
        return decided

    assert asyncio.run(batches(0)) == 600  # warm-up
    gc.collect()
    gc.disable()
    try:
        loop = asyncio.new_event_loop()
        try:
            decided = loop.run_until_complete(batches(600))
        finally:
            loop.close()
        assert decided == 600
        assert gc.collect() == 0
    finally:
        gc.enable()
