"""One tzinfo for UTC everywhere the core does time arithmetic.

Datetimes pydantic parses carry its own ``TzInfo`` (one shared instance for UTC),
while ``datetime.now(UTC)`` carries ``datetime.timezone.utc``. Subtracting or
comparing two aware datetimes is CPython's fast path only when both hold the same
tzinfo object; otherwise each operand's ``utcoffset()`` is called: measured 320
against 47 ns a subtraction, on every history line of every event. So the core
moves ``now`` onto the tzinfo the parsed values carry: the same instant, written
the same way by the serialiser (``Z``), compared on the fast path.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from pydantic import AwareDatetime, TypeAdapter

__all__ = ["PARSED_UTC", "as_parsed_utc"]

PARSED_UTC: tzinfo = TypeAdapter(AwareDatetime).validate_python("2000-01-01T00:00:00Z").tzinfo  # type: ignore[assignment]
"""The tzinfo pydantic gives a parsed UTC timestamp (the same object every time)."""

_ZERO = timedelta(0)


def as_parsed_utc(moment: datetime) -> datetime:
    """``moment`` on ``PARSED_UTC`` when it is a UTC time; any other offset is kept."""
    if moment.tzinfo is PARSED_UTC or moment.utcoffset() != _ZERO:
        return moment
    return moment.replace(tzinfo=PARSED_UTC)
