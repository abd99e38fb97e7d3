"""One customer across channels, on the real broker, Redis and router: a call known
only by its phone number and a chat known only by its e-mail address reach the same
customer record and one shared history. The phone number is linked by the
``omniroute identity`` command, the e-mail address by an event that named its
customer. No address appears in a log line or on /metrics afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from typing import Any

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.sdk import FrontEndClient
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, CustomerProfile, Tier

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

RUN = uuid.uuid4().hex[:6]
CUSTOMER = f"ident-{RUN}"
PHONE_DIGITS = f"555{int(RUN, 16) % 10_000_000:07d}"
PHONE = f"tel:+1 {PHONE_DIGITS[:3]} {PHONE_DIGITS[3:6]}-{PHONE_DIGITS[6:]}"
EMAIL = f"Ada.{RUN}@Example.org"


def _omniroute(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omniroute.router.cli", *args],
        env={**os.environ, **settings.as_env()},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_call_by_phone_and_a_chat_by_email_reach_one_customer_and_one_history(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    redis_client.set(
        f"cust:{CUSTOMER}",
        CustomerProfile(customer_id=CUSTOMER, name="Ada Test", tier=Tier.GOLD).model_dump_json(),
    )
    linked = _omniroute(stack_settings, "identity", "link", CUSTOMER, PHONE)
    assert linked.returncode == 0, linked.stderr
    looked = _omniroute(stack_settings, "identity", "lookup", f"tel:001{PHONE_DIGITS}")
    assert (looked.returncode, looked.stdout.strip()) == (0, CUSTOMER)
    # Only hashes in the index: no key or value holds the number or the address.
    for key in redis_client.scan_iter("idx:*"):
        assert PHONE_DIGITS.encode() not in key
        assert PHONE_DIGITS.encode() not in (redis_client.get(key) or b"")

    with FrontEndClient(stack_settings.kafka.bootstrap_servers, source="/tests/identity") as fe:
        # The web shop knows who is logged in and tells us their e-mail address.
        web = fe.arrived(CUSTOMER, Channel.WEB, reason="billing", contact=f"mailto:{EMAIL}")
        first = fe.decision_for(web.interaction_id, timeout=30)
        # The IVR knows only the caller's number; the chat only an e-mail address.
        call = fe.arrived_from(PHONE, Channel.VOICE, reason="technical_fault")
        by_phone = fe.decision_for(call.interaction_id, timeout=30)
        chat = fe.arrived_from(f"mailto:{EMAIL.lower()}", Channel.CHAT, reason="plan_change")
        by_email = fe.decision_for(chat.interaction_id, timeout=30)

    decisions: list[dict[str, Any]] = [
        d.model_dump(mode="json") for d in (first, by_phone, by_email)
    ]
    assert [d["customer_id"] for d in decisions] == [CUSTOMER] * 3
    assert [(d["customer"]["known"], d["customer"]["name"]) for d in decisions[1:]] == [
        (True, "Ada Test"),
        (True, "Ada Test"),
    ]
    # One history: the chat's decision sees the web contact and the call before it.
    assert [c["interaction_id"] for c in decisions[2]["customer"]["recent_contacts"]][-2:] == [
        web.interaction_id,
        call.interaction_id,
    ]
    assert [d["channel"] for d in decisions] == ["web", "voice", "chat"]
    # A gold customer recognised by address gets the gold treatment on both channels.
    assert {d["queue"] for d in decisions[1:]} == {"priority"}


def test_a_new_address_gets_a_customer_of_its_own_and_keeps_it(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    stranger = f"social:twitter:@stranger{RUN}"
    with FrontEndClient(stack_settings.kafka.bootstrap_servers, source="/tests/identity") as fe:
        one = fe.decision_for(fe.arrived_from(stranger, Channel.SOCIAL).interaction_id, timeout=30)
        two = fe.decision_for(
            fe.arrived_from(
                stranger.upper().replace("SOCIAL:", "social:"), Channel.SOCIAL
            ).interaction_id,
            timeout=30,
        )
    assert one.customer_id == two.customer_id
    assert one.customer_id.startswith("c-")
    assert not one.customer.known


def test_no_address_in_logs_or_metrics(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    url = f"http://127.0.0.1:{router_worker.settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        metrics = response.read().decode()
    logs = router_worker.log_path.read_text(errors="replace")
    for path in stack_settings.state_dir.glob("*.log"):
        logs += path.read_text(errors="replace")
    assert 'omniroute_identity_events_total{result="resolved"}' in metrics
    assert "idx:" not in logs
    for needle in (PHONE_DIGITS, PHONE_DIGITS[-7:], EMAIL, EMAIL.lower(), f"stranger{RUN}"):
        assert needle not in logs, needle
        assert needle not in metrics, needle
