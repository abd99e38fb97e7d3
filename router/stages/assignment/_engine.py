"""The assigner's pools for the partitions a worker owns, a batch of inputs at a time:
what to publish, what to persist (the changelog) and what to dead-letter. Kafka-free,
so a test drives it with an in-memory changelog and the same code.

Applying one input is atomic with respect to persistence: the pool's changes go
into the batch's pending changelog writes only when the input applied cleanly.
If it raised half-way, the pool in memory may hold changes nobody will persist,
so it is thrown away and rebuilt from what *is* persisted (the changelog as of
the last produced batch, overlaid with this batch's pending writes), and the
input is dead-lettered with the reason. Memory and changelog agree again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from omniroute.agents import Record, to_datetime
from omniroute.router.codec import InboundRecord, dead_letter_for, decode_batch
from omniroute.router.runtime import TRACE_LOGGER
from omniroute.schemas import (
    AgentLoggedIn,
    AssignerInput,
    AssignerInputAdapter,
    DeadLetter,
    DeadLetterReason,
    PoolTick,
)

from ._stage import ASSIGNMENTS, AssignerStage, PoolRecords, StageResult

__all__ = ["AssignerEngine", "BatchResult", "PersistedReader", "group_records"]

log = logging.getLogger("omniroute.assigner")
trace = logging.getLogger(TRACE_LOGGER)

PersistedReader = Callable[[int], Awaitable[dict[str, Record]]]
"""The changelog partition's latest record per key, as persisted (to the high watermark)."""

_KINDS = {"c": 0, "a": 1, "h": 2}


@dataclass(slots=True)
class BatchResult:
    outbound: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    writes: dict[str, tuple[int, Record | None]] = field(default_factory=dict)
    """Changelog key -> (partition, record or None to delete); the last write per key wins."""
    dead_letters: list[DeadLetter] = field(default_factory=list)
    _offered: dict[str, int] = field(default_factory=dict)
    _unsent: set[int] = field(default_factory=set)

    def add(self, partition: int, result: StageResult) -> None:
        base = len(self.outbound)
        self.outbound += result.outbound
        writes = self.writes
        for key, record in result.writes:
            writes[key] = (partition, record)
        offered = self._offered
        for offer_id, index in result.offers:
            offered[offer_id] = base + index
        for offer_id, index in result.revocations:
            made = offered.pop(offer_id, None)
            if made is not None:
                self._unsent.update((made, base + index))

    def publishable(self) -> list[tuple[str, bytes, bytes]]:
        """``outbound`` less every offer revoked within this batch, and its revocation:
        nobody has seen either, so neither is sent. After a backlog (a takeover, a
        stalled worker) an arrival and its end often share a batch; sent, the offer
        rang a desktop for a contact that had already ended (the full kill run: 37
        offers made more than 5 s after their contact's end)."""
        unsent = self._unsent
        if not unsent:
            return self.outbound
        return [message for n, message in enumerate(self.outbound) if n not in unsent]


def _pool_of(message: AssignerInput) -> str:
    return message.pool or ""


def _anywhere(pool: str) -> bool:
    return True


def group_records(latest: Iterable[tuple[str, Record]]) -> dict[str, PoolRecords]:
    """Changelog records (``pool|kind|name`` -> record) grouped into each pool's lists."""
    pools: dict[str, PoolRecords] = {}
    for key, record in latest:
        pool, kind, _ = key.split("|", 2)
        lists = pools.get(pool)
        if lists is None:
            lists = pools[pool] = ([], [], [])
        lists[_KINDS[kind]].append(record)
    return pools


