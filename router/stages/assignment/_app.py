"""The assigner worker: a Faust app (built in a factory) whose state lives in a
changelog-backed table, one owner per pool because pools are partition keys.

- ``rekey-agent-events``: agent events (keyed by agent) onto the assigner input,
  keyed by the pool each event names.
- ``assign``: every change to a pool, in order: the pure stage decides, this
  writes the table and sends offers, load and estimates.
- a timer sends a tick per owned pool through the same topic, so offer timeouts
  and aging happen inside the stream, where table writes land on the pool's
  partition.

On the embedded broker the producer sends one record per batch: its ListOffsets
answer is the last *batch's* base offset + 1, so with bigger batches Faust's
recovery stops short of the changelog's end (tests/integration/test_assigner_recovery.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import faust
from faust.types import EventT
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from omniroute.agents import Record
from omniroute.router.core import Headers, InboundRecord, dead_letter_for, envelope_bytes
from omniroute.router.runtime import TRACE_LOGGER, Profile, Settings, faust_settings, run_worker
from omniroute.schemas import (
    AgentEventAdapter,
    AssignerInput,
    AssignerInputAdapter,
    DeadLetterReason,
    PoolTick,
    new_event_id,
    topic,
    utc_now,
)

from ._metrics import AssignerMetrics
from ._stage import ASSIGNMENTS, AssignerStage, PoolRecords, StageResult

__all__ = ["AssignerRuntime", "create_assigner_app", "run_assigner_worker"]

log = logging.getLogger("omniroute.assigner")
trace = logging.getLogger(TRACE_LOGGER)


def _raw_topic(app: faust.App, name: str, partitions: int | None = None) -> faust.TopicT:
    """Bytes in, bytes out: the contract models parse them, not Faust's codecs."""
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
    )


class AssignerRuntime:
    """The pieces a running assigner shares between its agents, timer and probes."""

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.metrics = AssignerMetrics(registry)
        self.table: Any = None
        self.stage = AssignerStage(settings.assigner, self.metrics, self.records)
        self.known_pools: set[str] = set()
        self.recovered = False
        self.started_at = time.monotonic()

    def records(self, pool: str) -> PoolRecords:
        contacts: list[Record] = []
        agents: list[Record] = []
        handle_times: list[Record] = []
        by_kind = {"c": contacts, "a": agents, "h": handle_times}
        prefix = f"{pool}|"
        for key, value in self.table.items():
            if key.startswith(prefix) and value is not None:
                by_kind[key.split("|", 2)[1]].append(value)
        return contacts, agents, handle_times

    def on_recovered(self) -> None:
        self.stage.forget_all()
        self.known_pools = {key.split("|", 1)[0] for key in self.table}
        self.recovered = True
        log.info("state recovered: %d pools", len(self.known_pools), extra={"stage": "assigner"})

    def ready(self) -> bool:
        return self.recovered


def _inbound(event: EventT[Any]) -> InboundRecord:
    message = event.message
    return InboundRecord(
        message.topic,
        message.partition,
        message.offset,
        event.key,
        event.value,
        int(message.timestamp * 1000) if message.timestamp else None,
    )


def _headers(event: EventT[Any]) -> Headers:
    raw = event.message.headers or ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), bytes(v)) for k, v in items if v is not None)


class _Topics:
    def __init__(self, app: faust.App, partitions: int) -> None:
        self.assigner_input = _raw_topic(app, topic("omniroute.assigner-input").name, partitions)
        self.agent_events = _raw_topic(app, topic("omniroute.agent-events").name)
        self.outputs = {
            name: _raw_topic(app, name)
            for name in (
                topic("omniroute.assignments").name,
                topic("omniroute.pool-load").name,
                topic("omniroute.wait-estimates").name,
                topic("omniroute.deadletter").name,
            )
        }
        self.deadletter = self.outputs[topic("omniroute.deadletter").name]


