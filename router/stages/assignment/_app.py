"""The assigner worker: two aiokafka loops hosted like every worker (Faust owns the
process, the HTTP endpoints run beside it), one owner per pool because pools are
partition keys of ``omniroute.assigner-input``.

- the re-key loop (``BatchLoop``): agent events, keyed by agent, onto the
  assigner input keyed by the pool each event names;
- the assign loop (``AssignerLoop``): every change to a pool, in order, a batch at
  a time; the pools' timers (offer timeouts, widening) and the periodic tick
  (load and wait estimates) run inside it, so only the partition's owner acts.

State lives in a compacted changelog read back to the fetch high watermark at
takeover: it never trusts ListOffsets, so the embedded profile needs no
one-record-per-batch producer any more.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord, decode_batch, envelope_bytes
from omniroute.router.runtime import (
    BatchLoop,
    Loops,
    Outbound,
    Settings,
    consumer_config,
    dead_letter_budget,
    dead_letter_records,
    host_stage,
    producer_config,
    stop_worker_process,
)
from omniroute.schemas import (
    AgentEvent,
    AgentEventAdapter,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentStateChanged,
    topic,
    utc_now,
)

from ._changelog import ChangelogReader, changelog_topic, ensure_changelog
from ._engine import AssignerEngine
from ._floor import read_queue_settings
from ._loop import AssignerLoop
from ._metrics import AssignerMetrics
from ._stage import AssignerStage, PoolRecords

__all__ = ["AssignerRuntime", "rekey_group", "run_assigner_worker"]

log = logging.getLogger("omniroute.assigner")
AGENT_EVENTS = topic("omniroute.agent-events").name
ASSIGNER_INPUT = topic("omniroute.assigner-input").name


def rekey_group(app_id: str) -> str:
    """The group that re-keys agent events onto the assigner's input partitions."""
    return f"{app_id}-rekey"


def _no_records(pool: str) -> PoolRecords:
    """A pool first seen in an input is new: every persisted pool was rebuilt at takeover."""
    return [], [], []


def _agent_id(event: AgentEvent) -> str:
    return event.agent_id


def _other_pools(event: AgentEvent) -> list[str]:
    """Where else an agent event goes: log-in, presence and log-out to every pool the
    agent works in (each holds the agent, one ledger counts their load); an answer
    about one contact only to the pool that offered it (``pool``)."""
    if isinstance(event, AgentLoggedIn | AgentStateChanged | AgentLoggedOut):
        return [pool for pool in dict.fromkeys(event.pools) if pool != event.pool]
    return []


