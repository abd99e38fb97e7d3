"""The assigner stage for one input message: restore the pool if needed, dispatch
to it, turn its effects into messages and its changes into changelog writes, and
keep what supervisors watch. Kafka-free: the batch loop feeds it and writes what
it returns, so tests drive it directly with the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from omniroute.agents import (
    OVERFLOW_CAUSE,
    AgentPaused,
    Changes,
    Contact,
    ContactAssigned,
    ContactOverflowed,
    ContactState,
    Effect,
    OfferPlan,
    OfferRevocation,
    Pool,
    PoolConfig,
    Presence,
    Record,
    contact_from_decision,
    effect_message,
    pool_load_message,
    presence_from_wire,
    spec_from_login,
    to_datetime,
)
from omniroute.router.runtime import AssignerSettings
from omniroute.schemas import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentStateChanged,
    AssignerInput,
    Channel,
    ContactTarget,
    InteractionUpdate,
    OfferAccepted,
    OfferRejected,
    PoolTick,
    RoutingDecision,
    TransferredContact,
    TransferRequested,
    WorkCompleted,
    topic,
)

from ._depth import offered_by_queue
from ._estimates import EstimateBacklog, EstimateRotation, encode_wait_estimates
from ._flows import AgentFlows
from ._metrics import AssignerMetrics
from ._overflow import MovedContacts, overflow_message
from ._pool_config import pool_config
from ._service_level import ServiceLevelWindow

__all__ = [
    "DEFAULT_SERVICE_TARGETS",
    "AssignerStage",
    "PoolRecords",
    "StageResult",
    "pool_config",
    "table_key",
]

log = logging.getLogger("omniroute.assigner")
ASSIGNMENTS = topic("omniroute.assignments").name
POOL_LOAD = topic("omniroute.pool-load").name
WAIT_ESTIMATES = topic("omniroute.wait-estimates").name
SOURCE = "/omniroute/assigner"

DEFAULT_SERVICE_TARGETS = {
    Channel.VOICE: 20.0,
    Channel.CHAT: 30.0,
    Channel.SMS: 300.0,
    Channel.SOCIAL: 300.0,
    Channel.WEB: 4 * 3600.0,
    Channel.EMAIL: 4 * 3600.0,
}
"""Used when a decision carries no service target (e.g. after a failover)."""

PoolRecords = tuple[list[Record], list[Record], list[Record]]
"""(contacts, agents, handle times) of one pool, as the tables hold them."""


def table_key(pool: str, kind: str, name: str) -> str:
    """``pool|c|interaction``, ``pool|a|agent``, ``pool|h|queue``: '|' appears in no
    pool, queue, agent or interaction name, so the pool is the key's first part."""
    return f"{pool}|{kind}|{name}"


@dataclass(slots=True)
class StageResult:
    outbound: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    writes: list[tuple[str, Record | None]] = field(default_factory=list)
    offers: list[tuple[str, int]] = field(default_factory=list)
    """(offer id, index in ``outbound``) of each offer made."""
    revocations: list[tuple[str, int]] = field(default_factory=list)
    """(offer id, index in ``outbound``) of each offer revoked."""


