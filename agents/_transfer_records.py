"""The persisted form of what transfers and declines add to a contact: a few keys
more in its record, absent (and defaulted) in records written before them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._model import Contact
from ._transfers import Transfer, WarmOrigin

__all__ = ["transfer_fields", "transfer_fields_from"]


def transfer_fields(contact: Contact) -> dict[str, Any]:
    """Only what is set: most contacts are never declined or transferred."""
    fields: dict[str, Any] = {}
    if contact.declined:
        fields["declined"] = list(contact.declined)
    if contact.transfers:
        fields["transfers"] = [_transfer_record(t) for t in contact.transfers]
    if contact.hold_for is not None:
        fields["hold_for"] = contact.hold_for
        fields["hold_until"] = contact.hold_until
    if contact.warm is not None:
        warm = contact.warm
        fields["warm"] = {
            "agent_id": warm.agent_id,
            "offer_id": warm.offer_id,
            "assigned_at": warm.assigned_at,
            "queue": warm.queue,
            "requirements": [[skill, minimum] for skill, minimum in warm.requirements],
            "priority": warm.priority,
        }
    if contact.moved_to is not None:
        fields["moved_to"] = contact.moved_to
    return fields


def transfer_fields_from(record: Mapping[str, Any]) -> dict[str, Any]:
    """``Contact`` keyword arguments from a record's transfer keys."""
    warm = record.get("warm")
    return {
        "declined": tuple(str(a) for a in record.get("declined", ())),
        "transfers": tuple(transfer_from_record(t) for t in record.get("transfers", ())),
        "hold_for": record.get("hold_for"),
        "hold_until": float(record.get("hold_until", 0.0)),
        "warm": None
        if warm is None
        else WarmOrigin(
            agent_id=str(warm["agent_id"]),
            offer_id=str(warm["offer_id"]),
            assigned_at=float(warm["assigned_at"]),
            queue=str(warm["queue"]),
            requirements=tuple((str(s), int(m)) for s, m in warm.get("requirements", ())),
            priority=int(warm["priority"]),
        ),
        "moved_to": record.get("moved_to"),
    }


def _transfer_record(transfer: Transfer) -> dict[str, Any]:
    return {
        "transfer_id": transfer.transfer_id,
        "from_agent": transfer.from_agent,
        "from_queue": transfer.from_queue,
        "from_pool": transfer.from_pool,
        "to_queue": transfer.to_queue,
        "to_agent": transfer.to_agent,
        "mode": transfer.mode,
        "note": transfer.note,
        "at": transfer.at,
    }


def transfer_from_record(record: Mapping[str, Any]) -> Transfer:
    mode = record.get("mode", "cold")
    return Transfer(
        transfer_id=str(record["transfer_id"]),
        from_agent=str(record["from_agent"]),
        from_queue=str(record["from_queue"]),
        from_pool=str(record["from_pool"]),
        to_queue=str(record["to_queue"]),
        to_agent=record.get("to_agent"),
        mode="warm" if mode == "warm" else "cold",
        note=str(record.get("note", "")),
        at=float(record["at"]),
    )
