"""A record whose dead letter the broker refuses is never skipped (issue 20): its
partition is held at it (not consumed or committed past it) while the other
partitions keep routing, and once a worker can write the dead letter it lands and
the records behind it are decided exactly once.

The refusal is the broker's own: the embedded broker validates what is produced to
a topic against ``<topic>.json`` in its schema registry, and the schema here
accepts no JSON object, so every dead letter (whole or minimal) is refused."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.sdk import partition_for
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port
from omniroute.schemas import Channel, InteractionArrived, InteractionUpdate, new_event_id
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]

INTERACTIONS = "omniroute.interactions"
ASSIGNER_INPUT = "omniroute.assigner-input"
REFUSING = "omniroute.deadletter-refusing"
PARTITIONS = 3


@pytest.fixture(scope="module")
def refusing_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    state = tmp_path_factory.mktemp("refusing-stack")
    registry = state / "schemas"
    registry.mkdir()
    # Tansu checks a record's value against the "value" property: integers only.
    (registry / f"{REFUSING}.json").write_text(
        json.dumps({"type": "object", "properties": {"value": {"type": "integer"}}})
    )
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=PARTITIONS),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_wait_ms=5),
        state_dir=state,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings, schema_registry=registry)
    stack.up()
    yield settings
    stack.down()


def _arrival(key: str) -> tuple[bytes, bytes, str]:
    event = InteractionArrived(
        id=new_event_id(),
        source="/tests/dead-letter-blocked",
        interaction_id=f"it-{uuid.uuid4().hex[:12]}",
        customer_id=key,
        channel=Channel.CHAT,
    )
    return key.encode(), event.model_dump_json().encode(), event.interaction_id


def _key_on(partition: int, run: str) -> str:
    return next(
        f"c-{run}-{n}"
        for n in range(10_000)
        if partition_for(f"c-{run}-{n}".encode(), PARTITIONS) == partition
    )


def _until(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _blocked_value(
    settings: Settings, partition: int, stage: str = "router", topic: str = INTERACTIONS
) -> float | None:
    url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    pattern = (
        rf'^omniroute_dead_letter_blocked\{{partition="{partition}",stage="{stage}",'
        rf'topic="{re.escape(topic)}"\}} (\S+)$'
    )
    match = re.search(pattern, text, re.MULTILINE)
    return None if match is None else float(match.group(1))


def _committed(settings: Settings, tp: TopicPartition, group: str | None = None) -> int | None:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=group or settings.router.group_id,
        enable_auto_commit=False,
    )
    try:
        committed: int | None = consumer.committed(tp)
        return committed
    finally:
        consumer.close()


def _decided(reader: TopicReader) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in reader.records:
        counts[record["interaction_id"]] = counts.get(record["interaction_id"], 0) + 1
    return counts


def _stop(worker: WorkerProcess) -> None:
    code = worker.stop()
    log = Path(worker.log_path).read_text(errors="replace")
    assert code == 0, f"router exited {code}:\n{log[-3000:]}"
    assert "Traceback" not in log, log[-5000:]


def test_a_refused_dead_letter_holds_its_partition_until_a_worker_can_write_it(
    refusing_stack: Settings,
) -> None:
    bootstrap = refusing_stack.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    held_key, other_key = _key_on(1, run), _key_on(2, run)
    tp = TopicPartition(INTERACTIONS, 1)
    refusing = refusing_stack.model_copy(
        update={"kafka": refusing_stack.kafka.model_copy(update={"dead_letter_topic": REFUSING})}
    )
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    worker = WorkerProcess("router", refusing, log_path=refusing.state_dir / "refusing.log")
    try:
        worker.start().wait_ready(timeout=60)
        pid = worker.pid
        before = [_arrival(held_key) for _ in range(2)]
        produce(bootstrap, INTERACTIONS, [(k, v) for k, v, _ in before])
        decisions.wait_for(lambda _: all(_decided(decisions).get(i) for *_, i in before), 60)
        _until("the first two committed", lambda: _committed(refusing, tp) == 2)
        produce(bootstrap, INTERACTIONS, [(held_key.encode(), b"not json at all")])

        assert _until("the partition held", lambda: _blocked_value(refusing, 1) == 1.0)
        after = [_arrival(held_key) for _ in range(3)]
        elsewhere = [_arrival(other_key) for _ in range(3)]
        produce(bootstrap, INTERACTIONS, [(k, v) for k, v, _ in [*after, *elsewhere]])
        # The other partition keeps routing while this one is held.
        decisions.wait_for(lambda _: all(_decided(decisions).get(i) for *_, i in elsewhere), 60)
        decisions.settle(2.0)
        assert _committed(refusing, tp) == 2, "committed up to the poison record, not past"
        assert _blocked_value(refusing, 1) == 1.0
        assert not {i for *_, i in after} & set(_decided(decisions)), "nothing past it"
        assert worker.alive()
        assert worker.pid == pid
    finally:
        _stop(worker)

    # A worker that can write the dead letter starts at the held record.
    letters = TopicReader(bootstrap, refusing_stack.kafka.dead_letter_topic)
    fixed = WorkerProcess("router", refusing_stack, log_path=refusing.state_dir / "fixed.log")
    try:
        fixed.start().wait_ready(timeout=60)
        (letter,) = letters.wait_for(
            lambda records: any(r["original_offset"] == 2 for r in records), 60
        )
        assert letter["reason"] == "not_json"
        assert (letter["original_topic"], letter["original_partition"]) == (INTERACTIONS, 1)
        everyone = [*before, *after, *elsewhere]
        decisions.wait_for(lambda _: all(_decided(decisions).get(i) for *_, i in everyone), 60)
        decisions.settle(2.0)
        assert {i: _decided(decisions)[i] for *_, i in everyone} == {i: 1 for *_, i in everyone}, (
            "each decided exactly once"
        )
        assert _until("the partition committed past it", lambda: _committed(refusing, tp) == 6)
        assert _blocked_value(refusing_stack, 1) == 0.0, "a fresh worker never held it: clear"
    finally:
        letters.close()
        decisions.close()
        _stop(fixed)


def _pool_on(partition: int, run: str) -> str:
    return next(
        f"pool-{run}-{n}"
        for n in range(10_000)
        if partition_for(f"pool-{run}-{n}".encode(), PARTITIONS) == partition
    )


def _ended(pool: str) -> tuple[bytes, bytes]:
    """A harmless assigner input: the end of a contact the pool never held."""
    update = InteractionUpdate(
        id=new_event_id(),
        source="/tests/dead-letter-blocked",
        pool=pool,
        interaction_id=f"it-{uuid.uuid4().hex[:12]}",
        customer_id="c-nobody",
        update="ended",
        cause_id=new_event_id(),
    )
    return pool.encode(), update.model_dump_json().encode()


def _send_at(bootstrap: str, records: list[tuple[bytes, bytes]]) -> list[int]:
    """Produce in order; the offset each record got."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
    try:
        futures = [producer.send(ASSIGNER_INPUT, key=k, value=v) for k, v in records]
        producer.flush()
        return [future.get(timeout=30).offset for future in futures]
    finally:
        producer.close()


