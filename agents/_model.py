"""The assigner's hot state: plain slotted classes, not pydantic.

A pool holds ~100k queued contacts and ~10k agents in memory; pydantic models
would cost several times the memory and validation time on every mutation, so
pydantic stays on the wire (``_wire.py``) and the persisted records
(``_records.py``) are plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from omniroute.schemas import Channel, CustomerContext, Explanation, OverflowStep

from ._ledger import Tally

if TYPE_CHECKING:
    from ._lanes import Lane
    from ._transfers import Transfer, WarmOrigin

__all__ = [
    "PAUSED_REASON",
    "Agent",
    "AgentSpec",
    "Contact",
    "ContactState",
    "PoolConfig",
    "Presence",
    "QueueConfig",
    "Requirement",
    "Signature",
]

Requirement = tuple[str, int]
"""A skill and the minimum proficiency (1-10) the handling agent needs."""
Signature = tuple[Requirement, ...]
"""A contact's requirements, sorted: contacts with the same signature share an index lane."""


PAUSED_REASON = "missed_offers"
"""The not-ready reason of an agent the pool paused after too many missed offers."""


class Presence(StrEnum):
    """``OFFLINE`` is kept only while a logged-out agent still has assigned work to finish."""

    READY = "ready"
    NOT_READY = "not_ready"
    OFFLINE = "offline"


class ContactState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    MOVED = "moved"
    """Handed over to another pool (a cold transfer): kept here so a follow-up the
    router sends to this pool reaches the new one, and a replayed transfer re-sends it."""
    WRAP_UP = "wrap_up"
    """The agent completed it and does after-contact work: its room is still held."""


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """How one queue trades priority, skill match and stickiness against waiting.

    Waits for aging and the bound are *perceived* (IVR time included) because
    they protect the customer's experience; widening and stickiness count the
    time in *this* queue, because they trade match quality for queue time.
    """

    aging_per_second: float = 1.0
    """Priority points a contact gains per second of perceived wait."""
    max_wait_seconds: float | None = None
    """Bound used when the routing decision gives none; ``None``: no bound."""
    relax_after_seconds: float | None = None
    """After this long in queue, proficiency minimums drop by ``relax_by`` (floor 1)."""
    relax_by: int = 2
    any_agent_after_seconds: float | None = None
    """After this long in queue, any agent serving the queue may take the contact."""
    sticky_seconds: float = 30.0
    """How long a contact waits for its preferred agent while that agent is ready."""
    wrap_up_seconds: float = 0.0
    """After-contact work: the agent's room stays held this long after completing."""


@dataclass(frozen=True, slots=True, eq=False)
class PoolConfig:
    name: str
    queues: Mapping[str, QueueConfig] = field(default_factory=dict)
    default_queue: QueueConfig = QueueConfig()
    offer_timeout_seconds: float = 20.0
    misses_before_not_ready: int = 3
    """Consecutive rejected or unanswered offers after which an agent is paused."""
    prior_handle_seconds: float = 300.0
    """Handle time assumed by the wait estimator until a queue has real completions."""
    handle_time_smoothing: float = 0.1
    """Weight of the newest completion in the handle-time moving average."""
    transfer_hold_seconds: float = 30.0
    """How long a contact transferred to a named agent waits for that agent alone
    before any agent of that agent's queue may take it."""
    takeover_grace_seconds: float = 0.0
    """An offer that lapsed while no worker owned its pool stays open this long after
    the takeover: answers its agent sent in time are still in the log, and the new
    owner reads them right after the restore. Expired at once, they were answered
    "superseded" and the contact went to another agent (the full kill run)."""

    def queue(self, name: str) -> QueueConfig:
        return self.queues.get(name, self.default_queue)


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """What an agent declares at log-in (``AgentLoggedIn``) minus the envelope."""

    agent_id: str
    queues: tuple[str, ...]
    skills: Mapping[str, int]
    capacity: Mapping[Channel, int]
    max_total: int = 1
    presence: Presence = Presence.NOT_READY


