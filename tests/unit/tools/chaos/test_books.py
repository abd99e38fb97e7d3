"""The chaos books on hand-made output records: no broker, every rule checked by
value (an overlap is counted only while the previous offer stood; lost is exact by
id against what the changelog holds)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from omniroute.router.tools.chaos import Ledger, latest_contacts
from omniroute.schemas import topic

RUN = "chaostest1"
DECISIONS = topic("omniroute.decisions").name
ASSIGNMENTS = topic("omniroute.assignments").name


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _queued_contact(ledger: Ledger, n: int = 0, at: float = 100.0) -> str:
    interaction = f"{RUN}-{n:08d}"
    ledger.sent_arrival(interaction, f"ev-{interaction}", at)
    decision = {
        "id": f"d-{interaction}",
        "cause_id": f"ev-{interaction}",
        "interaction_id": interaction,
        "target": "agent_queue",
    }
    ledger.read(DECISIONS, json.dumps(decision).encode(), at + 0.01)
    return interaction


def _offer(ledger: Ledger, interaction: str, attempt: int, at: float, expires: float) -> None:
    message = {
        "type": "omniroute.offer",
        "interaction_id": interaction,
        "offer_id": f"{interaction}#{attempt}",
        "agent_id": f"{RUN}-agent-{attempt}",
        "expires_at": _iso(expires),
    }
    ledger.read(ASSIGNMENTS, json.dumps(message).encode(), at)


def _close(ledger: Ledger, interaction: str, attempt: int, at: float, kind: str) -> None:
    message = {
        "type": kind,
        "interaction_id": interaction,
        "offer_id": f"{interaction}#{attempt}",
        "agent_id": f"{RUN}-agent-{attempt}",
        "pool": "care",
    }
    ledger.read(ASSIGNMENTS, json.dumps(message).encode(), at)


def test_a_reoffer_while_the_first_offer_stands_is_an_overlap() -> None:
    ledger = Ledger("unused:9092", RUN)
    contact = _queued_contact(ledger)
    _offer(ledger, contact, 1, at=101.0, expires=111.0)
    _offer(ledger, contact, 2, at=105.0, expires=115.0)  # #1 neither closed nor expired
    _close(ledger, contact, 1, at=106.0, kind="omniroute.offer.revoked")

    books = ledger.report(held={contact: "offered"})

    assert books.overlapping_offers == 1
    assert books.examples["overlapping_offers"] == [contact]


def test_a_reoffer_after_the_first_offer_expired_is_no_overlap_even_if_revoked_later() -> None:
    """The takeover case: #1 expired unowned, and its revocation carries a later
    timestamp than the re-offer made in the same batch."""
    ledger = Ledger("unused:9092", RUN)
    contact = _queued_contact(ledger)
    _offer(ledger, contact, 1, at=101.0, expires=111.0)
    _offer(ledger, contact, 2, at=121.000, expires=131.0)
    _close(ledger, contact, 1, at=121.001, kind="omniroute.offer.revoked")
    _close(ledger, contact, 2, at=122.0, kind="omniroute.offer.assigned")

    books = ledger.report()

    assert (books.overlapping_offers, books.assigned_once, books.lost) == (0, 1, 0)


def test_a_revocation_one_millisecond_after_the_reoffer_still_counts_before_expiry() -> None:
    ledger = Ledger("unused:9092", RUN)
    contact = _queued_contact(ledger)
    _offer(ledger, contact, 1, at=101.0, expires=111.0)
    _close(ledger, contact, 1, at=103.001, kind="omniroute.offer.revoked")
    _offer(ledger, contact, 2, at=103.000, expires=113.0)

    assert ledger.report(held={contact: "offered"}).overlapping_offers == 1


def test_lost_is_exact_by_id_against_what_the_changelog_holds() -> None:
    ledger = Ledger("unused:9092", RUN)
    waiting, offered, gone, announced_nowhere = (_queued_contact(ledger, n) for n in range(4))
    _offer(ledger, offered, 1, at=101.0, expires=111.0)
    held = {
        waiting: "queued",
        offered: "offered",
        announced_nowhere: "assigned",  # held assigned, but its agent was never told
        f"{RUN}-hostile": "queued",  # held, but not one of the contacts the books owe
    }

    books = ledger.report(held=held)

    assert (books.unresolved, books.still_queued, books.lost) == (4, 2, 2)
    assert sorted(books.examples["lost"]) == sorted([gone, announced_nowhere])
    assert ledger.report().lost == 4  # nothing held: every unresolved contact is lost


def test_ended_and_undecided_contacts_are_booked_apart() -> None:
    ledger = Ledger("unused:9092", RUN)
    ended = _queued_contact(ledger, 1)
    ledger.sent_end(ended, 102.0)
    ledger.sent_arrival(f"{RUN}-undecided", "ev-undecided", 100.0)

    books = ledger.report()

    assert (books.ended, books.undecided, books.lost, books.decided) == (1, 1, 1, 1)


def test_the_changelog_reading_keeps_each_contacts_latest_state() -> None:
    def key(name: str) -> bytes:
        return json.dumps(name).encode()

    def value(state: str) -> bytes:
        return json.dumps({"state": state}).encode()

    records: list[tuple[bytes | None, bytes | None]] = [
        (key("care|c|a"), value("queued")),
        (key("care|c|b"), value("offered")),
        (key("care|a|agent-1"), json.dumps({"agent_id": "agent-1"}).encode()),
        (key("care|c|a"), value("offered")),
        (key("care|c|b"), None),  # ended: tombstoned
        (key("tech|c|c"), value("assigned")),
        (None, value("queued")),
    ]

    assert latest_contacts(records) == {"a": "offered", "c": "assigned"}
