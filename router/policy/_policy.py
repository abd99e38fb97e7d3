"""The compiled policy: one ``route`` for every channel, rules first, then the
guardrails no rule can override, and an explanation of each step."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from omniroute.router.core import CustomerRecord, LoadView, RoutableEvent, construct_validated
from omniroute.router.core import decision_id as derive_decision_id
from omniroute.schemas import (
    EXPLANATION_DETAIL_MAX,
    Channel,
    ContactTarget,
    Explanation,
    ExplanationKind,
    OverflowStep,
    PoolLoad,
    RoutingDecision,
    SkillRequirement,
)

from ._conditions import Condition, ConditionError, FirstMatch
from ._contact_cost import CostTable, dollars
from ._facts import CHANNEL_FACTS, FactSheet, sample_facts
from ._hours import Schedule
from ._model import (
    AutomationRule,
    AutomationTarget,
    PolicyFile,
    QueueSpec,
    RouteAction,
    RoutingRule,
)
from ._steps import (
    GUARDRAILS,
    closed_route,
    guardrail,
    merge_skills,
    rule_explanation,
)

__all__ = ["GUARDRAILS", "Policy"]

_SOURCE = "/omniroute/router"
_NO_ACTION = RouteAction()
_AGENT_REQUIRED = frozenset({ExplanationKind.GUARDRAIL, ExplanationKind.DEGRADED})


def _rule_error(message: str) -> Explanation:
    """A rule that cannot be evaluated for this contact does not match; say so."""
    return Explanation(
        kind=ExplanationKind.DEFAULT, name="rule-error", detail=message[:EXPLANATION_DETAIL_MAX]
    )


class Policy:
    """Implements ``RoutingPolicy``. Immutable once built; reload builds a new one."""

    def __init__(self, spec: PolicyFile, digest: str) -> None:
        self.spec = spec
        self._version = f"{spec.version}+{digest[:8]}"
        self._tz = ZoneInfo(spec.timezone)
        self._repeat = timedelta(seconds=spec.guardrails.repeat_window_seconds)
        self._failure = timedelta(seconds=spec.guardrails.automation_failure_window_seconds)
        self._pools = frozenset(queue.pool for queue in spec.queues.values())
        self.cost_table = CostTable.of(spec.costs)
        """The policy's costs in cents, as every cost figure reads them."""
        self._target_costs = {
            (target, channel): dollars(self.cost_table.target(target, channel))
            for target in ContactTarget
            for channel in Channel
        }
        self._targets = {
            name: spec.queue_settings(name).service_target_seconds for name in spec.queues
        }
        self._schedules = {
            name: Schedule(name, hours, self._tz) for name, hours in spec.hours.items()
        }
        self._overflow = {
            name: tuple(
                OverflowStep(
                    after_seconds=step.after_seconds,
                    queue=step.to,
                    pool=spec.queues[step.to].pool,
                    required_skills=merge_skills(spec.queues[step.to].skills),
                )
                for step in queue.overflow
            )
            for name, queue in spec.queues.items()
        }
        sample = sample_facts(self._pools)
        self._automation: list[tuple[AutomationRule, Condition]] = []
        for index, rule in enumerate(spec.automation):
            condition = Condition(f"automation[{index}] {rule.name!r}", rule.when)
            condition.check(sample)
            self._automation.append((rule, condition))
        self._routing: list[tuple[RoutingRule, Condition]] = []
        for index, routing_rule in enumerate(spec.routing):
            condition = Condition(
                f"routing[{index}] {routing_rule.name!r}",
                routing_rule.when,
                forbidden=CHANNEL_FACTS,
            )
            condition.check(sample)
            self._routing.append((routing_rule, condition))
        self._first_routing = FirstMatch(self._routing)

    @property
    def version(self) -> str:
        return self._version

    @property
    def pools(self) -> frozenset[str]:
        return self._pools

    def route(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        load: LoadView,
        now: datetime,
        *,
        decision_id: str | None = None,
    ) -> RoutingDecision:
        """Where ``event`` goes. ``decision_id`` is the id the decision carries
        (``route_events`` derives it once per event and hands it over); derived from
        the event when not given."""
        ident = decision_id if decision_id is not None else derive_decision_id(event)
        facts = FactSheet(
            event,
            customer,
            load,
            now,
            timezone=self._tz,
            repeat_window=self._repeat,
            failure_window=self._failure,
        )
        why: list[Explanation] = []
        if customer.lookup_failed:
            why.append(
                Explanation(
                    kind=ExplanationKind.DEGRADED, name="degraded", detail=GUARDRAILS["degraded"]
                )
            )
        else:
            why += self._agent_guardrails(facts)
        if not why:
            automated = self._automation_target(facts, why)
            if automated is not None:
                return self._decision(event, customer, now, automated, why, ident=ident)
        return self._queue(event, customer, facts, now, why, ident=ident)

    def _agent_guardrails(self, facts: FactSheet) -> list[Explanation]:
        fired = []
        if facts["requested_agent"] or facts["escalated"]:
            fired.append(guardrail("agent-on-request"))
        if facts["failed_automation_recently"]:
            fired.append(guardrail("automation-failed-recently"))
        if facts["same_reason_recent"] > 0:
            fired.append(
                guardrail(
                    "repeat-contact",
                    f"{facts['same_reason_recent']} earlier contact(s) on "
                    f"{facts['reason']!r} within {self._repeat.total_seconds():.0f} s",
                )
            )
        return fired

    def _automation_target(self, facts: FactSheet, why: list[Explanation]) -> ContactTarget | None:
        channel = facts.event.channel
        if channel not in self.spec.automation_channels:
            return None
        for rule, condition in self._automation:
            if rule.channels is not None and channel not in rule.channels:
                continue
            if self._matches(condition, facts, why):
                target = rule.then.target
                if target is AutomationTarget.AUTOMATION:
                    target = (
                        AutomationTarget.IVR
                        if channel is Channel.VOICE
                        else (AutomationTarget.SELF_SERVICE)
                    )
                why.append(
                    rule_explanation(
                        ExplanationKind.RULE,
                        rule.name,
                        rule.description or f"starts in {target.value}",
                    )
                )
                return ContactTarget(target.value)
        return None

    @staticmethod
    def _matches(condition: Condition, facts: FactSheet, why: list[Explanation]) -> bool:
        try:
            return condition(facts)
        except ConditionError as error:
            why.append(_rule_error(str(error)))
            return False

    def _queue(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        facts: FactSheet,
        now: datetime,
        why: list[Explanation],
        *,
        ident: str,
    ) -> RoutingDecision:
        spec = self.spec
        # A guardrail already said "an agent" (or the record is unreadable): a closed
        # queue may not send this contact back to automation.
        agent_required = any(e.kind in _AGENT_REQUIRED for e in why)
        action = _NO_ACTION
        rule, errors = self._first_routing(facts)
        why.extend(map(_rule_error, errors))
        if rule is not None:
            action = rule.then
            why.append(
                rule_explanation(
                    ExplanationKind.RULE,
                    rule.name,
                    rule.description or f"queue {rule.then.queue or spec.default_queue}",
                )
            )
        else:
            why.append(
                rule_explanation(
                    ExplanationKind.DEFAULT,
                    "default-queue",
                    f"no routing rule matched: {spec.default_queue}",
                )
            )
        queue_name = action.queue or spec.default_queue
        queue = spec.queues[queue_name]
        channel = event.channel
        if channel not in queue.channels:
            fallback = queue.fallback if queue.fallback else spec.default_queue
            if channel not in spec.queues[fallback].channels:
                fallback = spec.default_queue
            why.append(
                guardrail(
                    "channel-fallback", f"{queue_name} does not serve {channel.value}: {fallback}"
                )
            )
            queue_name, queue = fallback, spec.queues[fallback]
        closed_queue = None
        shut = self._closed_now(queue_name, queue.pool, now) if self._schedules else None
        if shut is not None:
            schedule, closed = shut
            closed_queue = queue_name
            target, queue_name = closed_route(
                schedule,
                closed,
                queue_name,
                channel,
                why,
                automation_channels=spec.automation_channels,
                agent_required=agent_required,
            )
            queue = spec.queues[queue_name]
            if target is not None:
                return self._decision(
                    event, customer, now, target, why, ident=ident, closed_queue=closed_queue
                )
        priority = action.priority if action.priority is not None else queue.priority
        if priority < queue.floor:
            why.append(
                guardrail(
                    "priority-floor", f"priority {priority} raised to the floor {queue.floor}"
                )
            )
            priority = queue.floor
        bound = (queue.max_wait or spec.max_wait).of(channel)
        max_wait = bound
        if action.max_wait_seconds is not None:
            if action.max_wait_seconds > bound:
                why.append(
                    guardrail(
                        "aging-bound",
                        f"longest wait {action.max_wait_seconds:.0f} s capped at {bound:.0f} s",
                    )
                )
            max_wait = min(action.max_wait_seconds, bound)
        offer = False
        if action.offer:
            offer = self._idle(facts.pool_load(queue.pool))
            if not offer:
                why.append(guardrail("serve-when-busy"))
        return self._decision(
            event,
            customer,
            now,
            ContactTarget.AGENT_QUEUE,
            why,
            ident=ident,
            queue_name=queue_name,
            queue=queue,
            priority=priority,
            max_wait=max_wait,
            skills=merge_skills(queue.skills, action.skills),
            offer=offer,
            preferred_agent=self._last_agent(customer) if action.sticky else None,
            overflow=self._overflow[queue_name],
            closed_queue=closed_queue,
        )

    def _service_target(self, queue_name: str | None, channel: Channel) -> float:
        """The queue's own target if it sets one, else the policy's for the channel."""
        own = self._targets.get(queue_name) if queue_name is not None else None
        return own if own is not None else self.spec.service_targets.of(channel)

    def _closed_now(self, queue: str, pool: str, now: datetime) -> tuple[Schedule, str] | None:
        """The hours that apply (the queue's own, else its pool's) and why they are
        closed at ``now``; None while open or with no hours."""
        schedule = self._schedules.get(queue) or self._schedules.get(pool)
        closed = schedule.closed_at(now) if schedule is not None else None
        return None if schedule is None or closed is None else (schedule, closed)

    def _idle(self, load: PoolLoad | None) -> bool:
        thresholds = self.spec.offers
        return (
            load is not None
            and load.occupancy <= thresholds.max_occupancy
            and load.estimated_wait_seconds <= thresholds.max_estimated_wait_seconds
        )

    @staticmethod
    def _last_agent(customer: CustomerRecord) -> str | None:
        return next((r.agent_id for r in reversed(customer.recent) if r.agent_id), None)

    def cost(self, target: ContactTarget, channel: Channel) -> float:
        """The expected cost of sending a contact on ``channel`` to ``target``, in
        dollars: ``cost_table`` (the one cost definition), looked up per decision."""
        return self._target_costs[target, channel]

    def _decision(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        now: datetime,
        target: ContactTarget,
        why: list[Explanation],
        *,
        ident: str,
        queue_name: str | None = None,
        queue: QueueSpec | None = None,
        priority: int = 0,
        max_wait: float | None = None,
        skills: tuple[SkillRequirement, ...] = (),
        offer: bool = False,
        preferred_agent: str | None = None,
        overflow: tuple[OverflowStep, ...] = (),
        closed_queue: str | None = None,
    ) -> RoutingDecision:
        # Built without re-validation: every field comes from validated inputs or
        # from this module, and the property tests round-trip decisions through
        # the contract to prove it (tests/unit/policy/test_properties.py).
        # Every field is given; model_construct's per-call field walk measured
        # slower than this (see omniroute.router.core.construct_validated).
        return construct_validated(
            RoutingDecision,
            {
                "specversion": "1.0",
                "id": ident,
                "type": "omniroute.decision",
                "schema_version": 1,
                "source": _SOURCE,
                "time": now,
                "interaction_id": event.interaction_id,
                "customer_id": event.customer_id,
                "channel": event.channel,
                "cause_id": event.id,
                "cause_type": event.type,
                "reason": event.reason,
                "target": target,
                "queue": queue_name,
                "pool": queue.pool if queue else None,
                "priority": priority,
                "max_wait_seconds": max_wait,
                "service_target_seconds": self._service_target(queue_name, event.channel),
                "perceived_wait_offset_seconds": event.automation_seconds,
                "required_skills": skills,
                "preferred_agent_id": preferred_agent,
                "offer_allowed": offer,
                "expected_cost": self.cost(target, event.channel),
                "automation_path": tuple(event.automation_path),
                "explanation": tuple(why),
                "policy_version": self._version,
                "degraded": customer.lookup_failed,
                "customer": customer.context(),
                "overflow": overflow,
                "closed_queue": closed_queue,
            },
        )
