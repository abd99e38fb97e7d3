"""Dead letters that always fit, the minimal fallback, and the CloudEvents bindings
folded into omniroute's envelope: pure functions, no broker."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from omniroute.router.codec import (
    MAX_DEAD_LETTER_ORIGINAL_BYTES,
    InboundRecord,
    dead_letter_for,
    decode_batch,
    envelope_bytes,
    reply_headers,
)
from omniroute.router.runtime import EXIT_FAILED, Settings, minimal_dead_letter
from omniroute.schemas import DeadLetter, DeadLetterReason, InteractionEventAdapter

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIELDS = {"interaction_id": "it-1", "customer_id": "c-1", "channel": "chat"}
ATTRIBUTES = {
    "specversion": "1.0",
    "id": "ev-1",
    "source": "/frontends/web",
    "type": "omniroute.interaction.arrived",
    "time": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize("size", [10_000_000, 900_000])
def test_a_large_record_dead_letter_keeps_a_prefix_its_size_and_digest(size: int) -> None:
    value = bytes(range(256)) * (size // 256)
    record = InboundRecord("omniroute.interactions", 2, 7, b"k" * 200_000, value)
    letter = dead_letter_for(record, DeadLetterReason.OVERSIZED, "big", stage="router", now=NOW)
    assert len(letter.model_dump_json()) < 200_000
    assert letter.original_size == len(value)
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.original_truncated is True
    assert letter.original_value() == value[:MAX_DEAD_LETTER_ORIGINAL_BYTES]
    assert base64.b64decode(letter.original_key_b64 or "") == b"k" * MAX_DEAD_LETTER_ORIGINAL_BYTES


def test_a_small_record_dead_letter_keeps_it_whole() -> None:
    record = InboundRecord("omniroute.interactions", 0, 1, None, b"not json")
    letter = dead_letter_for(record, DeadLetterReason.NOT_JSON, "x", stage="router", now=NOW)
    assert letter.original_value() == b"not json"
    assert letter.original_truncated is False
    assert letter.original_size == 8


def test_the_minimal_dead_letter_keeps_position_and_reason_only() -> None:
    record = InboundRecord("omniroute.interactions", 1, 9, b"key", b"v" * 100_000)
    full = dead_letter_for(
        record, DeadLetterReason.OVERSIZED, "d" * 2000, stage="router", now=NOW
    ).model_dump_json()
    minimal = minimal_dead_letter(full.encode())
    assert minimal is not None
    letter = DeadLetter.model_validate_json(minimal)
    assert len(minimal) < 1000
    assert (letter.original_partition, letter.original_offset) == (1, 9)
    assert letter.reason is DeadLetterReason.OVERSIZED
    assert letter.original_value_b64 == ""
    assert letter.original_truncated is True
    assert letter.original_size == 100_000
    assert minimal_dead_letter(b"{}") is None


def test_binary_mode_becomes_the_envelope() -> None:
    headers = (
        *((f"ce_{k}", v.encode()) for k, v in ATTRIBUTES.items()),
        ("content-type", b"application/json"),
    )
    merged = json.loads(envelope_bytes(json.dumps(FIELDS).encode(), headers))
    assert merged == {**FIELDS, **ATTRIBUTES}


def test_structured_mode_becomes_the_envelope() -> None:
    value = json.dumps({**ATTRIBUTES, "datacontenttype": "application/json", "data": FIELDS})
    headers = (("content-type", b"application/cloudevents+json; charset=utf-8"),)
    assert json.loads(envelope_bytes(value.encode(), headers)) == {**FIELDS, **ATTRIBUTES}


def test_structured_mode_with_base64_data_and_plain_envelopes() -> None:
    data = base64.b64encode(json.dumps(FIELDS).encode()).decode()
    value = json.dumps({**ATTRIBUTES, "data_base64": data}).encode()
    headers = (("content-type", b"application/cloudevents+json"),)
    assert json.loads(envelope_bytes(value, headers)) == {**FIELDS, **ATTRIBUTES}
    plain = json.dumps({**FIELDS, **ATTRIBUTES}).encode()
    assert envelope_bytes(plain, ()) is plain
    assert envelope_bytes(plain, (("correlation_id", b"x"),)) is plain


def test_a_cloud_event_whose_data_is_no_object_is_dead_lettered_as_not_json() -> None:
    headers = tuple((f"ce_{k}", v.encode()) for k, v in ATTRIBUTES.items())
    record = InboundRecord("omniroute.interactions", 0, 3, None, b"[1, 2]", None, headers)
    result = decode_batch([record], InteractionEventAdapter, max_bytes=1000, stage="r", now=NOW)
    assert result.events == []
    assert [d.reason for d in result.dead_letters] == [DeadLetterReason.NOT_JSON]


def test_reply_headers_pass_correlation_and_trace_context_under_plain_names() -> None:
    headers = (
        ("ce_correlationid", b"c-1"),
        ("traceparent", b"00-abc-def-01"),
        ("ce_type", b"x"),
        ("authorization", b"secret"),
    )
    assert reply_headers(headers) == (("correlation_id", b"c-1"), ("traceparent", b"00-abc-def-01"))


@pytest.mark.kafka
def test_a_worker_whose_loop_failed_exits_non_zero(stack_settings: Settings) -> None:
    """run_worker exits EXIT_FAILED when the service reports it failed and stops the
    process, as the router does when its loop stops on an error."""
    script = textwrap.dedent(
        """
        import asyncio, faust, mode
        from prometheus_client import CollectorRegistry
        from omniroute.router.runtime import run_worker, stop_worker_process
        from omniroute.router.runtime import Settings

        state = {"failed": False}

        class Failing(mode.Service):
            async def on_started(self) -> None:
                async def fail() -> None:
                    await asyncio.sleep(0.2)
                    state["failed"] = True
                    stop_worker_process()
                self.add_future(fail())

        settings = Settings(metrics_port=0, kafka={"bootstrap_servers": BOOTSTRAP})
        app = faust.App("exit-test", broker=f"kafka://{BOOTSTRAP}", web_enabled=False)
        run_worker(settings, CollectorRegistry(), app, Failing(), live=lambda: not state["failed"])
        """
    )
    script = script.replace("BOOTSTRAP", repr(stack_settings.kafka.bootstrap_servers))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == EXIT_FAILED, done.stderr.decode()[-2000:]
