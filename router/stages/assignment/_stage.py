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
    CapacityLedger,
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
    Record,
    contact_from_decision,
    effect_message,
    pool_load_message,
    presence_from_wire,
    spec_from_login,
    spread,
    to_datetime,
)
from omniroute.router.runtime import AssignerSettings
from omniroute.schemas import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentStateChanged,
    AssignerInput,
    ContactTarget,
    InteractionUpdate,
    OfferAccepted,
    OfferRejected,
    PoolTick,
    RoutingDecision,
    WorkCompleted,
    WrapUpEnded,
    topic,
)

from ._depth import offered_by_queue
from ._estimates import EstimateBacklog, EstimateRotation, encode_wait_estimates
from ._floor import (
    DEFAULT_SERVICE_TARGETS,
    QueueBook,
    completion_records,
    pool_config,
    show_agents,
    table_key,
)
from ._flows import AgentFlows
from ._metrics import AssignerMetrics
from ._overflow import MovedContacts, overflow_message
from ._service_level import ServiceLevelWindow, flag_label, series_of

__all__ = ["AssignerStage", "PoolRecords", "StageResult"]

log = logging.getLogger("omniroute.assigner")
ASSIGNMENTS = topic("omniroute.assignments").name
POOL_LOAD = topic("omniroute.pool-load").name
WAIT_ESTIMATES = topic("omniroute.wait-estimates").name
SOURCE = "/omniroute/assigner"

PoolRecords = tuple[list[Record], list[Record], list[Record]]
"""(contacts, agents, handle times) of one pool, as the tables hold them."""


@dataclass(slots=True)
class StageResult:
    outbound: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    writes: list[tuple[str, Record | None]] = field(default_factory=list)
    offers: list[tuple[str, int]] = field(default_factory=list)
    """(offer id, index in ``outbound``) of each offer made."""
    revocations: list[tuple[str, int]] = field(default_factory=list)
    """(offer id, index in ``outbound``) of each offer revoked."""
    others: list[tuple[str, StageResult]] = field(default_factory=list)
    """What the input did to *other* pools (an agent who works in several: the
    shared ledger changed), each to go to that pool's partition."""