class AssignerEngine:
    def __init__(
        self,
        stage: AssignerStage,
        persisted: PersistedReader,
        *,
        max_input_bytes: int = 1024 * 1024,
    ) -> None:
        self.stage = stage
        self.max_input_bytes = max_input_bytes
        self._persisted = persisted
        self.partition_of: dict[str, int] = {}
        self.owns: Callable[[str], bool] = _anywhere
        """Whether this worker owns a pool (by the partition its name hashes to): set by
        the worker once it knows its partitions. An agent's capacity is shared only
        among the pools of one worker, so a log-in naming another worker's pool is told."""

    def _add(self, out: BatchResult, partition: int, result: StageResult) -> None:
        """A pool's result, and what it did to other pools (an agent working in
        several: the shared ledger), each to its own pool's partition."""
        out.add(partition, result)
        for pool, part in result.others:
            out.add(self.partition_of.get(pool, partition), part)

    def pools_of(self, partition: int) -> list[str]:
        return [pool for pool, p in self.partition_of.items() if p == partition]

    async def adopt(
        self, partition: int, latest: dict[str, Record], now: float, out: BatchResult
    ) -> None:
        """Take over a partition: rebuild each of its pools from the changelog,
        yielding the loop between pools (heartbeats run on it: a takeover of many
        big pools is otherwise one long stall)."""
        for pool, records in group_records(latest.items()).items():
            await asyncio.sleep(0)
            self.partition_of[pool] = partition
            result = self.stage.restore(pool, records, now)
            self._add(out, partition, result)
            _trace(pool, "restore", result)
            log.info(
                "restored pool with %d contacts and %d agents",
                len(records[0]),
                len(records[1]),
                extra={"pool": pool, "stage": "assigner"},
            )

    def drop(self, partition: int) -> None:
        """The partition went elsewhere: its pools are not ours to act on any more."""
        for pool in self.pools_of(partition):
            del self.partition_of[pool]
            self.stage.forget(pool)

    async def apply_batch(
        self, records: Sequence[InboundRecord], now: float, out: BatchResult
    ) -> None:
        """Apply each input in order, adding to ``out`` (which may already hold this
        batch's earlier writes: a rebuild overlays them on the changelog)."""
        stage = self.stage
        tracing = trace.isEnabledFor(logging.INFO)
        # The key decides the partition, and so the owner and the pool in memory: a
        # key that is not the pool the body names would make a pool the contract
        # forbids, whose every tick and output then fails (`omniroute fuzz`: 1,800
        # failed ticks from keys such as "" and "OMN"), hence key_required.
        decoded = decode_batch(
            records,
            AssignerInputAdapter,
            max_bytes=self.max_input_bytes,
            stage="assigner",
            now=to_datetime(now),
            key_of=_pool_of,
            key_required=True,
        )
        out.dead_letters += decoded.dead_letters
        for record, message in decoded.events:
            pool = message.pool
            if pool is None:  # a decision for no agent queue, keyed b"" to match ""
                reason, detail = DeadLetterReason.KEY_MISMATCH, "the body names no pool"
                self._dead_letter(out, record, reason, detail, now)
                continue
            try:
                result = stage.apply(pool, message, now)
            except Exception as error:
                log.exception("assigner failed on an input", extra={"pool": pool})
                self._dead_letter(out, record, DeadLetterReason.PROCESSING_ERROR, repr(error), now)
                await self.rebuild(record.partition, pool, out, now)
                continue
            self.partition_of[pool] = record.partition
            self._add(out, record.partition, result)
            if isinstance(message, AgentLoggedIn) and message.pools:
                self._check_placement(pool, message)
            if tracing:
                _trace(pool, message.id, result)

    def _check_placement(self, pool: str, login: AgentLoggedIn) -> None:
        """An agent in pools that other workers own holds a capacity ledger in each
        worker: they may be offered more than their capacity across them. Counted and
        logged, so an operator sees it (docs/sdk.md: pools that share agents share an
        assigner worker)."""
        elsewhere = sorted({p for p in login.pools if p != pool and not self.owns(p)})
        if elsewhere:
            self.stage.metrics.pools_elsewhere.labels(pool).inc()
            log.warning(
                "agent logged into pools another assigner worker owns: %s",
                ", ".join(elsewhere),
                extra={"pool": pool, "agent_id": login.agent_id, "stage": "assigner"},
            )

    async def rebuild(self, partition: int, pool: str, out: BatchResult, now: float) -> None:
        """Replace the pool in memory with the one its persisted records describe."""
        latest = await self._persisted(partition)
        prefix = f"{pool}|"
        for key, (_, record) in out.writes.items():
            if key.startswith(prefix):
                if record is None:
                    latest.pop(key, None)
                else:
                    latest[key] = record
        mine = [(key, record) for key, record in latest.items() if key.startswith(prefix)]
        records = group_records(mine).get(pool, ([], [], []))
        self.stage.forget(pool)
        if records == ([], [], []) and pool not in self.partition_of:
            return  # a pool that never applied an input cleanly: nothing to rebuild
        self.partition_of[pool] = partition
        result = self.stage.restore(pool, records, now)
        self._add(out, partition, result)
        _trace(pool, "rebuild", result)
        log.warning("rebuilt pool from its changelog", extra={"pool": pool, "stage": "assigner"})

    async def ticks(self, now: float, out: BatchResult, *, publish_load: bool) -> None:
        """Time passing for every owned pool: the periodic tick (offers time out, load
        and estimates published) or only the pools whose own timer is due."""
        for pool, partition in list(self.partition_of.items()):
            try:
                if publish_load:
                    tick = PoolTick(
                        id=f"tick:{pool}:{now:.6f}",
                        source="/omniroute/assigner",
                        pool=pool,
                        now=to_datetime(now),
                    )
                    result = self.stage.apply(pool, tick, now)
                else:
                    due = self.stage.pools[pool].next_timer() if pool in self.stage.pools else None
                    if due is None or due > now:
                        continue
                    result = self.stage.timer(pool, now)
            except Exception:
                log.exception("assigner failed on a tick", extra={"pool": pool})
                await self.rebuild(partition, pool, out, now)
                continue
            self._add(out, partition, result)

    def next_timer(self) -> float | None:
        moments = [
            due
            for pool in self.partition_of
            if (p := self.stage.pools.get(pool)) is not None and (due := p.next_timer()) is not None
        ]
        return min(moments) if moments else None

    def _dead_letter(
        self,
        out: BatchResult,
        record: InboundRecord,
        reason: DeadLetterReason,
        detail: str,
        now: float,
    ) -> None:
        """Stamped with the batch's time, as everything else this batch writes."""
        out.dead_letters.append(
            dead_letter_for(record, reason, detail[:500], stage="assigner", now=to_datetime(now))
        )


_TRACED = {
    "omniroute.offer": "offered",
    "omniroute.offer.assigned": "assigned",
    "omniroute.offer.revoked": "revoked",
}


def _trace(pool: str, cause_id: str, result: StageResult) -> None:
    """One line per offer, assignment and revocation: ids only, never the customer.
    A takeover's catch-up (offers expired while nobody owned the pool, new matches)
    is traced with the cause ``restore`` or ``rebuild``."""
    if not trace.isEnabledFor(logging.INFO):
        return
    for name, _, value in result.outbound:
        if name != ASSIGNMENTS:
            continue
        message = json.loads(value)
        what = _TRACED.get(message["type"])
        if what is not None:
            trace.info(
                what,
                extra={
                    "stage": "assigner",
                    "pool": pool,
                    "event_id": cause_id,
                    "interaction_id": message["interaction_id"],
                    "offer_id": message["offer_id"],
                    "agent_id": message["agent_id"],
                },
            )
