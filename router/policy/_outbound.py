"""Outbound coordination, pure: approve, defer or suppress a department's request to
contact a customer, against the customer's recent contacts both ways, a daily cap,
quiet hours and the pool's load, and say why.

The order of the checks is the order of what a customer would mind most:

1. quiet hours: nobody is called at night (deferred to the morning);
2. the daily cap: approved outbound contacts today, in the policy's timezone
   (marketing is suppressed, it does not carry over; the rest wait for tomorrow);
3. a contact in either direction within ``min_gap_seconds`` (deferred to the end
   of the gap): a customer who just called us, or was just called, is left alone;
4. "sell when idle, serve when busy": marketing waits while its pool is busy or its
   load is unknown (the same thresholds as offers riding on decisions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from omniroute.schemas import OutboundReason, OutboundRequest, OutboundVerdictKind, PoolLoad

from ._model import OfferThresholds, OutboundRules

__all__ = ["OutboundJudgement", "judge_outbound"]


@dataclass(frozen=True, slots=True)
class OutboundJudgement:
    verdict: OutboundVerdictKind
    reason: OutboundReason
    detail: str
    retry_after: datetime | None = None


def _quiet(rules: OutboundRules, local: datetime) -> datetime | None:
    """When the quiet hours around ``local`` end, if ``local`` is inside them."""
    start, end = rules.quiet_hours.start_hour, rules.quiet_hours.end_hour
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else start <= hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=local.tzinfo)


def _busy(load: PoolLoad | None, offers: OfferThresholds) -> bool:
    return (
        load is None
        or load.occupancy > offers.max_occupancy
        or load.estimated_wait_seconds > offers.max_estimated_wait_seconds
    )


def judge_outbound(
    request: OutboundRequest,
    rules: OutboundRules,
    offers: OfferThresholds,
    *,
    inbound: Sequence[datetime],
    approved: Sequence[tuple[datetime, str]],
    load: PoolLoad | None,
    now: datetime,
    timezone: str = "UTC",
) -> OutboundJudgement:
    """``inbound``: when the customer's recent contacts with us started; ``approved``:
    (when, department) of the outbound contacts approved for them lately."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    morning = _quiet(rules, local)
    if morning is not None:
        return OutboundJudgement(
            "deferred",
            "quiet_hours",
            f"quiet hours {rules.quiet_hours.start_hour:02d}-{rules.quiet_hours.end_hour:02d}",
            morning,
        )
    today = [(at, dept) for at, dept in approved if at.astimezone(zone).date() == local.date()]
    if len(today) >= rules.daily_cap:
        who = ", ".join(sorted({dept for _, dept in today})) or "nobody (cap 0)"
        detail = f"daily cap {rules.daily_cap} reached today by {who}"
        if request.kind == "marketing":
            return OutboundJudgement("suppressed", "daily_cap", detail)
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        return OutboundJudgement("deferred", "daily_cap", detail, tomorrow)
    gap = timedelta(seconds=rules.min_gap_seconds)
    contacts = [*inbound, *(at for at, _ in approved)]
    latest = max((at for at in contacts if at <= now), default=None)
    if latest is not None and now - latest < gap:
        return OutboundJudgement(
            "deferred",
            "recent_contact",
            f"a contact {int((now - latest).total_seconds())} s ago;"
            f" gap {int(gap.total_seconds())} s",
            latest + gap,
        )
    if request.kind == "marketing" and _busy(load, offers):
        pool = request.pool or rules.default_pool
        detail = (
            f"pool {pool} load unknown"
            if load is None
            else f"pool {pool} busy: occupancy {load.occupancy:.0%}, "
            f"estimated wait {load.estimated_wait_seconds:.0f} s"
        )
        return OutboundJudgement(
            "deferred", "pool_busy", detail, now + timedelta(seconds=rules.busy_retry_seconds)
        )
    return OutboundJudgement("approved", "clear", "")
