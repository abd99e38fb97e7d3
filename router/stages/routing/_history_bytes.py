"""A customer's history as the bytes ``recent:{id}`` holds, written without
re-serialising what did not change.

A history line never changes once built (an update makes a new line), so each
line's JSON is kept (``LineJson``) and a history is its lines' JSON joined
(``history_json``): byte for byte what serialising ``RecentContacts`` writes
(tests/unit/stages/routing/test_fast_paths.py). Saving a 10-line history
re-serialised every line on every event (35-40 us on a loaded machine); joining
costs a lookup a line (8-10 us). ``HistoryWriter`` goes one step further for the
common changes, a line appended or the oldest dropped and one appended: the bytes
it last wrote for the customer, with the new line's JSON spliced on.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable

from omniroute.schemas import RecentContact

__all__ = ["HistoryWriter", "LineJson", "history_json"]

_LINE_JSON = RecentContact.__pydantic_serializer__.to_json
HISTORY_OPEN = b'{"contacts":['
HISTORY_CLOSE = b"]}"


class LineJson:
    """Each history line's JSON, written once: a line never changes once built (an
    update makes a new line), so its bytes are kept beside it and reused by every
    save of its history and every decision that shows it in the customer context.

    Keyed by object identity, each entry holding its line (so the identity cannot be
    reused while the entry lives): the lines the parse cache holds, the same
    objects. Keyed by the line's values instead, hashing them (a datetime's hash
    calls its tzinfo) cost more than it saved. Past ``limit`` lines the older half
    goes, in one rebuild: a lookup is then one plain dict ``get`` (an LRU's
    ``move_to_end`` per line cost a third of the save; popping a dict's first key
    one at a time made finding it slower and slower, 155 us an event)."""

    __slots__ = ("_held", "_limit")

    def __init__(self, limit: int = 50_000) -> None:
        self._held: dict[int, tuple[RecentContact, bytes]] = {}
        self._limit = max(2, limit)

    def __call__(self, line: RecentContact) -> bytes:
        entry = self._held.get(id(line))
        if entry is not None and entry[0] is line:
            return entry[1]
        raw = _LINE_JSON(line)
        held = self._held
        held[id(line)] = (line, raw)
        if len(held) > self._limit:
            self._held = dict(itertools.islice(held.items(), len(held) // 2, None))
        return raw

    def __len__(self) -> int:
        return len(self._held)


def history_json(
    lines: tuple[RecentContact, ...], line_json: Callable[[RecentContact], bytes]
) -> bytes:
    """``recent:{id}`` as ``RecentContacts`` serialises it, joined from each line's
    JSON (``line_json``, a ``LineJson``): byte for byte what serialising the whole
    model writes (tests/unit/stages/routing/test_fast_paths.py). Saving a 10-line
    history re-serialised every line on every event (35-40 us on a loaded machine),
    this writes the new line only (8-10 us)."""
    return HISTORY_OPEN + b",".join(map(line_json, lines)) + HISTORY_CLOSE


class HistoryWriter:
    """Each customer's history bytes, from the last ones written when only a line was
    appended (or the oldest dropped and one appended), else joined afresh. What it
    last wrote is remembered only once the write succeeded (``written``), by the
    lines' identity, never their values (equal lines may differ in their time's
    offset, and so in their JSON)."""

    __slots__ = ("_limit", "_line_json", "_written")

    def __init__(self, line_json: LineJson, limit: int = 50_000) -> None:
        self._line_json = line_json
        self._written: dict[str, tuple[tuple[RecentContact, ...], bytes]] = {}
        self._limit = max(2, limit)

    def encode(self, customer_id: str, lines: tuple[RecentContact, ...]) -> bytes:
        last = self._written.get(customer_id)
        if last is not None:
            before, raw = last
            kept = len(before)
            if len(lines) == kept + 1 and all(map(operator.is_, lines, before)):
                comma = b"," if kept else b""
                return raw[:-2] + comma + self._line_json(lines[-1]) + HISTORY_CLOSE
            if kept >= 2 and len(lines) == kept and all(map(operator.is_, lines, before[1:])):
                first = self._line_json(before[0])
                start = len(HISTORY_OPEN) + len(first) + 1
                if raw.startswith(first, len(HISTORY_OPEN)) and raw[start - 1 : start] == b",":
                    new = self._line_json(lines[-1])
                    return HISTORY_OPEN + raw[start:-2] + b"," + new + HISTORY_CLOSE
        return history_json(lines, self._line_json)

    def written(self, customer_id: str, lines: tuple[RecentContact, ...], raw: bytes) -> None:
        written = self._written
        written.pop(customer_id, None)
        written[customer_id] = (lines, raw)
        if len(written) > self._limit:
            self._written = dict(itertools.islice(written.items(), len(written) // 2, None))
