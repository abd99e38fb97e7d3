"""Outbound coordination, pure: each check and its reason, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniroute.router.policy import OfferThresholds, OutboundRules, QuietHours, judge_outbound
from omniroute.schemas import Channel, OutboundKind, OutboundRequest, PoolLoad

NOON = datetime(2026, 12, 7, 12, tzinfo=UTC)
RULES = OutboundRules()
OFFERS = OfferThresholds()


def _request(kind: OutboundKind, department: str = "dept") -> OutboundRequest:
    return OutboundRequest(
        id=f"r-{kind}",
        source="/t",
        request_id=f"q-{kind}",
        customer_id="c-1",
        department=department,
        kind=kind,
        channel=Channel.VOICE,
    )


def _load(occupancy: float, wait: float = 0.0) -> PoolLoad:
    return PoolLoad(
        id="l",
        source="/t",
        pool="care",
        queued=0,
        longest_wait_seconds=0,
        agents_logged_in=10,
        agents_ready=5,
        occupancy=occupancy,
        estimated_wait_seconds=wait,
    )


IDLE = _load(0.3)


def test_a_clear_request_is_approved() -> None:
    judged = judge_outbound(
        _request("marketing"), RULES, OFFERS, inbound=(), approved=(), load=IDLE, now=NOON
    )
    assert (judged.verdict, judged.reason, judged.retry_after) == ("approved", "clear", None)


def test_nobody_is_called_at_night_and_the_request_waits_for_the_morning() -> None:
    night = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
    judged = judge_outbound(
        _request("collections"), RULES, OFFERS, inbound=(), approved=(), load=IDLE, now=night
    )
    assert (judged.verdict, judged.reason) == ("deferred", "quiet_hours")
    assert judged.retry_after == datetime(2026, 12, 8, 8, tzinfo=UTC)
    early = judge_outbound(
        _request("collections"),
        RULES,
        OFFERS,
        inbound=(),
        approved=(),
        load=IDLE,
        now=datetime(2026, 12, 7, 7, tzinfo=UTC),
    )
    assert early.retry_after == datetime(2026, 12, 7, 8, tzinfo=UTC)


def test_quiet_hours_are_local_to_the_policys_timezone() -> None:
    # 12:00 UTC is 21:00 in Tokyo: quiet there.
    judged = judge_outbound(
        _request("survey"),
        RULES,
        OFFERS,
        inbound=(),
        approved=(),
        load=IDLE,
        now=NOON,
        timezone="Asia/Tokyo",
    )
    assert judged.reason == "quiet_hours"


@pytest.mark.parametrize(("kind", "verdict"), [("marketing", "suppressed"), ("survey", "deferred")])
def test_the_daily_cap_suppresses_marketing_and_defers_the_rest_to_tomorrow(
    kind: OutboundKind, verdict: str
) -> None:
    earlier = NOON - timedelta(hours=5)
    judged = judge_outbound(
        _request(kind),
        RULES,
        OFFERS,
        inbound=(),
        approved=[(earlier, "collections")],
        load=IDLE,
        now=NOON,
    )
    assert (judged.verdict, judged.reason) == (verdict, "daily_cap")
    assert "collections" in judged.detail
    if verdict == "deferred":
        assert judged.retry_after == datetime(2026, 12, 8, tzinfo=UTC)


def test_a_contact_either_way_within_the_gap_defers_until_it_ends() -> None:
    called_us = NOON - timedelta(hours=1)
    judged = judge_outbound(
        _request("collections"),
        RULES,
        OFFERS,
        inbound=[called_us],
        approved=(),
        load=IDLE,
        now=NOON,
    )
    assert (judged.verdict, judged.reason) == ("deferred", "recent_contact")
    assert judged.retry_after == called_us + timedelta(hours=4)
    yesterday = NOON - timedelta(days=1)
    judged = judge_outbound(
        _request("collections"),
        RULES.model_copy(update={"daily_cap": 2}),
        OFFERS,
        inbound=(),
        approved=[(NOON - timedelta(hours=2), "surveys"), (yesterday, "x")],
        load=IDLE,
        now=NOON,
    )
    assert judged.reason == "recent_contact"


def test_marketing_is_held_while_its_pool_is_busy_or_its_load_unknown() -> None:
    for load, said in ((_load(0.95), "busy"), (_load(0.5, wait=120), "busy"), (None, "unknown")):
        judged = judge_outbound(
            _request("marketing"), RULES, OFFERS, inbound=(), approved=(), load=load, now=NOON
        )
        assert (judged.verdict, judged.reason) == ("deferred", "pool_busy")
        assert said in judged.detail
    service = judge_outbound(
        _request("service"), RULES, OFFERS, inbound=(), approved=(), load=_load(0.95), now=NOON
    )
    assert service.verdict == "approved"  # serve when busy


def test_no_quiet_hours_when_start_equals_end() -> None:
    rules = RULES.model_copy(update={"quiet_hours": QuietHours(start_hour=0, end_hour=0)})
    judged = judge_outbound(
        _request("collections"),
        rules,
        OFFERS,
        inbound=(),
        approved=(),
        load=IDLE,
        now=datetime(2026, 12, 7, 3, tzinfo=UTC),
    )
    assert judged.verdict == "approved"
