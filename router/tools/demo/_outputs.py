"""Reading what the router produced for one run: decisions and dead letters, told
apart from other runs by the run id every simulated event carries."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from omniroute.schemas import topic

__all__ = ["OutputCollector", "RunOutputs"]

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


class OutputCollector:
    """A background reader of both output topics from their beginning."""

    def __init__(
        self,
        bootstrap_servers: str,
        run_id: str,
        sent_at: dict[str, float],
    ) -> None:
        self._run = run_id
        self._marker = run_id.encode()
        self._sent_at = sent_at
        self.outputs = RunOutputs()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
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
        if self._marker not in base64.b64decode(letter["original_value_b64"]):
            return
        self.outputs.dead_by_reason[letter["reason"]] += 1
