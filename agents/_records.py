"""Persisted form of the pool: one JSON-ready record per contact, per agent and
per queue's handle-time average, so a stage can keep them in changelog-backed
tables keyed by interaction id, agent id and queue, and rebuild the pool from
them after a rebalance. Indexes are never persisted: they are rebuilt.

An agent's load is not stored on the agent: it is derived from the contacts
offered or assigned to it, so the two records can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omniroute.schemas import Channel, CustomerContext, Explanation, OverflowStep

from ._compact import compact_customer, compact_name, compact_signature, shared_customer_id
from ._estimate import HandleTime
from ._model import Agent, Contact, ContactState, Presence
from ._transfer_records import transfer_fields, transfer_fields_from

__all__ = [
    "Changes",
    "Record",
    "agent_from_record",
    "agent_record",
    "contact_from_record",
    "contact_record",
    "handle_time_from_record",
    "handle_time_record",
]

Record = dict[str, Any]


@dataclass(slots=True)
class Changes:
    """Records to write since the last drain; ``None`` means delete the key."""

    contacts: dict[str, Record | None] = field(default_factory=dict)
    agents: dict[str, Record | None] = field(default_factory=dict)
    handle_times: dict[str, Record] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.contacts or self.agents or self.handle_times)


def contact_record(contact: Contact) -> Record:
    return {
        "interaction_id": contact.interaction_id,
        "customer_id": contact.customer_id,
        "queue": contact.queue,
        "channel": contact.channel.value,
        "priority": contact.priority,
        "enqueued_at": contact.enqueued_at,
        "wait_offset": contact.wait_offset,
        "max_wait": contact.max_wait,
        "requirements": [[skill, minimum] for skill, minimum in contact.requirements],
        "preferred_agent": contact.preferred_agent,
        "callback": contact.callback,
        "reason": contact.reason,
        "automation_path": list(contact.automation_path),
        "customer": None if contact.customer is None else contact.customer.model_dump(mode="json"),
        "offer_allowed": contact.offer_allowed,
        "attempts": contact.attempts,
        "state": contact.state.value,
        "agent_id": contact.agent_id,
        "offer_id": contact.offer_id,
        "offer_expires_at": contact.offer_expires_at,
        "assigned_at": contact.assigned_at,
        "wrap_up_until": contact.wrap_up_until,
        # Written only when there is something to keep: most contacts have neither.
        **(
            {"overflow": [s.model_dump(mode="json") for s in contact.overflow]}
            if contact.overflow
            else {}
        ),
        **(
            {"explanation": [e.model_dump(mode="json") for e in contact.explanation]}
            if contact.explanation
            else {}
        ),
        **transfer_fields(contact),
    }


def contact_from_record(record: Mapping[str, Any]) -> Contact:
    context = _customer_from_record(record.get("customer"))
    reason = record.get("reason")
    return Contact(
        interaction_id=record["interaction_id"],
        customer_id=shared_customer_id(record["customer_id"], context),
        queue=compact_name(record["queue"]),
        channel=Channel(record["channel"]),
        priority=int(record["priority"]),
        enqueued_at=float(record["enqueued_at"]),
        wait_offset=float(record["wait_offset"]),
        max_wait=record.get("max_wait"),
        requirements=compact_signature(
            tuple((str(s), int(m)) for s, m in record.get("requirements", ()))
        ),
        preferred_agent=record.get("preferred_agent"),
        callback=bool(record.get("callback", False)),
        reason=None if reason is None else compact_name(reason),
        automation_path=tuple(record.get("automation_path", ())),
        customer=context,
        offer_allowed=bool(record.get("offer_allowed", False)),
        attempts=int(record.get("attempts", 0)),
        state=ContactState(record.get("state", ContactState.QUEUED.value)),
        agent_id=record.get("agent_id"),
        offer_id=record.get("offer_id"),
        offer_expires_at=record.get("offer_expires_at"),
        assigned_at=record.get("assigned_at"),
        wrap_up_until=record.get("wrap_up_until"),
        overflow=tuple(OverflowStep.model_validate(s) for s in record.get("overflow", ())),
        explanation=tuple(Explanation.model_validate(e) for e in record.get("explanation", ())),
        **transfer_fields_from(record),
    )


def _customer_from_record(customer: Mapping[str, Any] | None) -> CustomerContext | None:
    return None if customer is None else compact_customer(CustomerContext.model_validate(customer))


def agent_record(agent: Agent) -> Record:
    return {
        "agent_id": agent.agent_id,
        "queues": list(agent.queues),
        "skills": dict(agent.skills),
        "capacity": {channel.value: count for channel, count in agent.capacity.items()},
        "max_total": agent.max_total,
        "presence": agent.presence.value,
        "idle_since": agent.idle_since,
        "idle_seq": agent.idle_seq,
        "misses": agent.misses,
        "reason": agent.reason,
    }


def agent_from_record(record: Mapping[str, Any]) -> Agent:
    queues = tuple(record["queues"])
    return Agent(
        agent_id=record["agent_id"],
        queues=queues,
        skills={str(k): int(v) for k, v in record["skills"].items()},
        capacity={Channel(k): int(v) for k, v in record["capacity"].items()},
        max_total=int(record["max_total"]),
        presence=Presence(record["presence"]),
        idle_since=float(record["idle_since"]),
        idle_seq=int(record["idle_seq"]),
        misses=int(record.get("misses", 0)),
        reason=str(record.get("reason", "")),
        queue_set=frozenset(queues),
    )


def handle_time_record(queue: str, handle: HandleTime) -> Record:
    return {"queue": queue, "mean_seconds": handle.mean_seconds, "completions": handle.completions}


def handle_time_from_record(record: Mapping[str, Any]) -> tuple[str, HandleTime]:
    return record["queue"], HandleTime(float(record["mean_seconds"]), int(record["completions"]))
