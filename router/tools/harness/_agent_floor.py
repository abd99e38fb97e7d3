"""A simulated agent floor for the demo: agents log in with skills and capacity,
accept offers after a moment (a few reject), and finish after a handle time,
through the same topics and messages a real desktop uses. Seeded; real time."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from omniroute.schemas import (
    AgentEvent,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPresence,
    AgentStateChanged,
    Channel,
    CustomerFeedback,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    TransferRequested,
    WorkCompleted,
    new_event_id,
    topic,
)

from ._agenda import Agenda
from ._front_end import closing_events

__all__ = ["AgentFloor", "FloorReport", "floor_agents"]

AGENT_EVENTS = topic("omniroute.agent-events").name
ASSIGNMENTS = topic("omniroute.assignments").name
INTERACTIONS = topic("omniroute.interactions").name
FEEDBACK = topic("omniroute.feedback").name
_SOURCE = "/demo/floor"
TICK_SECONDS = 0.1
"""How long the floor's events gather before they are sent, and its fetch wait: 2
floor seconds at the demo's 20x compression, against 20 s voice targets. Shorter
ticks cost more than they save: the embedded broker re-lists a partition's stored
batches on every fetch that returns data, so at 500 events/s the demo's voice
service level went 43% -> 74% -> 85% with ticks of 25, 50 and 100 ms (the
simulator: 98%), and the broker's CPU 40% -> 46% -> 32% of a core."""
_VOICE = {Channel.VOICE: 1}
_DIGITAL = {Channel.CHAT: 3, Channel.EMAIL: 2, Channel.WEB: 2, Channel.SMS: 3, Channel.SOCIAL: 3}


def floor_agents(count: int, run_id: str, seed: int = 5) -> list[AgentLoggedIn]:
    """Care agents (most) and technical agents, half on voice, half blended digital."""
    rng = random.Random(seed)
    agents = []
    for n in range(count):
        technical = n % 10 >= 7
        voice = n % 2 == 0
        skills = (
            {"technical": rng.randint(3, 9)}
            if technical
            else {
                "billing": rng.randint(2, 9),
                **({"retention": rng.randint(4, 9)} if rng.random() < 0.5 else {}),
                **({"sales": rng.randint(2, 8)} if rng.random() < 0.6 else {}),
            }
        )
        agents.append(
            AgentLoggedIn(
                id=new_event_id(),
                source=_SOURCE,
                agent_id=f"{run_id}-agent-{n:04d}",
                pool="tech" if technical else "care",
                name=f"Agent {n}",
                queues=["technical"]
                if technical
                else ["general", "priority", "billing", "retention", "sales"],
                skills=skills,
                capacity=_VOICE if voice else _DIGITAL,
                max_total=1 if voice else 3,
                presence=AgentPresence.READY,
            )
        )
    return agents


_E = TypeVar(
    "_E",
    AgentLoggedOut,
    AgentStateChanged,
    OfferAccepted,
    OfferRejected,
    TransferRequested,
    WorkCompleted,
)
_Due = (
    AgentStateChanged
    | OfferAccepted
    | OfferRejected
    | TransferRequested
    | WorkCompleted
    | Callable[[], None]
)
"""What the floor does when its moment comes: send an agent event, or act."""