class AssignerStage:
    def __init__(
        self,
        settings: AssignerSettings,
        metrics: AssignerMetrics,
        records: Callable[[str], PoolRecords],
        queues: QueueBook | None = None,
    ) -> None:
        """``queues``: the policy file's queue settings (``read_queue_settings``)."""
        self._settings = settings
        self._queues = queues
        self.ledger = CapacityLedger()
        """One capacity ledger per agent across every pool this stage holds."""
        self.metrics = metrics
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
        return pool_config(pool, self._settings, self._queues)

    def forget_all(self) -> None:
        """After a rebalance: pools are rebuilt from the recovered tables on next use."""
        for pool in self.pools.values():
            pool.detach()
        self.pools.clear()
        self._estimate_backlog.forget()

    def forget(self, pool_name: str) -> None:
        forgotten = self.pools.pop(pool_name, None)
        if forgotten is not None:
            forgotten.detach()
        self._flows.forget(pool_name)
        self._estimates.forget(pool_name)
        self._estimate_backlog.forget(pool_name)

    def restore(self, pool_name: str, records: PoolRecords, now: float) -> StageResult:
        """(Re)build one pool from its persisted records, replacing any in memory; what
        the catch-up did (expired offers, new matches) comes back to publish and persist."""
        contacts, agents, handle_times = records
        self.forget(pool_name)
        pool, effects = Pool.restore(
            self.pool_config(pool_name), contacts, agents, handle_times, now, ledger=self.ledger
        )
        self.pools[pool_name] = pool
        result = StageResult()
        self._close(pool_name, effects, None, now, result)
        return result

    def timer(self, pool_name: str, now: float) -> StageResult:
        """A pool's own timer (``Pool.next_timer``): offers time out, waits widen.
        No load is published: that is the periodic tick's job."""
        result = StageResult()
        pool = self.pools.get(pool_name)
        if pool is None:
            return result
        self._close(pool_name, pool.tick(now), None, now, result)
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
                self.pool_config(pool_name),
                contacts,
                agents,
                handle_times,
                now,
                ledger=self.ledger,
            )
            self.pools[pool_name] = pool
            if contacts or agents:
                log.info(
                    "restored pool with %d contacts and %d agents",
                    len(contacts),
                    len(agents),
                    extra={"pool": pool_name, "stage": "assigner"},
                )
        self.metrics.event_types(message.type.rsplit(".", 1)[-1]).inc()
        if isinstance(message, WorkCompleted):  # who served the customer, to the router
            result.outbound += completion_records(pool, message, now, SOURCE)
        if isinstance(message, InteractionUpdate) and pool.contact(message.interaction_id) is None:
            follow = self._moved.follow(message)  # an overflow step moved it on
            if follow is not None:
                result.outbound.append(follow)
        effects += self._flows.around(pool, pool_name, message, now, result.outbound)
        self._close(pool_name, effects, message, now, result)
        if isinstance(message, PoolTick):
            self._publish_load(pool, pool_name, now, result)
        return result

    def _close(
        self,
        pool_name: str,
        effects: Iterable[Effect],
        cause: AssignerInput | None,
        now: float,
        result: StageResult,
    ) -> None:
        """Every input's end: its effects published, its changes persisted; then the
        other pools of each agent whose shared load it changed list them again by the
        room left, and offer if some came free (``agents.spread``)."""
        pool = self.pools[pool_name]
        self._emit(pool, pool_name, effects, cause=cause, now=now, result=result)
        self._write(pool_name, pool.drain_changes(), result)
        for name, touched in spread(self.ledger, self.pools, now):
            part = StageResult()
            self._emit(self.pools[name], name, touched, cause=None, now=now, result=part)
            self._write(name, self.pools[name].drain_changes(), part)
            result.others.append((name, part))

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
                    self.metrics.entered_in(pool_name, contact.queue, contact.channel.value).inc()
                    self._window.record(series_of(pool_name, contact), now, "entered", True)
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
                    self.metrics.callbacks.labels(pool_name, waiting.queue).inc()
                return pool.to_callback(message.interaction_id, now)
            case PoolTick():
                return pool.tick(now)
            case AgentLoggedIn():
                return pool.login(spec_from_login(message), now)
            case AgentLoggedOut():
                return pool.logout(message.agent_id, now)
            case AgentStateChanged():
                return pool.set_presence(
                    message.agent_id, presence_from_wire(message.presence), now
                )
            case OfferAccepted():
                return pool.accept(message.agent_id, message.interaction_id, message.offer_id, now)
            case OfferRejected():
                self.metrics.offers.labels(pool_name, "rejected").inc()
                return pool.reject(message.agent_id, message.interaction_id, message.offer_id, now)
            case WorkCompleted():
                self._targets.pop(message.interaction_id, None)
                return pool.complete_work(message.agent_id, message.interaction_id, now)
            case WrapUpEnded():
                return pool.end_wrap_up(message.agent_id, message.interaction_id, now)
        return []  # pragma: no cover - the union is exhausted above

    def _count_abandon(self, pool: Pool, pool_name: str, interaction_id: str, now: float) -> None:
        contact = pool.contact(interaction_id)
        held = (ContactState.ASSIGNED, ContactState.WRAP_UP, ContactState.MOVED)
        if contact is None or contact.state in held:
            return
        waited = now - contact.wait_origin
        within = waited <= self._target(contact)
        self.metrics.abandoned.labels(
            pool_name, contact.queue, contact.channel.value, flag_label(within)
        ).inc()
        self._window.record(series_of(pool_name, contact), now, "abandoned", within)
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
        metrics = self.metrics
        for effect in effects:
            if isinstance(effect, ContactOverflowed):
                target = self._targets.pop(effect.contact.interaction_id, None)
                result.outbound.append(overflow_message(pool_name, effect, target, metrics))
                self._moved.remember(effect.contact.interaction_id, effect.pool, now)
                continue
            if self._flows.emit(effect, pool, pool_name, result.outbound, now):
                continue
            message = effect_message(effect, pool_name, SOURCE)
            if isinstance(effect, OfferPlan):
                metrics.offers_by(pool_name, "offered").inc()
                # ``now`` is the wall clock the loop passed in; an overflow's decision
                # carries the original queue entry, not the moment that made a match.
                if cause is not None and getattr(cause, "cause_type", None) != OVERFLOW_CAUSE:
                    metrics.offer_latency.labels(pool_name).observe(
                        max(0.0, now - cause.time.timestamp())
                    )
            elif isinstance(effect, ContactAssigned):
                metrics.offers_by(pool_name, "accepted").inc()
                self._count_answer(pool, pool_name, effect, now)
            elif isinstance(effect, OfferRevocation):
                outcome = "timed_out" if effect.why == "timeout" else "revoked"
                metrics.offers_by(pool_name, outcome).inc()
            elif isinstance(effect, AgentPaused):
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
        self.metrics.answered.labels(*labels, flag_label(within)).inc()
        self.metrics.wait.labels(*labels).observe(effect.waited_seconds)
        self.metrics.perceived_wait.labels(*labels).observe(
            effect.waited_seconds + contact.wait_offset
        )
        self._window.record(series_of(pool_name, contact), now, "answered", within)

    def _write(self, pool_name: str, changes: Changes, result: StageResult) -> None:
        for kind, records in (
            ("c", changes.contacts),
            ("a", changes.agents),
            ("h", changes.handle_times),
        ):
            for name, record in records.items():
                result.writes.append((table_key(pool_name, kind, name), record))

    def _publish_load(self, pool: Pool, pool_name: str, now: float, result: StageResult) -> None:
        metrics = self.metrics
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
        show_agents(metrics, pool, pool_name)
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
