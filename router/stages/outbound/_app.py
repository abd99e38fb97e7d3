"""The outbound coordinator worker: a batch loop over outbound requests, the pools'
load as a global table (as the router keeps it), Redis for the customers' contacts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.policy import default_policy, load_policy
from omniroute.router.runtime import (
    BatchLoop,
    CompactedReader,
    Loops,
    Outbound,
    Settings,
    check_redis,
    consumer_config,
    host_stage,
    producer_config,
    stop_worker_process,
)
from omniroute.schemas import PoolLoad, topic

from ._metrics import OutboundMetrics
from ._stage import REQUESTS, OutboundStage
from ._store import OutboundStore, connect

__all__ = ["OutboundRuntime", "run_outbound_worker"]

log = logging.getLogger("omniroute.outbound")
POOL_LOAD = topic("omniroute.pool-load")


class OutboundRuntime:
    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.metrics = OutboundMetrics(registry)
        path = settings.router.policy_file
        self.policy = load_policy(path) if path else default_policy()
        self.loops = Loops(on_fatal=stop_worker_process)
        self.loop: BatchLoop | None = None
        self._clients: list[Any] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._redis: Any = None

    async def start(self) -> None:
        settings = self.settings
        # A refused login would otherwise defer every request as a recent contact
        # (the store answers "unknown" on an error): stop here, naming Redis.
        await check_redis(settings.redis, "outbound")
        self._redis = connect(settings.redis)
        producer = AIOKafkaProducer(**producer_config(settings))
        consumer = self._consumer = AIOKafkaConsumer(
            REQUESTS.name, **consumer_config(settings, settings.outbound.group_id)
        )
        loads_consumer = AIOKafkaConsumer(**consumer_config(settings, None))
        self._clients = [consumer, loads_consumer, producer]
        await producer.start()
        await loads_consumer.start()
        await consumer.start()
        loads = CompactedReader[PoolLoad](loads_consumer, POOL_LOAD.name, POOL_LOAD.adapter)
        spec = self.policy.spec
        self.stage = OutboundStage(
            rules=spec.outbound,
            offers=spec.offers,
            timezone=spec.timezone,
            store=OutboundStore(
                self._redis, timeout=settings.redis.timeout_seconds, keep_seconds=3 * 86_400
            ),
            metrics=self.metrics,
            loads=loads.latest,
            dead_letter_topic=settings.kafka.dead_letter_topic,
        )
        self.loop = BatchLoop(
            consumer=consumer,
            producer=producer,
            handler=self._handle,
            stage="outbound",
            metrics=self.metrics.worker,
            max_records=500,
            wait_ms=20,
            dead_letter_topic=settings.kafka.dead_letter_topic,
        )
        self.loops.start("pool-load", loads.run)
        # Marketing is held while a pool is busy: no verdict before the loads are known.
        try:
            await asyncio.wait_for(loads.caught_up.wait(), timeout=30)
        except TimeoutError:
            log.warning("pool loads not read to their end; unknown pools count as busy")
        self.loops.start("outbound-loop", self.loop.run)
        log.info("outbound coordinator started", extra={"stage": "outbound"})

    async def _handle(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        return await self.stage.process(records)

    async def stop(self) -> None:
        await self.loops.stop(self._clients)
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()

    def live(self) -> bool:
        return not self.loops.failed

    def ready(self) -> bool:
        return self.loops.consuming(self._consumer, self.loop)


def run_outbound_worker(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a loop that stops on an error stops the process."""
    registry = CollectorRegistry()
    host_stage(settings, registry, "omniroute-outbound-host", OutboundRuntime(settings, registry))
