"""Partitions held at a record whose dead letter the broker refuses.

A dead letter is the only trace a bad record leaves; skipping the record when even
the minimal dead letter is refused loses input without a trace a replay could
find. So the partition is held instead, as a trusted stream processor does: it is
paused (nothing more is fetched from it), its committed offset stays at the
refused record, and the dead letter is retried with capped exponential backoff
(an error log line each retry, ``omniroute_dead_letter_blocked{stage,topic,partition}``
at 1 meanwhile) until the broker takes it. Then the offsets the partition reached
meanwhile are committed and it is resumed. Other partitions keep going: a refusal
is usually the dead-letter topic's (deleted, ACL, a schema, a full disk), and
stopping the whole worker would turn one refusal into an outage of every partition.
Both loops hold this way: the ``BatchLoop`` (router, the assigner's re-key) and the
assigner's own loop.

Records of the held partition that were already fetched when it was paused (the
batch after it, handled while the first one's acks were in flight) are processed;
their offsets are only committed once the dead letter is in, so a restart re-reads
them (at least once: their outputs carry the same ids).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from ._metrics import WorkerMetrics
from ._poison import DeadLetterProducer, letter_position

__all__ = ["HeldPartitions", "retry_delay"]

log = logging.getLogger("omniroute.poison")

FIRST_RETRY_SECONDS = 0.5
LONGEST_RETRY_SECONDS = 30.0

Letter = tuple[bytes | None, bytes]
"""(key, value) of one dead letter."""
Commit = Callable[[dict[TopicPartition, int]], Awaitable[None]]


def retry_delay(
    attempt: int, *, first: float = FIRST_RETRY_SECONDS, cap: float = LONGEST_RETRY_SECONDS
) -> float:
    """Seconds before retry ``attempt`` (1-based): ``first``, doubling, at most ``cap``.

    Capped so a dead-letter topic fixed after an hour is noticed within ``cap``
    seconds, and exponential so a broker that refuses is not hammered meanwhile."""
    return min(cap, first * 2.0 ** min(max(0, attempt - 1), 64))  # 2**1024 overflows a float


@dataclass(slots=True)
class _Held:
    letters: deque[Letter]
    commit: int
    """The offset to commit once every letter is written: the furthest processed."""
    refusal: str = "refused"
    """The broker's last answer, for the log line of each retry."""
    task: asyncio.Task[None] | None = None
    attempts: int = 0


