"""The books' entries and counts: one record per contact sent, and the report the
books make of them. Plain data and the rules that read it (when an offer is open,
when two overlap), apart from the reader that fills them (``_books``)."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

__all__ = [
    "AGENT_QUEUE",
    "HANDED_ON",
    "WAITING",
    "BookReport",
    "Contact",
    "is_open",
    "offer_open",
    "overlaps",
    "waiting_for_offer",
]

AGENT_QUEUE = "agent_queue"
HANDED_ON = frozenset({"handed_over", "completed"})
WAITING = frozenset({"queued", "offered"})
"""Changelog states of a contact the assigners still serve (an "assigned" one the
books never saw announced was lost to its agent)."""


@dataclass(slots=True)
class BookReport:
    """The counts a chaos run prints and writes; ``lost`` and the violations must be 0."""

    arrivals_sent: int = 0
    follow_ups_sent: int = 0
    decided: int = 0
    undecided: int = 0
    decided_twice: int = 0
    """Contacts with two *different* decision ids: a redelivery must reuse the id."""
    duplicate_decisions: int = 0
    """Records repeating a decision id already seen: harmless redeliveries."""
    queued: int = 0
    assigned_once: int = 0
    assigned_twice: int = 0
    duplicate_assignments: int = 0
    ended: int = 0
    unresolved: int = 0
    still_queued: int = 0
    """Unresolved contacts the assigners' changelog holds queued or offered, by id."""
    overlapping_offers: int = 0
    """An offer made while another offer for the same contact was still open."""
    offers_after_end: int = 0
    """Offers made more than a grace period after the contact was abandoned."""
    lost: int = 0
    lost_before_catch_up: int = 0
    """What ``lost`` would have been had the books been counted before the reader
    caught up: the race that counted a contact assigned in the run's last moments
    as lost (issue 20). Its ids are in ``examples["lost_before_catch_up"]``."""
    transfers_requested: int = 0
    transfers_handed_on: int = 0
    """Transfers that moved the contact on: cold ones handed over, warm ones completed."""
    transfers_declined: int = 0
    """Warm transfers the other agent turned down: the contact stayed with the first."""
    transfers_refused: int = 0
    transfers_unanswered: int = 0
    """Transfer requests the assigners never answered: a violation (the request is in
    the agent-events log, so a new owner must apply it)."""
    dead_letters: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def violations(self) -> int:
        return (
            self.lost
            + self.decided_twice
            + self.assigned_twice
            + self.overlapping_offers
            + self.transfers_unanswered
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"violations": self.violations}


@dataclass(slots=True)
class Contact:
    arrival_id: str
    sent_at: float
    ended_at: float | None = None
    decision_ids: set[str] = field(default_factory=set)
    decision_records: int = 0
    decided_at: float | None = None
    target: str | None = None
    offers: dict[str, float] = field(default_factory=dict)  # offer id -> broker time
    expires: dict[str, float] = field(default_factory=dict)  # offer id -> its expires_at
    closed: dict[str, float] = field(default_factory=dict)  # offer id -> close time
    assigned: set[str] = field(default_factory=set)
    assigned_records: int = 0
    transfers: dict[str, str | None] = field(default_factory=dict)
    """Transfer id -> its outcome (``None`` until the assigner answered)."""

    @property
    def handed_on(self) -> int:
        """Transfers after which another agent must hold the contact."""
        return sum(1 for outcome in self.transfers.values() if outcome in HANDED_ON)

    @property
    def holders_owed(self) -> int:
        """Assignments the contact is owed: one, and one more per transfer handed on."""
        return 1 + self.handed_on


def is_open(c: Contact) -> bool:
    if not c.decision_ids:
        return True
    return (
        c.target == AGENT_QUEUE
        and c.ended_at is None
        and (len(c.assigned) < c.holders_owed or None in c.transfers.values())
    )


def offer_open(c: Contact) -> bool:
    return (
        c.target == AGENT_QUEUE
        and len(c.assigned) < c.holders_owed
        and c.ended_at is None
        and any(offer not in c.closed for offer in c.offers)
    )


def waiting_for_offer(c: Contact) -> bool:
    return c.target == AGENT_QUEUE and not c.offers and not c.assigned and c.ended_at is None


def overlaps(c: Contact) -> int:
    """Offers that began while the contact's previous offer still stood: neither
    closed (assigned, rejected, revoked) nor past its ``expires_at``, the moment the
    contract ends the reservation and the desktop SDK stops showing it.

    The expiry counts because a revocation is not the only end of an offer: an
    offer that timed out while no assigner owned its pool is revoked by the next
    owner's takeover in the same batch as the contact's next offer, and records of
    one batch on different partitions carried append-time timestamps a millisecond
    apart in either order (the full kill run's 27 "overlaps", all re-offers after
    their first offer had expired)."""
    ordered = sorted(c.offers.items(), key=lambda item: item[1])
    count = 0
    for (previous, _), (_, started) in itertools.pairwise(ordered):
        closed = min(c.closed.get(previous, math.inf), c.expires.get(previous, math.inf))
        if closed > started:
            count += 1
    return count
