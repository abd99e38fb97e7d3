"""Turning raw Kafka records into events or dead letters: pure, batch at a time.

A worker must never crash on input, so every way a record can be wrong maps to
a ``DeadLetter`` that keeps the original bytes and where they came from.

Two ways are not the model's to see: JSON that names a field twice (parsers
disagree on which value counts, and pydantic silently keeps the last), and a
record keyed by one customer whose body names another (routing it would break
the per-key ordering the topic promises).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


class _DuplicateKeyError(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> None:
    if len(pairs) != len({key for key, _ in pairs}):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)


def duplicate_key(value: bytes) -> str | None:
    """The first field named twice in one JSON object (at any depth), or None.

    The standard library's C parser with a hook on every object: the one cheap
    way to see pairs before they become a dict. Invalid JSON is None here and
    left to the model to classify.
    """
    try:
        json.loads(value, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKeyError as error:
        return str(error)
    except (ValueError, RecursionError):
        return None
    return None


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
        # Derived from where the record sits, so dead-lettering it again after a
        # redelivery yields the same id and the duplicate is recognisable.
        id=f"dl:{stage}:{record.topic}:{record.partition}:{record.offset}"[:128],
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
    key_of: Callable[[EventT], str] | None = None,
) -> DecodeResult[EventT]:
    """Validate every record; the good ones keep their order, the bad become dead letters.

    ``key_of`` names the key the contract says a record has (the customer id on
    ``omniroute.interactions``): a record with a different key is dead-lettered.
    A record with no key at all is taken as it is.
    """
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
        duplicate = duplicate_key(value)
        if duplicate is not None:
            result.dead_letters.append(
                dead_letter_for(
                    record,
                    DeadLetterReason.DUPLICATE_KEY,
                    f"field {duplicate[:100]!r} appears twice in one object",
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
        if key_of is not None and record.key is not None:
            expected = key_of(event)
            if record.key != expected.encode():
                result.dead_letters.append(
                    dead_letter_for(
                        record,
                        DeadLetterReason.KEY_MISMATCH,
                        f"record key {record.key[:130]!r} but the body names {expected!r}",
                        stage=stage,
                        now=now,
                    )
                )
                continue
        result.events.append((record, event))
    return result
