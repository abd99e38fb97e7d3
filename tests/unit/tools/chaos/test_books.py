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


AGENT_EVENTS = topic("omniroute.agent-events").name


def _transfer(ledger: Ledger, interaction: str, transfer_id: str, at: float) -> None:
    request = {
        "type": "omniroute.agent.transfer_requested",
        "id": transfer_id,
        "interaction_id": interaction,
        "agent_id": f"{RUN}-agent-1",
    }
    ledger.read(AGENT_EVENTS, json.dumps(request).encode(), at)


def _transfer_result(
    ledger: Ledger, interaction: str, transfer_id: str, outcome: str, at: float
) -> None:
    result = {
        "type": "omniroute.transfer.result",
        "id": f"transfer-{outcome}:{transfer_id}",
        "transfer_id": transfer_id,
        "interaction_id": interaction,
        "agent_id": f"{RUN}-agent-1",
        "outcome": outcome,
    }
    ledger.read(ASSIGNMENTS, json.dumps(result).encode(), at)


def _assigned(ledger: Ledger, interaction: str, attempt: int, at: float) -> None:
    _offer(ledger, interaction, attempt, at, expires=at + 10)
    _close(ledger, interaction, attempt, at + 0.5, "omniroute.offer.assigned")


def test_transfers_are_booked_a_handed_on_contact_is_owed_a_second_holder() -> None:
    """A kill during a transfer must lose nothing and assign nothing twice: each case
    the books must tell apart, on hand-made records."""
    ledger = Ledger("unused:9092", RUN)
    moved, waiting, declined, doubled, unanswered, dropped = (
        _queued_contact(ledger, n) for n in range(6)
    )
    for n, interaction in enumerate((moved, waiting, declined, doubled, unanswered, dropped)):
        _assigned(ledger, interaction, 1, at=101.0)
        _transfer(ledger, interaction, f"{RUN}-t{n}", at=110.0)
    # Cold, handed over, assigned to the second agent: two holders, both owed.
    _transfer_result(ledger, moved, f"{RUN}-t0", "handed_over", 110.5)
    _assigned(ledger, moved, 2, at=112.0)
    # Handed over and still queued in the new pool when the run ends.
    _transfer_result(ledger, waiting, f"{RUN}-t1", "handed_over", 110.5)
    # Warm, declined: it stays with the first agent (the second's offer was rejected).
    _offer(ledger, declined, 2, at=111.0, expires=131.0)
    _close(ledger, declined, 2, 112.0, "omniroute.offer.revoked")
    _transfer_result(ledger, declined, f"{RUN}-t2", "declined", 112.0)
    # Warm, declined, and yet assigned to the second agent too: assigned twice.
    _transfer_result(ledger, doubled, f"{RUN}-t3", "declined", 112.0)
    _assigned(ledger, doubled, 2, at=113.0)
    # Never answered: the request is in the log, so an owner had to apply it.
    # Handed over and then neither held nor assigned anywhere: lost.
    _transfer_result(ledger, dropped, f"{RUN}-t5", "handed_over", 110.5)
    held = {waiting: "queued", dropped: "moved"}

    books = ledger.report(held=held)

    assert (books.transfers_requested, books.transfers_handed_on) == (6, 3)
    assert (books.transfers_declined, books.transfers_unanswered) == (2, 1)
    assert books.examples["transfers_unanswered"] == [unanswered]
    assert books.assigned_twice == 1
    assert books.examples["assigned_twice"] == [doubled]
    assert (books.still_queued, books.lost) == (1, 1)
    assert books.examples["lost"] == [dropped]
    # moved, declined and unanswered hold their one owed assignment; doubled has two.
    assert books.assigned_once == 3
    assert books.violations == 1 + 1 + 1  # lost, assigned twice, unanswered
    assert ledger.pending() == 3  # waiting, dropped (owed a holder) and unanswered


def test_the_changelog_reading_prefers_the_live_record_to_a_hand_over_tombstone() -> None:
    def record(key: str, state: str | None) -> tuple[bytes, bytes | None]:
        body = None if state is None else json.dumps({"state": state}).encode()
        return json.dumps(key).encode(), body

    records: list[tuple[bytes | None, bytes | None]] = [
        record("care|c|x", "assigned"),
        record("tech|c|x", "queued"),  # the receiving pool queued it first
        record("care|c|x", "moved"),  # then the first pool's tombstone landed
        record("care|c|y", "moved"),
        record("tech|c|y", "offered"),
        record("care|c|y", None),  # the tombstone let go: the live record stays
    ]

    assert latest_contacts(records) == {"x": "queued", "y": "offered"}
