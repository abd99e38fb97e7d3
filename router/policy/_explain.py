"""A decision in words, for supervisors: "why did this customer go to IVR?"."""

from __future__ import annotations

from omniroute.schemas import ContactTarget, RoutingDecision

__all__ = ["explain"]


def explain(decision: RoutingDecision) -> list[str]:
    where = decision.target.value
    if decision.target is ContactTarget.AGENT_QUEUE:
        where = f"agent queue {decision.queue} (pool {decision.pool}), priority {decision.priority}"
    lines = [f"{decision.channel.value} contact -> {where}"]
    if decision.target is ContactTarget.AGENT_QUEUE:
        lines.append(
            f"  longest wait {decision.max_wait_seconds or 0:.0f} s, service target "
            f"{decision.service_target_seconds or 0:.0f} s, already waited "
            f"{decision.perceived_wait_offset_seconds:.0f} s in automation"
        )
        if decision.required_skills:
            skills = ", ".join(f"{s.skill}>={s.min_proficiency}" for s in decision.required_skills)
            lines.append(f"  skills: {skills}")
        if decision.preferred_agent_id:
            lines.append(f"  preferred agent: {decision.preferred_agent_id}")
        lines.append(f"  sales offer: {'yes' if decision.offer_allowed else 'no'}")
        for step in decision.overflow:
            lines.append(
                f"  overflow after {step.after_seconds:.0f} s: {step.queue} (pool {step.pool})"
            )
    if decision.closed_queue:
        lines.append(f"  arrived while {decision.closed_queue} was closed")
    lines.append(f"  expected cost ${decision.expected_cost:.2f}; policy {decision.policy_version}")
    lines.extend(f"  {e.kind.value:9} {e.name}: {e.detail}" for e in decision.explanation)
    return lines
