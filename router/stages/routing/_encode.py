"""Decisions written straight to bytes, reusing the history lines' JSON.

A decision carries the customer context, and the context the customer's last five
history lines: serialising a decision whole wrote those lines again each time, two
thirds of its cost (31 us, 11 without the customer, on a loaded machine). The
lines' JSON is already kept (``LineJson``), so the decision is written as its
serialiser writes it without the customer, then the context without its lines,
then the lines' kept JSON. Byte for byte what ``RoutingDecision``'s serialiser
writes (tests/unit/stages/routing/test_fast_paths.py): the customer is the
decision's last field and the lines the context's last.
"""

from __future__ import annotations

from collections.abc import Callable

from omniroute.schemas import CustomerContext, RecentContact, RoutingDecision

__all__ = ["DecisionWriter"]

_DECISION = RoutingDecision.__pydantic_serializer__.to_json
_CONTEXT = CustomerContext.__pydantic_serializer__.to_json
_NOT_CUSTOMER = {"customer"}
_NOT_LINES = {"recent_contacts"}
_CUSTOMER = b',"customer":'
_LINES = b',"recent_contacts":['
_CLOSE = b"]}}"
_LAST_FIELDS = (list(RoutingDecision.model_fields)[-1], list(CustomerContext.model_fields)[-1])
if _LAST_FIELDS != ("customer", "recent_contacts"):  # pragma: no cover - a contract change
    raise ImportError("DecisionWriter: the customer and its lines are no longer written last")


class DecisionWriter:
    """``RoutingDecision`` -> its JSON, the context's lines from ``line_json``."""

    __slots__ = ("_line_json",)

    def __init__(self, line_json: Callable[[RecentContact], bytes]) -> None:
        self._line_json = line_json

    def __call__(self, decision: RoutingDecision) -> bytes:
        context = decision.customer
        return b"".join(
            (
                _DECISION(decision, exclude=_NOT_CUSTOMER)[:-1],
                _CUSTOMER,
                _CONTEXT(context, exclude=_NOT_LINES)[:-1],
                _LINES,
                b",".join(map(self._line_json, context.recent_contacts)),
                _CLOSE,
            )
        )
