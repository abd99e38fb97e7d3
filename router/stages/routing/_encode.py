"""Decisions written straight to bytes, reusing the history lines' JSON.

A decision carries the customer context, and the context the customer's last five
history lines: serialising a decision whole wrote those lines again each time, two
thirds of its cost (31 us, 11 without the customer, on a loaded machine). The
lines' JSON is already kept (``LineJson``), so the decision is written as its
serialiser writes it in three pieces: the fields before the customer, the
context (its own fields as its serialiser writes them, then the lines' kept
JSON) and the fields after it. Byte for byte what ``RoutingDecision``'s
serialiser writes (tests/unit/stages/routing/test_fast_paths.py), whatever fields
the contract adds before or after the customer.

The decision around the customer is one serialiser call that leaves the customer
out, split where the next field's key starts: a JSON text cannot hold
``,"overflow":`` inside a string (its quotes would be escaped), so that key is
where the customer was. Two calls, one per side, cost ~1.5 us more a decision.
A hand-written writer, field by field in Python, measured slower than pydantic's
(16 against 11 us for the whole decision): each field is a Python call.
"""

from __future__ import annotations

from collections.abc import Callable

from omniroute.schemas import CustomerContext, RecentContact, RoutingDecision

__all__ = ["DecisionWriter"]

_DECISION = RoutingDecision.__pydantic_serializer__.to_json
_CONTEXT = CustomerContext.__pydantic_serializer__.to_json


def _split(fields: list[str], name: str) -> tuple[set[str], set[str]]:
    """The fields before ``name`` and after it, in the serialiser's order."""
    at = fields.index(name)
    return set(fields[:at]), set(fields[at + 1 :])


_BEFORE_LINES, _AFTER_LINES = _split(list(CustomerContext.model_fields), "recent_contacts")
_CUSTOMER = b'"customer":'
_LINES = b'"recent_contacts":['
_NO_CUSTOMER = {"customer"}
_FIELDS = list(RoutingDecision.model_fields)
if _FIELDS[0] == "customer":  # pragma: no cover - the envelope's fields come first
    raise ImportError("DecisionWriter splices the customer after a field")
_NEXT_KEY = (
    f',"{_FIELDS[_FIELDS.index("customer") + 1]}":'.encode() if _FIELDS[-1] != "customer" else None
)
"""Where the customer goes in the decision written without it: before the next
field's key (or at the end)."""


def _around(before: bytes, middle: bytes, after: bytes) -> bytes:
    """``{before..., middle, after...}`` from two serialised objects and a member."""
    head = before[:-1] + b"," if len(before) > 2 else b"{"
    tail = b"," + after[1:] if len(after) > 2 else b"}"
    return head + middle + tail


class DecisionWriter:
    """``RoutingDecision`` -> its JSON, the context's lines from ``line_json``."""

    __slots__ = ("_line_json",)

    def __init__(self, line_json: Callable[[RecentContact], bytes]) -> None:
        self._line_json = line_json

    def __call__(self, decision: RoutingDecision) -> bytes:
        context = decision.customer
        lines = _LINES + b",".join(map(self._line_json, context.recent_contacts)) + b"]"
        written_context = _around(
            _CONTEXT(context, include=_BEFORE_LINES),
            lines,
            _CONTEXT(context, include=_AFTER_LINES) if _AFTER_LINES else b"{}",
        )
        rest = _DECISION(decision, exclude=_NO_CUSTOMER)
        at = rest.rfind(_NEXT_KEY) if _NEXT_KEY is not None else len(rest) - 1
        return rest[:at] + b"," + _CUSTOMER + written_context + rest[at:]
