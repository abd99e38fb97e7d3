"""Reading what the router produced for one run: decisions and dead letters, told
apart from other runs by the run id every simulated event carries."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from omniroute.schemas import topic

__all__ = ["OutputCollector", "RunOutputs", "SentDigests"]

DECISIONS = topic("omniroute.decisions").name
DEADLETTER = topic("omniroute.deadletter").name


@dataclass(slots=True)
class RunOutputs:
    by_channel_target: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_queue: Counter[str] = field(default_factory=Counter)
    dead_by_reason: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    decision_ids: set[str] = field(default_factory=set)
    duplicates: int = 0
    first_decision_at: float | None = None
    raw_decisions: list[bytes] = field(default_factory=list)

    @property
    def decisions(self) -> int:
        return sum(self.by_channel_target.values())

    @property
    def dead_letters(self) -> int:
        return sum(self.dead_by_reason.values())


class SentDigests:
    """The SHA-256 of every event a run sent, to recognise its dead letters written
    without the original (past the router's dead-letter budget: all malformed demo
    events share one key, so most of them at 1,000 events/s). ``sent`` grows while
    the run does; what was added since the last miss is hashed on the next one, so
    a run with no such letter hashes nothing."""

    def __init__(self, sent: Sequence[bytes]) -> None:
        self._sent = sent
        self._digests: set[str] = set()
        self._hashed = 0

    def __contains__(self, sha256: object) -> bool:
        if not isinstance(sha256, str):
            return False
        if sha256 not in self._digests:
            new, self._hashed = self._sent[self._hashed :], len(self._sent)
            self._digests.update(hashlib.sha256(raw).hexdigest() for raw in new)
        return sha256 in self._digests


class OutputCollector:
    """A background reader of both output topics from their beginning."""

    def __init__(
        self,
        bootstrap_servers: str,
        run_id: str,
        sent_at: dict[str, float],
        sent: Sequence[bytes] = (),
    ) -> None:
        """``sent``: the run's events as published, growing while it runs: a dead
        letter without its original is the run's when its SHA-256 is one of theirs."""
        self._run = run_id
        self._sent = SentDigests(sent)
        self._marker = run_id.encode()
        self._sent_at = sent_at
        self.outputs = RunOutputs()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
        )
        partitions = [
            TopicPartition(name, p)
            for name in (DECISIONS, DEADLETTER)
            for p in sorted(self._consumer.partitions_for_topic(name) or ())
        ]
        self._consumer.assign(partitions)
        self._consumer.seek_to_beginning(*partitions)
        self._thread = threading.Thread(target=self._run_loop, name="collector", daemon=True)

    def start(self) -> OutputCollector:
        self._thread.start()
        return self

    def stop(self) -> RunOutputs:
        self._stop.set()
        self._thread.join(timeout=5)
        self._consumer.close()
        return self.outputs

    def wait_for(self, decisions: int, dead_letters: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if (
                    self.outputs.decisions >= decisions
                    and self.outputs.dead_letters >= dead_letters
                ):
                    return True
            time.sleep(0.1)
        return False

    def _run_loop(self) -> None:
        while not self._stop.is_set():
            for messages in self._consumer.poll(timeout_ms=200, max_records=5000).values():
                with self._lock:
                    for message in messages:
                        if message.topic == DECISIONS:
                            self._decision(message.value, message.timestamp)
                        else:
                            self._dead_letter(message.value)

    def _decision(self, value: bytes, timestamp_ms: int) -> None:
        if self._marker not in value:
            return
        decision = json.loads(value)
        if not decision["interaction_id"].startswith(self._run):
            return
        out = self.outputs
        if decision["id"] in out.decision_ids:
            out.duplicates += 1
            return
        out.decision_ids.add(decision["id"])
        out.raw_decisions.append(value)
        out.by_channel_target[(decision["channel"], decision["target"])] += 1
        out.by_queue[decision["queue"] or "-"] += 1
        sent = self._sent_at.get(decision["cause_id"])
        if sent is not None:
            out.latencies.append(max(0.0, timestamp_ms / 1000 - sent))
        if out.first_decision_at is None:
            out.first_decision_at = time.time()

    def _dead_letter(self, value: bytes) -> None:
        letter = json.loads(value)
        original = base64.b64decode(letter["original_value_b64"])
        if self._marker in original or (
            not original and letter.get("original_sha256") in self._sent
        ):
            self.outputs.dead_by_reason[letter["reason"]] += 1
