"""The front-end SDK: publish contacts, get the routing decision back.

with FrontEndClient("kafka:9092", source="/ivr/eu-1") as ivr:
    contact = ivr.arrived("cust-42", Channel.VOICE, reason="billing")
    decision = ivr.decision_for(contact.interaction_id, timeout=5)
    print(decision.target, decision.queue, decision.explanation)
    estimate = ivr.wait_estimate_for(contact.interaction_id, timeout=40)
    print(estimate.position, estimate.estimated_wait_seconds)   # announce it
    ivr.feedback("cust-42", contact.interaction_id, kind="csat", score=4)
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from omniroute.schemas import (
    Channel,
    Compression,
    CustomerFeedback,
    FeedbackKind,
    InteractionArrived,
    InteractionEvent,
    RoutingDecision,
    WaitEstimate,
    new_event_id,
    topic,
)

from ._client import ClientSession, KeyedReader

__all__ = ["FrontEndClient"]

INTERACTIONS = topic("omniroute.interactions")
DECISIONS = topic("omniroute.decisions")
WAIT_ESTIMATES = topic("omniroute.wait-estimates")
FEEDBACK = topic("omniroute.feedback")


class FrontEndClient(ClientSession):
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        source: str,
        compression: Compression = Compression.LZ4,
        kafka_config: Mapping[str, Any] | None = None,
    ) -> None:
        """``kafka_config``: kafka-python options, e.g. SASL and TLS (see ClientSession)."""
        self.bootstrap_servers = bootstrap_servers
        self.source = source
        # Positioned now, before anything is published, so no decision can slip past.
        super().__init__(
            bootstrap_servers, DECISIONS, None, compression=compression, kafka_config=kafka_config
        )
        self._pending: set[str] = set()
        self._seen: dict[str, RoutingDecision] = {}  # only for contacts we published
        self._estimates: KeyedReader | None = None
        self._latest: dict[str, WaitEstimate] = {}
        self._mine: set[str] = set()  # every contact this client published

    def publish(self, event: InteractionEvent) -> None:
        """Send any interaction event, keyed by customer so one customer stays in order
        (an event with only a contact address goes without a key: the router resolves
        it and re-publishes it keyed by the customer)."""
        self._pending.add(event.interaction_id)
        self._mine.add(event.interaction_id)
        self._producer.send(INTERACTIONS.name, event.customer_id or None, event)

    def arrived(
        self, customer_id: str, channel: Channel, *, reason: str | None = None, **fields: Any
    ) -> InteractionArrived:
        """A new contact; returns the event so its interaction id can be awaited."""
        event = InteractionArrived.model_validate(
            {
                # Set here, once: a retry of this event must carry the same id.
                "id": fields.pop("id", None) or new_event_id(),
                "source": self.source,
                "interaction_id": fields.pop("interaction_id", f"ix-{uuid.uuid4().hex}"),
                "customer_id": customer_id,
                "channel": channel,
                "reason": reason,
                **fields,
            }
        )
        self.publish(event)
        return event

    def feedback(
        self,
        customer_id: str,
        interaction_id: str,
        *,
        kind: FeedbackKind,
        score: int,
        comment: str | None = None,
        channel: Channel | None = None,
    ) -> CustomerFeedback:
        """A survey answer about a contact (CSAT 1-5, NPS 0-10), joined by omniroute to
        the contact's reason, channel, segment and wait. The comment is the customer's
        own words: omniroute keeps it on the topic only, never in logs or metrics."""
        answer = CustomerFeedback(
            id=new_event_id(),
            source=self.source,
            interaction_id=interaction_id,
            customer_id=customer_id,
            kind=kind,
            score=score,
            comment=comment,
            channel=channel,
        )
        self._producer.send(FEEDBACK.name, customer_id, answer)
        return answer

    def arrived_from(
        self, contact: str, channel: Channel, *, reason: str | None = None, **fields: Any
    ) -> InteractionArrived:
        """A new contact from someone known only by ``contact`` (``tel:+1555...``,
        ``mailto:...``, ``social:network:@handle``): omniroute finds the customer."""
        event = InteractionArrived.model_validate(
            {
                "id": fields.pop("id", None) or new_event_id(),
                "source": self.source,
                "interaction_id": fields.pop("interaction_id", f"ix-{uuid.uuid4().hex}"),
                "contact": contact,
                "channel": channel,
                "reason": reason,
                **fields,
            }
        )
        self.publish(event)
        return event

    def decision_for(self, interaction_id: str, *, timeout: float = 10.0) -> RoutingDecision:
        """The decision on a contact this client published; TimeoutError if none came."""
        if interaction_id in self._seen:
            self._pending.discard(interaction_id)
            return self._seen.pop(interaction_id)
        deadline = time.monotonic() + timeout
        for decision in self._reader.messages(timeout=timeout):
            if decision.interaction_id == interaction_id:
                self._pending.discard(interaction_id)
                return decision  # type: ignore[no-any-return]
            if decision.interaction_id in self._pending:
                self._seen[decision.interaction_id] = decision
            if time.monotonic() > deadline:
                break
        raise TimeoutError(f"no decision for {interaction_id} in {timeout} s")

    def wait_estimate_for(self, interaction_id: str, *, timeout: float = 40.0) -> WaitEstimate:
        """The next estimate (position in queue, expected wait) for a queued contact:
        the assigner publishes one per queued contact every
        ``OMNIROUTE_ASSIGNER__WAIT_ESTIMATE_EVERY_SECONDS`` (30 s by default), so wait
        at least that long. TimeoutError if none came (e.g. the contact was answered).
        The first call starts reading the wait-estimate topic from now on."""
        if self._estimates is None:
            self._estimates = KeyedReader(
                self.bootstrap_servers, WAIT_ESTIMATES.name, None, WAIT_ESTIMATES.adapter
            )
        if interaction_id in self._latest:
            return self._latest.pop(interaction_id)
        deadline = time.monotonic() + timeout
        for estimate in self._estimates.messages(timeout=timeout):
            if estimate.interaction_id == interaction_id:
                return estimate  # type: ignore[no-any-return]
            if estimate.interaction_id in self._mine:
                self._latest[estimate.interaction_id] = estimate
            if time.monotonic() > deadline:
                break
        raise TimeoutError(f"no wait estimate for {interaction_id} in {timeout} s")

    def close(self) -> None:
        if self._estimates is not None:
            self._estimates.close()
        super().close()
