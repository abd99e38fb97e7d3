"""Decoding interaction records: a body that names a field twice, or a customer other
than its key, is dead-lettered with its own reason instead of being routed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.schemas import DeadLetterReason, InteractionEventAdapter

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
BODY: dict[str, Any] = {
    "type": "omniroute.interaction.arrived",
    "id": "ev-1",
    "source": "/frontends/chat",
    "interaction_id": "ix-1",
    "customer_id": "c-1",
    "channel": "chat",
}


def _decode(*records: tuple[bytes | None, bytes]) -> Any:
    return decode_batch(
        [
            InboundRecord("omniroute.interactions", 0, offset, key, value)
            for offset, (key, value) in enumerate(records)
        ],
        InteractionEventAdapter,
        max_bytes=64 * 1024,
        stage="router",
        now=NOW,
        key_of=lambda event: event.customer_id,
    )


def test_a_customer_id_written_twice_is_dead_lettered_as_duplicate_key() -> None:
    raw = json.dumps(BODY).replace(
        '"customer_id": "c-1"', '"customer_id": "c-1", "customer_id": "c-2"'
    )
    result = _decode((b"c-1", raw.encode()), (b"c-1", json.dumps(BODY).encode()))
    assert [e.customer_id for _, e in result.events] == ["c-1"]
    (letter,) = result.dead_letters
    assert letter.reason is DeadLetterReason.DUPLICATE_KEY
    assert "'customer_id'" in letter.detail
    assert letter.original_offset == 0
    assert letter.original_value() == raw.encode()


def test_a_duplicate_key_in_a_nested_object_counts_too() -> None:
    raw = json.dumps(BODY | {"extension": {"a": 1}}).replace('{"a": 1}', '{"a": 1, "a": 2}')
    (letter,) = _decode((b"c-1", raw.encode())).dead_letters
    assert letter.reason is DeadLetterReason.DUPLICATE_KEY


def test_a_record_keyed_by_another_customer_is_dead_lettered_as_key_mismatch() -> None:
    result = _decode((b"c-2", json.dumps(BODY).encode()), (None, json.dumps(BODY).encode()))
    (letter,) = result.dead_letters
    assert letter.reason is DeadLetterReason.KEY_MISMATCH
    assert "b'c-2'" in letter.detail
    assert "'c-1'" in letter.detail
    assert letter.original_key_b64 is not None
    # No key at all: nothing to contradict, so it is taken as it is.
    assert [(r.offset, e.customer_id) for r, e in result.events] == [(1, "c-1")]


def test_a_missing_id_is_a_missing_field_naming_id() -> None:
    body = {k: v for k, v in BODY.items() if k != "id"}
    (letter,) = _decode((b"c-1", json.dumps(body).encode())).dead_letters
    assert letter.reason is DeadLetterReason.MISSING_FIELD
    assert [e.loc for e in letter.errors] == ["id"]


def test_a_dead_letter_id_is_the_same_when_the_same_record_is_rejected_again() -> None:
    raw = json.dumps(BODY).encode()
    first = _decode((b"c-9", raw)).dead_letters[0]
    again = _decode((b"c-9", raw)).dead_letters[0]
    assert first.id == again.id == "dl:router:omniroute.interactions:0:0"
