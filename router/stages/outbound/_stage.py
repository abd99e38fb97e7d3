"""The outbound coordinator for one batch, Kafka-free: requests in, verdicts out.

Requests are keyed by customer, so one worker sees one customer's requests in
order and a read-modify-write of ``outbound:{id}`` per batch is safe; requests of
one customer within a batch each see the approvals before them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.router.policy import OfferThresholds, OutboundRules, judge_outbound
from omniroute.router.runtime import Outbound, dead_letter_records
from omniroute.schemas import OutboundRequest, OutboundVerdict, PoolLoad, topic, utc_now

from ._metrics import OutboundMetrics
from ._store import OutboundHistory, OutboundStore, StoreError

__all__ = ["OutboundStage"]

log = logging.getLogger("omniroute.outbound")
REQUESTS = topic("omniroute.outbound-requests")
VERDICTS = topic("omniroute.outbound-decisions").name
_KEEP = timedelta(days=2)


def _customer_of(request: OutboundRequest) -> str:
    return request.customer_id


class OutboundStage:
    def __init__(
        self,
        *,
        rules: OutboundRules,
        offers: OfferThresholds,
        timezone: str,
        store: OutboundStore,
        metrics: OutboundMetrics,
        loads: Mapping[str, PoolLoad],
        dead_letter_topic: str,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._rules = rules
        self._offers = offers
        self._tz = timezone
        self._store = store
        self._metrics = metrics
        self._loads = loads
        self._dead_letter_topic = dead_letter_topic
        self._clock = clock

    async def process(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        now = self._clock()
        decoded = decode_batch(
            records,
            REQUESTS.adapter,
            max_bytes=64 * 1024,
            stage="outbound",
            now=now,
            key_of=_customer_of,
        )
        self._metrics.worker.record_dead_letters(decoded.dead_letters)
        out: list[Outbound] = list(
            dead_letter_records(decoded.dead_letters, self._dead_letter_topic)
        )
        requests: list[OutboundRequest] = [request for _, request in decoded.events]
        if not requests:
            return out
        try:
            known = await self._store.fetch([r.customer_id for r in requests])
        except StoreError as error:
            # Without the customer's history nothing can be approved safely: defer all.
            log.warning("outbound history unavailable, deferring the batch: %s", error)
            known = None
        approved: dict[str, OutboundHistory] = {}
        for request in requests:
            verdict = self._judge(request, known, approved, now)
            self._metrics.record(verdict)
            out.append((VERDICTS, request.customer_id.encode(), verdict.model_dump_json().encode()))
        if approved:
            try:
                await self._store.save(approved)
            except StoreError as error:
                log.warning("outbound approvals not saved: %s", error)
        return out

    def _judge(
        self,
        request: OutboundRequest,
        known: dict[str, tuple[tuple[datetime, ...], OutboundHistory]] | None,
        approved: dict[str, OutboundHistory],
        now: datetime,
    ) -> OutboundVerdict:
        common: dict[str, Any] = {
            "id": f"v:{request.id}",
            "source": "/omniroute/outbound",
            "time": now,
            "request_id": request.request_id,
            "customer_id": request.customer_id,
            "department": request.department,
            "kind": request.kind,
            "channel": request.channel,
        }
        if known is None:
            return OutboundVerdict(
                **common,
                verdict="deferred",
                reason="recent_contact",
                detail="customer history unavailable",
                retry_after=now + timedelta(minutes=5),
            )
        inbound, history = known.get(request.customer_id, ((), ()))
        history = approved.get(request.customer_id, history)
        pool = request.pool or self._rules.default_pool
        judgement = judge_outbound(
            request,
            self._rules,
            self._offers,
            inbound=inbound,
            approved=history,
            load=self._loads.get(pool),
            now=now,
            timezone=self._tz,
        )
        if judgement.verdict == "approved":
            kept = [(at, dept) for at, dept in history if now - at <= _KEEP]
            approved[request.customer_id] = (*kept, (now, request.department))
        return OutboundVerdict(
            **common,
            verdict=judgement.verdict,
            reason=judgement.reason,
            detail=judgement.detail,
            retry_after=judgement.retry_after,
        )
