"""A field named twice in one JSON object: parsers disagree on which value counts,
and pydantic silently keeps the last, so the decoder refuses such a record
(``duplicate_key``) before the model sees it. The full scan is the standard
library's parser with a hook on every object; cheaper looks rule a repeat out first.
"""

from __future__ import annotations

import json

from pydantic_core import from_json, to_json

__all__ = ["duplicate_key"]


class _DuplicateKeyError(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> None:
    if len(pairs) != len({key for key, _ in pairs}):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)


def _may_repeat_a_key(
    value: bytes, event: object = None, repeating: set[type] | None = None
) -> bool:
    """False only when no JSON object in ``value`` can name a field twice; True sends
    ``value`` to the full scan, which names the field.

    Without a backslash every ``"`` of a JSON text (up to its first error, the only
    part the parser reads) delimits a string, so splitting on it gives the strings at
    the odd places. A key can only repeat if the same bytes occur twice (UTF-8 spells
    a string one way), which an interaction event rarely has: then nothing else is
    done. Escapes (``\\u0061`` is ``a``) and NUL bytes (UTF-16 or UTF-32 text, which
    ``json.loads`` accepts) get the full scan.

    When strings do repeat (an assigner input names ``customer_id`` in the decision
    and in its customer: every one of them does) and the record already validated as
    ``event``, the event written back as JSON is compared: bytes equal to it name no
    field twice (pydantic writes each field of a model, and each key of a dict, once),
    and nothing is parsed again. The parse-and-check-twice was a third of the
    assigner's decoding. ``repeating`` remembers the event types whose strings
    repeated (in a batch): their records are compared before the split, which would
    settle nothing for them (a decision decoded: 14.6 us against 19.2 the other way
    round, 21.1 with the parse). Each look suffices alone; the order is cost only.
    Otherwise the members are counted instead of
    scanned: outside strings every colon of a JSON text separates one member's key
    from its value, and pydantic's parser, which keeps one value per key, finds fewer
    keys exactly when some object names a field twice. 24 us a decision against the
    74 us of the scan, which cost the assigner a quarter of its CPU (py-spy).
    """
    if b"\\" in value or b"\x00" in value:
        return True
    kind = type(event)
    if repeating is not None and kind in repeating and _written(event) == value:
        return False
    parts = value.split(b'"')
    strings = parts[1::2]
    if len(strings) == len(set(strings)):
        return False
    if event is not None and repeating is not None and kind not in repeating:
        repeating.add(kind)
        if _written(event) == value:
            return False
    return _counted_repeat(value, parts)


def _written(event: object) -> bytes:
    """An event as pydantic writes it (every omniroute producer writes it so)."""
    serializer = getattr(event, "__pydantic_serializer__", None)
    return b"" if serializer is None else bytes(serializer.to_json(event))


def _counted_repeat(value: bytes, parts: list[bytes]) -> bool:
    """Whether the members outnumber the distinct keys pydantic's parser keeps."""
    try:
        parsed = from_json(value, cache_strings=False)
    except ValueError:
        return True  # not JSON to pydantic's parser: the scan decides, as it always did
    if to_json(parsed) == value:
        # Written as pydantic writes JSON (every omniroute producer does): the bytes are
        # what one value of plain dicts serialises to, and a dict names a key once, so
        # no object in them does. 7 us a decision against the 14 of the count below.
        return False
    return b"".join(parts[0::2]).count(b":") != _distinct_keys(parsed)


def _distinct_keys(node: object) -> int:
    """Keys of every object in a parsed JSON value, at any depth (pydantic's parser
    refuses nesting deeper than a few hundred levels, far inside Python's limit)."""
    count = 0
    if type(node) is dict:
        count = len(node)
        node = node.values()
    elif type(node) is not list:
        return 0
    for child in node:
        if type(child) is dict or type(child) is list:
            count += _distinct_keys(child)
    return count


def duplicate_key(
    value: bytes, event: object = None, repeating: set[type] | None = None
) -> str | None:
    """The first field named twice in one JSON object (at any depth), or None.

    The standard library's C parser with a hook on every object: the one cheap
    way to see pairs before they become a dict. Invalid JSON is None here and
    left to the model to classify. The scan only runs when a cheaper look
    (``_may_repeat_a_key``) cannot rule a repeat out.
    """
    if not _may_repeat_a_key(value, event, repeating):
        return None
    try:
        json.loads(value, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKeyError as error:
        return str(error)
    except (ValueError, RecursionError):
        return None
    return None
