"""Both stages send a batch's dead letters the same way: keyed as the original
record, the letter's JSON as the value, one log line naming the position."""

from __future__ import annotations

import logging

import pytest

from omniroute.router.codec import InboundRecord, dead_letter_for
from omniroute.router.runtime import dead_letter_records
from omniroute.schemas import DeadLetter, DeadLetterReason, utc_now


def test_a_dead_letter_is_keyed_as_its_original_and_logged_with_its_position(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keyed = InboundRecord("omniroute.agent-events", 3, 41, b"agent-7", b"{")
    unkeyed = InboundRecord("omniroute.interactions", 1, 9, None, b"\xff")
    letters = [
        dead_letter_for(keyed, DeadLetterReason.NOT_JSON, "eof", stage="assigner", now=utc_now()),
        dead_letter_for(unkeyed, DeadLetterReason.NOT_JSON, "utf-8", stage="router", now=utc_now()),
    ]

    with caplog.at_level(logging.WARNING, logger="omniroute.poison"):
        records = list(dead_letter_records(letters, "omniroute.deadletter"))

    assert [(topic, key) for topic, key, _ in records] == [
        ("omniroute.deadletter", b"agent-7"),
        ("omniroute.deadletter", None),
    ]
    assert [DeadLetter.model_validate_json(value) for _, _, value in records] == letters
    assert [r.getMessage() for r in caplog.records] == [
        "dead-lettered not_json at omniroute.agent-events/3/41",
        "dead-lettered not_json at omniroute.interactions/1/9",
    ]
    assert [r.__dict__["stage"] for r in caplog.records] == ["assigner", "router"]
