"""Decoding validates first and then asks whether a field was named twice, comparing
the bytes with the event written back instead of parsing them again. Held here to
the order it replaced (the standard library's full scan first, then the model) on
generated assigner inputs: valid ones as pydantic writes them, the same with a
member repeated (same or other value, at the top or in the customer), re-spaced,
reordered, escaped, or broken, with the right key or another. The same events,
and the same dead letters with the same reasons and details, every time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AssignerInput,
    AssignerInputAdapter,
    Channel,
    DeadLetterReason,
)
from tests.support.assigner import queued_decision

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
TOPIC = "omniroute.assigner-input"


class _RepeatedError(ValueError):
    pass


def _first_repeat(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _RepeatedError(key)
        seen.add(key)
    return dict(pairs)


def _reference(value: bytes, key: bytes | None) -> tuple[str, Any]:
    """What the decoder did before: the full scan, then the model, then the key."""
    try:
        json.loads(value, object_pairs_hook=_first_repeat)
    except _RepeatedError as repeated:
        detail = f"field {str(repeated)[:100]!r} appears twice in one object"
        return "dead", (DeadLetterReason.DUPLICATE_KEY, detail)
    except (ValueError, RecursionError):
        pass
    try:
        event: AssignerInput = AssignerInputAdapter.validate_json(value)
    except ValidationError:
        return "dead", "invalid"
    if key != (event.pool or "").encode():
        return "dead", (DeadLetterReason.KEY_MISMATCH, None)
    return "event", event


_PRIMERS = [
    queued_decision("primer", "c1", queue="general", pool="care"),
    AgentLoggedIn(
        id="primer-login",
        source="/t",
        agent_id="care",
        pool="care",
        queues=["care"],
        capacity={Channel.CHAT: 1},
        presence=AgentPresence.READY,
    ),
]
"""Valid inputs whose strings repeat, decoded before the one under test in the same
batch: the decoder then compares its type's records with their written form first."""


def _decoded(value: bytes, key: bytes | None, *, primed: bool) -> tuple[str, Any]:
    primers = [p.model_dump_json().encode() for p in _PRIMERS] if primed else []
    result = decode_batch(
        [
            *(InboundRecord(TOPIC, 0, n, b"care", primer) for n, primer in enumerate(primers)),
            InboundRecord(TOPIC, 0, 7, key, value),
        ],
        AssignerInputAdapter,
        max_bytes=1024 * 1024,
        stage="assigner",
        now=NOW,
        key_of=lambda event: event.pool or "",
        key_required=True,
    )
    assert len(result.events) >= len(primers)
    result.events[: len(primers)] = []
    if result.events:
        return "event", result.events[0][1]
    (letter,) = result.dead_letters
    if letter.reason is DeadLetterReason.DUPLICATE_KEY:
        return "dead", (letter.reason, letter.detail)
    if letter.reason is DeadLetterReason.KEY_MISMATCH:
        return "dead", (letter.reason, None)
    return "dead", "invalid"


_TEXT = st.text(
    alphabet=st.sampled_from(["a", "Z", "0", " ", '"', "\\", ":", ",", "{", "é", "\u2028", "\x01"]),
    min_size=1,
    max_size=12,
)
"""Free text (a source, a customer's name): quotes, escapes, colons, control bytes."""
_ID = st.text(alphabet=st.sampled_from(["a", "Z", "0", ":", "-", "c"]), min_size=1, max_size=8)


def _message(draw: st.DrawFn, pool: str) -> Any:
    source = draw(_TEXT)
    if draw(st.booleans()):
        decision = queued_decision(
            f"int-{draw(_ID)}",
            draw(st.sampled_from(["c1", "general", f"c{draw(_ID)}"])),
            queue=draw(st.sampled_from(["general", "c1"])),
            pool=pool,
            priority=draw(st.integers(0, 100)),
        )
        customer = decision.customer.model_copy(update={"name": draw(_TEXT)})
        return decision.model_copy(update={"source": source, "customer": customer})
    return AgentLoggedIn(
        id=f"login-{draw(_ID)}",
        source=source,
        agent_id=draw(st.sampled_from(["care", "a1", f"a{draw(_ID)}"])),
        pool=pool,
        queues=draw(st.lists(st.sampled_from(["general", "care", "a1"]), min_size=1, max_size=3)),
        capacity={Channel.CHAT: draw(st.integers(1, 3))},
        presence=AgentPresence.READY,
    )


@st.composite
def _inputs(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    pool = draw(st.sampled_from(["care", "sales"]))
    message = _message(draw, pool)
    value = message.model_dump_json().encode()
    document = json.loads(value)
    members = list(document.items())
    mutation = draw(st.sampled_from(["none", "repeat", "repeat_inner", "spaced", "escaped", "cut"]))
    if mutation == "repeat":
        name, old = draw(st.sampled_from(members))
        members.insert(draw(st.integers(0, len(members))), (name, draw(st.sampled_from([old, 1]))))
        value = _write(members)
    elif mutation == "repeat_inner" and isinstance(document.get("customer"), dict):
        inner = list(document["customer"].items())
        inner.append(draw(st.sampled_from(inner)))
        value = _write([(k, _Raw(_write(inner)) if k == "customer" else v) for k, v in members])
    elif mutation == "spaced":
        value = json.dumps(document, indent=1).encode()
    elif mutation == "escaped":
        value = json.dumps(document, ensure_ascii=True).encode()
    elif mutation == "cut":
        value = value[: draw(st.integers(1, len(value) - 1))]
    if draw(st.booleans()):
        value = _write(draw(st.permutations(members))) if mutation == "none" else value
    key = draw(st.sampled_from([pool.encode(), b"other", None]))
    return value, key


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class _Raw:
    def __init__(self, text: bytes) -> None:
        self.text = text


def _write(members: list[tuple[str, Any]]) -> bytes:
    """Compact JSON that may name a field twice (a dict cannot)."""
    parts = [
        json.dumps(name, separators=(",", ":")).encode()
        + b":"
        + (
            value.text
            if isinstance(value, _Raw)
            else json.dumps(value, separators=(",", ":")).encode()
        )
        for name, value in members
    ]
    return b"{" + b",".join(parts) + b"}"


@given(_inputs())
def test_decoding_once_decides_as_the_scan_then_the_model_did(
    case: tuple[bytes, bytes | None],
) -> None:
    value, key = case
    expected = _reference(value, key)
    assert _decoded(value, key, primed=False) == expected
    assert _decoded(value, key, primed=True) == expected


def test_the_generated_inputs_reach_every_outcome() -> None:
    """Each branch the property compares is taken by an input of the kind generated."""
    decision = queued_decision("i1", "c1", queue="general", pool="care")
    value = decision.model_dump_json().encode()
    members = list(json.loads(value).items())
    twice = _write([*members, ("pool", "care")])
    repeated = (DeadLetterReason.DUPLICATE_KEY, "field 'pool' appears twice in one object")
    mismatch = (DeadLetterReason.KEY_MISMATCH, None)
    for primed in (False, True):
        assert _decoded(value, b"care", primed=primed) == ("event", decision)
        assert _decoded(twice, b"care", primed=primed) == ("dead", repeated)
        assert _decoded(value, b"other", primed=primed) == ("dead", mismatch)
        assert _decoded(value[:-3], b"care", primed=primed) == ("dead", "invalid")
