"""The policy file, as pydantic models: unknown keys are errors, so a typo in a
policy never passes silently.

Two rule lists, on purpose:

- ``automation`` rules decide whether a contact starts in IVR or self-service.
  They may look at the channel, because channels differ in what automation they
  have.
- ``routing`` rules choose the agent queue, priority, skills and offers. They may
  not look at the channel: that is what makes two contacts that differ only in
  channel land in the same queue at the same priority (consistent handling).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from omniroute.schemas import (
    EXPLANATION_DETAIL_MAX,
    EXPLANATION_NAME_MAX,
    QUEUE_SETTING_NAMES,
    SERVICE_TARGET_SECONDS,
    Channel,
    QueueSettings,
    SkillRequirement,
)

from ._hours import OpeningHours

__all__ = [
    "AutomationAction",
    "AutomationRule",
    "AutomationTarget",
    "ChannelSeconds",
    "Costs",
    "GuardrailSettings",
    "OfferThresholds",
    "OutboundRules",
    "OverflowRule",
    "PolicyFile",
    "QueueSpec",
    "QuietHours",
    "RouteAction",
    "RoutingRule",
]

# Everything a policy copies into decisions is held here to the decision
# contract's own limits, so that whatever ``policy check`` accepts can never make
# a decision fail validation: names become queue, pool and explanation names,
# descriptions become explanation details, numbers become decision numbers.
Name = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=min(64, EXPLANATION_NAME_MAX),  # also a QueueName: 64
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
    ),
]
Description = Annotated[str, StringConstraints(max_length=EXPLANATION_DETAIL_MAX)]
"""A rule's description: the detail of the explanation when the rule fires."""
Expression = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    # No NaN or Infinity (YAML has .nan and .inf): a decision carries these numbers.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ChannelSeconds(_Strict):
    """A duration per channel, in seconds: voice and chat in seconds, e-mail and web
    forms in hours, in one model so that "comparable response times" is checkable.
    Its defaults are the service targets (``schemas.SERVICE_TARGET_SECONDS``)."""

    voice: float = Field(default=SERVICE_TARGET_SECONDS[Channel.VOICE], gt=0)
    chat: float = Field(default=SERVICE_TARGET_SECONDS[Channel.CHAT], gt=0)
    sms: float = Field(default=SERVICE_TARGET_SECONDS[Channel.SMS], gt=0)
    social: float = Field(default=SERVICE_TARGET_SECONDS[Channel.SOCIAL], gt=0)
    email: float = Field(default=SERVICE_TARGET_SECONDS[Channel.EMAIL], gt=0)
    web: float = Field(default=SERVICE_TARGET_SECONDS[Channel.WEB], gt=0)

    def of(self, channel: Channel) -> float:
        value: float = getattr(self, channel.value)
        return value


class Costs(_Strict):
    """Expected handling cost per contact by target (DOMAIN.md's figures by default)."""

    agent: float = Field(default=5.00, ge=0)
    staffed_written: float = Field(default=5.63, ge=0, description="Agent on e-mail or web.")
    ivr: float = Field(default=0.36, ge=0)
    self_service: float = Field(default=0.36, ge=0)


class AutomationTarget(StrEnum):
    AUTOMATION = "automation"  # IVR on voice, self-service on every other channel
    IVR = "ivr"
    SELF_SERVICE = "self_service"


class AutomationAction(_Strict):
    target: AutomationTarget = AutomationTarget.AUTOMATION


class AutomationRule(_Strict):
    name: Name
    description: Description = ""
    when: Expression
    then: AutomationAction = AutomationAction()
    channels: frozenset[Channel] | None = Field(
        default=None, description="Only on these channels; None: every channel with automation."
    )


class RouteAction(_Strict):
    queue: Name | None = None
    priority: int | None = Field(default=None, ge=0, le=1000)
    max_wait_seconds: float | None = Field(default=None, gt=0)
    skills: tuple[SkillRequirement, ...] = ()
    offer: bool = Field(default=False, description="A sales offer may ride along (when idle).")
    sticky: bool = Field(default=False, description="Prefer the agent who last served them.")


class RoutingRule(_Strict):
    name: Name
    description: Description = ""
    when: Expression
    then: RouteAction


class OverflowRule(_Strict):
    """A queued contact still waiting ``after_seconds`` after its queue entry moves to
    queue ``to`` (in any pool): TaskRouter's workflow step timeout, Connect's routing
    step, Genesys's next bullseye ring. Steps apply in order of their wait."""

    after_seconds: float = Field(gt=0)
    to: Name


class QueueSpec(QueueSettings, _Strict):
    """A queue: its pool, channels, priority and floor, skills, and its timing
    (``QueueSettings``: aging, widening, sticky window, wrap-up, service target),
    each timing key over the policy's ``queue_defaults``."""

    pool: Name
    channels: frozenset[Channel] = frozenset(Channel)
    priority: int = Field(default=30, ge=0, le=1000, description="Priority when no rule sets one.")
    floor: int = Field(
        default=30, ge=0, le=1000, description="No rule can put a contact below this (value alone)."
    )
    max_wait: ChannelSeconds | None = Field(
        default=None, description="Aging bound per channel; None: the policy's."
    )
    skills: tuple[SkillRequirement, ...] = ()
    fallback: Name | None = Field(
        default=None, description="Where a channel this queue does not serve goes instead."
    )
    overflow: tuple[OverflowRule, ...] = Field(
        default=(), description="Where a contact still queued goes after each step's wait."
    )


