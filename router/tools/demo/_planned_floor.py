"""The demo's agent floor on a ``FloorPlan``: it also reads the router's decisions,
so it knows when each contact joined its queue, and publishes the customer's
``InteractionAbandoned`` when patience runs out before an agent is assigned.
Durations are floor seconds divided by the compression; waits are reported
multiplied back. Each contact is kept as the simulator's ``ContactRun`` (wall
seconds from the start) so the demo and the simulator are summarized alike."""

from __future__ import annotations

import dataclasses
import math
import time

from omniroute.agents import contact_from_decision
from omniroute.router.tools.harness import AgentFloor
from omniroute.router.tools.sim import ContactRun
from omniroute.schemas import (
    ContactTarget,
    InteractionAbandoned,
    RoutingDecision,
    new_event_id,
    topic,
)

from ._floor_plan import FloorPlan

__all__ = ["ScaledFloor"]

DECISIONS = topic("omniroute.decisions").name
INTERACTIONS = topic("omniroute.interactions").name
ASSIGNMENTS = topic("omniroute.assignments").name


class ScaledFloor(AgentFloor):
    topics = (ASSIGNMENTS, DECISIONS)

    def __init__(self, bootstrap_servers: str, plan: FloorPlan, run_id: str) -> None:
        super().__init__(
            bootstrap_servers,
            plan.agents(run_id),
            seed=plan.seed,
            reject_share=0.0,
            front_end=True,
        )
        self.plan = plan
        self.compression = plan.compression
        self.started = time.time()
        self.runs: dict[str, ContactRun] = {}
        self._run_id = run_id
        self._run_marker = run_id.encode()
        self._answers: dict[str, float] = {}
        self._work: dict[str, float] = {}
        self.hops: list[float] = []
        """Wall seconds from each decision to this desktop: one Kafka hop, of the three
        (decision, offer, accept) every contact's measured wait includes."""

    def _answer_after(self, interaction_id: str) -> float:
        return self._answers.get(interaction_id, 0.0)

    def _work_for(self, interaction_id: str) -> float:
        return self._work.get(interaction_id, 0.0)

    def _read(self, topic_name: str, value: bytes) -> None:
        """Decisions straight from their bytes, and only those that may queue one of
        this run's contacts: at 1,000 events/s most decisions are not the floor's."""
        if topic_name != DECISIONS:
            super()._read(topic_name, value)
        elif b'"agent_queue"' in value and self._run_marker in value:
            self._decided(RoutingDecision.model_validate_json(value))

    def _handle(self, message: dict[str, object]) -> None:
        kind = message.get("type")
        run = self.runs.get(str(message.get("interaction_id")))
        if kind == "omniroute.offer.assigned" and run is not None and run.answered_at is None:
            if run.abandoned_at is not None:
                # The customer hung up while the assignment was on its way: a dead call.
                self._work[run.contact.interaction_id] = 0.0
            else:
                run.answered_at = run.arrived + float(str(message["waited_seconds"]))
                run.agent_id = str(message.get("agent_id"))
        super()._handle(message)

    def _decided(self, decision: RoutingDecision) -> None:
        interaction = decision.interaction_id
        if (
            decision.target is not ContactTarget.AGENT_QUEUE
            or not interaction.startswith(self._run_id)
            or interaction in self.runs  # an escalation re-decides a contact already queued
        ):
            return
        draws = self.plan.draw(interaction, decision.channel, decision.reason)
        wall = self.plan.wall
        arrived = decision.time.timestamp() - self.started
        if arrived < 0:  # the start-up probe, decided before the floor was staffed
            return
        self.hops.append(time.time() - self.started - arrived)
        run = ContactRun(
            contact=dataclasses.replace(contact_from_decision(decision), enqueued_at=arrived),
            pool=decision.pool or "",
            arrived=arrived,
            handle_seconds=wall(draws.handle),
            wrap_seconds=wall(draws.wrap),
            patience_seconds=wall(draws.patience),
            target_seconds=wall(decision.service_target_seconds or 20.0),
            labels={"channel": decision.channel.value},
        )
        self.runs[interaction] = run
        self.report.queued += 1
        self._answers[interaction] = wall(draws.answer)
        self._work[interaction] = run.handle_seconds + run.wrap_seconds
        if math.isfinite(run.patience_seconds):
            self._at(
                self.started + arrived + run.patience_seconds,
                lambda: self._give_up(run, decision),
            )

    def _give_up(self, run: ContactRun, decision: RoutingDecision) -> None:
        if run.answered_at is not None:
            return
        run.abandoned_at = time.time() - self.started
        self.report.abandoned += 1
        event = InteractionAbandoned(
            id=new_event_id(),
            source="/demo/floor",
            interaction_id=decision.interaction_id,
            customer_id=decision.customer_id,
            channel=decision.channel,
            stage="queue",
            waited_seconds=run.patience_seconds * self.compression,
            reason=decision.reason,
        )
        self._producer.send(
            INTERACTIONS,
            key=decision.customer_id.encode(),
            value=event.model_dump_json().encode(),
        )

    def elapsed(self) -> float:
        """Wall seconds since the floor started (the replay's horizon)."""
        return time.time() - self.started