class AssignerStage:
    def __init__(
        self,
        settings: AssignerSettings,
        metrics: AssignerMetrics,
        records: Callable[[str], PoolRecords],
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._records = records
        self.pools: dict[str, Pool] = {}
        self._targets: dict[str, float] = {}  # interaction -> service target; best effort
        self._estimates = EstimateRotation(settings.wait_estimate_every_seconds)
        self._estimate_backlog = EstimateBacklog(
            settings.wait_estimate_every_seconds, settings.tick_seconds
        )
        self._window = ServiceLevelWindow(settings.service_level_window_seconds)
        self._depth_shown: dict[str, set[str]] = {}
        self._moved = MovedContacts()
        self._flows = AgentFlows(settings, metrics, SOURCE, self._dispatch)

    def pool_config(self, pool: str) -> PoolConfig:
        return pool_config(pool, self._settings)

    def forget_all(self) -> None:
        """After a rebalance: pools are rebuilt from the recovered tables on next use."""
        self.pools.clear()
        self._estimate_backlog.forget()

    def forget(self, pool_name: str) -> None:
        self.pools.pop(pool_name, None)
        self._flows.forget(pool_name)
        self._estimates.forget(pool_name)
        self._estimate_backlog.forget(pool_name)

    def restore(self, pool_name: str, records: PoolRecords, now: float) -> StageResult:
        """(Re)build one pool from its persisted records, replacing any in memory; what
        the catch-up did (expired offers, new matches) comes back to publish and persist."""
        contacts, agents, handle_times = records
        pool, effects = Pool.restore(
            self.pool_config(pool_name), contacts, agents, handle_times, now
        )
        self.pools[pool_name] = pool
        result = StageResult()
        self._emit(pool, pool_name, effects, cause=None, now=now, result=result)
        self._write(pool_name, pool.drain_changes(), result)
        return result

    def timer(self, pool_name: str, now: float) -> StageResult:
        """A pool's own timer (``Pool.next_timer``): offers time out, waits widen.
        No load is published: that is the periodic tick's job."""
        result = StageResult()
        pool = self.pools.get(pool_name)
        if pool is None:
            return result
        self._emit(pool, pool_name, pool.tick(now), cause=None, now=now, result=result)
        self._write(pool_name, pool.drain_changes(), result)
        return result

    def apply(self, pool_name: str, message: AssignerInput, now: float) -> StageResult:
        result = StageResult()
        pool = self.pools.get(pool_name)
        effects: list[Effect] = []
        if pool is None:
            contacts, agents, handle_times = self._records(pool_name)
            if isinstance(message, InteractionUpdate) and not (contacts or agents):
                # A follow-up the router sent to every pool (it could not tell which
                # holds the contact): this one holds nothing, so there is nothing to
                # change, and no pool to create, tick and report.
                return result
            pool, effects = Pool.restore(
                self.pool_config(pool_name), contacts, agents, handle_times, now
            )
            self.pools[pool_name] = pool
            if contacts or agents:
                log.info(
                    "restored pool with %d contacts and %d agents",
                    len(contacts),
                    len(agents),
                    extra={"pool": pool_name, "stage": "assigner"},
                )
        self._metrics.events.labels(message.type.rsplit(".", 1)[-1]).inc()
        if isinstance(message, InteractionUpdate) and pool.contact(message.interaction_id) is None:
            follow = self._moved.follow(message)  # an overflow step moved it on
            if follow is not None:
                result.outbound.append(follow)
        effects += self._flows.around(pool, pool_name, message, now, result.outbound)
        self._emit(pool, pool_name, effects, cause=message, now=now, result=result)
        self._write(pool_name, pool.drain_changes(), result)
        if isinstance(message, PoolTick):
            self._publish_load(pool, pool_name, now, result)
        return result

    def _dispatch(  # noqa: PLR0911, PLR0912 - one branch per input type, as the table says
        self, pool: Pool, pool_name: str, message: AssignerInput, now: float
    ) -> list[Effect]:
        match message:
            case RoutingDecision(target=ContactTarget.AGENT_QUEUE):
                contact = contact_from_decision(message)
                if pool.contact(contact.interaction_id) is None:
                    self._targets[contact.interaction_id] = (
                        message.service_target_seconds or DEFAULT_SERVICE_TARGETS[contact.channel]
                    )
                    self._metrics.entered.labels(
                        pool_name, contact.queue, contact.channel.value
                    ).inc()
                    self._window.record(_series(pool_name, contact), now, "entered", True)
                return pool.enqueue(contact, now)
            case RoutingDecision():
                return []
            case InteractionUpdate(update="abandoned"):
                self._count_abandon(pool, pool_name, message.interaction_id, now)
                return pool.abandon(message.interaction_id, now)
            case InteractionUpdate(update="ended"):
                self._targets.pop(message.interaction_id, None)
                return pool.end(message.interaction_id, now)
            case InteractionUpdate(update="callback_requested"):
                waiting = pool.contact(message.interaction_id)
                if waiting is not None and not waiting.callback:
                    self._metrics.callbacks.labels(pool_name, waiting.queue).inc()
                return pool.to_callback(message.interaction_id, now)
            case PoolTick():
                return pool.tick(now)
            case TransferRequested():
                return self._flows.transfer(pool, pool_name, message, now)
            case TransferredContact():
                return self._flows.receive(pool, message, now)
            case AgentLoggedIn():
                return pool.login(spec_from_login(message), now)
            case AgentLoggedOut():
                return pool.logout(message.agent_id, now)
            case AgentStateChanged():
                reason = self._flows.reason(pool_name, message)
                presence = presence_from_wire(message.presence)
                return pool.set_presence(message.agent_id, presence, now, reason)
            case OfferAccepted():
                return pool.accept(message.agent_id, message.interaction_id, message.offer_id, now)
            case OfferRejected():
                self._metrics.offers.labels(pool_name, "rejected").inc()
                return pool.reject(message.agent_id, message.interaction_id, message.offer_id, now)
            case WorkCompleted():
                self._targets.pop(message.interaction_id, None)
                return pool.complete_work(message.agent_id, message.interaction_id, now)
        return []  # pragma: no cover - the union is exhausted above

    def _count_abandon(self, pool: Pool, pool_name: str, interaction_id: str, now: float) -> None:
        contact = pool.contact(interaction_id)
        if contact is None or contact.state in (ContactState.ASSIGNED, ContactState.MOVED):
            return
        waited = now - contact.wait_origin
        within = waited <= self._target(contact)
        self._metrics.abandoned.labels(
            pool_name, contact.queue, contact.channel.value, _flag(within)
        ).inc()
        self._window.record(_series(pool_name, contact), now, "abandoned", within)
        self._targets.pop(interaction_id, None)

    def _target(self, contact: Contact) -> float:
        return self._targets.get(contact.interaction_id) or DEFAULT_SERVICE_TARGETS[contact.channel]

    def _emit(
        self,
        pool: Pool,
        pool_name: str,
        effects: Iterable[Effect],
        *,
        cause: AssignerInput | None,
        now: float,
        result: StageResult,
    ) -> None:
        metrics = self._metrics
        for effect in effects:
            if isinstance(effect, ContactOverflowed):
                target = self._targets.pop(effect.contact.interaction_id, None)
                result.outbound.append(overflow_message(pool_name, effect, target, metrics))
                self._moved.remember(effect.contact.interaction_id, effect.pool, now)
                continue
            if self._flows.emit(effect, pool_name, result.outbound):
                continue
            message = effect_message(effect, pool_name, SOURCE)
            if isinstance(effect, OfferPlan):
                metrics.offers.labels(pool_name, "offered").inc()
                # ``now`` is the wall clock the loop passed in; an overflow's decision
                # carries the original queue entry, not the moment that made a match.
                if cause is not None and getattr(cause, "cause_type", None) != OVERFLOW_CAUSE:
                    metrics.offer_latency.labels(pool_name).observe(
                        max(0.0, now - cause.time.timestamp())
                    )
            elif isinstance(effect, ContactAssigned):
                metrics.offers.labels(pool_name, "accepted").inc()
                self._count_answer(pool, pool_name, effect, now)
            elif isinstance(effect, OfferRevocation):
                outcome = "timed_out" if effect.why == "timeout" else "revoked"
                metrics.offers.labels(pool_name, outcome).inc()
            elif isinstance(effect, AgentPaused):
                self._flows.observe(pool_name, effect.agent_id, pool.agent(effect.agent_id), now)
                log.info(
                    "agent paused after %d missed offers",
                    effect.misses,
                    extra={"pool": pool_name, "agent_id": effect.agent_id, "stage": "assigner"},
                )
            if isinstance(effect, OfferPlan):
                result.offers.append((effect.offer_id, len(result.outbound)))
            elif isinstance(effect, OfferRevocation):
                result.revocations.append((effect.offer_id, len(result.outbound)))
            result.outbound.append(
                (ASSIGNMENTS, effect.agent_id.encode(), message.model_dump_json().encode())
            )

    def _count_answer(
        self, pool: Pool, pool_name: str, effect: ContactAssigned, now: float
    ) -> None:
        contact = pool.contact(effect.interaction_id)
        if contact is None:
            return
        within = effect.waited_seconds <= self._target(contact)
        labels = (pool_name, contact.queue, contact.channel.value)
        self._metrics.answered.labels(*labels, _flag(within)).inc()
        self._metrics.wait.labels(*labels).observe(effect.waited_seconds)
        self._metrics.perceived_wait.labels(*labels).observe(
            effect.waited_seconds + contact.wait_offset
        )
        self._window.record(_series(pool_name, contact), now, "answered", within)

    def _write(self, pool_name: str, changes: Changes, result: StageResult) -> None:
        for kind, records in (
            ("c", changes.contacts),
            ("a", changes.agents),
            ("h", changes.handle_times),
        ):
            for name, record in records.items():
                result.writes.append((table_key(pool_name, kind, name), record))

    def _publish_load(self, pool: Pool, pool_name: str, now: float, result: StageResult) -> None:
        metrics = self._metrics
        view = pool.load(now)
        load = pool_load_message(view, pool_name, SOURCE).model_copy(
            update={"time": to_datetime(now)}
        )
        result.outbound.append((POOL_LOAD, pool_name.encode(), load.model_dump_json().encode()))
        ringing = offered_by_queue(pool)
        for queue in load.queues:
            depth = queue.queued + ringing.pop(queue.queue, 0)
            metrics.depth.labels(pool_name, queue.queue).set(depth)
            metrics.longest_wait.labels(pool_name, queue.queue).set(queue.longest_wait_seconds)
            metrics.estimated_wait.labels(pool_name, queue.queue).set(queue.estimated_wait_seconds)
        for queue_name, offered in ringing.items():  # nothing queued, only ringing
            metrics.depth.labels(pool_name, queue_name).set(offered)
        shown = {queue.queue for queue in load.queues} | set(ringing)
        for emptied in self._depth_shown.get(pool_name, set()) - shown:
            metrics.depth.labels(pool_name, emptied).set(0)  # not its last count, for ever
        self._depth_shown[pool_name] = shown
        metrics.occupancy.labels(pool_name).set(view.occupancy)
        states = {"ready": 0, "busy": 0, "not_ready": 0, "offline": 0}
        for agent in pool.agents():
            if agent.presence is Presence.READY:
                states["ready" if agent.total < agent.max_total else "busy"] += 1
            else:
                states[agent.presence.value] += 1
        for state, count in states.items():
            metrics.agents.labels(pool_name, state).set(count)
        for series, figures in self._window.figures(now).items():
            if figures.service_level is not None:
                metrics.service_level.labels(*series).set(figures.service_level)
            if figures.abandon_ratio is not None:
                metrics.abandon_rate.labels(*series).set(figures.abandon_ratio)
        queued = [queue.queue for queue in load.queues if queue.queued]
        due = self._estimates.due(pool_name, queued, now)
        backlog = self._estimate_backlog
        if due:
            backlog.add(pool_name, pool.queue_turns(now, due))
        for part in backlog.take(
            pool_name, sum(queue.queued for queue in load.queues), pool.is_queued
        ):
            values = encode_wait_estimates(part.waits, SOURCE, to_datetime(part.at))
            result.outbound.extend(
                (WAIT_ESTIMATES, wait.customer_id.encode(), value)
                for wait, value in zip(part.waits, values, strict=True)
            )


def _series(pool: str, contact: Contact) -> tuple[str, str, str]:
    return (pool, contact.queue, contact.channel.value)


def _flag(within: bool) -> str:
    return "true" if within else "false"