def test_the_assigner_holds_its_input_partition_at_a_refused_dead_letter_too(
    refusing_stack: Settings,
) -> None:
    """The assigner's own loop (not the re-key BatchLoop): a refused dead letter used
    to fail its batch and stop the worker, on every restart."""
    bootstrap = refusing_stack.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    held_pool, other_pool = _pool_on(0, run), _pool_on(2, run)
    tp, other = TopicPartition(ASSIGNER_INPUT, 0), TopicPartition(ASSIGNER_INPUT, 2)
    group = refusing_stack.assigner.app_id
    refusing = refusing_stack.model_copy(
        update={
            "kafka": refusing_stack.kafka.model_copy(update={"dead_letter_topic": REFUSING}),
            "metrics_port": free_port(),
        }
    )
    worker = WorkerProcess("assigner", refusing, log_path=refusing.state_dir / "a-refusing.log")
    try:
        worker.start().wait_ready(timeout=60)
        pid = worker.pid
        (first,) = _send_at(bootstrap, [_ended(held_pool)])
        _until("the first input committed", lambda: _committed(refusing, tp, group) == first + 1)
        (poison,) = _send_at(bootstrap, [(held_pool.encode(), b"not json at all")])
        assert _until(
            "the partition held",
            lambda: _blocked_value(refusing, 0, "assigner", ASSIGNER_INPUT) == 1.0,
        )
        behind = _send_at(bootstrap, [_ended(held_pool) for _ in range(2)])
        (elsewhere,) = _send_at(bootstrap, [_ended(other_pool)])
        _until(
            "the other partition committed",
            lambda: _committed(refusing, other, group) == elsewhere + 1,
        )
        assert _committed(refusing, tp, group) == poison, "committed up to it, not past"
        assert _blocked_value(refusing, 0, "assigner", ASSIGNER_INPUT) == 1.0
        assert worker.alive()
        assert worker.pid == pid
    finally:
        _stop(worker)

    letters = TopicReader(bootstrap, refusing_stack.kafka.dead_letter_topic)
    fixed_settings = refusing_stack.model_copy(update={"metrics_port": free_port()})
    fixed = WorkerProcess("assigner", fixed_settings, log_path=refusing.state_dir / "a-fixed.log")
    try:
        fixed.start().wait_ready(timeout=60)
        mine = letters.wait_for(
            lambda records: any(
                r["original_topic"] == ASSIGNER_INPUT and r["original_offset"] == poison
                for r in records
            ),
            60,
        )
        (letter,) = [r for r in mine if r["original_topic"] == ASSIGNER_INPUT]
        assert (letter["reason"], letter["stage"], letter["original_partition"]) == (
            "not_json",
            "assigner",
            0,
        )
        assert _until(
            "the held partition committed past it",
            lambda: _committed(fixed_settings, tp, group) == behind[-1] + 1,
        )
    finally:
        letters.close()
        _stop(fixed)
