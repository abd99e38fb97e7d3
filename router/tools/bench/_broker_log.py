"""``omniroute bench broker-log``: what one request costs the embedded broker as its
log grows.

Under a constant soak (50 contacts/s) the embedded broker's CPU rose from a quarter
of a core to more than a whole one in six minutes while every client's request
rate stayed flat or fell, and every request's latency (heartbeats included) rose
with it. This measures why, one request type at a time, against a broker whose
log is filled in steps with batches of *another* topic:

- a produce of one record;
- a reader waiting at the tail with nothing new (the idle poll);
- a fetch that returns a record (a consumer reading what was just written).

Each figure is the broker's own CPU time (``/proc``) per request. Tansu 0.6's
memory engine answers a fetch that has data by listing the stored batches
(``DynoStore::fetch``), and the measured cost grows with every batch the broker
holds, in any topic, while the other two stay flat. Tansu's memory engine
enforces no retention and does not answer DeleteRecords, so the embedded log
cannot be bounded: docs/embedded-broker.md has the consequences.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from omniroute.router.tools.harness import cpu_seconds, create_extra_topics

__all__ = ["BrokerLogStep", "measure_broker_log"]

_PROBE = "omniroute.bench.broker-log.probe"
_FILLER = "omniroute.bench.broker-log.filler"
_VALUE = b"x" * 200


@dataclass(frozen=True, slots=True)
class BrokerLogStep:
    stored_batches: int
    """Batches the broker held when this step began (the filler's and the probe's)."""
    produce_us: float
    """Broker CPU per one-record produce, with no reader attached (microseconds)."""
    idle_reader_pct: float
    """Broker CPU, in per cent of a core, while one reader waits at the tail with
    nothing new (its fetches wait 5 ms each and find nothing)."""
    data_fetch_us: float
    """Broker CPU per fetch that returns one record: a produce-then-read-it round,
    less a produce."""


async def _fill(bootstrap: str, batches: int) -> None:
    """``batches`` one-record batches into the filler topic, pipelined."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        pending = []
        for n in range(batches):
            batch = producer.create_batch()
            batch.append(key=None, value=_VALUE, timestamp=None)
            pending.append(await producer.send_batch(batch, _FILLER, partition=0))
            if n % 500 == 499:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def _per_call(
    broker_pid: int, seconds: float, step: Callable[[], Awaitable[object]]
) -> tuple[float, int]:
    """(broker CPU microseconds per call of ``step``, calls) over ``seconds``."""
    started, used = time.monotonic(), cpu_seconds(broker_pid)
    calls = 0
    while time.monotonic() - started < seconds:
        await step()
        calls += 1
    return (cpu_seconds(broker_pid) - used) / max(calls, 1) * 1e6, calls


async def _measure(
    bootstrap: str, broker_pid: int, steps: int, batches_per_step: int, seconds: float
) -> list[BrokerLogStep]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    # aiokafka fetches in the background while a partition is assigned, so the
    # reader is attached only for the two figures that involve it.
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=5
    )
    await producer.start()
    await reader.start()
    probe = TopicPartition(_PROBE, 0)
    stored = 0

    async def produce() -> None:
        nonlocal stored
        await producer.send_and_wait(_PROBE, _VALUE, partition=0)
        stored += 1

    async def produce_and_read_it() -> None:
        await produce()
        while not await reader.getmany(probe, timeout_ms=1000):
            pass

    try:
        results = []
        for n in range(steps + 1):
            if n:
                await _fill(bootstrap, batches_per_step)
                stored += batches_per_step
            at = stored
            produce_us, _ = await _per_call(broker_pid, seconds, produce)
            reader.assign([probe])
            await reader.seek_to_end(probe)  # one-record batches: LATEST is exact here
            used = cpu_seconds(broker_pid)
            await asyncio.sleep(seconds)
            idle_pct = (cpu_seconds(broker_pid) - used) / seconds * 100
            round_us, _ = await _per_call(broker_pid, seconds, produce_and_read_it)
            reader.assign([])
            results.append(BrokerLogStep(at, produce_us, idle_pct, max(0.0, round_us - produce_us)))
        return results
    finally:
        await reader.stop()
        await producer.stop()


def measure_broker_log(
    bootstrap: str,
    broker_pid: int,
    *,
    steps: int = 4,
    batches_per_step: int = 25_000,
    seconds: float = 4.0,
) -> list[BrokerLogStep]:
    """Each request type's broker CPU with 0, 1, ... ``steps`` x ``batches_per_step``
    batches stored in another topic. The broker should be this bench's alone."""
    create_extra_topics(bootstrap, [_PROBE, _FILLER], 1)
    return asyncio.run(_measure(bootstrap, broker_pid, steps, batches_per_step, seconds))
