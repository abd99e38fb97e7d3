"""The router stage for one batch: decode, one Redis read, route, one Redis write.

Kafka-free: the consumer loop hands it records and produces what it returns, so
the same stage runs under the live worker, the tests and the benchmark.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from omniroute.router.codec import InboundRecord, dead_letter_for, decode_batch
from omniroute.router.core import AssignerMessage, CustomerRecord, RoutingPolicy, route_events
from omniroute.router.runtime import RouterSettings
from omniroute.schemas import (
    DeadLetter,
    DeadLetterReason,
    InteractionEvent,
    InteractionEventAdapter,
    PoolLoad,
    RecentContact,
    RoutingDecision,
    utc_now,
)

from ._identity import IdentityResolver
from ._metrics import RouterMetrics
from ._store import CustomerStore, StoreUnavailableError

__all__ = ["PolicyHolder", "RouterStage", "StageOutput"]

log = logging.getLogger("omniroute.router")


def _customer_of(event: InteractionEvent) -> str:
    """The key ``omniroute.interactions`` promises: the customer id."""
    return event.customer_id


class PolicyHolder:
    """The policy in force. Swapped whole on reload, so a batch sees one version."""

    def __init__(self, policy: RoutingPolicy, metrics: RouterMetrics | None = None) -> None:
        self._metrics = metrics
        self.current = policy
        self.swap(policy)

    def swap(self, policy: RoutingPolicy) -> None:
        if self._metrics is not None:
            self._metrics.policy.clear()
            self._metrics.policy.labels(policy.version).set(1)
        self.current = policy


@dataclass(slots=True)
class StageOutput:
    decisions: list[tuple[InboundRecord, RoutingDecision]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    to_assigner: list[tuple[str, AssignerMessage]] = field(default_factory=list)
    degraded: bool = False
    resolved: list[tuple[InboundRecord, InteractionEvent]] = field(default_factory=list)
    """Events that came with only a contact address, now naming their customer: to
    re-publish keyed by the customer (``_identity``)."""


class RouterStage:
    def __init__(
        self,
        *,
        policy: PolicyHolder,
        store: CustomerStore,
        settings: RouterSettings,
        metrics: RouterMetrics,
        loads: Mapping[str, PoolLoad] | None = None,
        clock: Callable[[], datetime] = utc_now,
        identities: IdentityResolver | None = None,
    ) -> None:
        self._policy = policy
        self._store = store
        self._settings = settings
        self._metrics = metrics
        self._loads: Mapping[str, PoolLoad] = loads if loads is not None else {}
        self._clock = clock
        self._max_age = timedelta(seconds=settings.recent_contacts_ttl_seconds)
        self._identities = identities

    async def process(self, records: Sequence[InboundRecord]) -> StageOutput:
        now = self._clock()
        metrics = self._metrics
        metrics.batch_size.labels("router").observe(len(records))
        decoded = decode_batch(
            records,
            InteractionEventAdapter,
            max_bytes=self._settings.max_event_bytes,
            stage="router",
            now=now,
            key_of=_customer_of,
        )
        out = StageOutput(dead_letters=decoded.dead_letters)
        if self._identities is not None:
            await self._resolve(decoded.events, out, now)
        if not decoded.events:
            metrics.worker.record_dead_letters(out.dead_letters)
            return out
        metrics.record_events(event for _, event in decoded.events)
        customers, out.degraded = await self._fetch(
            [event.customer_id for _, event in decoded.events]
        )
        policy = self._policy.current
        routed = route_events(
            decoded.events,
            customers,
            policy,
            self._loads,
            now=now,
            keep=self._settings.recent_contacts_kept,
            max_age=self._max_age,
        )
        if routed.history and not out.degraded:
            await self._save(routed.history)
        out.decisions = routed.decisions
        out.to_assigner = routed.to_assigner
        out.dead_letters.extend(routed.failures)
        metrics.record_decisions(decision for _, decision in routed.decisions)
        metrics.worker.record_dead_letters(out.dead_letters)
        return out

    async def _resolve(
        self,
        events: list[tuple[InboundRecord, InteractionEvent]],
        out: StageOutput,
        now: datetime,
    ) -> None:
        """The identity hook: only events that carry a contact address cost anything."""
        addressed = [item for item in events if item[1].contact is not None]
        if not addressed or self._identities is None:
            return
        out.resolved, bad = await self._identities.handle(addressed)
        for record in bad:
            out.dead_letters.append(
                dead_letter_for(
                    record,
                    DeadLetterReason.INVALID_VALUE,
                    "contact: not a tel:, mailto: or social: address",
                    stage="router",
                    now=now,
                )
            )
        gone = {id(record) for record in bad} | {id(record) for record, _ in out.resolved}
        events[:] = [item for item in events if id(item[0]) not in gone]

    async def _fetch(self, customer_ids: Sequence[str]) -> tuple[dict[str, CustomerRecord], bool]:
        """The records, and whether the store was unreachable. Only then is history
        left unwritten: an unreadable record of one customer (flagged
        ``lookup_failed`` by the store) does not stop the others' history."""
        started = time.perf_counter()
        try:
            customers = await self._store.fetch(customer_ids)
        except StoreUnavailableError as error:
            self._metrics.redis_errors.labels("mget").inc()
            log.warning("customer lookup failed, routing degraded: %s", error)
            failed = {
                cid: CustomerRecord(cid, None, (), lookup_failed=True) for cid in customer_ids
            }
            return failed, True
        self._metrics.redis_seconds.labels("mget").observe(time.perf_counter() - started)
        return customers, False

    async def _save(self, history: Mapping[str, tuple[RecentContact, ...]]) -> None:
        started = time.perf_counter()
        try:
            await self._store.save_recent(history)
        except StoreUnavailableError as error:
            # The decision stands; only the history misses this batch.
            self._metrics.redis_errors.labels("pipeline").inc()
            log.warning("recent-contact update failed: %s", error)
            return
        self._metrics.redis_seconds.labels("pipeline").observe(time.perf_counter() - started)
