"""The public contract of omniroute: one pydantic model per message on every topic.

JSON Schema and the AsyncAPI document under ``contract/`` are generated from
these models by ``omniroute schema export`` and checked for drift by the tests.
"""

from ._agents import (
    AgentEvent,
    AgentEventAdapter,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPresence,
    AgentStateChanged,
    OfferAccepted,
    OfferRejected,
    WorkCompleted,
)
from ._assigner import AssignerInput, AssignerInputAdapter, InteractionUpdate, PoolTick
from ._common import (
    SCHEMA_VERSION,
    AgentId,
    Channel,
    ContactReason,
    CustomerId,
    Envelope,
    InteractionId,
    QueueName,
    SkillName,
    Tier,
    new_event_id,
    utc_now,
)
from ._customers import (
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    RecentContact,
    RecentContacts,
)
from ._deadletter import DeadLetter, DeadLetterReason, FieldError
from ._decisions import (
    CustomerContext,
    Explanation,
    ExplanationKind,
    RoutingDecision,
    SkillRequirement,
)
from ._interactions import (
    AutomationCompleted,
    AutomationStage,
    CallbackRequested,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    InteractionEventAdapter,
)
from ._load import PoolLoad, QueueLoad, WaitEstimate
from ._offers import (
    AssignmentMessage,
    AssignmentMessageAdapter,
    Offer,
    OfferAssigned,
    OfferRevoked,
)
from ._topics import TOPICS, TopicSpec, topic

__all__ = [
    "SCHEMA_VERSION",
    "TOPICS",
    "AgentEvent",
    "AgentEventAdapter",
    "AgentId",
    "AgentLoggedIn",
    "AgentLoggedOut",
    "AgentPresence",
    "AgentStateChanged",
    "AssignerInput",
    "AssignerInputAdapter",
    "AssignmentMessage",
    "AssignmentMessageAdapter",
    "AutomationCompleted",
    "AutomationStage",
    "CallbackRequested",
    "Channel",
    "ContactOutcome",
    "ContactReason",
    "ContactTarget",
    "CustomerContext",
    "CustomerId",
    "CustomerProfile",
    "DeadLetter",
    "DeadLetterReason",
    "Envelope",
    "Explanation",
    "ExplanationKind",
    "FieldError",
    "InteractionAbandoned",
    "InteractionArrived",
    "InteractionEnded",
    "InteractionEscalated",
    "InteractionEvent",
    "InteractionEventAdapter",
    "InteractionId",
    "InteractionUpdate",
    "Offer",
    "OfferAccepted",
    "OfferAssigned",
    "OfferRejected",
    "OfferRevoked",
    "PoolLoad",
    "PoolTick",
    "QueueLoad",
    "QueueName",
    "RecentContact",
    "RecentContacts",
    "RoutingDecision",
    "SkillName",
    "SkillRequirement",
    "Tier",
    "TopicSpec",
    "WaitEstimate",
    "WorkCompleted",
    "new_event_id",
    "topic",
    "utc_now",
]
