"""Pieces of a decision the policy builds from the file alone: skills merged per
queue, and the closed-hours explanation and target."""

from __future__ import annotations

import functools
from collections.abc import Collection

from omniroute.schemas import Channel, ContactTarget, Explanation, ExplanationKind, SkillRequirement

from ._hours import Schedule, closed_detail

__all__ = [
    "GUARDRAILS",
    "closed_explanation",
    "closed_route",
    "closed_target",
    "guardrail",
    "merge_skills",
    "rule_explanation",
]

GUARDRAILS = {
    "agent-on-request": "the customer asked for a person, or escalated out of automation",
    "automation-failed-recently": (
        "failed, abandoned or escalated out of IVR/self-service within the window"
    ),
    "repeat-contact": "contacted us on the same reason within the window",
    "degraded": "customer record unavailable: an agent, never automation",
    "priority-floor": "no rule may put a contact below its queue's floor",
    "aging-bound": "the wait is bounded by the queue's longest acceptable wait",
    "serve-when-busy": "no sales offer while the pool is busy or its load unknown",
    "channel-fallback": "the chosen queue does not serve this channel",
}


@functools.lru_cache(maxsize=1024)
def merge_skills(*groups: tuple[SkillRequirement, ...]) -> tuple[SkillRequirement, ...]:
    """A queue's and a rule's requirements, the stricter of each skill. Both come from
    the policy file, so the answers are few: built once (the models are frozen), not
    per decision (1.7% of the stage's time in the profile)."""
    best: dict[str, int] = {}
    for group in groups:
        for requirement in group:
            best[requirement.skill] = max(
                best.get(requirement.skill, 0), requirement.min_proficiency
            )
    return tuple(SkillRequirement(skill=s, min_proficiency=p) for s, p in sorted(best.items()))


def closed_explanation(detail: str) -> Explanation:
    return Explanation(kind=ExplanationKind.RULE, name="closed-hours", detail=detail)


def closed_target(target: str, channel: Channel) -> ContactTarget:
    if target == "automation" or (target == "ivr" and channel is not Channel.VOICE):
        return ContactTarget.IVR if channel is Channel.VOICE else ContactTarget.SELF_SERVICE
    return ContactTarget(target)


def guardrail(name: str, detail: str | None = None) -> Explanation:
    if detail is None:
        return _standing_guardrail(name)
    return Explanation(kind=ExplanationKind.GUARDRAIL, name=name, detail=detail)


@functools.cache
def _standing_guardrail(name: str) -> Explanation:
    """Guardrails whose text never changes, built once (explanations are frozen)."""
    return Explanation(kind=ExplanationKind.GUARDRAIL, name=name, detail=GUARDRAILS[name])


@functools.lru_cache(maxsize=4096)
def rule_explanation(kind: ExplanationKind, name: str, detail: str) -> Explanation:
    """A rule's explanation depends only on the rule and its target: built once."""
    return Explanation(kind=kind, name=name, detail=detail)


def closed_route(
    schedule: Schedule,
    closed: str,
    queue: str,
    channel: Channel,
    why: list[Explanation],
    *,
    automation_channels: Collection[Channel],
    agent_required: bool,
) -> tuple[ContactTarget | None, str]:
    """The policy's closed-hours route: automation (a target), another queue, or
    the same queue, waiting for the opening: on a channel with no automation
    (e-mail), and for a contact a guardrail sends to an agent."""
    route = schedule.route
    if route.target == "queue" and route.queue is not None:
        why.append(closed_explanation(closed_detail(queue, schedule, closed, route.queue)))
        return None, route.queue
    if channel in automation_channels and not agent_required:
        target = closed_target(route.target, channel)
        why.append(closed_explanation(closed_detail(queue, schedule, closed, target.value)))
        return target, queue
    why.append(
        closed_explanation(closed_detail(queue, schedule, closed, "waits in queue for the opening"))
    )
    return None, queue
