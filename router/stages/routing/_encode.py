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


_BEFORE_CUSTOMER, _AFTER_CUSTOMER = _split(list(RoutingDecision.model_fields), "customer")
_BEFORE_LINES, _AFTER_LINES = _split(list(CustomerContext.model_fields), "recent_contacts")
_CUSTOMER = b'"customer":'
_LINES = b'"recent_contacts":['


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
        return _around(
            _DECISION(decision, include=_BEFORE_CUSTOMER),
            _CUSTOMER + written_context,
            _DECISION(decision, include=_AFTER_CUSTOMER) if _AFTER_CUSTOMER else b"{}",
        )
