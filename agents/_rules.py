"""Who goes first and who may take whom: the rules, shared by the indexed matcher
and the brute-force reference the property tests compare it with.

Keeping every float computation in one place matters: the index orders contacts
by time-invariant keys and compares lane heads by ``order_key(now)``; the
reference sorts everything by ``order_key(now)``. Both call these functions, so
the tests check the index, not two spellings of one formula.
"""

from __future__ import annotations

from ._model import Agent, Contact, QueueConfig, Signature

__all__ = [
    "ANY_AGENT",
    "NEVER",
    "RELAXED",
    "STRICT",
    "agent_level",
    "order_key",
    "prepare",
    "qualifies",
    "stage_at",
    "stage_changes",
    "sticky_until",
]

STRICT = 0
RELAXED = 1
ANY_AGENT = 2
NEVER = 3
"""An agent at level ``NEVER`` cannot take the contact at any stage."""

OrderKey = tuple[int, float, float, str]


def prepare(contact: Contact, config: QueueConfig) -> None:
    """Derive the time-invariant keys of a contact from its queue's config.

    With linear aging, rank(now) = priority + aging * (now - wait_origin)
    = static_rank + aging * now, so within a queue the order by ``static_rank``
    never changes; the bound is a fixed ``deadline`` in time.
    """
    contact.static_rank = contact.priority - config.aging_per_second * contact.wait_origin
    bound = contact.max_wait if contact.max_wait is not None else config.max_wait_seconds
    contact.deadline = float("inf") if bound is None else contact.wait_origin + bound


def order_key(contact: Contact, config: QueueConfig, now: float) -> OrderKey:
    """Smaller is served first. Past its bound a contact outranks every contact
    not past its own; among those past it, the longest perceived wait goes first."""
    if now >= contact.deadline:
        return (0, contact.wait_origin, contact.enqueued_at, contact.interaction_id)
    rank = contact.static_rank + config.aging_per_second * now
    return (1, -rank, contact.enqueued_at, contact.interaction_id)


def stage_at(contact: Contact, config: QueueConfig, now: float) -> int:
    """How far the contact's skill requirements have widened by ``now``."""
    any_after = config.any_agent_after_seconds
    if any_after is not None and now >= contact.enqueued_at + any_after:
        return ANY_AGENT
    relax_after = config.relax_after_seconds
    if relax_after is not None and now >= contact.enqueued_at + relax_after:
        return RELAXED
    return STRICT


def sticky_until(contact: Contact, config: QueueConfig) -> float | None:
    if contact.preferred_agent is None:
        return None
    return contact.enqueued_at + config.sticky_seconds


def stage_changes(contact: Contact, config: QueueConfig) -> list[float]:
    """Every moment at which the contact's eligibility may change by itself."""
    times = []
    if config.relax_after_seconds is not None:
        times.append(contact.enqueued_at + config.relax_after_seconds)
    if config.any_agent_after_seconds is not None:
        times.append(contact.enqueued_at + config.any_agent_after_seconds)
    sticky_end = sticky_until(contact, config)
    if sticky_end is not None:
        times.append(sticky_end)
    if contact.hold_for is not None:
        times.append(contact.hold_until)
    return times


def agent_level(skills: dict[str, int], requirements: Signature, config: QueueConfig) -> int:
    """The first widening stage at which an agent with ``skills`` qualifies.

    Relaxing lowers the minimum but still needs the skill: an agent who never
    learned Spanish is not a relaxed match for a Spanish call, only an
    any-agent one.
    """
    if all(skills.get(skill, 0) >= minimum for skill, minimum in requirements):
        return STRICT
    if config.relax_after_seconds is not None and all(
        skills.get(skill, 0) >= max(1, minimum - config.relax_by) for skill, minimum in requirements
    ):
        return RELAXED
    if config.any_agent_after_seconds is not None:
        return ANY_AGENT
    return NEVER


def qualifies(agent: Agent, contact: Contact, config: QueueConfig, now: float) -> bool:
    """Skills and widening only: presence, queue and room are checked by the caller."""
    return agent_level(agent.skills, contact.requirements, config) <= stage_at(contact, config, now)
