"""Opening hours, holidays and the closed-hours route: what happens to a contact
that arrives while nobody is scheduled to serve its queue (Amazon Connect's
hours of operation). Pure: the moment is passed in.

    hours:
      care:                       # a queue or a pool; a queue's own entry wins
        timezone: Europe/London   # default: the policy's
        open: {mon: "08:00-20:00", tue: "08:00-20:00", sat: ["09:00-12:00", "13:00-17:00"]}
        holidays: [2026-12-25, 2027-01-01]
        closed: {target: self_service, message: "We open at 8:00; our help pages are open now"}

A weekday not listed is closed all day; a holiday is closed all day.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from omniroute.schemas import EXPLANATION_DETAIL_MAX

__all__ = ["ClosedRoute", "OpeningHours", "Schedule", "Weekday", "closed_detail", "minutes_of"]

_NAME = r"^[a-z0-9][a-z0-9_.-]*$"
TimeRange = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]|24):[0-5]\d$")
]
"""``HH:MM-HH:MM`` in the schedule's time zone; the end may be ``24:00``."""


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_DAYS = tuple(Weekday)


def minutes_of(span: str) -> tuple[int, int]:
    """``"08:30-20:00"`` -> (510, 1200): minutes after local midnight, end exclusive."""
    start, end = span.split("-")
    first = int(start[:2]) * 60 + int(start[3:])
    last = int(end[:2]) * 60 + int(end[3:])
    return first, last


class ClosedRoute(BaseModel):
    """Where a contact goes while its queue is closed. ``automation``: IVR on voice,
    self-service elsewhere; ``queue``: another queue (a callback or message queue
    worked when the floor opens). A channel with no automation (e-mail) stays in its
    queue and waits for the opening: that is how written channels are worked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: Literal["automation", "ivr", "self_service", "queue"] = "automation"
    queue: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NAME)] | None = (
        None
    )
    message: Annotated[str, StringConstraints(max_length=200)] = Field(
        default="", description="What the front end tells the customer; copied to the explanation."
    )


class OpeningHours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str | None = Field(default=None, description="None: the policy's timezone.")
    open: dict[Weekday, TimeRange | tuple[TimeRange, ...]] = Field(
        description="Open spans per weekday; a day not listed is closed."
    )
    holidays: frozenset[date] = frozenset()
    closed: ClosedRoute = ClosedRoute()

    @field_validator("open")
    @classmethod
    def _spans_forward(
        cls, value: dict[Weekday, str | tuple[str, ...]]
    ) -> dict[Weekday, str | tuple[str, ...]]:
        for day, spans in value.items():
            for span in (spans,) if isinstance(spans, str) else spans:
                first, last = minutes_of(span)
                if last <= first:
                    raise ValueError(f"{day.value}: {span!r} ends before it starts")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(f"unknown time zone {value!r}") from error
        return value


class Schedule:
    """One ``OpeningHours`` compiled for the hot path: spans as minutes per weekday."""

    __slots__ = ("holidays", "name", "route", "spans", "zone")

    def __init__(self, name: str, hours: OpeningHours, default_zone: ZoneInfo) -> None:
        self.name = name
        self.zone = ZoneInfo(hours.timezone) if hours.timezone else default_zone
        self.holidays = hours.holidays
        self.route = hours.closed
        spans: list[tuple[tuple[int, int], ...]] = []
        for day in _DAYS:
            given = hours.open.get(day, ())
            listed = (given,) if isinstance(given, str) else given
            spans.append(tuple(minutes_of(span) for span in listed))
        self.spans = tuple(spans)

    def closed_at(self, now: datetime) -> str | None:
        """None while open; otherwise why it is closed, in words for the explanation."""
        local = now.astimezone(self.zone)
        stamp = f"{local:%a %Y-%m-%d %H:%M} {self.zone.key}"
        if local.date() in self.holidays:
            return f"holiday ({stamp})"
        minute = local.hour * 60 + local.minute
        if any(first <= minute < last for first, last in self.spans[local.weekday()]):
            return None
        return f"outside opening hours ({stamp})"


def closed_detail(queue: str, schedule: Schedule, why: str, route: str) -> str:
    """The explanation's detail: which queue, whose hours, why closed, where instead."""
    message = f"; {schedule.route.message}" if schedule.route.message else ""
    return f"{queue} closed (hours {schedule.name}): {why} -> {route}{message}"[
        :EXPLANATION_DETAIL_MAX
    ]
