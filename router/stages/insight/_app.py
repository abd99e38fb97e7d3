"""The insight worker: one batch loop over interactions, decisions and feedback
(one consumer group, range-assigned so partition p of all three comes to one
worker), its state in a compacted changelog read back when a partition arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.policy import CostTable, default_policy, load_policy
from omniroute.router.runtime import (
    BatchLoop,
    ChangelogReader,
    Loops,
    Outbound,
    Settings,
    aiokafka_security,
    consumer_config,
    ensure_changelog,
    host_stage,
    producer_config,
    stop_worker_process,
)

from ._metrics import InsightMetrics
from ._stage import INSIGHT_INPUTS, INTERACTIONS, InsightStage, PartitionState

__all__ = ["InsightRuntime", "run_insight_worker"]

log = logging.getLogger("omniroute.insight")


def cost_table(settings: Settings) -> CostTable:
    """The costs of the policy the router runs: one definition for every figure."""
    path = settings.router.policy_file
    return (load_policy(path) if path else default_policy()).cost_table


class InsightRuntime:
    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.metrics = InsightMetrics(registry, max_values=settings.insight.max_label_values)
        self.changelog = settings.insight.changelog_topic
        self.stage = InsightStage(
            costs=cost_table(settings),
            metrics=self.metrics,
            changelog=self.changelog,
            dead_letter_topic=settings.kafka.dead_letter_topic,
        )
        self.loops = Loops(on_fatal=stop_worker_process)
        self.loop: BatchLoop | None = None
        self._clients: list[Any] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._reader: ChangelogReader | None = None
        self._changelog_partitions: list[int] = []

    async def start(self) -> None:
        settings = self.settings
        producer = AIOKafkaProducer(**producer_config(settings))
        changelog_consumer = AIOKafkaConsumer(**consumer_config(settings, None))
        consumer = self._consumer = AIOKafkaConsumer(
            *INSIGHT_INPUTS,
            partition_assignment_strategy=(RangePartitionAssignor,),
            **consumer_config(settings, settings.insight.group_id),
        )
        self._clients = [consumer, changelog_consumer, producer]
        await producer.start()
        await changelog_consumer.start()
        await self._ensure_changelog(changelog_consumer)
        self._reader = ChangelogReader(changelog_consumer, self.changelog, stage="insight")
        await consumer.start()
        self.loop = BatchLoop(
            consumer=consumer,
            producer=producer,
            handler=self._handle,
            stage="insight",
            metrics=self.metrics.worker,
            max_records=settings.insight.batch_max_records,
            wait_ms=settings.insight.batch_wait_ms,
            dead_letter_topic=settings.kafka.dead_letter_topic,
        )
        self.loops.start("insight-loop", self.loop.run)
        log.info("insight started", extra={"stage": "insight"})

    async def _ensure_changelog(self, consumer: AIOKafkaConsumer) -> None:
        await consumer.topics()
        partitions = len(consumer.partitions_for_topic(INTERACTIONS) or ()) or (
            self.settings.kafka.partitions
        )
        self._changelog_partitions = list(range(partitions))
        # The worker's own login (SASL, TLS), as its producer and consumers have.
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
            **aiokafka_security(self.settings.kafka),
        )
        await admin.start()
        try:
            await ensure_changelog(
                admin,
                self.changelog,
                partitions,
                self.settings.kafka.replication_factor,
                self.settings.kafka.topic_configs(compacted=True),
            )
        finally:
            await admin.close()

    async def _load(self, partitions: set[int]) -> None:
        """State for partitions this worker has just been given, from every partition
        of the changelog (the keys name the input partition they belong to)."""
        reader = self._reader
        assert reader is not None
        every: dict[int, dict[str, Any]] = {}
        for partition in self._changelog_partitions:
            every[partition] = await reader.read(partition)
        records = [item for latest in every.values() for item in latest.items()]
        for partition in partitions:
            self.stage.states[partition] = PartitionState.from_changelog(partition, records)
            log.info(
                "insight state of partition %d: %d customers, %d figures",
                partition,
                len(self.stage.states[partition].customers),
                len(self.stage.states[partition].figures),
                extra={"stage": "insight"},
            )

    async def _handle(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        consumer = self._consumer
        assert consumer is not None
        held = {tp.partition for tp in consumer.assignment()}
        for gone in set(self.stage.states) - held:
            del self.stage.states[gone]  # moved away: read again if it comes back
        arrived = (held | {record.partition for record in records}) - set(self.stage.states)
        if arrived:
            await self._load(arrived)
        return self.stage.process(records)

    async def stop(self) -> None:
        await self.loops.stop(self._clients)

    def live(self) -> bool:
        return not self.loops.failed

    def ready(self) -> bool:
        return self.loops.consuming(self._consumer, self.loop)


def run_insight_worker(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a loop that stops on an error stops the process."""
    registry = CollectorRegistry()
    host_stage(settings, registry, "omniroute-insight-host", InsightRuntime(settings, registry))
