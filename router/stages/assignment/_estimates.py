"""Wait estimates: each queue's published once per period at its own phase, and
encoded in bulk.

Every queued contact gets its position and estimated wait once per
``wait_estimate_every_seconds`` (an IVR announces it, a web page shows it). Done for
a whole pool in one tick, 100k queued contacts cost ~3.4 s of the worker's one core
(measured: the per-queue sort 0.56 s, validating a model per contact 2.2 s,
serialising 0.6 s), then 100k records to produce. The assigner offers nothing
meanwhile: that was ``omniroute bench``'s agent-ready -> offer p99 of 3.6 s.

So each (pool, queue) comes due at a phase of the period fixed by a hash of its
name, and a tick computes only the queues due: a pool's queues spread over the
period instead of all landing on one tick. One queue can still hold 100k contacts
(the bench's does): ranking it took 0.5 s and encoding and producing its
estimates ~3 s more, one step the bench's offer latencies caught now and then
(p99 of 2.8 and 3.0 s in two runs of five). So a due queue becomes a
``QueueTurn`` in an ``EstimateBacklog``, ranked in chunks and published a slice a
tick, as fast as the pool's size needs to finish well within the period.

The messages are written from a template, field for field what
``WaitEstimate.model_dump_json`` writes (the test holds every encoded value to the
model's own), with the event ids cut from one ``os.urandom`` call: ``uuid4`` alone
took 6.5 us a message.
"""

from __future__ import annotations

import math
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring_ascii

from pydantic import AwareDatetime, TypeAdapter

from omniroute.agents import WAIT_CEILING_SECONDS, ContactWait, QueueTurn
from omniroute.schemas import WaitEstimate

__all__ = ["EstimateBacklog", "EstimateRotation", "EstimateSlice", "encode_wait_estimates"]

_TIME = TypeAdapter(AwareDatetime)
_string = encode_basestring_ascii
"""A JSON string literal, as ``json.dumps`` writes one (the C encoder, no call overhead)."""
_TYPE = WaitEstimate.model_fields["type"].default
_SCHEMA_VERSION = WaitEstimate.model_fields["schema_version"].default
_SPEC_VERSION = WaitEstimate.model_fields["specversion"].default


class EstimateRotation:
    """When each queue of each pool is due: once per ``period`` seconds, at a phase
    of the period fixed by a hash of ``pool/queue`` (stable across restarts, so a
    takeover keeps the rhythm)."""

    def __init__(self, period: float) -> None:
        self._period = period
        self._next: dict[tuple[str, str], float] = {}

    def due(self, pool: str, queues: Iterable[str], now: float) -> set[str]:
        """The queues of ``pool`` whose turn has come by ``now``; a queue seen for the
        first time comes due at its next phase, within one period."""
        period, due = self._period, set()
        for queue in queues:
            key = (pool, queue)
            at = self._next.get(key)
            if at is None:
                phase = zlib.crc32(f"{pool}/{queue}".encode()) / 2**32 * period
                at = now - (now % period) + phase
                if at < now:
                    at += period
                self._next[key] = at
            if at <= now:
                due.add(queue)
                while at <= now:
                    at += period
                self._next[key] = at
        return due

    def forget(self, pool: str) -> None:
        for key in [key for key in self._next if key[0] == pool]:
            del self._next[key]


@dataclass(frozen=True, slots=True)
class EstimateSlice:
    """Estimates of one turn, to publish stamped with the time they are as of."""

    at: float
    waits: list[ContactWait]


class EstimateBacklog:
    """Queue turns (``Pool.queue_turns``) worked out and published a slice a tick.

    A tick publishes ``max(floor, ceil(queued * 2 * tick / period))`` estimates,
    so in a steady state a period's turns are out within half the period, and
    ranks up to four times that many contacts first (an order key costs about a
    fifteenth of a published estimate). A pool of fewer than ``floor`` queued
    contacts publishes each turn whole on its tick. Each estimate is stamped with
    its turn's time (an estimate as of then, seconds old at most), and one whose
    contact left the queue meanwhile (offered, abandoned) is not announced."""

    def __init__(self, period: float, tick: float, *, floor: int = 2000) -> None:
        self._share = 2 * tick / period
        self._floor = floor
        self._pending: dict[str, deque[QueueTurn]] = {}

    def add(self, pool: str, turns: Iterable[QueueTurn]) -> None:
        queue = self._pending.setdefault(pool, deque())
        queue.extend(turns)
        if not queue:
            del self._pending[pool]

    def pending(self, pool: str) -> int:
        """Estimates of ``pool`` not published yet."""
        return sum(turn.remaining for turn in self._pending.get(pool, ()))

    def take(
        self, pool: str, queued: int, still_queued: Callable[[str], bool]
    ) -> list[EstimateSlice]:
        """This tick's slice of ``pool``'s backlog (``queued``: contacts now queued
        in the pool), oldest turn first, without the contacts no longer queued."""
        pending = self._pending.get(pool)
        if not pending:
            return []
        budget = max(self._floor, math.ceil(queued * self._share))
        keys = 4 * budget
        taken: list[EstimateSlice] = []
        while pending and budget > 0:
            turn = pending[0]
            if not turn.ranked:
                keys -= turn.rank(keys)
                if not turn.ranked:
                    break
            waits = turn.take(budget)
            budget -= len(waits)
            if not turn.remaining:
                pending.popleft()
            kept = [wait for wait in waits if still_queued(wait.interaction_id)]
            if kept:
                taken.append(EstimateSlice(turn.at, kept))
        if not pending:
            del self._pending[pool]
        return taken

    def forget(self, pool: str | None = None) -> None:
        """Drop ``pool``'s backlog, or every pool's (its owner changed)."""
        if pool is None:
            self._pending.clear()
        else:
            self._pending.pop(pool, None)


def _event_ids(count: int) -> list[str]:
    """``count`` random version-4 UUIDs, as ``str(uuid.uuid4())`` writes them, from one
    system call (``uuid4`` makes one per id, and a ``UUID`` object)."""
    digits = os.urandom(16 * count).hex()
    variant = "89ab89ab89ab89ab"  # the top two bits of the clock-sequence byte: 10
    return [
        f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-{variant[int(h[16], 16)]}{h[17:20]}-{h[20:32]}"
        for h in (digits[i : i + 32] for i in range(0, 32 * count, 32))
    ]


def encode_wait_estimates(waits: Sequence[ContactWait], source: str, at: datetime) -> list[bytes]:
    """One ``WaitEstimate`` JSON value per wait, stamped ``at``; an unknown wait
    (nobody serves the queue) is published as the ceiling, as ``wait_estimate_message``
    does."""
    head = f'{{"specversion":"{_SPEC_VERSION}","id":"'
    middle = (
        f'","source":{_string(source)},"time":{_TIME.dump_json(at).decode()},'
        f'"schema_version":{_SCHEMA_VERSION},"type":"{_TYPE}","interaction_id":'
    )
    ceiling = WAIT_CEILING_SECONDS
    string = _string
    return [
        (
            f"{head}{event_id}{middle}{string(wait.interaction_id)},"
            f'"customer_id":{string(wait.customer_id)},"queue":{string(wait.queue)},'
            f'"position":{int(wait.position)},'
            f'"estimated_wait_seconds":{float(min(wait.estimated_wait_seconds, ceiling))!r}}}'
        ).encode()
        for event_id, wait in zip(_event_ids(len(waits)), waits, strict=True)
    ]
