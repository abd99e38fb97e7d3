"""Customer records in Redis are input too: an unreadable profile routes the contact
with the safe default, flagged, and the decision is one the contract accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniroute.router.codec import InboundRecord
from omniroute.router.core import apply_to_history, route_events
from omniroute.router.policy import default_policy
from omniroute.router.stages.routing import customer_record
from omniroute.router.tools.harness import past_contacts
from omniroute.schemas import (
    ContactTarget,
    ExplanationKind,
    RecentContacts,
    RoutingDecision,
)
from tests.support.policy import NOW, arrival

GOOD_RECENT = RecentContacts().model_dump_json().encode()


@pytest.mark.parametrize(
    "profile",
    [
        b'{"customer_id": "c1", "arpu": Infinity}',
        b'{"customer_id": "c1", "arpu": NaN}',
        b'{"customer_id": "c1", "arpu": 1e300}',
        b'{"customer_id": "c1", "tier": "platinum"}',
        b"not json",
    ],
)
def test_an_unreadable_profile_routes_with_the_safe_default_flagged(profile: bytes) -> None:
    record = customer_record("c1", profile, GOOD_RECENT)
    assert record.profile is None
    assert record.lookup_failed is True

    routed = route_events(
        [(InboundRecord("omniroute.interactions", 0, 0, b"c1", b"{}"), arrival())],
        {"c1": record},
        default_policy(),
        {},
        now=NOW,
        keep=10,
        max_age=timedelta(days=7),
    )
    assert routed.failures == []
    ((_, decision),) = routed.decisions
    assert decision.target is ContactTarget.AGENT_QUEUE
    assert decision.degraded is True
    assert decision.explanation[0].kind is ExplanationKind.DEGRADED
    assert decision.customer.known is False
    # What the assigner and front ends will read back: the contract accepts it.
    assert RoutingDecision.model_validate_json(decision.model_dump_json()) == decision


def test_a_readable_profile_and_a_missing_one_are_not_flagged() -> None:
    known = customer_record("c1", b'{"customer_id": "c1", "arpu": 12.5}', None)
    assert (known.profile is not None, known.lookup_failed) == (True, False)
    assert known.profile is not None
    assert known.profile.arpu == 12.5
    unknown = customer_record("c2", None, None)
    assert (unknown.profile, unknown.lookup_failed) == (None, False)


def test_unreadable_recent_contacts_are_flagged_too() -> None:
    record = customer_record("c1", None, b'{"contacts": [{"interaction_id": "i"}]}')
    assert (record.recent, record.lookup_failed) == ((), True)


def test_a_seeded_history_is_kept_whole_by_the_router_and_outside_its_windows() -> None:
    """Soak customers start with histories at their kept size, oldest first, none
    older than the router keeps: its own update leaves them whole."""
    seeded = past_contacts("cust-0000001", 20, NOW)
    assert [line.at for line in seeded] == sorted(line.at for line in seeded)
    assert NOW - seeded[-1].at == timedelta(days=1)

    kept = apply_to_history(
        seeded,
        arrival(),
        None,
        now=NOW,
        keep=20,
        max_age=timedelta(days=30),
    )
    assert kept == seeded
