"""A flood of junk through a live router: every record gets its dead letter, and past
the per-key budget (``kafka.dead_letters_full_per_key_per_minute``, 30) the letters
go without the copy of the original; routing goes on."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import DeadLetter, DeadLetterReason, topic
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

INTERACTIONS = topic("omniroute.interactions").name
FLOOD = 60


def test_a_flood_from_one_key_keeps_a_letter_per_record_at_bounded_bytes(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    bootstrap = stack_settings.kafka.bootstrap_servers
    key = f"flood-{uuid.uuid4().hex[:8]}".encode()
    junk = [(key, b"junk %d " % n + b"x" * 20_000) for n in range(FLOOD)]
    dead = TopicReader(bootstrap, "omniroute.deadletter")
    try:
        produce(bootstrap, INTERACTIONS, junk)

        digests = {hashlib.sha256(value).hexdigest() for _, value in junk}

        def mine(records: list[dict[str, object]]) -> list[dict[str, object]]:
            # By the digest: a letter without the copy carries no key either.
            return [r for r in records if r.get("original_sha256") in digests]

        letters = [
            DeadLetter.model_validate(r)
            for r in mine(dead.wait_for(lambda records: len(mine(records)) >= FLOOD))
        ]
    finally:
        dead.close()
    assert router_worker.alive()
    assert len({letter.original_offset for letter in letters}) == FLOOD  # one per record
    assert {letter.reason for letter in letters} == {DeadLetterReason.NOT_JSON}
    full = [letter for letter in letters if letter.original_value_b64]
    minimal = [letter for letter in letters if not letter.original_value_b64]
    assert 30 <= len(full) <= 32  # the key's budget (it refills at 0.5 a second)
    assert len(full) + len(minimal) == FLOOD
    assert all(letter.original_sha256 and letter.original_size for letter in minimal)
    assert max(len(letter.model_dump_json()) for letter in minimal) < 2_000
