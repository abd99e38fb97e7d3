"""A field named twice is dead-lettered as ``duplicate_key`` exactly when the standard
library's parser sees it, whatever shortcut decoding takes to skip that parse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import from_json, to_json

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.schemas import DeadLetterReason, InteractionEventAdapter

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class _RepeatedKeyError(ValueError):
    pass


def _refuse(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _RepeatedKeyError
    return dict(pairs)


def _names_a_field_twice(value: bytes) -> bool:
    """The reference: the full parse with a hook on every object."""
    try:
        json.loads(value, object_pairs_hook=_refuse)
    except _RepeatedKeyError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def _dead_lettered_as_duplicate(value: bytes) -> bool:
    result = decode_batch(
        [InboundRecord("omniroute.interactions", 0, 0, None, value)],
        InteractionEventAdapter,
        max_bytes=64 * 1024,
        stage="router",
        now=NOW,
    )
    return any(d.reason is DeadLetterReason.DUPLICATE_KEY for d in result.dead_letters)


TRICKY = [
    b'{"a": 1, "a": 2}',
    b'{"a" :1,"a"\n:2}',
    b'{"a": 1, "\\u0061": 2}',
    b'{"x": {"a": 1}, "y": {"a": 1}}',
    b'{"x": "a", "a": "x"}',
    b'{"a": "v", ":k": 1, ":k": 2}',
    b'{"k": ["a", ":", "a"], "j": ":"}',
    b'{"a": 1, "a": 2',
    b'{"o": {"a": 1, "a": 2}, "broken"',
    b'{"a": 1} {"a": 2}',
    '{"é": 1, "é": 2}'.encode(),
    '{"a": 1, "a": 2}'.encode("utf-16"),
    '{"a": 1, "a": 2}'.encode("utf-32"),
    b'\xef\xbb\xbf{"a": 1, "a": 2}',
    b'{"a\\"": 1, "a\\"": 2}',
    b'{"a": "\\"a\\":", "b": 1}',
    b'["a", "a"]',
    b'{"a\xff": 1, "a\xff": 2}',
    # Strings repeat, keys only in different objects (every assigner input): counted.
    b'{"customer_id": "c", "customer": {"customer_id": "c"}, "q": ["c", {"c": 1}]}',
    b'{"customer_id": "c", "customer": {"customer_id": "c", "customer_id": "d"}}',
    b'{"a": ":", "b": [":", {"a": ":"}], "c": "a"}',
    b'\xef\xbb\xbf{"a": "x", "b": "x", "a": 1}',
    # Compact, as pydantic writes JSON: strings repeat, so the round trip is tried.
    b'{"customer_id":"c","customer":{"customer_id":"c","customer_id":"d"}}',
    b'{"a":"a","a":"a"}',
    b'{"customer_id":"c","customer":{"customer_id":"c"}}',
    b'{"a":"x","b":["x",{"a":"x","a":null}]}',
]


@pytest.mark.parametrize("value", TRICKY)
def test_a_tricky_body_is_a_duplicate_exactly_when_the_parser_says_so(value: bytes) -> None:
    assert _dead_lettered_as_duplicate(value) == _names_a_field_twice(value)


_KEYS = st.sampled_from(["a", "b", ":", "a:", "\\u0061", 'q"', " a", ""])
_JSON = st.recursive(
    st.none() | st.integers() | _KEYS,
    lambda inner: st.lists(inner, max_size=4) | st.lists(st.tuples(_KEYS, inner), max_size=4),
    max_leaves=12,
)


def _render(node: object, comma: str = ", ") -> str:
    """JSON text that may name a field twice (``json.dumps`` cannot: it takes a dict)."""
    if isinstance(node, list) and node and all(isinstance(n, tuple) for n in node):
        members = (f"{json.dumps(k)}: {_render(v, comma)}" for k, v in node)
        return "{" + comma.join(members) + "}"
    if isinstance(node, list):
        return "[" + comma.join(_render(n, comma) for n in node) + "]"
    return json.dumps(node)


@given(_JSON, st.sampled_from(["", " ", "\n"]), st.integers(min_value=0, max_value=40))
def test_any_body_is_a_duplicate_exactly_when_the_parser_says_so(
    node: object, space: str, cut: int
) -> None:
    text = _render(node).replace(": ", space + ":" + space)
    for value in (text.encode(), text.encode()[:-cut] if cut else b"", text.encode("utf-16")):
        if value:
            assert _dead_lettered_as_duplicate(value) == _names_a_field_twice(value)


@given(_JSON, st.integers(min_value=0, max_value=40))
def test_a_compact_body_is_a_duplicate_exactly_when_the_parser_says_so(
    node: object, cut: int
) -> None:
    """Compact, as pydantic and every omniroute producer write JSON: the bytes a round
    trip through pydantic-core's parser and writer gives back, the shortcut that skips
    counting members, tried whenever strings repeat."""
    text = _render(node, ",").replace(": ", ":")
    value = text.encode()
    assert _dead_lettered_as_duplicate(value) == _names_a_field_twice(value)
    if cut and value[:-cut]:
        assert _dead_lettered_as_duplicate(value[:-cut]) == _names_a_field_twice(value[:-cut])


def test_the_round_trip_shortcut_is_taken_for_compact_bodies() -> None:
    """The compact bodies above reach the shortcut (their strings repeat, and pydantic-core
    writes them back byte for byte): otherwise the test before would prove nothing new."""
    for value in (
        b'{"customer_id":"c","customer":{"customer_id":"c"}}',
        b'{"a":"x","b":["x",{"a":"x"}]}',
    ):
        assert to_json(from_json(value)) == value
        assert not _dead_lettered_as_duplicate(value)
