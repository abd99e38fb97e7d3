"""The topics omniroute reads and writes: one message family and one key each.

This table is the single source for topic creation, the AsyncAPI document and
the tests that check both, so a topic cannot exist in one and not the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from ._agents import AgentEvent
from ._assigner import AssignerInput
from ._deadletter import DeadLetter
from ._decisions import RoutingDecision
from ._feedback import CustomerFeedback
from ._interactions import InteractionEvent
from ._load import PoolLoad, WaitEstimate
from ._offers import AssignmentMessage
from ._outbound import OutboundRequest, OutboundVerdict

__all__ = ["TOPICS", "TopicSpec", "topic"]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    title: str
    key: str
    message: Any  # a model class or an annotated union of them
    description: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    compacted: bool = False
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.message))


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        name="omniroute.interactions",
        title="InteractionEvent",
        key="customer_id",
        message=InteractionEvent,
        description="Contacts arriving, escalating, finishing automation, abandoning, ending "
        "(the assigner publishes the end of a contact an agent completed, naming the agent; "
        "the router re-publishes an event that came with only a contact address, keyed by "
        "the customer the identity index resolved it to).",
        producers=("front ends", "assigner", "router"),
        consumers=("router", "insight"),
    ),
    TopicSpec(
        name="omniroute.decisions",
        title="RoutingDecision",
        key="customer_id",
        message=RoutingDecision,
        description="Where each contact goes (IVR, self-service, agent queue) and why.",
        producers=("router",),
        consumers=("front ends", "assigner", "insight"),
    ),
    TopicSpec(
        name="omniroute.deadletter",
        title="DeadLetter",
        key="the original record's key",
        message=DeadLetter,
        description="Records a worker could not use, with the reason and the original bytes.",
        producers=("router", "assigner", "insight", "outbound coordinator"),
        consumers=("operators",),
    ),
    TopicSpec(
        name="omniroute.agent-events",
        title="AgentEvent",
        key="agent_id",
        message=AgentEvent,
        description="Agent log-in, presence, offer answers and finished work.",
        producers=("agent desktops",),
        consumers=("assigner",),
    ),
    TopicSpec(
        name="omniroute.assigner-input",
        title="AssignerInput",
        key="pool",
        message=AssignerInput,
        description="Everything that changes a pool, keyed by pool: one owner, in order.",
        producers=("router", "assigner"),
        consumers=("assigner",),
    ),
    TopicSpec(
        name="omniroute.assignments",
        title="AssignmentMessage",
        key="agent_id",
        message=AssignmentMessage,
        description="Offers to agents, their acceptance and their revocation.",
        producers=("assigner",),
        consumers=("agent desktops",),
    ),
    TopicSpec(
        name="omniroute.pool-load",
        title="PoolLoad",
        key="pool",
        message=PoolLoad,
        description="Each pool's current load, for 'serve when busy' and overflow rules.",
        producers=("assigner",),
        consumers=("router", "front ends", "outbound coordinator"),
        compacted=True,
    ),
    TopicSpec(
        name="omniroute.wait-estimates",
        title="WaitEstimate",
        key="customer_id",
        message=WaitEstimate,
        description="Estimated wait per queued contact, to announce it or offer a callback.",
        producers=("assigner",),
        consumers=("front ends",),
    ),
    TopicSpec(
        name="omniroute.feedback",
        title="CustomerFeedback",
        key="customer_id",
        message=CustomerFeedback,
        description="CSAT or NPS answers about one contact, with optional free text.",
        producers=("front ends", "survey tools"),
        consumers=("insight",),
    ),
    TopicSpec(
        name="omniroute.outbound-requests",
        title="OutboundRequest",
        key="customer_id",
        message=OutboundRequest,
        description="Departments asking to contact a customer (collections, marketing, surveys).",
        producers=("departments",),
        consumers=("outbound coordinator",),
    ),
    TopicSpec(
        name="omniroute.outbound-decisions",
        title="OutboundVerdict",
        key="customer_id",
        message=OutboundVerdict,
        description="Each request approved, deferred or suppressed, with the reason.",
        producers=("outbound coordinator",),
        consumers=("departments",),
    ),
)


def topic(name: str) -> TopicSpec:
    """The spec of a topic by its name; a typo fails loudly rather than creating a topic."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown topic {name!r}; known: {', '.join(t.name for t in TOPICS)}")