def create_assigner_app(
    settings: Settings, registry: CollectorRegistry
) -> tuple[faust.App, AssignerRuntime]:
    options = faust_settings(settings)
    if settings.profile is Profile.EMBEDDED:
        options["producer_max_batch_size"] = 1
    app = faust.App(settings.assigner.app_id, **options)
    runtime = AssignerRuntime(settings, registry)
    topics = _Topics(app, settings.kafka.partitions)
    table = app.Table(
        "assigner-state",
        default=None,
        partitions=settings.kafka.partitions,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
        extra_topic_configs={"cleanup.policy": "compact"},
    )
    runtime.table = table

    @table.on_recover
    async def _recovered() -> None:
        runtime.on_recovered()

    async def _revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        runtime.recovered = False
        runtime.stage.forget_all()

    app.on_partitions_revoked.connect(_revoked)
    _add_agents(app, runtime, topics)
    _add_ticks(app, runtime, topics)
    return app, runtime


def _add_agents(app: faust.App, runtime: AssignerRuntime, topics: _Topics) -> None:
    table = runtime.table

    async def dead_letter(event: EventT[Any], reason: DeadLetterReason, detail: str) -> None:
        letter = dead_letter_for(_inbound(event), reason, detail, stage="assigner", now=utc_now())
        runtime.metrics.worker.dead_letters.labels("assigner", reason.value).inc()
        log.warning("dead-lettered %s", reason.value, extra={"stage": "assigner"})
        await topics.deadletter.send(key=event.key, value=letter.model_dump_json().encode())

    @app.agent(topics.agent_events, name="rekey-agent-events")
    async def rekey(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            try:
                # CloudEvents binary or structured mode become the envelope here, once.
                value = envelope_bytes(event.value or b"", _headers(event))
                parsed = AgentEventAdapter.validate_json(value)
            except ValidationError as error:
                await dead_letter(event, DeadLetterReason.INVALID_VALUE, str(error)[:500])
                continue
            except ValueError as error:
                await dead_letter(event, DeadLetterReason.NOT_JSON, str(error)[:500])
                continue
            await topics.assigner_input.send(key=parsed.pool.encode(), value=value)

    @app.agent(topics.assigner_input, name="assign")
    async def assign(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            pool = (event.key or b"").decode("utf-8", "replace")
            try:
                message = AssignerInputAdapter.validate_json(event.value or b"")
                result = runtime.stage.apply(pool, message, time.time())
            except ValidationError as error:
                await dead_letter(event, DeadLetterReason.INVALID_VALUE, str(error)[:500])
                continue
            except Exception as error:
                log.exception("assigner failed on an input", extra={"pool": pool})
                await dead_letter(event, DeadLetterReason.PROCESSING_ERROR, repr(error)[:500])
                continue
            if pool in runtime.stage.pools:  # not a follow-up for a pool that holds nothing
                runtime.known_pools.add(pool)
            for key, record in result.writes:
                if record is not None:
                    table[key] = record
                elif key in table:
                    del table[key]
            for name, key_bytes, value in result.outbound:
                await topics.outputs[name].send(key=key_bytes, value=value)
            if trace.isEnabledFor(logging.INFO):
                _trace(pool, message, result)


_TRACED = {
    "omniroute.offer": "offered",
    "omniroute.offer.assigned": "assigned",
    "omniroute.offer.revoked": "revoked",
}


def _trace(pool: str, cause: AssignerInput, result: StageResult) -> None:
    """One line per offer, assignment and revocation: ids only, never the customer."""
    for name, _, value in result.outbound:
        if name != ASSIGNMENTS:
            continue
        message = json.loads(value)
        what = _TRACED.get(message["type"])
        if what is not None:
            trace.info(
                what,
                extra={
                    "stage": "assigner",
                    "pool": pool,
                    "event_id": cause.id,
                    "interaction_id": message["interaction_id"],
                    "offer_id": message["offer_id"],
                    "agent_id": message["agent_id"],
                },
            )


def _add_ticks(app: faust.App, runtime: AssignerRuntime, topics: _Topics) -> None:
    async def tick() -> None:
        if not runtime.recovered:
            return
        now = utc_now()
        for pool in sorted(runtime.known_pools):
            message = PoolTick(id=new_event_id(), source="/omniroute/assigner", pool=pool, now=now)
            await topics.assigner_input.send(
                key=pool.encode(), value=message.model_dump_json().encode()
            )

    app.timer(runtime.settings.assigner.tick_seconds, name="pool-ticks")(tick)


def run_assigner_worker(settings: Settings) -> None:
    registry = CollectorRegistry()
    app, runtime = create_assigner_app(settings, registry)
    run_worker(settings, registry, app, ready=runtime.ready)
