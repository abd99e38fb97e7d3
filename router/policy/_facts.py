"""The facts a policy condition can use, computed per contact on demand: a rule
that never mentions ``load`` never pays for building it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from omniroute.router.core import AUTOMATION_FAILURES, CustomerRecord, LoadView, RoutableEvent
from omniroute.schemas import (
    ContactOutcome,
    ContactTarget,
    InteractionEscalated,
    PoolLoad,
    RecentContact,
)

__all__ = ["CHANNEL_FACTS", "FACTS", "FactSheet", "sample_facts"]

FACTS: dict[str, str] = {
    "channel": "voice | chat | email | web | sms | social (automation rules only)",
    "known": "a customer profile was found",
    "tier": "standard | silver | gold | vip",
    "arpu": "average monthly revenue (double)",
    "segment": "the customer's segment, '' if none",
    "language": "preferred language, '' if none",
    "preferred_channel": "the customer's preferred channel, '' if none",
    "reason": "contact reason, '' if none",
    "requested_agent": "the customer asked for a person",
    "escalated": "the contact comes out of IVR/self-service asking for a person",
    "automation_seconds": "time already spent in IVR/self-service (double)",
    "automation_steps": "IVR menu nodes / self-service pages visited (int)",
    "automation_path": "those nodes and pages, in order (list of strings)",
    "recent_contacts": "contacts in the repeat window, this one excluded (int)",
    "same_reason_recent": "of those, on the same reason (int)",
    "last_outcome": "outcome of the previous contact, '' if none",
    "failed_automation_recently": "failed, abandoned or escalated out of IVR/self-service "
    "in the window",
    "hour": "local hour of day, 0-23, in the policy's timezone",
    "weekday": "local day of week, 1 (Monday) - 7 (Sunday)",
    "load": "per pool: {queued, longest_wait, agents_ready, occupancy, estimated_wait, known}",
}
CHANNEL_FACTS = frozenset({"channel"})
"""What routing rules may not read: queue and priority must not depend on the channel."""
UNHASHABLE_FACTS = frozenset({"automation_path", "load"})

_FAILED = {ContactOutcome.FAILED_IN_AUTOMATION, ContactOutcome.ABANDONED}
_AUTOMATED = {ContactTarget.IVR, ContactTarget.SELF_SERVICE}


def _load_facts(load: LoadView) -> dict[str, dict[str, Any]]:
    return {
        pool: {
            "queued": entry.queued,
            "longest_wait": entry.longest_wait_seconds,
            "agents_ready": entry.agents_ready,
            "occupancy": entry.occupancy,
            "estimated_wait": entry.estimated_wait_seconds,
            "known": True,
        }
        for pool, entry in load.items()
    }


_UNSET: Any = object()


class FactSheet:
    """Facts about one contact, each computed the first time a condition asks."""

    __slots__ = ("_computed", "_getters", "customer", "event", "load", "now", "window")

    def __init__(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        load: LoadView,
        now: datetime,
        *,
        timezone: ZoneInfo,
        repeat_window: timedelta,
        failure_window: timedelta,
    ) -> None:
        self.event = event
        self.customer = customer
        self.load = load
        self.now = now
        self.window = repeat_window
        self._computed: dict[str, Any] = {}
        profile = customer.profile
        recent = tuple(r for r in customer.recent if r.interaction_id != event.interaction_id)

        def within(window: timedelta) -> list[RecentContact]:
            return [r for r in recent if now - r.at <= window]

        self._getters: dict[str, Callable[[], Any]] = {
            "channel": lambda: event.channel.value,
            "known": lambda: profile is not None,
            "tier": lambda: profile.tier.value if profile else "standard",
            "arpu": lambda: float(profile.arpu) if profile else 0.0,
            "segment": lambda: (profile.segment or "") if profile else "",
            "language": lambda: (profile.language or "") if profile else "",
            "preferred_channel": lambda: (
                profile.preferred_channel.value if profile and profile.preferred_channel else ""
            ),
            "reason": lambda: event.reason or "",
            "requested_agent": lambda: bool(event.requested_agent),
            "escalated": lambda: isinstance(event, InteractionEscalated),
            "automation_seconds": lambda: float(event.automation_seconds),
            "automation_steps": lambda: len(event.automation_path),
            "automation_path": lambda: list(event.automation_path),
            "recent_contacts": lambda: len(within(repeat_window)),
            "same_reason_recent": lambda: sum(
                1 for r in within(repeat_window) if event.reason and r.reason == event.reason
            ),
            "last_outcome": lambda: recent[-1].outcome.value if recent else "",
            "failed_automation_recently": lambda: any(
                r.automation_outcome in AUTOMATION_FAILURES
                or (r.outcome in _FAILED and r.target in _AUTOMATED)
                for r in within(failure_window)
            ),
            "hour": lambda: now.astimezone(timezone).hour,
            "weekday": lambda: now.astimezone(timezone).isoweekday(),
            "load": lambda: _load_facts(load),
        }

    def __getitem__(self, name: str) -> Any:
        # Most facts are asked for a first time: a miss must not cost a raised KeyError.
        value = self._computed.get(name, _UNSET)
        if value is _UNSET:
            value = self._computed[name] = self._getters[name]()
        return value

    def pool_load(self, pool: str) -> PoolLoad | None:
        return self.load.get(pool)


def sample_facts(pools: Iterable[str] = ()) -> Mapping[str, Any]:
    """A typical value of each fact, to type-check conditions when a policy loads.
    Every pool the policy declares has a load here; at run time a pool the assigner
    has not reported yet is absent (write ``has(load.care) && ...`` to allow for it)."""
    return {
        "channel": "voice",
        "known": True,
        "tier": "standard",
        "arpu": 42.0,
        "segment": "budget",
        "language": "en",
        "preferred_channel": "",
        "reason": "billing",
        "requested_agent": False,
        "escalated": False,
        "automation_seconds": 0.0,
        "automation_steps": 0,
        "automation_path": [],
        "recent_contacts": 0,
        "same_reason_recent": 0,
        "last_outcome": "",
        "failed_automation_recently": False,
        "hour": 12,
        "weekday": 3,
        "load": {
            pool: {
                "queued": 0,
                "longest_wait": 0.0,
                "agents_ready": 1,
                "occupancy": 0.5,
                "estimated_wait": 0.0,
                "known": True,
            }
            for pool in pools
        },
    }
