"""The router worker: a Faust app (built in a factory, never a module global)
hosting the batch loop, the pool-load reader and the HTTP endpoints."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord, reply_headers
from omniroute.router.runtime import (
    TRACE_LOGGER,
    BatchLoop,
    CompactedReader,
    Loops,
    Outbound,
    Settings,
    check_redis,
    consumer_config,
    dead_letter_budget,
    dead_letter_records,
    host_stage,
    producer_config,
    stop_worker_process,
    tune_collector,
)
from omniroute.schemas import (
    Channel,
    InteractionEvent,
    InteractionUpdate,
    PoolLoad,
    RoutingDecision,
    topic,
)

from ._encode import DecisionWriter
from ._identity import IdentityIndex, IdentityResolver
from ._metrics import RouterMetrics
from ._policy_source import PolicyWatcher, initial_policy
from ._stage import PolicyHolder, RouterStage, StageOutput
from ._store import RedisCustomerStore, connect_redis

__all__ = [
    "RouterRuntime",
    "run_router_worker",
]

log = logging.getLogger("omniroute.router")
trace = logging.getLogger(TRACE_LOGGER)
INTERACTIONS = topic("omniroute.interactions").name
DECISIONS = topic("omniroute.decisions").name
ASSIGNER_INPUT = topic("omniroute.assigner-input").name
POOL_LOAD = topic("omniroute.pool-load")


def _to_json(message: RoutingDecision | InteractionUpdate | InteractionEvent) -> bytes:
    """The model's own serialiser, called directly: ``model_dump_json`` adds a str
    round trip and argument handling per call."""
    return type(message).__pydantic_serializer__.to_json(message)


class RouterRuntime:
    """The router's clients, stage and loops for the lifetime of one worker."""

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.metrics = RouterMetrics(registry)
        self.policy = PolicyHolder(initial_policy(settings.router.policy_file), self.metrics)
        self.watcher = (
            PolicyWatcher(settings.router.policy_file, self.policy, self.metrics.policy_reloads)
            if settings.router.policy_file
            else None
        )
        self.loops = Loops()
        # Outputs whose acks are not in yet, oldest first: batches complete in order.
        self._unacked: deque[StageOutput] = deque()
        self._latency_by_channel: dict[Channel, Callable[[float], None]] = {}
        self.started_at = time.monotonic()
        self.first_decision_at: float | None = None
        self.loop: BatchLoop | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._loads_consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._redis: aioredis.Redis | None = None

    async def start(self) -> None:
        settings = self.settings
        self._redis = connect_redis(settings.redis)
        await check_redis(settings.redis, "router")
        store = RedisCustomerStore(
            self._redis,
            recent_ttl_seconds=settings.router.recent_contacts_ttl_seconds,
            timeout=settings.redis.timeout_seconds,
            cached_records=settings.router.parse_cache_records,
        )
        self._write_decision = DecisionWriter(store.line_json)
        consumer = self._consumer = AIOKafkaConsumer(
            INTERACTIONS, **consumer_config(settings, settings.router.group_id)
        )
        loads_consumer = self._loads_consumer = AIOKafkaConsumer(**consumer_config(settings, None))
        producer = self._producer = AIOKafkaProducer(**producer_config(settings))
        await producer.start()
        await loads_consumer.start()
        await consumer.start()
        self.loads = CompactedReader[PoolLoad](loads_consumer, POOL_LOAD.name, POOL_LOAD.adapter)
        self.stage = RouterStage(
            policy=self.policy,
            store=store,
            settings=settings.router,
            metrics=self.metrics,
            loads=self.loads.latest,
            identities=IdentityResolver(
                IdentityIndex(
                    self._redis,
                    settings.router.identity_pepper.get_secret_value().encode(),
                    timeout=settings.redis.timeout_seconds,
                ),
                self.metrics.registry,
            ),
        )
        self.loop = BatchLoop(
            consumer=consumer,
            producer=producer,
            handler=self._handle,
            stage="router",
            metrics=self.metrics.worker,
            max_records=settings.router.batch_max_records,
            wait_ms=settings.router.batch_wait_ms,
            min_interval_ms=settings.router.batch_interval_ms,
            dead_letter_topic=settings.kafka.dead_letter_topic,
            dead_letter_budget=dead_letter_budget(settings, "router"),
            on_produced=self._produced,
        )
        # Start-up objects never die; freezing them keeps the cyclic GC from
        # rescanning them on every collection (decode went 12 -> 8 us/event).
        gc.collect()
        gc.freeze()
        tune_collector()  # young collections took 15-30% of the stage at the default
        self.loops.start("router-loop", self.loop.run)
        self.loops.start("pool-load", self.loads.run)
        if self.watcher is not None:
            self.loops.start("policy-watch", self.watcher.run)
        log.info(
            "router started",
            extra={"stage": "router", "policy_version": self.policy.current.version},
        )

    async def stop(self) -> None:
        await self.loops.stop((self._consumer, self._loads_consumer, self._producer))
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()

    async def _handle(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        out = await self.stage.process(records)
        self._unacked.append(out)
        # Each decision is serialised once: an agent-queue decision goes to the
        # assigner as the same bytes.
        encoded: dict[int, bytes] = {}
        outbound: list[Outbound] = []
        for record, decision in out.decisions:
            value = encoded[id(decision)] = self._write_decision(decision)
            customer = decision.customer_id.encode()
            if record.headers:
                outbound.append((DECISIONS, customer, value, reply_headers(record.headers)))
            else:
                outbound.append((DECISIONS, customer, value))
        if trace.isEnabledFor(logging.INFO):
            for _, decision in out.decisions:
                trace.info(
                    "decided",
                    extra={
                        "stage": "router",
                        "event_id": decision.cause_id,
                        "decision_id": decision.id,
                        "interaction_id": decision.interaction_id,
                        "channel": decision.channel.value,
                        "target": decision.target.value,
                        "queue": decision.queue,
                        "policy_version": decision.policy_version,
                    },
                )
        outbound.extend(
            (ASSIGNER_INPUT, pool.encode(), encoded.get(id(message)) or _to_json(message))
            for pool, message in out.to_assigner
        )
        outbound.extend(
            dead_letter_records(out.dead_letters, self.settings.kafka.dead_letter_topic)
        )
        for record, event in out.resolved:  # keyed by the customer now, address dropped
            headers = reply_headers(record.headers) if record.headers else ()
            outbound.append((INTERACTIONS, event.customer_id.encode(), _to_json(event), headers))
        return outbound

    def _produced(self, records: Sequence[InboundRecord], now: float) -> None:
        decisions = self._unacked.popleft().decisions if self._unacked else []
        if decisions and self.first_decision_at is None:
            self.first_decision_at = time.monotonic()
            log.info(
                "first decision %.2f s after start",
                self.first_decision_at - self.started_at,
                extra={"stage": "router"},
            )
        # One child per channel, looked up once: ``labels()`` per decision (a lock and a
        # tuple key) and the enum's ``.value`` cost ~2 us a decision.
        by_channel = self._latency_by_channel
        for record, decision in decisions:
            if record.timestamp_ms is not None:
                observe = by_channel.get(decision.channel)
                if observe is None:
                    observe = by_channel[decision.channel] = self.metrics.latency.labels(
                        decision.channel.value
                    ).observe
                observe(max(0.0, now - record.timestamp_ms / 1000))

    def live(self) -> bool:
        return not self.loops.failed

    def ready(self) -> bool:
        return self.loops.consuming(self._consumer, self.loop)


def run_router_worker(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a loop that stops on an error stops the process."""
    registry = CollectorRegistry()
    runtime = RouterRuntime(settings, registry)
    runtime.loops.on_fatal = stop_worker_process
    host_stage(settings, registry, "omniroute-router-host", runtime)
