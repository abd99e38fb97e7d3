"""Turning raw Kafka records into events or dead letters: pure, batch at a time.

A worker must never crash on input, so every way a record can be wrong maps to
a ``DeadLetter`` that keeps the original bytes (a prefix of them, with their size
and digest, when they are large) and where they came from.

Three encodings of an event are read (see docs/contract.md): omniroute's
own JSON envelope, and the CloudEvents Kafka protocol binding in structured mode
(``content-type: application/cloudevents+json``, data under ``data``) and in binary
mode (attributes in ``ce_*`` headers, the data as the value). Both bindings are
folded into the envelope before validation, so one model reads all three.

Two ways are not the model's to see: JSON that names a field twice (parsers
disagree on which value counts, and pydantic silently keeps the last), and a
record keyed by one customer whose body names another (routing it would break
the per-key ordering the topic promises).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from omniroute.schemas import DeadLetter, DeadLetterReason, FieldError

from ._duplicates import duplicate_key

__all__ = [
    "MAX_DEAD_LETTER_ORIGINAL_BYTES",
    "REPLY_HEADERS",
    "DecodeResult",
    "Headers",
    "InboundRecord",
    "dead_letter_for",
    "decode_batch",
    "envelope_bytes",
    "reply_headers",
]

_DETAIL_LIMIT = 2000
MAX_DEAD_LETTER_ORIGINAL_BYTES = 64 * 1024
"""The most of an original key or value a dead letter embeds: in base64 that is
~87 KB, far below the 1 MB a Kafka producer may send by default."""
EventT = TypeVar("EventT")
Headers = tuple[tuple[str, bytes], ...]

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
REPLY_HEADERS = ("correlation_id", "traceparent", "tracestate")
"""Headers a front end gets back on the decision for its event; in CloudEvents binary
mode they may come as extensions (``ce_correlationid``, ``ce_traceparent``...)."""
_BINARY_ALIASES = {f"ce_{name.replace('_', '')}": name for name in REPLY_HEADERS}
_DATA_MEMBERS = ("data", "data_base64", "datacontenttype", "dataschema")


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """A consumed record, independent of the Kafka client that fetched it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None
    headers: Headers = ()


class DecodeResult(Generic[EventT]):
    """A batch's decoded events, in order, and the dead letters of the records that
    failed. A plain class, not a dataclass: mypyc cannot compile a generic dataclass
    (mypyc/mypyc#1061), and nothing compares or prints these."""

    __slots__ = ("dead_letters", "events")

    def __init__(
        self, events: list[tuple[InboundRecord, EventT]], dead_letters: list[DeadLetter]
    ) -> None:
        self.events = events
        self.dead_letters = dead_letters


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


def reply_headers(headers: Sequence[tuple[str, bytes]]) -> Headers:
    """The headers of an inbound record that go back out on its decision."""
    out: dict[str, bytes] = {}
    for name, value in headers:
        wanted = name if name in REPLY_HEADERS else _BINARY_ALIASES.get(name)
        if wanted is not None and value is not None:
            out.setdefault(wanted, value)
    return tuple(out.items())


def _header(headers: Headers, name: str) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def envelope_bytes(value: bytes, headers: Headers) -> bytes:
    """The record's value as omniroute's JSON envelope, whichever encoding it came in.

    Raises ``ValueError`` for a CloudEvent whose data is not a JSON object.
    """
    if not headers:
        return value
    content_type = (_header(headers, "content-type") or b"").decode("latin-1").lower()
    if content_type.startswith(STRUCTURED_CONTENT_TYPE):
        document = json.loads(value)
        if not isinstance(document, dict):
            raise ValueError("a structured CloudEvent is a JSON object")
        if "data" not in document and "data_base64" not in document:
            return value  # already the envelope, attributes and fields side by side
        data = (
            document["data"]
            if "data" in document
            else json.loads(base64.b64decode(document["data_base64"]))
        )
        attributes = {k: v for k, v in document.items() if k not in _DATA_MEMBERS}
        return _merge(data, attributes)
    attributes = {
        key[3:]: raw.decode("utf-8", "replace")
        for key, raw in headers
        if key.startswith("ce_") and raw is not None
    }
    if "specversion" not in attributes:
        return value
    return _merge(json.loads(value), attributes)


