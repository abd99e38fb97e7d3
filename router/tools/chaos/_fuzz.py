"""``omniroute fuzz``: hostile records through live workers. Each record's broker
position is kept, so its fate is known exactly: a dead letter naming that position
(with a reason), accepted because the contract model accepts it, or silently dropped
(a finding). Good contacts sent between the hostile ones must all be decided and
offered, and no worker may stop."""

from __future__ import annotations

import contextlib
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from omniroute.router.stages.assignment import rekey_group
from omniroute.router.tools.harness import (
    AgentFloor,
    TrafficGenerator,
    committed_offsets,
    floor_agents,
    seed_customers,
)
from omniroute.schemas import topic, utc_now

from ._books import BookReport, Ledger
from ._fleet import Fleet, FleetOptions
from ._hostile import Hostile, hostile_records, schema_documents
from ._under_load import closing_books

__all__ = ["FuzzOptions", "FuzzResult", "run_fuzz"]

INTERACTIONS = "omniroute.interactions"
FUZZED_TOPICS = (INTERACTIONS, "omniroute.agent-events", "omniroute.assigner-input")


@dataclass(frozen=True, slots=True)
class FuzzOptions:
    interactions: int = 100_000
    agent_events: int = 20_000
    assigner_inputs: int = 20_000
    good_every: int = 50
    corpus: int = 300
    huge: tuple[int, ...] = (900 * 1024, 10 * 1024 * 1024)
    state_dir: Path = Path(".omniroute/fuzz")
    timeout: float = 600.0
    seed: int = 7


@dataclass(slots=True)
class FuzzResult:
    run_id: str
    sent: Counter[str] = field(default_factory=Counter)
    refused_by_broker: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    dead_by_reason: Counter[str] = field(default_factory=Counter)
    good: BookReport = field(default_factory=BookReport)
    unhealthy_workers: list[str] = field(default_factory=list)
    crashed_workers: list[str] = field(default_factory=list)
    silently_dropped_examples: list[str] = field(default_factory=list)

    @property
    def silently_dropped(self) -> int:
        return sum(c["silently_dropped"] for c in self.outcomes.values())

    @property
    def ok(self) -> bool:
        return (
            self.silently_dropped == 0
            and self.good.violations == 0
            and not self.unhealthy_workers
            and not self.crashed_workers
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "ok": self.ok,
            "hostile_sent": dict(self.sent),
            "refused_by_broker": dict(self.refused_by_broker),
            "dead_lettered_by_reason": dict(self.dead_by_reason),
            "outcomes_by_mutation": {k: dict(v) for k, v in sorted(self.outcomes.items())},
            "silently_dropped": self.silently_dropped,
            "silently_dropped_examples": self.silently_dropped_examples,
            "good_contacts": self.good.as_dict(),
            "unhealthy_workers": self.unhealthy_workers,
            "crashed_workers": self.crashed_workers,
            "worker_restarts": 0,
        }


@dataclass(slots=True)
class _Sent:
    topic: str
    record: Hostile
    future: object


def run_fuzz(options: FuzzOptions) -> FuzzResult:
    run_id = f"fuzz{uuid.uuid4().hex[:8]}"
    fleet = Fleet(
        FleetOptions(state_dir=options.state_dir / run_id, routers=1, assigners=1, partitions=3)
    )
    result = FuzzResult(run_id)
    ledger: Ledger | None = None
    floor: AgentFloor | None = None
    # Every hostile record is drawn before any Kafka client starts: kafka-python's
    # I/O threads draw from the global ``random`` (reconnect jitter), and Hypothesis
    # refuses a draw during which the global random state changed.
    batches = _hostile_batches(options)
    try:
        fleet.start()
        seed_customers(fleet.settings, 500)
        ledger = Ledger(fleet.bootstrap, run_id).start()
        floor = AgentFloor(
            fleet.bootstrap, floor_agents(20, run_id), reject_share=0.0, ready_after_pause=1.0
        ).start()
        sent = _send_all(fleet.bootstrap, ledger, batches, options, run_id)
        _wait(fleet, ledger, sent, options.timeout)
        _account(result, ledger, sent)
        result.good = closing_books(fleet, ledger)
        result.unhealthy_workers = _unhealthy(fleet)
        result.crashed_workers = fleet.crashed()
    finally:
        if floor is not None:
            floor.stop()
        if ledger is not None:
            ledger.stop()
        fleet.close()
    return result


def _hostile_batches(options: FuzzOptions) -> dict[str, Iterator[Hostile]]:
    counts = {
        INTERACTIONS: options.interactions,
        "omniroute.agent-events": options.agent_events,
        "omniroute.assigner-input": options.assigner_inputs,
    }
    # Lazy: a 100k-record run never holds its records (or a 10 MB one) at once.
    return {
        name: hostile_records(
            schema_documents(name, options.corpus, options.seed),
            count,
            seed=options.seed,
            huge=options.huge if name == INTERACTIONS else (),
        )
        for name, count in counts.items()
        if count > 0
    }