class HeldPartitions:
    """The partitions a batch loop holds, each with its refused dead letters in order."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        letters: DeadLetterProducer,
        *,
        stage: str,
        metrics: WorkerMetrics,
        first_retry: float = FIRST_RETRY_SECONDS,
        longest_retry: float = LONGEST_RETRY_SECONDS,
    ) -> None:
        self._first_retry = first_retry
        self._longest_retry = longest_retry
        self._consumer = consumer
        self._letters = letters
        self._stage = stage
        self._metrics = metrics
        self._held: dict[TopicPartition, _Held] = {}
        self._refusals: dict[TopicPartition, str] = {}  # from send() to hold()
        metrics.dead_letter_retries.labels(stage)  # at zero from the start
        self._exported: set[TopicPartition] = set()

    def __bool__(self) -> bool:
        return bool(self._held)

    def __contains__(self, tp: object) -> bool:
        return tp in self._held

    async def send(self, letters: Iterable[Letter]) -> dict[TopicPartition, list[Letter]]:
        """Send each dead letter (whole, else minimal) unless its partition is held;
        returns, by input partition, the letters that must wait: refused ones, and
        every letter of a partition already held (so one partition's stay in order)."""
        waiting: dict[TopicPartition, list[Letter]] = {}
        trying: list[tuple[TopicPartition, Letter]] = []
        for key, value in letters:
            tp, _ = letter_position(value)
            if tp in self._held:
                waiting.setdefault(tp, []).append((key, value))
            else:
                trying.append((tp, (key, value)))
        refusals = await asyncio.gather(*(self._letters.send(*letter) for _, letter in trying))
        for (tp, letter), refusal in zip(trying, refusals, strict=True):
            if refusal is not None:
                waiting.setdefault(tp, []).append(letter)
                self._refusals[tp] = _describe(refusal)
        return waiting

    def withhold(
        self, offsets: dict[TopicPartition, int], waiting: dict[TopicPartition, list[Letter]]
    ) -> dict[TopicPartition, int]:
        """What of a batch's ``offsets`` may be committed, after ``send`` answered
        ``waiting``: a partition held before keeps its offset for the release; one
        newly held is committed up to its first refused record (the records before it
        are done) and holds the rest."""
        allowed = dict(offsets)
        for tp in {tp for tp in allowed if tp in self._held} | set(waiting):
            newly = tp not in self._held
            self.hold(tp, waiting.get(tp, ()), allowed.pop(tp, -1))
            if newly:
                allowed[tp] = min(letter_position(value)[1] for _, value in waiting[tp])
        return allowed

    def hold(self, tp: TopicPartition, letters: Iterable[Letter], commit: int) -> None:
        """Hold ``tp`` (pause it, retry its letters) with ``commit`` its offset once they
        are written; for a partition already held, queue the letters behind its own."""
        held = self._held.get(tp)
        if held is None:
            refusal = self._refusals.pop(tp, "refused")
            held = self._held[tp] = _Held(deque(), commit, refusal)
            if tp in self._consumer.assignment():
                self._consumer.pause(tp)
            self._show(tp, 1)
        held.letters.extend(letters)
        held.commit = max(held.commit, commit)
        if held.letters and (held.task is None or held.task.done()):
            held.task = asyncio.create_task(self._retry(tp, held))

    async def release(self, commit: Commit) -> None:
        """Resume the partitions whose letters are all written, committing how far each
        got; forget those a rebalance took (their next owner starts at the commit)."""
        assigned = self._consumer.assignment()
        for tp, held in list(self._held.items()):
            if tp not in assigned:
                self._forget(tp, held)
                log.warning(
                    "%s/%d moved in a rebalance while held; its next owner retries",
                    tp.topic,
                    tp.partition,
                    extra={"stage": self._stage},
                )
            elif held.letters or held.task is None or not held.task.done():
                if tp not in self._consumer.paused():  # re-assigned: paused anew
                    self._consumer.pause(tp)
            else:
                self._forget(tp, held)
                await commit({tp: held.commit})
                self._consumer.resume(tp)
                log.warning(
                    "%s/%d resumed: its dead letters are written; committed %d",
                    tp.topic,
                    tp.partition,
                    held.commit,
                    extra={"stage": self._stage},
                )

    def export_clear(self) -> None:
        """Each newly assigned partition that is not held reads 0: the gauge then has a
        series from the start, so "clear" is a value an alert and a dashboard can
        read, not an absent series that also means "not exported"."""
        assigned = self._consumer.assignment()
        for tp in assigned - self._exported:
            if tp not in self._held:
                self._show(tp, 0)
        self._exported = set(assigned)

    def _show(self, tp: TopicPartition, blocked: int) -> None:
        """``omniroute_dead_letter_blocked`` of ``tp``: 1 while held, 0 when clear."""
        self._metrics.dead_letter_blocked.labels(self._stage, tp.topic, str(tp.partition)).set(
            blocked
        )

    def close(self) -> None:
        for tp, held in list(self._held.items()):
            self._forget(tp, held)

    def _forget(self, tp: TopicPartition, held: _Held) -> None:
        del self._held[tp]
        if held.task is not None:
            held.task.cancel()
        self._show(tp, 0)

    async def _retry(self, tp: TopicPartition, held: _Held) -> None:
        while held.letters:
            key, value = held.letters[0]
            held.attempts += 1
            delay = retry_delay(held.attempts, first=self._first_retry, cap=self._longest_retry)
            _, offset = letter_position(value)
            log.error(
                "holding %s/%d at offset %d: its dead letter was refused (%s); retry %d in %.1f s",
                tp.topic,
                tp.partition,
                offset,
                held.refusal,
                held.attempts,
                delay,
                extra={"stage": self._stage},
            )
            await asyncio.sleep(delay)
            self._metrics.dead_letter_retries.labels(self._stage).inc()
            try:
                refusal = await self._letters.send(key, value)
            except KafkaError as error:  # send() answers refusals; this is belt and braces
                refusal = error
            if refusal is None:
                held.letters.popleft()
                held.attempts = 0
            else:
                held.refusal = _describe(refusal)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