def _merge(data: Any, attributes: dict[str, Any]) -> bytes:
    if not isinstance(data, dict):
        raise ValueError("CloudEvent data must be a JSON object of the event's fields")
    return json.dumps({**data, **attributes}).encode()


def _capped(raw: bytes, limit: int) -> str:
    return base64.b64encode(raw[:limit]).decode("ascii")


def dead_letter_for(
    record: InboundRecord,
    reason: DeadLetterReason,
    detail: str,
    *,
    stage: str,
    now: datetime,
    errors: tuple[FieldError, ...] = (),
    max_original_bytes: int = MAX_DEAD_LETTER_ORIGINAL_BYTES,
) -> DeadLetter:
    value = record.value or b""
    key = record.key
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
        original_key_b64=None if key is None else _capped(key, max_original_bytes),
        original_value_b64=_capped(value, max_original_bytes),
        original_size=len(value),
        original_sha256=hashlib.sha256(value).hexdigest(),
        original_truncated=len(value) > max_original_bytes,
    )


def decode_batch(
    records: Iterable[InboundRecord],
    adapter: TypeAdapter[EventT],
    *,
    max_bytes: int,
    stage: str,
    now: datetime,
    key_of: Callable[[EventT], str] | None = None,
    key_required: bool = False,
) -> DecodeResult[EventT]:
    """Validate every record; the good ones keep their order, the bad become dead letters.

    One decoder for every input the workers take (interactions, agent events,
    assigner inputs), so each refuses the same things with the same reasons: empty,
    oversized, a field named twice, invalid, a key other than the contract's.

    ``key_of`` names the key the contract says a record has (the customer id on
    ``omniroute.interactions``): a record with a different key is dead-lettered.
    A record with no key at all is taken as it is, unless ``key_required`` (the
    assigner's input, whose key decides which worker owns the pool).
    """
    result: DecodeResult[EventT] = DecodeResult([], [])
    # Event types whose strings repeated in this batch (every assigner decision names
    # its customer twice): their next record is compared with its written form first.
    strings_repeat: set[type] = set()
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
        # Validated first, so the check for a field named twice can compare the bytes
        # with the event written back instead of parsing them again; a record that
        # fails both is a duplicate, as when the check came first.
        try:
            event = adapter.validate_json(envelope_bytes(value, record.headers))
        except ValidationError as error:
            if _dead_letter_duplicate(result, record, duplicate_key(value), stage, now):
                continue
            errors = _field_errors(error)
            summary = "; ".join(f"{e.loc}: {e.message}" for e in errors)
            result.dead_letters.append(
                dead_letter_for(
                    record, _classify(error), summary, stage=stage, now=now, errors=errors
                )
            )
            continue
        except ValueError as error:  # a CloudEvent binding whose data is no JSON object
            if _dead_letter_duplicate(result, record, duplicate_key(value), stage, now):
                continue
            result.dead_letters.append(
                dead_letter_for(record, DeadLetterReason.NOT_JSON, str(error), stage=stage, now=now)
            )
            continue
        if _dead_letter_duplicate(
            result, record, duplicate_key(value, event, strings_repeat), stage, now
        ):
            continue
        if key_of is not None and (record.key is not None or key_required):
            expected = key_of(event)
            if record.key != expected.encode():
                shown = (
                    "no record key" if record.key is None else f"record key {record.key[:130]!r}"
                )
                result.dead_letters.append(
                    dead_letter_for(
                        record,
                        DeadLetterReason.KEY_MISMATCH,
                        f"{shown} but the body names {expected!r}",
                        stage=stage,
                        now=now,
                    )
                )
                continue
        result.events.append((record, event))
    return result


def _dead_letter_duplicate(
    result: DecodeResult[Any],
    record: InboundRecord,
    duplicate: str | None,
    stage: str,
    now: datetime,
) -> bool:
    if duplicate is None:
        return False
    result.dead_letters.append(
        dead_letter_for(
            record,
            DeadLetterReason.DUPLICATE_KEY,
            f"field {duplicate[:100]!r} appears twice in one object",
            stage=stage,
            now=now,
        )
    )
    return True
