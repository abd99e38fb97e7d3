"""``omniroute replay``: recorded contacts through another policy, with the exact
production routing function, compared with what was decided at the time.

The customer's record is taken from the recorded decision (its customer context:
profile and recent contacts as the router saw them), the time from the decision's
time, so the new policy sees what the old one saw. Pool load is not recorded with
a decision: replay runs with none (offers count as "busy") unless given one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from omniroute.router.core import CustomerRecord, RoutingPolicy
from omniroute.router.policy import ReplayReport, compare
from omniroute.schemas import (
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    InteractionEventAdapter,
    PoolLoad,
    RoutingDecision,
)

__all__ = ["ReplayInput", "load_inputs", "read_source", "replay"]


@dataclass(frozen=True, slots=True)
class ReplayInput:
    events: dict[str, InteractionArrived | InteractionEscalated]  # by event id
    decisions: list[RoutingDecision]
    skipped: int


def _topic_lines(
    bootstrap: str, topic: str, kafka_config: Mapping[str, Any] | None = None
) -> Iterator[bytes]:
    """Every record of a topic up to the fetch high watermark seen when reading
    starts (never end_offsets(), which the embedded broker answers wrongly)."""
    consumer = KafkaConsumer(
        **({"bootstrap_servers": bootstrap} | dict(kafka_config or {})), enable_auto_commit=False
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        done: set[int] = set()
        idle = 0
        while len(done) < len(tps) and idle < 20:
            batches = consumer.poll(timeout_ms=250, max_records=10_000)
            idle = 0 if batches else idle + 1
            for records in batches.values():
                yield from (r.value for r in records if r.value)
            for tp in tps:
                high = consumer.highwater(tp)
                if high is not None and consumer.position(tp) >= high:
                    done.add(tp.partition)
    finally:
        consumer.close()


def read_source(
    source: str, bootstrap: str, kafka_config: Mapping[str, Any] | None = None
) -> Iterator[bytes]:
    """``kafka_config``: kafka-python options (security) for a ``topic:`` source."""
    """A JSON-lines file, or ``topic:NAME`` read from the broker."""
    if source.startswith("topic:"):
        yield from _topic_lines(bootstrap, source.removeprefix("topic:"), kafka_config)
        return
    with Path(source).open("rb") as lines:
        yield from (line.strip() for line in lines if line.strip())


def load_inputs(events: Iterator[bytes], decisions: Iterator[bytes]) -> ReplayInput:
    by_id: dict[str, InteractionArrived | InteractionEscalated] = {}
    skipped = 0
    for raw in events:
        try:
            event = InteractionEventAdapter.validate_json(raw)
        except ValidationError:
            skipped += 1  # what was dead-lettered then is not replayed
            continue
        if isinstance(event, InteractionArrived | InteractionEscalated):
            by_id[event.id] = event
    recorded = []
    for raw in decisions:
        try:
            recorded.append(RoutingDecision.model_validate_json(raw))
        except ValidationError:
            skipped += 1
    return ReplayInput(by_id, recorded, skipped)


def _customer(decision: RoutingDecision) -> CustomerRecord:
    context = decision.customer
    profile = (
        CustomerProfile(
            customer_id=context.customer_id,
            name=context.name,
            tier=context.tier,
            arpu=context.arpu,
            segment=context.segment,
            language=context.language,
            preferred_channel=context.preferred_channel,
        )
        if context.known
        else None
    )
    return CustomerRecord(
        context.customer_id, profile, context.recent_contacts, lookup_failed=decision.degraded
    )


def replay(
    policy: RoutingPolicy, inputs: ReplayInput, load: Mapping[str, PoolLoad] | None = None
) -> tuple[ReplayReport, int]:
    """The report, and how many recorded decisions had no recorded event to replay."""
    pairs = []
    missing = 0
    for before in inputs.decisions:
        event = inputs.events.get(before.cause_id)
        if event is None:
            missing += 1
            continue
        after = policy.route(event, _customer(before), load or {}, before.time)
        pairs.append((before, after))
    return compare(pairs), missing


def record_jsonl(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for line in lines:
            out.write(line.rstrip(b"\n") + b"\n")
