"""The values the assignment stage emits after a scripted floor: depth (offered
contacts included), occupancy with an agent on break, service level, abandonment,
perceived wait, agents in wrap-up. A series that merely exists, or reads zero,
passes nothing here."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, QueueBook
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AgentStateChanged,
    Channel,
    InteractionUpdate,
    Offer,
    OfferAccepted,
    PoolTick,
    QueueSettings,
    RoutingDecision,
    WorkCompleted,
    new_event_id,
)
from tests.support.assigner import no_records, queued_decision

T0 = 1_800_000_000.0
POOL = "care"


class Floor:
    def __init__(self, queues: QueueBook | None = None) -> None:
        self.registry = CollectorRegistry()
        metrics = AssignerMetrics(self.registry, process=False)
        self.stage = AssignerStage(AssignerSettings(), metrics, no_records, queues)
        self.offers: dict[str, Offer] = {}

    def send(self, message: object, at: float) -> None:
        result = self.stage.apply(POOL, message, T0 + at)  # type: ignore[arg-type]
        for name, _, value in result.outbound:
            if name == "omniroute.assignments" and b'"omniroute.offer"' in value:
                offer = Offer.model_validate_json(value)
                self.offers[offer.interaction_id] = offer

    def agent(self, agent: str, at: float, queue: str = "general") -> None:
        self.send(
            AgentLoggedIn(
                id=new_event_id(),
                source="/t",
                agent_id=agent,
                pool=POOL,
                queues=[queue],
                capacity={Channel.VOICE: 1},
                presence=AgentPresence.READY,
            ),
            at,
        )

    def on_break(self, agent: str, at: float) -> None:
        self.send(
            AgentStateChanged(
                id=new_event_id(),
                source="/t",
                agent_id=agent,
                pool=POOL,
                presence=AgentPresence.NOT_READY,
            ),
            at,
        )

    def arrive(self, interaction: str, at: float, ivr_seconds: float = 0.0) -> None:
        decision: RoutingDecision = queued_decision(
            interaction, f"cust-{interaction}", queue="general", pool=POOL, channel=Channel.VOICE
        ).model_copy(
            update={
                "time": datetime.fromtimestamp(T0 + at, UTC),
                "service_target_seconds": 20.0,
                "perceived_wait_offset_seconds": ivr_seconds,
            }
        )
        self.send(decision, at)

    def accept(self, interaction: str, at: float) -> None:
        offer = self.offers[interaction]
        self.send(
            OfferAccepted(
                id=new_event_id(),
                source="/t",
                agent_id=offer.agent_id,
                pool=POOL,
                interaction_id=interaction,
                offer_id=offer.offer_id,
            ),
            at,
        )

    def complete(self, interaction: str, at: float) -> None:
        offer = self.offers[interaction]
        self.send(
            WorkCompleted(
                id=new_event_id(),
                source="/t",
                agent_id=offer.agent_id,
                pool=POOL,
                interaction_id=interaction,
            ),
            at,
        )

    def abandon(self, interaction: str, at: float) -> None:
        self.send(
            InteractionUpdate(
                id=new_event_id(),
                source="/t",
                pool=POOL,
                interaction_id=interaction,
                customer_id=f"cust-{interaction}",
                update="abandoned",
                cause_id=f"e-{interaction}",
            ),
            at,
        )

    def tick(self, at: float) -> None:
        self.send(
            PoolTick(
                id=new_event_id(), source="/t", pool=POOL, now=datetime.fromtimestamp(T0 + at, UTC)
            ),
            at,
        )

    def value(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, labels)


def scripted_floor() -> Floor:
    """Five agents, one on break; seven voice contacts against a 20 s target."""
    floor = Floor()
    for agent in ("a1", "a2", "a3"):
        floor.agent(agent, 0)
    floor.on_break("a3", 0)
    floor.arrive("c1", 0, ivr_seconds=10)  # offered to a1
    floor.arrive("c2", 0)  # offered to a2
    floor.arrive("c3", 0)
    floor.arrive("c4", 0)
    floor.arrive("c5", 0)
    floor.abandon("c5", 3)  # a short abandon, inside the target
    floor.accept("c1", 5)  # waited 5 s (15 s as the customer felt it): within
    floor.accept("c2", 15)  # 15 s: within
    floor.complete("c1", 25)  # a1's room goes to c3
    floor.accept("c3", 26)  # 26 s: past the target
    floor.abandon("c4", 40)  # 40 s: abandoned past the target
    floor.arrive("c6", 45)
    floor.agent("a4", 46)  # c6 rings at a4's desk, not yet accepted
    floor.arrive("c7", 47)  # nobody free: queued
    floor.agent("a5", 48, queue="other")  # ready and idle, serving another queue
    floor.tick(50)
    return floor


def test_depth_counts_queued_and_offered_contacts() -> None:
    floor = scripted_floor()
    assert floor.offers["c6"].agent_id == "a4"
    assert floor.value("omniroute_queue_depth", pool=POOL, queue="general") == 2.0


def test_occupancy_leaves_out_the_slots_of_agents_on_break() -> None:
    floor = scripted_floor()
    # In use: a1 (c3), a2 (c2), a4 (c6 ringing). Offered: a1, a2, a4, a5; a3 is on break.
    assert floor.value("omniroute_agent_occupancy_ratio", pool=POOL) == 0.75
    states = {
        state: floor.value("omniroute_agents", pool=POOL, state=state)
        for state in ("ready", "busy", "not_ready")
    }
    assert states == {"ready": 1.0, "busy": 3.0, "not_ready": 1.0}


def test_service_level_and_abandonment_follow_the_script() -> None:
    floor = scripted_floor()
    series = {"pool": POOL, "queue": "general", "channel": "voice"}
    # Answered within 20 s: c1, c2; counted against: c1, c2, c3 and c4 (abandoned late).
    assert floor.value("omniroute_service_level_ratio", **series) == 0.5
    # Abandoned c4, c5 of seven entered.
    assert floor.value("omniroute_abandon_ratio", **series) == 2 / 7
    assert floor.value("omniroute_queue_answered_total", **series, within_target="true") == 2.0
    assert floor.value("omniroute_queue_answered_total", **series, within_target="false") == 1.0
    assert floor.value("omniroute_queue_abandoned_total", **series, within_target="true") == 1.0
    assert floor.value("omniroute_queue_abandoned_total", **series, within_target="false") == 1.0


def test_perceived_wait_adds_the_time_in_automation() -> None:
    floor = scripted_floor()
    series = {"pool": POOL, "queue": "general", "channel": "voice"}
    assert floor.value("omniroute_perceived_wait_seconds_count", **series) == 3.0
    assert floor.value("omniroute_perceived_wait_seconds_sum", **series) == 15 + 15 + 26
    assert floor.value("omniroute_queue_wait_seconds_sum", **series) == 5 + 15 + 26
    assert floor.value("omniroute_perceived_wait_seconds_bucket", **series, le="20.0") == 2.0


def test_agents_in_wrap_up_are_counted_while_their_queue_holds_them() -> None:
    """general holds an agent 30 s after each contact: a1 completes c1 at 10 s, so c3
    (arriving at 12 s) waits for a1's wrap-up to end at 40 s although a1 is idle."""
    floor = Floor(queues=(QueueSettings(), {"general": QueueSettings(wrap_up_seconds=30)}))
    floor.agent("a1", 0)
    floor.agent("a2", 0)
    floor.arrive("c1", 0)
    floor.arrive("c2", 0)
    floor.accept("c1", 1)
    floor.accept("c2", 1)
    floor.complete("c1", 10)
    floor.arrive("c3", 12)
    floor.tick(20)
    assert floor.value("omniroute_agents_in_wrap_up", pool=POOL) == 1.0
    assert floor.value("omniroute_queue_depth", pool=POOL, queue="general") == 1.0
    assert "c3" not in floor.offers
    floor.tick(41)
    assert floor.value("omniroute_agents_in_wrap_up", pool=POOL) == 0.0
    assert floor.offers["c3"].agent_id == "a1"
