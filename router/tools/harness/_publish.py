"""Publishing simulated traffic the way a front end would: kafka-python, keyed by
customer, at a steady rate."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kafka import KafkaProducer

from omniroute.schemas import topic, utc_now

from ._traffic import SimulatedEvent

__all__ = ["PublishReport", "publish_traffic"]

INTERACTIONS = topic("omniroute.interactions").name


@dataclass(slots=True)
class PublishReport:
    sent_at: dict[str, float] = field(default_factory=dict)  # event id -> wall time sent
    kinds: Counter[str] = field(default_factory=Counter)
    routable: int = 0
    bad: int = 0
    seconds: float = 0.0


def publish_traffic(
    bootstrap_servers: str,
    next_event: Callable[[datetime], SimulatedEvent],
    *,
    count: int,
    rate: float,
    on_progress: Callable[[int], None] | None = None,
    sent_at: dict[str, float] | None = None,
    record: list[bytes] | None = None,
    kafka_config: Mapping[str, Any] | None = None,
    linger_ms: int = 5,
) -> PublishReport:
    """Send ``count`` events at ``rate`` per second (0: as fast as possible).
    ``kafka_config``: kafka-python options (security). ``linger_ms``: how long
    events gather into one batch per partition (the embedded broker's fetches cost
    more with every batch stored, so a long fast run wants fewer, larger ones)."""
    producer = KafkaProducer(
        **(kafka_config or {}),
        bootstrap_servers=bootstrap_servers,
        linger_ms=linger_ms,
        batch_size=256 * 1024,
        acks=1,
        max_request_size=2 * 1024 * 1024,
    )
    report = PublishReport(sent_at=sent_at if sent_at is not None else {})
    started = time.perf_counter()
    tick = max(1, int(rate / 50)) if rate > 0 else 1000
    try:
        for n in range(count):
            event = next_event(utc_now())
            report.sent_at[event.event_id] = time.time()
            producer.send(INTERACTIONS, key=event.key, value=event.value)
            if record is not None:
                record.append(event.value)
            report.kinds[event.kind] += 1
            report.routable += event.routable
            report.bad += event.kind.startswith("bad:")
            if (n + 1) % tick == 0:
                if on_progress is not None:
                    on_progress(tick)
                if rate > 0:
                    ahead = (n + 1) / rate - (time.perf_counter() - started)
                    if ahead > 0:
                        time.sleep(ahead)
        producer.flush()
        if on_progress is not None:
            on_progress(count % tick)
    finally:
        producer.close()
    report.seconds = time.perf_counter() - started
    return report
