"""Transfers: an agent hands a contact to another queue or to a named agent, cold
(at once) or warm (the first agent keeps it until another accepts), and the
contact keeps its customer, its journey, its perceived wait and its place.

Its place is its original queue entry (``enqueued_at`` and the IVR time before
it): aging keeps counting from there, so a transferred contact goes ahead of the
target queue's contacts of the same priority that arrived after it. Skill
requirements are those the transfer names (none by default: every agent of the
target queue serves it), and its priority is kept, or raised to the one the
transfer names (the target queue's, say), never lowered.

A transfer to another pool is cold: the contact is handed over (an effect the
stage publishes as an assigner input keyed by that pool) and kept here as
``MOVED``, so a follow-up the router sends to this pool reaches the new one and a
replayed request hands it over again (the receiving pool ignores a second copy by
its interaction id). Pure: the pool calls these with its index and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from omniroute.schemas import EXPLANATION_DETAIL_MAX, Explanation, ExplanationKind

from ._effects import ContactHandedOver, Effect, TransferOutcome, TransferSettled
from ._model import Agent, Contact, ContactState, Signature

if TYPE_CHECKING:
    from ._index import PoolIndex

__all__ = [
    "TRANSFERS_KEPT",
    "Transfer",
    "TransferMode",
    "TransferRequest",
    "Transfers",
    "WarmOrigin",
    "with_transfer",
]

TransferMode = Literal["cold", "warm"]
TRANSFERS_KEPT = 8
"""Transfers a contact remembers (the newest): a bound on what a record and an offer carry."""

_ASSIGNED = ContactState.ASSIGNED
_MOVED = ContactState.MOVED


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer, as the receiving agent's offer explains it."""

    transfer_id: str
    """The request's event id: every answer about this transfer is named after it."""
    from_agent: str
    from_queue: str
    from_pool: str
    to_queue: str
    to_agent: str | None
    mode: TransferMode
    note: str
    at: float


@dataclass(frozen=True, slots=True)
class WarmOrigin:
    """Who holds a contact during a warm transfer, and how to give it back to them."""

    agent_id: str
    offer_id: str
    assigned_at: float
    queue: str
    requirements: Signature
    priority: int


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """An agent's request (``TransferRequested`` minus the envelope)."""

    transfer_id: str
    agent_id: str
    interaction_id: str
    to_queue: str | None = None
    to_agent: str | None = None
    to_pool: str | None = None
    """``None`` or this pool's name: within the pool."""
    mode: TransferMode = "cold"
    note: str = ""
    requirements: Signature = ()
    priority: int | None = None