def _send_all(
    bootstrap: str,
    ledger: Ledger,
    batches: dict[str, Iterator[Hostile]],
    options: FuzzOptions,
    run_id: str,
) -> list[_Sent]:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        batch_size=512 * 1024,
        max_request_size=12 * 1024 * 1024,
        acks=1,
    )
    good = TrafficGenerator(500, seed=options.seed, bad_share=0.0, run_id=run_id)
    sent: list[_Sent] = []
    try:
        for name, records in batches.items():
            for n, record in enumerate(records):
                try:
                    future = producer.send(name, key=record.key, value=record.value)
                except KafkaError as error:
                    future = error
                sent.append(_Sent(name, record, future))
                if n % options.good_every == 0:
                    event = good.arrival(utc_now())
                    ledger.sent_arrival(event.event_id[3:], event.event_id, time.time())
                    producer.send(INTERACTIONS, key=event.key, value=event.value)
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)
    return sent


def _wait(fleet: Fleet, ledger: Ledger, sent: list[_Sent], timeout: float) -> None:
    """Until every good contact is settled and every hostile record's fate is in the
    books: the group that reads its topic has committed past it (a worker commits a
    batch only after its outputs and dead letters are acked) and the books' reader
    has caught up. Failing that (a held partition, a group that never commits), until
    the dead letters have stopped coming for 10 s."""
    deadline = time.monotonic() + timeout
    ends = _sent_ends(sent)
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(ledger.dead_positions)
        if now != last:
            last, quiet_since = now, time.monotonic()
        if ledger.settled(time.time()):
            if time.monotonic() - quiet_since > 10:
                return
            if _committed_past(fleet, ends) and ledger.catch_up(timeout=30):
                return
        time.sleep(0.5)


def _sent_ends(sent: list[_Sent]) -> dict[TopicPartition, int]:
    """The offset after the last hostile record the broker took, per partition."""
    ends: dict[TopicPartition, int] = {}
    for item in sent:
        try:
            metadata = item.future.get(timeout=0)  # type: ignore[attr-defined]
        except (KafkaError, AttributeError):
            continue
        tp = TopicPartition(item.topic, metadata.partition)
        ends[tp] = max(ends.get(tp, 0), metadata.offset + 1)
    return ends


def _committed_past(fleet: Fleet, ends: dict[TopicPartition, int]) -> bool:
    """Whether the group reading each fuzzed topic has committed up to ``ends``.
    The groups are named here because the embedded broker lists none (ListGroups
    answers empty)."""
    app = fleet.settings.assigner.app_id
    readers = {
        INTERACTIONS: fleet.settings.router.group_id,
        "omniroute.agent-events": rekey_group(app),
        "omniroute.assigner-input": app,
    }
    specs: dict[str, list[TopicPartition]] = {}
    for tp in ends:
        specs.setdefault(readers[tp.topic], []).append(tp)
    for group, partitions in specs.items():
        committed = committed_offsets(fleet.bootstrap, group, partitions)
        if any(committed.get(tp, -1) < ends[tp] for tp in partitions):
            return False
    return True


def _account(result: FuzzResult, ledger: Ledger, sent: list[_Sent]) -> None:
    for item in sent:
        mutation = item.record.mutation
        result.sent[item.topic] += 1
        try:
            metadata = item.future.get(timeout=0)  # type: ignore[attr-defined]
        except (KafkaError, AttributeError):
            result.refused_by_broker[mutation] += 1
            result.outcomes[mutation]["refused_by_broker"] += 1
            continue
        reason = ledger.dead_positions.get((item.topic, metadata.partition, metadata.offset))
        if reason is not None:
            result.dead_by_reason[reason] += 1
            result.outcomes[mutation][f"dead_letter:{reason}"] += 1
        elif _model_accepts(item.topic, item.record.value):
            result.outcomes[mutation]["accepted_valid"] += 1
        else:
            result.outcomes[mutation]["silently_dropped"] += 1
            if len(result.silently_dropped_examples) < 10:
                preview = (item.record.value or b"<null>")[:120]
                result.silently_dropped_examples.append(
                    f"{item.topic}[{metadata.partition}]@{metadata.offset} {mutation}: {preview!r}"
                )


def _model_accepts(name: str, value: bytes | None) -> bool:
    if value is None:
        return False
    try:
        topic(name).adapter.validate_json(value)
    except ValueError:
        return False
    return True


def _unhealthy(fleet: Fleet) -> list[str]:
    bad = []
    for worker in fleet.all_workers():
        url = f"http://127.0.0.1:{worker.settings.metrics_port}/healthz"
        status = 0
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=2) as response,
        ):
            status = response.status
        if status != 200:
            bad.append(f"{worker.kind} {worker.log_path.name}: /healthz {status or 'down'}")
    return bad
