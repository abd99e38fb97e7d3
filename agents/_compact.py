"""Queued contacts held in less memory: what a hundred thousand of them repeat is
stored once.

Measured with tracemalloc on the assigner stage holding 10k agents and 100k
queued contacts (``omniroute bench assigner``'s state): of ~1.8 KB a contact,
1.1 KB was its ``CustomerContext``, and 728 bytes of that the per-instance set of
field names pydantic keeps (``__pydantic_fields_set__``), the same nine names on
every contact. Queue and skill names and each skill signature were also a fresh
copy per contact, decoded from its decision.

Nothing here changes a value: a compacted contact compares, serialises and
dumps (``exclude_unset`` included) as before. The tables are bounded (4,096 entries
each), so hostile or merely varied input costs at most that over what it did
without them.
"""

from __future__ import annotations

from omniroute.schemas import CustomerContext

from ._model import Signature

__all__ = ["compact_customer", "compact_name", "compact_signature", "shared_customer_id"]

_TABLE_LIMIT = 4096
"""Distinct names, and distinct signatures, kept; past it new ones are stored as
they come. A policy names a few dozen queues and skills."""

_fields_sets: dict[frozenset[str], set[str]] = {}
_names: dict[str, str] = {}
_signatures: dict[Signature, Signature] = {}


def compact_customer(customer: CustomerContext) -> CustomerContext:
    """``customer`` sharing its set of field names with every other customer that
    set the same fields.

    Sharing the set is safe because the model is frozen: pydantic adds to the set
    only when a field is assigned, which a frozen model refuses, and
    ``model_copy`` copies the set before it updates the copy's. At most 2^9
    distinct sets exist (one per subset of the model's fields)."""
    names = customer.__pydantic_fields_set__
    key = frozenset(names)
    shared = _fields_sets.get(key)
    if shared is None:
        shared = _fields_sets.setdefault(key, set(key))
    if shared is not names:
        object.__setattr__(customer, "__pydantic_fields_set__", shared)
    return customer


def compact_name(name: str) -> str:
    """A queue, skill or reason name, stored once. Not ``sys.intern``: its table
    grows with every distinct name a hostile input brings and never shrinks."""
    shared = _names.get(name)
    if shared is not None:
        return shared
    if len(_names) < _TABLE_LIMIT:
        _names[name] = name
    return name


def compact_signature(signature: Signature) -> Signature:
    """One tuple per distinct skill signature, with its names stored once."""
    shared = _signatures.get(signature)
    if shared is not None:
        return shared
    interned = tuple((compact_name(skill), minimum) for skill, minimum in signature)
    if len(_signatures) < _TABLE_LIMIT:
        _signatures[interned] = interned
    return interned


def shared_customer_id(customer_id: str, customer: CustomerContext | None) -> str:
    """``customer_id`` as the customer context's own string when they are equal:
    one string for both, not two equal copies."""
    if customer is not None and customer.customer_id == customer_id:
        return customer.customer_id
    return customer_id