class Transfers:
    """What a transfer, and a warm transfer's answer, do to one pool's index."""

    def __init__(self, index: PoolIndex, pool: str) -> None:
        self._index = index
        self._pool = pool

    def request(
        self, request: TransferRequest, now: float, touched: tuple[list[Contact], list[Agent]]
    ) -> list[Effect]:
        """Apply one request; the contacts and agents it touched are appended to
        ``touched`` for the matcher."""
        index = self._index
        contact = index.contact(request.interaction_id)
        if contact is None or contact.warm is not None or contact.agent_id != request.agent_id:
            return self._not_applicable(request, contact)
        if contact.state is not _ASSIGNED:
            return self._not_applicable(request, contact)
        cross_pool = request.to_pool is not None and request.to_pool != self._pool
        if cross_pool and request.mode == "warm":
            return [
                _settled(request, contact.queue, "refused", "a warm transfer stays in its pool")
            ]
        queue = self._target_queue(request, contact, cross_pool)
        note = Transfer(
            transfer_id=request.transfer_id,
            from_agent=request.agent_id,
            from_queue=contact.queue,
            from_pool=self._pool,
            to_queue=queue,
            to_agent=request.to_agent,
            mode=request.mode,
            note=request.note,
            at=now,
        )
        contacts, agents = touched
        agent = index.agent(request.agent_id)
        from_queue = contact.queue
        # The agent chose where it goes: no overflow step of its first queue moves it on.
        contact.overflow = ()
        contact.explanation = (*contact.explanation, self._explain(note))[-TRANSFERS_KEPT:]
        priority = max(contact.priority, request.priority or 0)
        if cross_pool:
            assert request.to_pool is not None
            index.hand_over(contact, request.to_pool, note, now)
            contact.queue, contact.requirements, contact.priority = (
                queue,
                request.requirements,
                priority,
            )
            contact.hold_for = request.to_agent
            if agent is not None:
                agents.append(agent)
            return [
                self.handover(contact),
                _settled(request, from_queue, "handed_over", to_queue=queue),
            ]
        hold_until = now + index.config.transfer_hold_seconds if request.to_agent else 0.0
        index.move(
            contact,
            queue=queue,
            requirements=request.requirements,
            priority=priority,
            transfer=note,
            hold=(request.to_agent, hold_until),
            now=now,
            warm=request.mode == "warm",
        )
        contacts.append(contact)
        if agent is not None:
            agents.append(agent)
        if request.mode == "warm":
            return []
        return [_settled(request, from_queue, "handed_over", to_queue=queue)]

    def accepted(
        self, contact: Contact, now: float, effects: list[Effect], agents: list[Agent]
    ) -> None:
        """A warm transfer's second agent accepted: the first agent's room is free."""
        origin = contact.warm
        if origin is None:
            return
        agent = self._index.release_origin(contact, now)
        if agent is not None:
            agents.append(agent)
        effects.append(self._settled_warm(contact, origin, contact.agent_id, "completed"))

    def declined(
        self, contact: Contact, now: float, effects: list[Effect], agents: list[Agent]
    ) -> None:
        """A warm transfer's offer was rejected or timed out: the contact is the first
        agent's again, as it was; the second agent's room is free."""
        origin = contact.warm
        assert origin is not None
        to_agent = contact.agent_id
        agents.append(self._index.give_back(contact, now))
        effects.append(self._settled_warm(contact, origin, to_agent, "declined"))

    @staticmethod
    def _settled_warm(
        contact: Contact, origin: WarmOrigin, to_agent: str | None, outcome: TransferOutcome
    ) -> TransferSettled:
        last = contact.transfers[-1]
        return TransferSettled(
            transfer_id=last.transfer_id,
            agent_id=origin.agent_id,
            interaction_id=contact.interaction_id,
            from_queue=origin.queue,
            to_queue=last.to_queue,
            to_agent=to_agent,
            outcome=outcome,
        )

    def handover(self, contact: Contact) -> ContactHandedOver:
        """What hands a ``MOVED`` contact to its new pool: the first time, and again
        for a replayed request (the receiving pool takes it once, by its id)."""
        return ContactHandedOver(
            to_pool=contact.moved_to or self._pool,
            contact=replace_contact(contact),
            hold_for=contact.hold_for,
            hold_seconds=self._index.config.transfer_hold_seconds if contact.hold_for else 0.0,
        )

    # -- internals -----------------------------------------------------------

    def _not_applicable(self, request: TransferRequest, contact: Contact | None) -> list[Effect]:
        """A replayed request (same id) gets its answer again, which a desktop drops by
        its id, and a cross-pool one its hand-over again; anything else is refused."""
        last = contact.transfers[-1] if contact is not None and contact.transfers else None
        if contact is not None and last is not None and last.transfer_id == request.transfer_id:
            if contact.state is _MOVED:
                return [
                    self.handover(contact),
                    _settled(request, last.from_queue, "handed_over", to_queue=last.to_queue),
                ]
            if last.mode == "cold":
                return [_settled(request, last.from_queue, "handed_over", to_queue=last.to_queue)]
            return []  # a warm transfer still in progress, or settled and answered then
        queue = contact.queue if contact is not None else ""
        return [_settled(request, queue, "refused", "not a contact this agent holds")]

    def _explain(self, note: Transfer) -> Explanation:
        """The transfer as a step of the contact's explanation, which its offer carries."""
        target = note.to_queue + (f" for {note.to_agent}" if note.to_agent else "")
        detail = (
            f"{note.mode} transfer by {note.from_agent} from {note.from_queue} "
            f"(pool {self._pool}) to {target}" + (f": {note.note}" if note.note else "")
        )
        return Explanation(
            kind=ExplanationKind.TRANSFER, name="transfer", detail=detail[:EXPLANATION_DETAIL_MAX]
        )

    def _target_queue(self, request: TransferRequest, contact: Contact, cross_pool: bool) -> str:
        """The named queue; for a named agent of this pool, the named queue if that
        agent serves it, else the agent's first queue (its fallback after the hold)."""
        if request.to_agent is not None and not cross_pool:
            agent = self._index.agent(request.to_agent)
            if agent is not None and agent.queues:
                if request.to_queue in agent.queue_set:
                    return request.to_queue
                return agent.queues[0]
        return request.to_queue or contact.queue


def replace_contact(contact: Contact) -> Contact:
    """What the receiving pool queues: a fresh contact with the same customer, journey
    and place, and the target queue, requirements and priority the tombstone holds."""
    return Contact(
        interaction_id=contact.interaction_id,
        customer_id=contact.customer_id,
        queue=contact.queue,
        channel=contact.channel,
        priority=contact.priority,
        enqueued_at=contact.enqueued_at,
        wait_offset=contact.wait_offset,
        max_wait=contact.max_wait,
        requirements=contact.requirements,
        preferred_agent=contact.preferred_agent,
        callback=contact.callback,
        reason=contact.reason,
        automation_path=contact.automation_path,
        customer=contact.customer,
        attempts=contact.attempts,
        transfers=contact.transfers,
        explanation=contact.explanation,
    )


def _settled(
    request: TransferRequest,
    from_queue: str,
    outcome: TransferOutcome,
    detail: str = "",
    *,
    to_queue: str | None = None,
) -> TransferSettled:
    return TransferSettled(
        transfer_id=request.transfer_id,
        agent_id=request.agent_id,
        interaction_id=request.interaction_id,
        from_queue=from_queue,
        to_queue=to_queue or request.to_queue or "",
        to_agent=request.to_agent,
        outcome=outcome,
        detail=detail,
    )


def with_transfer(contact: Contact, transfer: Transfer) -> tuple[Transfer, ...]:
    """The contact's transfers with ``transfer`` added, the oldest dropped past the bound."""
    return (*contact.transfers, transfer)[-TRANSFERS_KEPT:]
