"""The pure assignment core: shared priority queues with aging, skills that widen
with the wait, multi-channel agent capacity, and offers that are never lost.

One ``Pool`` per pool (a set of queues sharing agents). Every input event is a
``Pool`` method taking ``now`` and returning the effects to publish; state is
persisted as one record per contact and per agent (``Pool.drain_changes``) and
rebuilt with ``Pool.restore``. No Kafka, Redis, clock or randomness in here.

Time is one type here: ``now`` and every moment a pool keeps (queue entry, offer
expiry, idle since) are float seconds since the epoch, because the pool's heaps
and wait arithmetic run on every event and a float compares and subtracts without
allocating. The contract's timestamps are ``datetime``; ``_wire`` converts at the
boundary (``to_datetime``/``from_datetime``), so no core mixes the two.

Inside, by composition: ``Pool`` (``_pool``: what each event means) owns a
``PoolIndex`` (``_index``: contacts, agents, availability, offers, changes; its
``QueueIndex`` in ``_queues`` places queued contacts in ``_lanes``) and a
``Matcher`` (``_matcher``: who serves whom) that reads the index through its
public methods. ``_rules`` holds the formulas both the pool and the tests'
reference share.
"""

from ._effects import (
    AgentPaused,
    ContactAssigned,
    ContactHandedOver,
    ContactOverflowed,
    Effect,
    OfferPlan,
    OfferRevocation,
    RevokeWhy,
    TransferOutcome,
    TransferSettled,
)
from ._estimate import ContactWait, HandleTime, PoolLoadView, QueueLoadView
from ._ledger import CapacityLedger, Tally, spread
from ._model import (
    PAUSED_REASON,
    Agent,
    AgentSpec,
    Contact,
    ContactState,
    PoolConfig,
    Presence,
    QueueConfig,
    Signature,
)
from ._overflow import OVERFLOW, OVERFLOW_CAUSE, overflow_decision
from ._pool import Pool
from ._records import Changes, Record, agent_record, contact_record, handle_time_record
from ._rules import agent_level, order_key, prepare, stage_at, sticky_until
from ._transfer_wire import (
    contact_from_transferred,
    handover_message,
    transfer_info,
    transfer_request,
)
from ._transfers import Transfer, TransferMode, TransferRequest, WarmOrigin
from ._turn import QueueTurn
from ._wire import (
    WAIT_CEILING_SECONDS,
    contact_from_decision,
    effect_message,
    from_datetime,
    pool_load_message,
    presence_from_wire,
    queue_config,
    spec_from_login,
    to_datetime,
    wait_estimate_message,
)

__all__ = [
    "OVERFLOW",
    "OVERFLOW_CAUSE",
    "PAUSED_REASON",
    "WAIT_CEILING_SECONDS",
    "Agent",
    "AgentPaused",
    "AgentSpec",
    "CapacityLedger",
    "Changes",
    "Contact",
    "ContactAssigned",
    "ContactHandedOver",
    "ContactOverflowed",
    "ContactState",
    "ContactWait",
    "Effect",
    "HandleTime",
    "OfferPlan",
    "OfferRevocation",
    "Pool",
    "PoolConfig",
    "PoolLoadView",
    "Presence",
    "QueueConfig",
    "QueueLoadView",
    "QueueTurn",
    "Record",
    "RevokeWhy",
    "Signature",
    "Tally",
    "Transfer",
    "TransferMode",
    "TransferOutcome",
    "TransferRequest",
    "TransferSettled",
    "WarmOrigin",
    "agent_level",
    "agent_record",
    "contact_from_decision",
    "contact_from_transferred",
    "contact_record",
    "effect_message",
    "from_datetime",
    "handle_time_record",
    "handover_message",
    "order_key",
    "overflow_decision",
    "pool_load_message",
    "prepare",
    "presence_from_wire",
    "queue_config",
    "spec_from_login",
    "spread",
    "stage_at",
    "sticky_until",
    "to_datetime",
    "transfer_info",
    "transfer_request",
    "wait_estimate_message",
]