class AssignerRuntime:
    """The assigner's clients, engine and loops for the lifetime of one worker."""

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.metrics = AssignerMetrics(registry)
        self.stage = AssignerStage(
            settings.assigner,
            self.metrics,
            _no_records,
            read_queue_settings(settings.router.policy_file),
        )
        self.changelog_topic = changelog_topic(settings.assigner.app_id)
        self.loop: AssignerLoop | None = None
        self.rekey: BatchLoop | None = None
        self._clients: list[Any] = []
        self._input_partitions = settings.kafka.partitions
        # A loop that stops on an error stops the process: a supervisor restarts it.
        self.loops = Loops(on_fatal=stop_worker_process)
        self.started_at = time.monotonic()

    async def start(self) -> None:
        settings = self.settings
        group = settings.assigner.app_id
        producer = AIOKafkaProducer(**producer_config(settings))
        consumer = AIOKafkaConsumer(**consumer_config(settings, group))
        changelog_consumer = AIOKafkaConsumer(**consumer_config(settings, None))
        rekey_consumer = AIOKafkaConsumer(
            AGENT_EVENTS, **consumer_config(settings, rekey_group(group))
        )
        self._clients = [consumer, rekey_consumer, changelog_consumer, producer]
        await producer.start()
        await changelog_consumer.start()
        await self._ensure_changelog(changelog_consumer)
        reader = ChangelogReader(changelog_consumer, self.changelog_topic)
        self.loop = AssignerLoop(
            consumer=consumer,
            producer=producer,
            changelog=reader,
            changelog_topic=self.changelog_topic,
            engine=AssignerEngine(
                self.stage, reader.read, max_input_bytes=settings.assigner.max_input_bytes
            ),
            settings=settings.assigner,
            metrics=self.metrics.worker,
            session_timeout=settings.session_timeout_ms / 1000,
            dead_letter_topic=settings.kafka.dead_letter_topic,
        )
        self.loop.engine.owns = _owner_of(self.loop, self._input_partitions)
        consumer.subscribe([ASSIGNER_INPUT], listener=self.loop)
        await consumer.start()
        await rekey_consumer.start()
        self.rekey = BatchLoop(
            consumer=rekey_consumer,
            producer=producer,
            handler=self._rekey,
            dead_letter_topic=settings.kafka.dead_letter_topic,
            dead_letter_budget=dead_letter_budget(settings, "assigner"),
            stage="assigner",
            metrics=self.metrics.worker,
            max_records=1000,
            wait_ms=20,
        )
        gc.collect()
        gc.freeze()  # start-up objects never die: keep the cyclic GC off them
        # Not the router's raised thresholds (tune_collector): in process they cut
        # applying the bench's backlog from 85 to 66 us CPU an input, but through the
        # broker the worker then drained it at half the rate for the same CPU (three
        # runs each way, back to back; not yet explained: one guess is a middle
        # collection walking up to a million young objects while fetches wait).
        self.loops.start("assign-loop", self.loop.run)
        self.loops.start("rekey-loop", self.rekey.run)
        log.info("assigner started", extra={"stage": "assigner"})

    async def _ensure_changelog(self, consumer: AIOKafkaConsumer) -> None:
        await consumer.topics()
        partitions = len(consumer.partitions_for_topic(ASSIGNER_INPUT) or ())
        self._input_partitions = partitions or self.settings.kafka.partitions
        admin = AIOKafkaAdminClient(**_admin_config(self.settings))
        await admin.start()
        try:
            await ensure_changelog(
                admin,
                self.changelog_topic,
                partitions or self.settings.kafka.partitions,
                self.settings.kafka.replication_factor,
                self.settings.kafka.topic_configs(compacted=True),
            )
        finally:
            await admin.close()

    async def stop(self) -> None:
        await self.loops.stop(self._clients)

    async def _rekey(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        """Agent events onto the assigner input, keyed by the pool they name; what the
        contract refuses is dead-lettered by the decoder every input shares."""
        decoded = decode_batch(
            records,
            AgentEventAdapter,
            max_bytes=self.settings.assigner.max_input_bytes,
            stage="assigner",
            now=utc_now(),
            key_of=_agent_id,
        )
        self.metrics.worker.record_dead_letters(decoded.dead_letters)
        outbound: list[Outbound] = list(
            dead_letter_records(decoded.dead_letters, self.settings.kafka.dead_letter_topic)
        )
        for record, event in decoded.events:
            # CloudEvents binary or structured mode become the envelope here, once.
            value = envelope_bytes(record.value or b"", record.headers)
            outbound.append((ASSIGNER_INPUT, event.pool.encode(), value))
            for other in _other_pools(event):
                # Each copy names the pool it is keyed by, as the assigner input requires.
                copy = event.model_copy(update={"pool": other}).model_dump_json().encode()
                outbound.append((ASSIGNER_INPUT, other.encode(), copy))
        return outbound

    def live(self) -> bool:
        return not self.loops.failed

    def ready(self) -> bool:
        loop, rekey = self.loop, self.rekey
        return (
            not self.loops.failed
            and loop is not None
            and rekey is not None
            and loop.caught_up
            and time.monotonic() - loop.last_poll < 30
        )


def _owner_of(loop: AssignerLoop, partitions: int) -> Callable[[str], bool]:
    """Whether ``loop`` owns a pool: the partition its name hashes to, as the
    producers' default partitioner places it, is one the loop holds."""
    every = list(range(partitions))

    def owns(pool: str) -> bool:
        return DefaultPartitioner()(pool.encode(), every, every) in loop.owned

    return owns


def _admin_config(settings: Settings) -> dict[str, Any]:
    config = consumer_config(settings, None)
    keep = (
        "bootstrap_servers",
        "security_protocol",
        "sasl_mechanism",
        "sasl_plain_username",
        "sasl_plain_password",
        "ssl_context",
    )
    return {key: value for key, value in config.items() if key in keep}


def run_assigner_worker(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a loop that stops on an error stops the process."""
    registry = CollectorRegistry()
    host_stage(settings, registry, "omniroute-assigner-host", AssignerRuntime(settings, registry))
