"""Turning raw Kafka records into events or dead letters: pure, batch at a time.

A worker must never crash on input, so every way a record can be wrong maps to
a ``DeadLetter`` that keeps the original bytes and where they came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from omniroute.schemas import DeadLetter, DeadLetterReason, FieldError

__all__ = ["DecodeResult", "InboundRecord", "dead_letter_for", "decode_batch"]

_DETAIL_LIMIT = 2000
EventT = TypeVar("EventT")


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """A consumed record, independent of the Kafka client that fetched it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None


@dataclass(slots=True)
class DecodeResult(Generic[EventT]):
    events: list[tuple[InboundRecord, EventT]]
    dead_letters: list[DeadLetter]


def _classify(error: ValidationError) -> DeadLetterReason:
    kinds = [(e["type"], tuple(str(part) for part in e["loc"])) for e in error.errors()]
    if any(kind == "json_invalid" for kind, _ in kinds):
        return DeadLetterReason.NOT_JSON
    if any(kind == "union_tag_invalid" for kind, _ in kinds):
        return DeadLetterReason.UNKNOWN_TYPE
    if any(loc and loc[-1] == "schema_version" for _, loc in kinds):
        return DeadLetterReason.UNSUPPORTED_VERSION
    if any(kind in ("missing", "union_tag_not_found") for kind, _ in kinds):
        return DeadLetterReason.MISSING_FIELD
    return DeadLetterReason.INVALID_VALUE


def _field_errors(error: ValidationError) -> tuple[FieldError, ...]:
    return tuple(
        FieldError(
            # The first loc element is the union tag pydantic adds; it names no field.
            loc=".".join(str(part) for part in e["loc"][1:] if part != "type")
            or ".".join(str(part) for part in e["loc"])
            or "(root)",
            message=e["msg"][:300],
            error_type=e["type"],
        )
        for e in error.errors(include_url=False)[:20]
    )


def dead_letter_for(
    record: InboundRecord,
    reason: DeadLetterReason,
    detail: str,
    *,
    stage: str,
    now: datetime,
    errors: tuple[FieldError, ...] = (),
) -> DeadLetter:
    return DeadLetter(
        source=f"/omniroute/{stage}",
        time=now,
        reason=reason,
        detail=detail[:_DETAIL_LIMIT],
        errors=errors,
        stage=stage,
        original_topic=record.topic,
        original_partition=record.partition,
        original_offset=record.offset,
        original_timestamp_ms=record.timestamp_ms,
        original_key_b64=DeadLetter.encode(record.key),
        original_value_b64=DeadLetter.encode(record.value or b"") or "",
    )


def decode_batch(
    records: Iterable[InboundRecord],
    adapter: TypeAdapter[EventT],
    *,
    max_bytes: int,
    stage: str,
    now: datetime,
) -> DecodeResult[EventT]:
    """Validate every record; the good ones keep their order, the bad become dead letters."""
    result: DecodeResult[EventT] = DecodeResult([], [])
    for record in records:
        value = record.value
        if not value:
            result.dead_letters.append(
                dead_letter_for(
                    record, DeadLetterReason.NOT_JSON, "empty record", stage=stage, now=now
                )
            )
            continue
        if len(value) > max_bytes:
            result.dead_letters.append(
                dead_letter_for(
                    record,
                    DeadLetterReason.OVERSIZED,
                    f"{len(value)} bytes, limit {max_bytes}",
                    stage=stage,
                    now=now,
                )
            )
            continue
        try:
            event = adapter.validate_json(value)
        except ValidationError as error:
            errors = _field_errors(error)
            summary = "; ".join(f"{e.loc}: {e.message}" for e in errors)
            result.dead_letters.append(
                dead_letter_for(
                    record, _classify(error), summary, stage=stage, now=now, errors=errors
                )
            )
            continue
        result.events.append((record, event))
    return result
