"""What one contact costs: the single definition behind the router's expected cost,
the insight stage's metrics, the dashboard, the demo and ``omniroute report``.

A *contact* is one interaction from arrival to its end, whatever happened in
between: it is counted once, not once per routing decision. So an automation
contact that escalates costs its agent **once**, plus the automation it spent
first; and the cost avoided by automation is net of the automation that failed
(an escalated contact avoided nothing and cost its automation on top).

Money is kept in whole cents (``int``) so sums over a million contacts are exact
and the report, the metrics and the tests agree to the cent. Costs are
configured to the cent in the policy file (``costs:``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omniroute.schemas import Channel, ContactTarget

from ._model import Costs

__all__ = ["WRITTEN_CHANNELS", "ContactCost", "CostTable", "cents", "contact_cost", "dollars"]

WRITTEN_CHANNELS = frozenset({Channel.EMAIL, Channel.WEB})
"""Channels an agent answers in writing: the staffed_written cost, not the agent one."""


def cents(amount: float) -> int:
    """Dollars to whole cents, rounded half away from zero as money is."""
    return int(amount * 100 + (0.5 if amount >= 0 else -0.5))


def dollars(amount_cents: int) -> float:
    return amount_cents / 100


@dataclass(frozen=True, slots=True)
class CostTable:
    """The policy's ``costs:`` in cents: what one contact costs at each target."""

    agent_cents: int = 500
    staffed_written_cents: int = 563
    ivr_cents: int = 36
    self_service_cents: int = 36

    @classmethod
    def of(cls, costs: Costs) -> CostTable:
        return cls(
            agent_cents=cents(costs.agent),
            staffed_written_cents=cents(costs.staffed_written),
            ivr_cents=cents(costs.ivr),
            self_service_cents=cents(costs.self_service),
        )

    def agent(self, channel: Channel) -> int:
        """A person handling a contact on ``channel``."""
        return self.staffed_written_cents if channel in WRITTEN_CHANNELS else self.agent_cents

    def automation(self, stage: str) -> int:
        """One pass through IVR or self-service."""
        return self.ivr_cents if stage == ContactTarget.IVR.value else self.self_service_cents

    def target(self, target: ContactTarget, channel: Channel) -> int:
        """What sending a contact to ``target`` is expected to cost (a decision's
        ``expected_cost``, in cents)."""
        if target is ContactTarget.AGENT_QUEUE:
            return self.agent(channel)
        return self.automation(target.value)


@dataclass(frozen=True, slots=True)
class ContactCost:
    """One contact's money, in cents.

    - ``expected``: what the router expected at its first decision on the contact
      (the first target's cost), before anyone knew how it would go.
    - ``realised``: what it cost: each automation stage it went through, plus one
      agent if a person handled it (a contact abandoned in a queue costs no agent).
    - ``baseline``: one agent on its channel if the contact was served (by
      automation or a person): what serving it would have cost with no automation
      at all, once per contact. An abandoned contact was served by no one, so it
      has no baseline: no saving is claimed on a customer who gave up.
    - ``automation_failed``: automation spent on a contact automation did not
      finish (it escalated, or was abandoned there): money that avoided nothing.
    """

    expected: int
    realised: int
    baseline: int
    automation: int
    automation_failed: int

    @property
    def avoided(self) -> int:
        """Baseline minus realised: negative for a contact that escalated."""
        return self.baseline - self.realised

    def __add__(self, other: ContactCost) -> ContactCost:
        return ContactCost(
            self.expected + other.expected,
            self.realised + other.realised,
            self.baseline + other.baseline,
            self.automation + other.automation,
            self.automation_failed + other.automation_failed,
        )


ZERO = ContactCost(0, 0, 0, 0, 0)


def contact_cost(
    table: CostTable,
    channel: Channel,
    *,
    first_target: ContactTarget | None,
    automation_stages: Iterable[str],
    handled_by_agent: bool,
    self_served: bool,
) -> ContactCost:
    """The cost of one finished contact (see ``ContactCost``).

    ``automation_stages``: each IVR or self-service stage the contact went through
    (``"ivr"``, ``"self_service"``), once per stage entered. ``self_served``: the
    contact ended resolved in automation; only then was its automation worth it.
    """
    automation = sum(table.automation(stage) for stage in automation_stages)
    agent = table.agent(channel) if handled_by_agent else 0
    expected = table.target(first_target, channel) if first_target is not None else 0
    return ContactCost(
        expected=expected,
        realised=automation + agent,
        baseline=table.agent(channel) if handled_by_agent or self_served else 0,
        automation=automation,
        automation_failed=0 if self_served else automation,
    )


def total(costs: Iterable[ContactCost]) -> ContactCost:
    out = ZERO
    for cost in costs:
        out = out + cost
    return out