@dataclass(slots=True, eq=False)
class Contact:
    """One interaction waiting for, offered to, or handled by an agent of the pool."""

    interaction_id: str
    customer_id: str
    queue: str
    channel: Channel
    priority: int
    enqueued_at: float
    """Original queue entry; a rejected or timed-out offer does not reset it."""
    wait_offset: float = 0.0
    """Seconds already spent in IVR/self-service: they count toward the perceived wait."""
    max_wait: float | None = None
    requirements: Signature = ()
    preferred_agent: str | None = None
    callback: bool = False
    reason: str | None = None
    automation_path: tuple[str, ...] = ()
    customer: CustomerContext | None = None
    offer_allowed: bool = False
    """Sell when idle: the pool was idle when the contact was routed."""
    overflow: tuple[OverflowStep, ...] = ()
    """Overflow steps still ahead, in order; waits count from ``enqueued_at``."""
    explanation: tuple[Explanation, ...] = ()
    """Why the contact is in this pool, for the offer (an overflow step); usually empty."""
    attempts: int = 0
    state: ContactState = ContactState.QUEUED
    agent_id: str | None = None
    offer_id: str | None = None
    offer_expires_at: float | None = None
    assigned_at: float | None = None
    declined: tuple[str, ...] = ()
    """Agents who rejected this contact: skipped while anyone else can take it."""
    transfers: tuple[Transfer, ...] = ()
    """Every transfer of this contact, oldest first: what the next offer explains."""
    hold_for: str | None = None
    """A transfer to a named agent: the contact waits for that agent alone ..."""
    hold_until: float = 0.0
    """... until then, and from then on for any agent of its queue."""
    warm: WarmOrigin | None = None
    """A warm transfer in progress: the agent who keeps the contact until another accepts."""
    moved_to: str | None = None
    """The pool a cold transfer handed the contact to (state ``MOVED``)."""
    wrap_up_until: float | None = None
    """While in ``WRAP_UP``: when the queue's wrap-up time runs out."""
    # Derived at enqueue from the queue's config; never persisted.
    static_rank: float = 0.0
    deadline: float = float("inf")
    level_key: int = 0
    # Index bookkeeping; never persisted.
    stage: int = 0
    overdue: bool = False
    slot: int = 0
    """Bumped whenever the contact moves in the index: older heap entries become stale."""
    epoch: int = 0
    """Bumped at each (re-)queueing: timers of an earlier stint become stale."""
    lane: Lane | None = None
    held_by: str | None = None

    @property
    def wait_origin(self) -> float:
        """When the customer started waiting, as they perceive it."""
        return self.enqueued_at - self.wait_offset


@dataclass(slots=True, eq=False)
class Agent:
    agent_id: str
    queues: tuple[str, ...]
    skills: dict[str, int]
    capacity: dict[Channel, int]
    max_total: int
    presence: Presence
    idle_since: float = 0.0
    idle_seq: int = 0
    """Tie-break for equal ``idle_since``: pool-wide, strictly increasing per touch."""
    misses: int = 0
    reason: str = ""
    """Why the agent is not ready (a pool's configured reason, or ``missed_offers``)."""
    tally: Tally = field(default_factory=Tally)
    """Load across every pool the agent works in (shared through a ``CapacityLedger``)."""
    work: dict[str, Channel] = field(default_factory=dict)
    """Interactions of this pool offered to, assigned to or wrapped up by the agent
    (all count against capacity)."""
    queue_set: frozenset[str] = frozenset()
    levels: dict[int, int] = field(default_factory=dict)
    """Cache: level key -> the widening stage from which this agent qualifies."""
    listed: list[tuple[str, Channel]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Contacts held across all the agent's pools."""
        return self.tally.total

    @property
    def load(self) -> dict[Channel, int]:
        return self.tally.load

    def has_room(self, channel: Channel) -> bool:
        tally = self.tally
        return tally.total < self.max_total and tally.load.get(channel, 0) < self.capacity.get(
            channel, 0
        )