@dataclass(slots=True)
class FloorReport:
    offers: int = 0
    accepted: int = 0
    rejected: int = 0
    assigned: int = 0
    revoked: Counter[str] = field(default_factory=Counter)
    paused: int = 0
    transferred: int = 0
    """Care contacts the floor handed to the technical pool part-way through."""
    queued: int = 0
    """Contacts the floor saw queued and abandoned (a floor acting out patience)."""
    abandoned: int = 0
    waits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    perceived: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class AgentFloor:
    topics: tuple[str, ...] = (ASSIGNMENTS,)
    """What the floor reads: a desktop's offers and assignments."""

    def __init__(
        self,
        bootstrap_servers: str,
        agents: list[AgentLoggedIn],
        *,
        seed: int = 9,
        think_seconds: tuple[float, float] = (0.05, 0.3),
        handle_seconds: tuple[float, float] = (0.2, 0.8),
        reject_share: float = 0.03,
        ready_after_pause: float | None = None,
        transfer_share: float = 0.0,
        front_end: bool = False,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        """``front_end``: also say what the front end would when a contact is done: its
        ``InteractionEnded`` (with its wait) and, from some customers, a CSAT answer
        that falls as the wait grows (``omniroute report`` counts both).
        ``tick_seconds``: how long what the floor sends may gather before it goes
        out, and how long a fetch waits for more (see ``TICK_SECONDS``)."""
        self._agents = {a.agent_id: a for a in agents}
        self._rng = random.Random(seed)
        self._think = think_seconds
        self._handle_time = handle_seconds
        self._reject = reject_share
        # A share of care contacts turn out to be technical: handed to the tech pool.
        self._transfer = transfer_share
        self._transferred: set[str] = set()
        # A person whose desktop was set not-ready (missed offers) clicks "ready" again.
        self._ready_after_pause = ready_after_pause
        # What the floor sends goes out in one batch per partition per tick, and it
        # fetches once per tick: a sped-up floor multiplies every millisecond here,
        # but the embedded broker pays for every batch it stores on every later fetch
        # of that partition, and for every fetch that returns data.
        tick_ms = max(1, round(tick_seconds * 1000))
        self._producer = KafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=tick_ms)
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=tick_ms,
        )
        tps = [
            TopicPartition(name, p)
            for name in self.topics
            for p in sorted(self._consumer.partitions_for_topic(name) or ())
        ]
        self._consumer.assign(tps)
        self._consumer.seek_to_beginning(*tps)
        self._agenda: Agenda[_Due] = Agenda()
        self._offers: dict[str, tuple[str, float]] = {}  # offer id -> (channel, automation s)
        self._front_end = front_end
        self._customers: dict[str, str] = {}  # offer id -> customer id (front_end only)
        self.report = FloorReport()
        self.compression = 1.0
        """Floor seconds per wall second: waits are reported in floor seconds."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-floor", daemon=True)

    def start(self) -> AgentFloor:
        for agent in self._agents.values():
            self._send(agent)
        self._producer.flush()
        self._thread.start()
        return self

    @property
    def thread_id(self) -> int | None:
        """The floor loop's native thread id (its CPU is read from /proc)."""
        return self._thread.native_id

    def stop(self) -> FloorReport:
        self._stop.set()
        self._thread.join(timeout=10)
        for agent in self._agents.values():
            self._send(self._event(AgentLoggedOut, agent))
        self._producer.flush()
        self._producer.close()
        self._consumer.close()
        return self.report

    @staticmethod
    def _event(kind: type[_E], agent: AgentLoggedIn, **fields: Any) -> _E:
        """One event of ``agent``'s: its id fixed now (when scheduled, not when sent),
        the floor's source, the agent and pool, and the event's own fields."""
        return kind(
            id=new_event_id(),
            source=_SOURCE,
            agent_id=agent.agent_id,
            pool=agent.pool,
            **fields,
        )

    def _send(self, event: AgentEvent) -> None:
        self._producer.send(
            AGENT_EVENTS, key=event.agent_id.encode(), value=event.model_dump_json().encode()
        )

    def _send_front_end(self, events: list[InteractionEnded | CustomerFeedback]) -> None:
        for event in events:
            name = INTERACTIONS if isinstance(event, InteractionEnded) else FEEDBACK
            self._producer.send(
                name, key=event.customer_id.encode(), value=event.model_dump_json().encode()
            )

    def _later(self, seconds: float, event: _Due) -> None:
        self._agenda.later(seconds, event)

    def _at(self, moment: float, event: _Due) -> None:
        """Do ``event`` at ``moment`` (epoch seconds, to line up with event times)."""
        self._agenda.at(moment, event)

    def _answer_after(self, interaction_id: str) -> float:
        """Seconds until the agent answers an offer of this contact."""
        return self._rng.uniform(*self._think)

    def _work_for(self, interaction_id: str) -> float:
        """Seconds the agent works this contact (handle and wrap-up)."""
        return self._rng.uniform(*self._handle_time)

    def _run(self) -> None:
        """One loop for the whole floor: read what desktops are told, then do what is
        due. Nothing waits for acknowledgements here (the producer sends each tick's
        batch on its own thread; ``stop`` flushes), so a slow broker delays the
        floor's events, not its reading."""
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=5, max_records=2000).values():
                for record in records:
                    self._read(record.topic, record.value)
            for due in self._agenda.due():
                if callable(due):
                    due()
                else:
                    self._send(due)

    def _read(self, topic_name: str, value: bytes) -> None:
        """One record of the floor's topics, as it came."""
        self._handle(json.loads(value))

    def _handle(self, message: dict[str, object]) -> None:
        agent = self._agents.get(str(message.get("agent_id")))
        if agent is None:
            return
        kind, report = message["type"], self.report
        offer_id, interaction = str(message.get("offer_id")), str(message.get("interaction_id"))
        offer = {"offer_id": offer_id, "interaction_id": interaction}
        if kind == "omniroute.offer":
            report.offers += 1
            self._offers[offer_id] = (
                str(message["channel"]),
                float(str(message["automation_seconds"])),
            )
            if self._front_end:
                customer = message.get("customer")
                if isinstance(customer, dict):
                    self._customers[offer_id] = str(customer.get("customer_id"))
            if self._rng.random() < self._reject:
                report.rejected += 1
                self._later(
                    self._answer_after(interaction),
                    self._event(OfferRejected, agent, **offer, note="demo"),
                )
            else:
                report.accepted += 1
                self._later(
                    self._answer_after(interaction),
                    self._event(OfferAccepted, agent, **offer),
                )
        elif kind == "omniroute.offer.assigned":
            report.assigned += 1
            channel, automation = self._offers.pop(offer_id, ("unknown", 0.0))
            waited = float(str(message["waited_seconds"])) * self.compression
            report.waits[channel].append(waited)
            report.perceived[channel].append(waited + automation)
            work = self._work_for(interaction)
            if self._hands_on(agent, interaction):
                report.transferred += 1
                self._customers.pop(offer_id, None)  # closed by the agent who finishes it
                self._later(work / 2, self._transfer_of(agent, interaction))
                return
            self._later(work, self._event(WorkCompleted, agent, interaction_id=interaction))
            customer_id = self._customers.pop(offer_id, None)
            if customer_id is not None and channel != "unknown":
                events = closing_events(
                    interaction_id=interaction,
                    customer_id=customer_id,
                    channel=Channel(channel),
                    agent_id=agent.agent_id,
                    waited_seconds=waited,
                    automation_seconds=automation,
                    handle_seconds=work * self.compression,
                    rng=self._rng,
                )
                self._later(work, lambda: self._send_front_end(events))
        elif kind == "omniroute.offer.revoked":
            report.revoked[str(message["why"])] += 1
            self._offers.pop(offer_id, None)
        elif kind == "omniroute.agent.paused":
            report.paused += 1
            if self._ready_after_pause is not None:
                self._later(
                    self._ready_after_pause,
                    self._event(AgentStateChanged, agent, presence=AgentPresence.READY),
                )

    def _hands_on(self, agent: AgentLoggedIn, interaction: str) -> bool:
        """Whether this care contact is one the floor transfers (once each)."""
        if agent.pool != "care" or interaction in self._transferred or not self._transfer:
            return False
        if self._rng.random() >= self._transfer:
            return False
        self._transferred.add(interaction)
        return True

    def _transfer_of(self, agent: AgentLoggedIn, interaction: str) -> TransferRequested:
        return self._event(
            TransferRequested,
            agent,
            interaction_id=interaction,
            to_queue="technical",
            to_pool="tech",
            note="the floor: a technical question after all",
        )
