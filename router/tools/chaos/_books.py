"""The books of a chaos run: what was sent, read back against everything the workers
published, so "nothing lost" is a count and not a hope.

A background reader follows decisions, dead letters, assignments and agent events
from their beginning (the broker keeps them across its own restarts) and keeps only
what belongs to this run (every id the harness makes starts with the run id).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from omniroute.schemas import topic

from ._book_report import (
    AGENT_QUEUE,
    HANDED_ON,
    WAITING,
    BookReport,
    Contact,
    is_open,
    offer_open,
    overlaps,
    waiting_for_offer,
)

__all__ = ["BookReport", "Ledger"]

_FETCH_WAIT_MS = 500
"""kafka-python's default: the embedded broker holds every fetch this long."""
DECISIONS = topic("omniroute.decisions").name
DEADLETTER = topic("omniroute.deadletter").name
ASSIGNMENTS = topic("omniroute.assignments").name
AGENT_EVENTS = topic("omniroute.agent-events").name


class Ledger:
    """Sent contacts on one side, the workers' outputs on the other."""

    def __init__(self, bootstrap_servers: str, run_id: str) -> None:
        self.run_id = run_id
        self._marker = run_id.encode()
        self._lock = threading.Lock()
        self._contacts: dict[str, Contact] = {}
        self._follow_ups = 0
        self.dead_letters: Counter[str] = Counter()
        self.dead_positions: dict[tuple[str, int, int], str] = {}
        self.decision_latencies: list[tuple[float, float]] = []  # (decided at, seconds)
        self.offer_latencies: list[tuple[float, float]] = []  # (offered at, since decision)
        self.offers_by_agent: Counter[str] = Counter()
        self.assigned_by_pool: Counter[str] = Counter()
        self.refused_sends = 0
        self._bootstrap = bootstrap_servers
        self._stop = threading.Event()
        self._consumer: KafkaConsumer | None = None
        self._thread = threading.Thread(target=self._loop, name="ledger", daemon=True)
        self._polls = 0
        self._at_end = False
        self._read_more = threading.Condition()

    # What the harness sent -------------------------------------------------------
    def sent_arrival(self, interaction_id: str, event_id: str, at: float) -> None:
        with self._lock:
            self._contacts[interaction_id] = Contact(event_id, at)

    def refused(self, interaction_id: str) -> None:
        """The broker refused the arrival: it was never sent, so it is owed nothing."""
        with self._lock:
            self._contacts.pop(interaction_id, None)
            self.refused_sends += 1

    def sent_end(self, interaction_id: str, at: float) -> None:
        with self._lock:
            self._follow_ups += 1
            contact = self._contacts.get(interaction_id)
            if contact is not None:
                contact.ended_at = at

    # Reading the outputs ---------------------------------------------------------
    def start(self) -> Ledger:
        """Read the outputs from their beginning, in a background thread. (The books
        themselves need no broker: tests feed ``read`` directly.)"""
        consumer = self._consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            reconnect_backoff_max_ms=2000,
            fetch_max_wait_ms=_FETCH_WAIT_MS,
        )
        partitions = [
            TopicPartition(name, p)
            for name in (DECISIONS, DEADLETTER, ASSIGNMENTS, AGENT_EVENTS)
            for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self._consumer is not None:
            self._consumer.close()

    def catch_up(self, timeout: float = 30.0) -> bool:
        """Wait until the reader has read every output partition to a fetch high
        watermark the broker gave *after* this call: whatever the workers published
        before it is then in the books. False if that took longer than ``timeout``.

        The books are read against a snapshot of the assigners' changelog. An
        assignment is persisted there a moment before it is announced, and the
        reader trails the broker by a fetch or more (seconds, on a loaded embedded
        broker): without this, a contact assigned in the last moments of a run was
        "held assigned, never seen announced" and counted lost."""
        deadline = time.monotonic() + timeout
        # A poll returns on its own timeout whether or not a fetch answered, so the
        # high watermark it saw may predate this call: wait until a fetch sent after
        # it has answered. The broker holds each fetch for the fetch wait; three
        # waits leave room for a busy broker.
        settled = time.monotonic() + 3 * _FETCH_WAIT_MS / 1000
        with self._read_more:
            start = self._polls
            while not (self._polls >= start + 2 and time.monotonic() >= settled and self._at_end):
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._read_more.wait(min(left, 0.5))
        return True

    def _loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        while not self._stop.is_set():
            try:
                batches = consumer.poll(timeout_ms=200, max_records=5000)
                at_end = all(
                    (high := consumer.highwater(tp)) is not None and consumer.position(tp) >= high
                    for tp in consumer.assignment()
                )
            except Exception:
                time.sleep(0.5)
                continue
            with self._lock:
                for messages in batches.values():
                    for message in messages:
                        self._read(message.topic, message.value, message.timestamp / 1000)
            with self._read_more:
                self._polls += 1
                self._at_end = at_end
                self._read_more.notify_all()

    def read(self, name: str, value: bytes | None, at: float) -> None:
        """One output record of topic ``name``, published at ``at`` (broker time)."""
        with self._lock:
            self._read(name, value, at)

    def _read(self, name: str, value: bytes | None, at: float) -> None:
        if value is None:
            return
        if name == DEADLETTER:
            self._dead_letter(value)
            return
        if self._marker not in value:
            return
        try:
            message = json.loads(value)
        except ValueError:
            return
        contact = self._contacts.get(str(message.get("interaction_id")))
        if contact is None:
            return
        if name == DECISIONS:
            self._decision(contact, message, at)
        else:
            self._assignment(contact, message, at)

    def _decision(self, contact: Contact, message: dict[str, object], at: float) -> None:
        if message.get("cause_id") != contact.arrival_id:
            return
        contact.decision_records += 1
        if not contact.decision_ids:
            contact.decided_at = at
            contact.target = str(message.get("target"))
            self.decision_latencies.append((at, max(0.0, at - contact.sent_at)))
        contact.decision_ids.add(str(message["id"]))

    def _assignment(self, contact: Contact, message: dict[str, object], at: float) -> None:
        kind = str(message.get("type"))
        offer_id = str(message.get("offer_id"))
        if kind == "omniroute.offer":
            if offer_id not in contact.offers:
                contact.offers[offer_id] = at
                with contextlib.suppress(TypeError, ValueError):
                    expires = datetime.fromisoformat(str(message["expires_at"]))
                    contact.expires[offer_id] = expires.timestamp()
                self.offers_by_agent[str(message.get("agent_id"))] += 1
                if len(contact.offers) == 1 and contact.decided_at is not None:
                    self.offer_latencies.append((at, max(0.0, at - contact.decided_at)))
        elif kind == "omniroute.offer.assigned":
            if offer_id not in contact.assigned:
                self.assigned_by_pool[str(message.get("pool"))] += 1
            contact.assigned.add(offer_id)
            contact.assigned_records += 1
            contact.closed.setdefault(offer_id, at)
        elif kind in ("omniroute.offer.revoked", "omniroute.agent.offer_rejected"):
            contact.closed.setdefault(offer_id, at)
        elif kind == "omniroute.agent.transfer_requested":
            contact.transfers.setdefault(str(message.get("id")), None)
        elif kind == "omniroute.transfer.result":
            contact.transfers[str(message.get("transfer_id"))] = str(message.get("outcome"))

    def _dead_letter(self, value: bytes) -> None:
        try:
            letter = json.loads(value)
            reason = str(letter["reason"])
            position = (
                str(letter["original_topic"]),
                int(letter["original_partition"]),
                int(letter["original_offset"]),
            )
        except (ValueError, KeyError, TypeError):
            reason, position = "unreadable_dead_letter", ("?", -1, -1)
        self.dead_letters[reason] += 1
        self.dead_positions[position] = reason

    # The books ---------------------------------------------------------------------
    def pending(self) -> int:
        """Contacts still waiting for something: no decision, or queued and unresolved."""
        with self._lock:
            return sum(1 for c in self._contacts.values() if is_open(c))

    def settled(self, before: float) -> bool:
        """Everything sent up to ``before`` is decided, and every queued contact among
        them has been offered at least once, assigned or ended."""
        with self._lock:
            return not any(
                c.sent_at <= before and (not c.decision_ids or waiting_for_offer(c))
                for c in self._contacts.values()
            )

    def drained(self, before: float) -> bool:
        """``settled`` and no queued contact waits on an open offer: an offer still
        open at the end may time out and send its contact back to the queue, so a
        run that stopped there would count it neither assigned nor queued."""
        with self._lock:
            in_flight = any(offer_open(c) for c in self._contacts.values())
        return not in_flight and self.settled(before)

    def status(self) -> dict[str, int]:
        """Counts for progress lines: sent, decided, queued, offered, assigned, waiting."""
        with self._lock:
            contacts = list(self._contacts.values())
        queued = [c for c in contacts if c.target == AGENT_QUEUE]
        return {
            "sent": len(contacts),
            "decided": sum(1 for c in contacts if c.decision_ids),
            "queued": len(queued),
            "offered": sum(1 for c in queued if c.offers),
            "assigned": sum(1 for c in queued if c.assigned),
            "waiting_for_offer": sum(1 for c in queued if waiting_for_offer(c)),
        }

    def decided_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._contacts.values() if c.decision_ids)

    def report(self, held: Mapping[str, str] | None = None, end_grace: float = 5.0) -> BookReport:
        """The books. ``held`` is what the assigners' changelog holds at the end
        (interaction id -> state, ``held_contacts``): an unresolved contact counts
        as still queued only if it is held queued or offered, by its id; any other
        unresolved contact is lost. Without ``held``, every unresolved one is."""
        held = held or {}
        with self._lock:
            contacts = list(self._contacts.items())
            report = BookReport(
                arrivals_sent=len(contacts),
                follow_ups_sent=self._follow_ups,
                dead_letters=dict(self.dead_letters),
            )
        examples: dict[str, list[str]] = defaultdict(list)

        def note(kind: str, interaction: str) -> None:
            if len(examples[kind]) < 5:
                examples[kind].append(interaction)

        for interaction, c in contacts:
            if not c.decision_ids:
                report.undecided += 1
                note("undecided", interaction)
                continue
            report.decided += 1
            report.decided_twice += len(c.decision_ids) > 1
            report.duplicate_decisions += c.decision_records - len(c.decision_ids)
            if c.target != AGENT_QUEUE:
                continue
            report.queued += 1
            _book_transfers(report, c, note, interaction)
            owed = c.holders_owed
            if len(c.assigned) > owed:  # a transfer handed on makes one more holder due
                report.assigned_twice += 1
                note("assigned_twice", interaction)
            elif len(c.assigned) == owed:
                report.assigned_once += 1
            report.duplicate_assignments += c.assigned_records - len(c.assigned)
            if len(c.assigned) < owed and c.ended_at is not None:
                report.ended += 1
            elif len(c.assigned) < owed:
                report.unresolved += 1
                if held.get(interaction) in WAITING:
                    report.still_queued += 1
                else:
                    report.lost += 1
                    note("lost", interaction)
            overlapping = overlaps(c)
            if overlapping:
                report.overlapping_offers += overlapping
                note("overlapping_offers", interaction)
            if c.ended_at is not None and any(
                t > c.ended_at + end_grace for t in c.offers.values()
            ):
                report.offers_after_end += 1
                note("offers_after_end", interaction)
        report.lost += report.undecided
        report.examples = dict(examples)
        return report


def _book_transfers(
    report: BookReport, c: Contact, note: Callable[[str, str], None], interaction: str
) -> None:
    """A transfer requested must be answered; one handed on owes the contact a new holder."""
    for outcome in c.transfers.values():
        report.transfers_requested += 1
        if outcome is None:
            report.transfers_unanswered += 1
            note("transfers_unanswered", interaction)
        elif outcome in HANDED_ON:
            report.transfers_handed_on += 1
        elif outcome == "declined":
            report.transfers_declined += 1
        else:
            report.transfers_refused += 1
