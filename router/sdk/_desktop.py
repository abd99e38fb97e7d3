"""The agent-desktop SDK: log in, set presence, receive offers, answer them.

with AgentDesktop("kafka:9092", agent_id="a-7", pool="care") as desk:
    desk.login(queues=["billing"], skills={"billing": 7}, capacity={Channel.VOICE: 1})
    for offer in desk.offers(timeout=60):
        print(offer.customer.name, offer.reason)   # greet them by name
        desk.accept(offer)
        ...
        desk.complete(offer, wrap_up=WrapUp(outcome="resolved", reason="billing"))
        desk.end_wrap_up(offer)    # optional: before the queue's wrap-up time runs out

A contact that needs someone else: ``desk.transfer(offer, to_queue="technical",
to_pool="tech", note="modem fault")`` (cold), or ``warm=True`` to keep it until the
other agent accepts; ``desk.wait_for_transfer(transfer_id)`` says what became of it.
Why not ready: ``desk.not_ready(reason="lunch")``, one of the pool's listed reasons.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from omniroute.schemas import (
    AgentEvent,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPausedNotice,
    AgentPresence,
    AgentStateChanged,
    AssignmentMessage,
    Channel,
    Compression,
    Offer,
    OfferAccepted,
    OfferAssigned,
    OfferRejected,
    OfferRevoked,
    SkillRequirement,
    TransferRequested,
    TransferResult,
    WorkCompleted,
    WrapUp,
    WrapUpEnded,
    new_event_id,
    topic,
)

from ._client import ClientSession

__all__ = ["AgentDesktop"]

_INBOX_LIMIT = 10_000
"""Offers kept for ``offers()`` that no one has taken yet (a desktop that only reads
``messages()`` would otherwise keep every offer)."""

AGENT_EVENTS = topic("omniroute.agent-events")
ASSIGNMENTS = topic("omniroute.assignments")


class AgentDesktop(ClientSession):
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        agent_id: str,
        pool: str,
        pools: list[str] | None = None,
        source: str | None = None,
        compression: Compression = Compression.LZ4,
        kafka_config: Mapping[str, Any] | None = None,
    ) -> None:
        """``kafka_config``: kafka-python options, e.g. SASL and TLS (see ClientSession)."""
        self.agent_id = agent_id
        self.pool = pool
        self.pools = list(pools or [])
        """Other pools the agent works in: log-in, presence and log-out reach them too."""
        self.source = source or f"/desktops/{agent_id}"
        # Positioned before log-in, so no offer made after it can be missed.
        super().__init__(
            bootstrap_servers,
            ASSIGNMENTS,
            [agent_id.encode()],
            compression=compression,
            kafka_config=kafka_config,
        )
        self.assigned: dict[str, OfferAssigned] = {}
        self.revoked: dict[str, OfferRevoked] = {}
        self.paused: AgentPausedNotice | None = None
        self.transfers: dict[str, TransferResult] = {}
        self._inbox: deque[Offer] = deque()
        """The latest result of each transfer this agent asked for, by transfer id."""
        # Offers are redelivered at least once; an offer id is yielded only once.
        self._offered: set[str] = set()

    def _send(self, kind: type[AgentEvent], pool: str | None = None, **fields: Any) -> str:
        """One agent event: a fresh id (a redelivery keeps it), this desktop's
        source, agent and pools, and the event's own fields; returns its id. An
        answer about an offer goes to the pool that made it (``pool``)."""
        event = kind(
            id=new_event_id(),
            source=self.source,
            agent_id=self.agent_id,
            pool=pool or self.pool,
            pools=[] if pool is not None else self.pools,
            **fields,
        )
        self._producer.send(AGENT_EVENTS.name, self.agent_id, event)
        return event.id

    def login(
        self,
        *,
        queues: list[str],
        skills: Mapping[str, int] | None = None,
        capacity: Mapping[Channel, int] | None = None,
        max_total: int = 1,
        name: str = "",
        ready: bool = True,
    ) -> None:
        self._send(
            AgentLoggedIn,
            name=name,
            queues=queues,
            skills=dict(skills or {}),
            capacity=dict(capacity or {Channel.VOICE: 1}),
            max_total=max_total,
            presence=AgentPresence.READY if ready else AgentPresence.NOT_READY,
        )

    def ready(self) -> None:
        self._send(AgentStateChanged, presence=AgentPresence.READY, note="")

    def not_ready(self, note: str = "", *, reason: str | None = None) -> None:
        """``reason``: one of the pool's not-ready reasons (``lunch``, ``training``...)."""
        self._send(AgentStateChanged, presence=AgentPresence.NOT_READY, note=note, reason=reason)

    def transfer(
        self,
        offer: Offer | OfferAssigned,
        *,
        to_queue: str | None = None,
        to_agent: str | None = None,
        to_pool: str | None = None,
        warm: bool = False,
        note: str = "",
        priority: int | None = None,
        skills: Mapping[str, int] | None = None,
    ) -> str:
        """Hand an accepted contact to a queue or an agent (of ``to_pool``, cold only,
        or this pool); returns the transfer id ``wait_for_transfer`` takes. It keeps
        its customer, journey and place; ``skills`` are what the next agent needs
        (none: any agent of the queue), ``priority`` raises its priority to that."""
        return self._send(
            TransferRequested,
            pool=offer.pool,
            interaction_id=offer.interaction_id,
            to_queue=to_queue,
            to_agent=to_agent,
            to_pool=to_pool,
            mode="warm" if warm else "cold",
            note=note,
            priority=priority,
            required_skills=tuple(
                SkillRequirement(skill=skill, min_proficiency=level)
                for skill, level in (skills or {}).items()
            ),
        )

    def accept(self, offer: Offer) -> None:
        self._send(
            OfferAccepted,
            offer.pool,
            offer_id=offer.offer_id,
            interaction_id=offer.interaction_id,
        )

    def reject(self, offer: Offer, note: str = "") -> None:
        self._send(
            OfferRejected,
            offer.pool,
            offer_id=offer.offer_id,
            interaction_id=offer.interaction_id,
            note=note,
        )

    def complete(self, offer: Offer, *, wrap_up: WrapUp | None = None) -> None:
        """Done with the customer: after-contact work starts. ``wrap_up`` is the
        wrap-up code (outcome and the confirmed contact reason); the router records
        it, and this agent, in the customer's history. The capacity stays held for
        the queue's wrap-up time (``wrap_up_seconds`` in the policy file), or until
        ``end_wrap_up``."""
        self._send(
            WorkCompleted,
            offer.pool,
            interaction_id=offer.interaction_id,
            wrap_up=wrap_up or WrapUp(),
        )

    def end_wrap_up(self, offer: Offer) -> None:
        """After-contact work is done before the queue's wrap-up time ran out."""
        self._send(WrapUpEnded, offer.pool, interaction_id=offer.interaction_id)

    def logout(self) -> None:
        self._send(AgentLoggedOut)

    def messages(self, timeout: float | None = None) -> Iterator[AssignmentMessage]:
        """Everything the assigner tells this agent, in order."""
        for message in self._reader.messages(timeout=timeout):
            if getattr(message, "agent_id", None) != self.agent_id:
                continue
            match message:
                case Offer():
                    if len(self._inbox) < _INBOX_LIMIT:
                        self._inbox.append(message)
                case OfferAssigned():
                    self.assigned[message.offer_id] = message
                case OfferRevoked():
                    self.revoked[message.offer_id] = message
                case AgentPausedNotice():
                    self.paused = message
                case TransferResult():
                    self.transfers[message.transfer_id] = message
            yield message

    def offers(self, timeout: float | None = None) -> Iterator[Offer]:
        """Live offers for this agent, each offer id once (a redelivered offer is
        dropped); expired or revoked ones are skipped. Stops after ``timeout``.

        Offers wait in an inbox whoever read them, so one that arrived while the
        caller waited for an answer (``wait_for`` inside a loop over this) is
        still offered here, not lost to the other reader."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            while self._inbox:
                offer = self._inbox.popleft()
                if (
                    offer.offer_id not in self._offered
                    and offer.offer_id not in self.revoked
                    and offer.expires_at > datetime.now(UTC)
                ):
                    self._offered.add(offer.offer_id)
                    yield offer
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            for _ in self.messages(timeout=min(0.5, left) if left is not None else 0.5):
                if self._inbox:
                    break

    def wait_for(self, offer_id: str, timeout: float = 10.0) -> OfferAssigned | OfferRevoked:
        """The assigner's answer to an accept: assigned, or revoked if it came too late."""
        known = self.assigned.get(offer_id) or self.revoked.get(offer_id)
        if known is not None:
            return known
        for message in self.messages(timeout=timeout):
            if isinstance(message, OfferAssigned | OfferRevoked) and message.offer_id == offer_id:
                return message
        raise TimeoutError(f"no answer for offer {offer_id} in {timeout} s")

    def wait_for_transfer(self, transfer_id: str, timeout: float = 10.0) -> TransferResult:
        """What became of a transfer: ``handed_over`` (cold), ``completed`` or
        ``declined`` (warm: the other agent's answer), or ``refused``."""
        result = self.transfers.get(transfer_id)
        if result is not None:
            return result
        for message in self.messages(timeout=timeout):
            if isinstance(message, TransferResult) and message.transfer_id == transfer_id:
                return message
        raise TimeoutError(f"no result for transfer {transfer_id} in {timeout} s")