class GuardrailSettings(_Strict):
    repeat_window_seconds: float = Field(default=3600, gt=0)
    automation_failure_window_seconds: float = Field(default=3600, gt=0)


class OfferThresholds(_Strict):
    """Sell when idle, serve when busy: offers only while the pool is under both."""

    max_occupancy: float = Field(default=0.80, ge=0, le=1)
    max_estimated_wait_seconds: float = Field(default=30, ge=0)


class QuietHours(_Strict):
    """Local hours (the policy's timezone) when no outbound contact is made."""

    start_hour: int = Field(default=21, ge=0, le=23)
    end_hour: int = Field(default=8, ge=0, le=23)


class OutboundRules(_Strict):
    """Outbound coordination: one view of the customer before anyone calls them."""

    daily_cap: int = Field(default=1, ge=0, le=50, description="Approved contacts a day.")
    min_gap_seconds: float = Field(
        default=4 * 3600,
        ge=0,
        description="No outbound this soon after any contact, inbound or outbound.",
    )
    quiet_hours: QuietHours = QuietHours()
    default_pool: Name = Field(default="care", description="Whose load holds marketing.")
    busy_retry_seconds: float = Field(default=1800, gt=0)


class PolicyFile(_Strict):
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    description: str = ""
    timezone: str = "UTC"
    automation_channels: frozenset[Channel] = Field(
        default=frozenset(Channel) - {Channel.EMAIL},
        description="Channels that have IVR or self-service at all.",
    )
    service_targets: ChannelSeconds = ChannelSeconds()
    max_wait: ChannelSeconds = ChannelSeconds(
        voice=180, chat=240, sms=1800, social=3600, email=8 * 3600, web=8 * 3600
    )
    costs: Costs = Costs()
    guardrails: GuardrailSettings = GuardrailSettings()
    offers: OfferThresholds = OfferThresholds()
    outbound: OutboundRules = OutboundRules()
    queue_defaults: QueueSettings = Field(
        default=QueueSettings(),
        description="Timing of every queue that does not set its own (aging, widening, "
        "sticky window, wrap-up, service target).",
    )
    queues: dict[Name, QueueSpec] = Field(min_length=1)
    hours: dict[Name, OpeningHours] = Field(
        default_factory=dict,
        description="Opening hours by queue or pool (a queue's own entry wins); none: always open.",
    )
    default_queue: Name
    automation: tuple[AutomationRule, ...] = ()
    routing: tuple[RoutingRule, ...] = ()

    def queue_settings(self, name: str) -> QueueSettings:
        """The queue's own timing keys over ``queue_defaults``."""
        queue = self.queues[name]
        own = {key: getattr(queue, key) for key in queue.model_fields_set & QUEUE_SETTING_NAMES}
        return self.queue_defaults.model_copy(update=own) if own else self.queue_defaults

    @model_validator(mode="after")
    def _queues_exist(self) -> PolicyFile:
        problems = []
        if self.default_queue not in self.queues:
            problems.append(f"default_queue: unknown queue {self.default_queue!r}")
        elif self.queues[self.default_queue].channels != frozenset(Channel):
            problems.append("default_queue: must serve every channel (it is the last resort)")
        for name, queue in self.queues.items():
            if queue.fallback is not None and queue.fallback not in self.queues:
                problems.append(f"queues.{name}.fallback: unknown queue {queue.fallback!r}")
            if queue.floor > queue.priority:
                problems.append(f"queues.{name}.priority: below its own floor {queue.floor}")
            problems += _overflow_problems(name, queue, self.queues)
        problems += _hours_problems(self)
        for index, rule in enumerate(self.routing):
            if rule.then.queue is not None and rule.then.queue not in self.queues:
                problems.append(
                    f"routing[{index}] {rule.name!r}.then.queue: unknown queue {rule.then.queue!r}"
                )
        names = [r.name for r in self.automation] + [r.name for r in self.routing]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            problems.append(f"rule names must be unique: {', '.join(duplicates)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _overflow_problems(name: str, queue: QueueSpec, queues: dict[str, QueueSpec]) -> list[str]:
    problems = []
    waits = [step.after_seconds for step in queue.overflow]
    if waits != sorted(set(waits)):
        problems.append(f"queues.{name}.overflow: after_seconds must increase step by step")
    for index, step in enumerate(queue.overflow):
        if step.to not in queues:
            problems.append(f"queues.{name}.overflow[{index}].to: unknown queue {step.to!r}")
        elif step.to == name:
            problems.append(f"queues.{name}.overflow[{index}].to: overflows into itself")
    return problems


def _hours_problems(spec: PolicyFile) -> list[str]:
    problems = []
    pools = {queue.pool for queue in spec.queues.values()}
    for name, hours in spec.hours.items():
        if name not in spec.queues and name not in pools:
            problems.append(f"hours.{name}: neither a queue nor a pool")
        route = hours.closed
        if route.target != "queue" and route.queue is not None:
            problems.append(f"hours.{name}.closed.queue: only with target: queue")
        elif route.target == "queue" and route.queue not in spec.queues:
            problems.append(f"hours.{name}.closed.queue: a queue is needed, got {route.queue!r}")
        elif route.queue is not None and spec.queues[route.queue].channels != frozenset(Channel):
            problems.append(
                f"hours.{name}.closed.queue: {route.queue} must serve every channel "
                "(it takes whatever arrives while closed)"
            )
    return problems
