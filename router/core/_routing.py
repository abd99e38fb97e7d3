"""Routing a decoded batch with a policy: pure, and shared by the live router,
the simulator and the replay tool, so a what-if runs exactly production code."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from omniroute.router.codec import InboundRecord, dead_letter_for
from omniroute.schemas import (
    CallbackRequested,
    ContactTarget,
    DeadLetter,
    DeadLetterReason,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    InteractionUpdate,
    RecentContact,
    RoutingDecision,
)

from ._history import apply_to_history
from ._time import as_parsed_utc
from ._types import CustomerRecord, LoadView, RoutingPolicy

__all__ = [
    "AssignerMessage",
    "RoutedBatch",
    "content_digest",
    "decision_id",
    "route_events",
    "update_id",
]

_DECISION_NAMESPACE = uuid.UUID("5f0c3c9e-8f7e-4a59-9a57-0d2f3e0b6a11")
_DIGEST_CHARS = 16
_ID_LIMIT = 128
_TIME = {"time"}
_DIGEST_BYTES = _DIGEST_CHARS // 2
_blake2b = hashlib.blake2b


def content_digest(event: InteractionEvent) -> str:
    """64 bits of BLAKE2b over the event as the contract reads it. Unknown fields are
    not part of it (the model drops them), nor is a ``time`` the producer left out:
    that one is the moment of decoding and differs on every delivery.

    Derived once per event: ``route_events`` hands the decision id to the policy
    (``RoutingPolicy.route(..., decision_id=)``) rather than both deriving it.
    """
    # The attribute behind ``model_fields_set``, read without the property call.
    exclude = None if "time" in event.__pydantic_fields_set__ else _TIME
    payload = event.__pydantic_serializer__.to_json(event, exclude=exclude)
    return _blake2b(payload, digest_size=_DIGEST_BYTES).hexdigest()


def _derived_id(prefix: str, event: InteractionEvent) -> str:
    cause = event.id
    if len(prefix) + len(cause) + _DIGEST_CHARS + 2 > _ID_LIMIT:
        cause = str(uuid.uuid5(_DECISION_NAMESPACE, cause))
    return f"{prefix}:{cause}:{content_digest(event)}"


def decision_id(event: InteractionEvent) -> str:
    """The id of the decision on ``event``: ``d:{event id}:{content digest}``.

    Delivery is at least once, and consumers drop duplicates by id, so the id must
    be the same exactly when the decision is a duplicate:

    - the same event delivered again (a redelivery, or a producer retry that kept
      its id) has the same id and content, so its decision has the same id and is
      dropped downstream, as it should be;
    - an event id reused with a different body (a producer bug, or two producers
      minting ids badly) is a different contact, so its decision gets a different
      id and is not lost to a consumer that would otherwise take it for a
      duplicate. ``cause_id`` still names the reused event id, so the conflict is
      visible. Refusing such an event instead would need the router to remember
      every id it has seen; this needs no state, and gives the consumer the
      choice.
    """
    return _derived_id("d", event)


def update_id(event: InteractionEvent) -> str:
    """The id of the assigner update an event causes; same rule as ``decision_id``."""
    return _derived_id("u", event)


AssignerMessage = RoutingDecision | InteractionUpdate

UpdateKind = Literal["abandoned", "ended", "callback_requested"]
_UPDATES: dict[type[object], UpdateKind] = {
    InteractionAbandoned: "abandoned",
    InteractionEnded: "ended",
    CallbackRequested: "callback_requested",
}


@dataclass(slots=True)
class RoutedBatch:
    decisions: list[tuple[InboundRecord, RoutingDecision]] = field(default_factory=list)
    history: dict[str, tuple[RecentContact, ...]] = field(default_factory=dict)
    failures: list[DeadLetter] = field(default_factory=list)
    to_assigner: list[tuple[str, AssignerMessage]] = field(default_factory=list)
    """(pool, message): agent-queue decisions and what later happened to those contacts
    (to every pool when history cannot say which one holds the contact)."""


_AUTOMATED = frozenset({ContactTarget.IVR, ContactTarget.SELF_SERVICE})


def _reached_agents(event: InteractionEvent) -> bool:
    """The front end says the contact was queued for, offered to or handled by a person."""
    match event:
        case InteractionAbandoned(stage="queue" | "offer") | CallbackRequested():
            return True
        case InteractionEnded(handled_by="agent"):
            return True
        case _:
            return False


def _pools_holding(
    event: InteractionEvent, recent: tuple[RecentContact, ...], every_pool: Collection[str]
) -> tuple[str, ...]:
    """The pools that may hold the contact ``event`` follows up on.

    History names the pool when it has the contact's agent-queue line. It cannot
    when Redis was unreachable for this batch, nor for a contact whose decision
    was never written (decided while Redis was down, or the write failed): then
    every pool gets the follow-up and those that do not hold the contact ignore
    it. That costs one message per pool, only for contacts history lost, and
    needs nothing from Redis, the front end or a new topic. A line that puts the
    contact in automation is believed unless the event says the contact reached
    agents: then its escalation was not written, and every pool is asked too.
    """
    line = next((c for c in reversed(recent) if c.interaction_id == event.interaction_id), None)
    if line is not None and line.target is ContactTarget.AGENT_QUEUE and line.pool:
        return (line.pool, *line.overflow_pools)  # an overflow step may have moved it
    if line is not None and line.target in _AUTOMATED and not _reached_agents(event):
        return ()
    return tuple(sorted(every_pool))


def _updates_for(
    event: InteractionEvent,
    recent: tuple[RecentContact, ...],
    every_pool: Collection[str],
    now: datetime,
) -> list[tuple[str, InteractionUpdate]]:
    update = _UPDATES.get(type(event))
    if update is None:
        return []
    return [
        (
            pool,
            InteractionUpdate(
                id=update_id(event),
                source="/omniroute/router",
                time=now,
                pool=pool,
                interaction_id=event.interaction_id,
                customer_id=event.customer_id,
                update=update,
                cause_id=event.id,
            ),
        )
        for pool in _pools_holding(event, recent, every_pool)
    ]


def route_events(
    events: Sequence[tuple[InboundRecord, InteractionEvent]],
    customers: Mapping[str, CustomerRecord],
    policy: RoutingPolicy,
    load: LoadView,
    *,
    now: datetime,
    keep: int,
    max_age: timedelta,
    stage: str = "router",
) -> RoutedBatch:
    """Decide every routable event in order and fold every event into history.

    Events of one customer are applied in order, each seeing the history the
    previous one left, exactly as if they had come one batch each.
    """
    out = RoutedBatch()
    now = as_parsed_utc(now)  # history and event times carry this tzinfo: fast arithmetic
    every_pool = policy.pools.union(load)
    for record, event in events:
        known = customers.get(event.customer_id) or CustomerRecord(event.customer_id, None)
        folded = out.history.get(event.customer_id)
        # The record as fetched unless an earlier event of this batch changed its history.
        current = (
            known
            if folded is None
            else CustomerRecord(known.customer_id, known.profile, folded, known.lookup_failed)
        )
        decision: RoutingDecision | None = None
        if isinstance(event, InteractionArrived | InteractionEscalated):
            expected_id = decision_id(event)
            try:
                decision = policy.route(event, current, load, now, decision_id=expected_id)
            except Exception as error:
                out.failures.append(
                    dead_letter_for(
                        record,
                        DeadLetterReason.PROCESSING_ERROR,
                        f"policy {policy.version} failed: {type(error).__name__}: {error}",
                        stage=stage,
                        now=now,
                    )
                )
                continue
            if decision.id != expected_id:  # a policy that left the id to its default
                decision = decision.model_copy(update={"id": expected_id})
            out.decisions.append((record, decision))
            if decision.target is ContactTarget.AGENT_QUEUE and decision.pool:
                out.to_assigner.append((decision.pool, decision))
        else:
            out.to_assigner += _updates_for(event, current.recent, every_pool, now)
        updated = apply_to_history(
            current.recent, event, decision, now=now, keep=keep, max_age=max_age
        )
        if updated != current.recent:
            out.history[event.customer_id] = updated
    return out
