"""The books read the outputs to their end before they count (issue 20's lost contact).

A soak's books compare what the assigners' changelog holds with what the reader
of the outputs has seen. An assignment is persisted a moment before it is
announced, and the reader trails the broker by a fetch or more: a contact
assigned in the last moments of a run was "held assigned, never announced", and
counted lost. Here, on the real broker, the assignment is published just before
the books close: with ``catch_up`` they count it assigned.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from kafka import KafkaProducer

from omniroute.router.runtime import Settings
from omniroute.router.tools.chaos import Ledger
from omniroute.schemas import topic

pytestmark = pytest.mark.kafka

DECISIONS = topic("omniroute.decisions").name
ASSIGNMENTS = topic("omniroute.assignments").name


def _send(producer: KafkaProducer, name: str, message: Mapping[str, object]) -> None:
    producer.send(name, key=b"k", value=json.dumps(message).encode()).get(timeout=30)


def test_an_assignment_announced_as_the_books_close_is_counted(
    stack_settings: Settings,
) -> None:
    run = "catchup0001"
    interaction = f"{run}-contact"
    ledger = Ledger(stack_settings.kafka.bootstrap_servers, run).start()
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka.bootstrap_servers)
    try:
        ledger.sent_arrival(interaction, f"ev-{interaction}", 0.0)
        decision = {
            "id": f"d-{interaction}",
            "cause_id": f"ev-{interaction}",
            "interaction_id": interaction,
            "target": "agent_queue",
        }
        _send(producer, DECISIONS, decision)
        assert ledger.catch_up(timeout=60)
        held = {interaction: "assigned"}  # what the changelog says at the snapshot
        _send(
            producer,
            ASSIGNMENTS,
            {
                "type": "omniroute.offer.assigned",
                "interaction_id": interaction,
                "offer_id": f"{interaction}#1",
                "agent_id": f"{run}-agent",
                "pool": "care",
            },
        )
        # The reader polls with a 500 ms fetch wait: right after the send it has
        # almost never read the announcement, and books counted now would call the
        # contact lost (the unit books test shows that count). catch_up waits for it.
        assert ledger.catch_up(timeout=60)
        books = ledger.report(held=held)
        assert (books.lost, books.assigned_once, books.decided) == (0, 1, 1)
    finally:
        producer.close()
        ledger.stop()
