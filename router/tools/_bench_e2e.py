"""The router worker end to end through the broker: a backlog is loaded first, then
a worker drains it, and throughput is read off the decisions' own broker
timestamps, so neither the load generator nor the reader can limit the number."""

from __future__ import annotations

import time
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.schemas import topic

from ._bench import BenchResult
from ._demo import seed_customers
from ._publish import publish_traffic
from ._simulation import TrafficGenerator
from ._stack import EmbeddedStack, StackError, free_port
from ._workers import WorkerProcess

__all__ = ["bench_end_to_end"]

DECISIONS = topic("omniroute.decisions").name


def _drain_times(bootstrap: str, expected: int, timeout: float) -> tuple[int, int, int]:
    """(count, first, last) broker timestamps (ms) of the decisions once all arrived."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [
        TopicPartition(DECISIONS, p) for p in consumer.partitions_for_topic(DECISIONS) or ()
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    count, first, last = 0, 2**63, 0
    deadline = time.monotonic() + timeout
    try:
        while count < expected and time.monotonic() < deadline:
            for messages in consumer.poll(timeout_ms=200, max_records=50_000).values():
                count += len(messages)
                first = min(first, messages[0].timestamp)
                last = max(last, messages[-1].timestamp)
    finally:
        consumer.close()
    return count, first, last


def bench_end_to_end(
    *,
    events: int = 100_000,
    customers: int = 20_000,
    partitions: int = 6,
    batch: int = 1000,
    state_dir: Path = Path(".omniroute/bench"),
    timeout: float = 300.0,
    workers: int = 1,
) -> list[BenchResult]:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=partitions),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_max_records=batch),
        state_dir=state_dir,
        metrics_port=free_port(),
        log_level="WARNING",
    )
    stack = EmbeddedStack(settings)
    stack.up()
    fleet = [
        WorkerProcess(
            "router",
            settings.model_copy(update={"metrics_port": free_port()}),
            log_path=state_dir / f"router-{n}.log",
        )
        for n in range(workers)
    ]
    try:
        seed_customers(settings, customers)
        generator = TrafficGenerator(customers, seed=5, bad_share=0.0, run_id="bench")
        report = publish_traffic(
            settings.kafka.bootstrap_servers, generator.next, count=events, rate=0
        )
        for worker in fleet:
            worker.start()
        count, first, last = _drain_times(
            settings.kafka.bootstrap_servers, report.routable, timeout
        )
        if count < report.routable:
            raise StackError(
                f"only {count} of {report.routable} decisions in {timeout:.0f} s; "
                f"see {state_dir}/router-*.log"
            )
        return [
            BenchResult("load generator (kafka-python, flat out)", events, report.seconds),
            BenchResult(
                f"{workers} worker(s) drain a backlog ({partitions} partitions, batch {batch})",
                events,
                max(last - first, 1) / 1000,
                f"{count} decisions; {events - count} history-only events",
            ),
        ]
    finally:
        for worker in fleet:
            worker.stop()
        stack.down()
