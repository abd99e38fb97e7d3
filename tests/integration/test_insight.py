"""The insight stage on the real broker and Redis, with the real router: a known mix of
journeys in, and the report's counts by reason, segment and outcome and its cost
figures, to the cent, are what was sent. Feedback is joined to its contact."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from omniroute.router.policy import ContactFigures
from omniroute.router.runtime import Settings
from omniroute.router.sdk import FrontEndClient
from omniroute.router.tools.harness import WorkerProcess
from omniroute.router.tools.report import (
    FigureKey,
    InsightFigures,
    read_figures,
    write_chart,
    write_csv,
)
from omniroute.schemas import (
    AutomationCompleted,
    Channel,
    CustomerProfile,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    new_event_id,
)
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

RUN = uuid.uuid4().hex[:6]
SEG_A, SEG_B = f"a{RUN}", f"b{RUN}"


def _send(settings: Settings, topic: str, *events: Any) -> None:
    produce(
        settings.kafka.bootstrap_servers,
        topic,
        [(e.customer_id.encode(), e.model_dump_json().encode()) for e in events],
    )


def _common(customer: str, interaction: str, channel: Channel) -> dict[str, Any]:
    return {
        "id": new_event_id(),
        "source": "/tests/insight",
        "interaction_id": interaction,
        "customer_id": customer,
        "channel": channel,
    }


def _mine(figures: InsightFigures) -> dict[FigureKey, ContactFigures]:
    return {k: f for k, f in figures.cells.items() if k.segment in (SEG_A, SEG_B)}


def test_a_known_mix_of_journeys_is_counted_by_reason_segment_and_outcome_to_the_cent(
    stack_settings: Settings,
    redis_client: redis.Redis,
    router_worker: WorkerProcess,
    insight_worker: WorkerProcess,
    tmp_path: Path,
) -> None:
    bootstrap = stack_settings.kafka.bootstrap_servers
    a1, a2, b1 = f"ca1-{RUN}", f"ca2-{RUN}", f"cb1-{RUN}"
    redis_client.mset(
        {
            f"cust:{a1}": CustomerProfile(
                customer_id=a1, arpu=80.0, segment=SEG_A
            ).model_dump_json(),
            f"cust:{a2}": CustomerProfile(
                customer_id=a2, arpu=60.0, segment=SEG_A
            ).model_dump_json(),
            f"cust:{b1}": CustomerProfile(
                customer_id=b1, arpu=120.0, segment=SEG_B
            ).model_dump_json(),
        }
    )
    # (customer, interaction, channel, reason): the default policy sends standard
    # billing under ARPU 100 to IVR, password resets to self-service, e-mail and
    # complaints to agents.
    journeys = {
        "self-served": (a1, f"i1-{RUN}", Channel.VOICE, "billing"),
        "escalated": (a2, f"i2-{RUN}", Channel.VOICE, "billing"),
        "abandoned-in-automation": (a1, f"i3-{RUN}", Channel.CHAT, "password_reset"),
        "agent": (b1, f"i4-{RUN}", Channel.EMAIL, "technical_fault"),
        "abandoned-in-queue": (b1, f"i6-{RUN}", Channel.CHAT, "complaint"),
    }
    decisions = TopicReader(bootstrap, "omniroute.decisions")

    def decided(*interactions: str, count: int = 1) -> dict[str, list[dict[str, Any]]]:
        def seen(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
            return {i: [r for r in records if r["interaction_id"] == i] for i in interactions}

        decisions.wait_for(lambda rs: all(len(v) >= count for v in seen(rs).values()))
        return seen(decisions.records)

    _send(
        stack_settings,
        "omniroute.interactions",
        *(
            InteractionArrived(**_common(c, i, ch), reason=r, automation_seconds=10.0)
            for c, i, ch, r in journeys.values()
        ),
    )
    first = decided(*(i for _, i, _, _ in journeys.values()))
    targets = {name: first[i][0]["target"] for name, (_, i, _, _) in journeys.items()}
    assert targets == {
        "self-served": "ivr",
        "escalated": "ivr",
        "abandoned-in-automation": "self_service",
        "agent": "agent_queue",
        "abandoned-in-queue": "agent_queue",
    }
    _, i2, _, _ = journeys["escalated"]
    _send(
        stack_settings,
        "omniroute.interactions",
        InteractionEscalated(
            **_common(a2, i2, Channel.VOICE), from_stage="ivr", automation_seconds=50.0
        ),
    )
    assert decided(i2, count=2)[i2][1]["target"] == "agent_queue"
    c, i, ch, _ = journeys["self-served"]
    ends: list[Any] = [AutomationCompleted(**_common(c, i, ch), stage="ivr", resolved=True)]
    ends.append(
        InteractionEnded(**_common(a2, i2, Channel.VOICE), outcome="resolved", waited_seconds=100.0)
    )
    c, i, ch, _ = journeys["abandoned-in-automation"]
    ends.append(InteractionAbandoned(**_common(c, i, ch), stage="self_service"))
    c, i4, ch, _ = journeys["agent"]
    ends.append(InteractionEnded(**_common(c, i4, ch), outcome="unresolved"))
    c, i, ch, _ = journeys["abandoned-in-queue"]
    ends.append(InteractionAbandoned(**_common(c, i, ch), stage="queue", waited_seconds=90.0))
    _send(stack_settings, "omniroute.interactions", *ends)
    # The same customer writes again on the same reason: a repeat within 7 days.
    i5 = f"i5-{RUN}"
    _send(
        stack_settings,
        "omniroute.interactions",
        InteractionArrived(**_common(b1, i5, Channel.EMAIL), reason="technical_fault"),
    )
    assert decided(i5)[i5][0]["target"] == "agent_queue"
    _send(
        stack_settings,
        "omniroute.interactions",
        InteractionEnded(**_common(b1, i5, Channel.EMAIL), outcome="resolved"),
    )
    # The customers' voice, through the front-end SDK.
    with FrontEndClient(bootstrap, source="/tests/survey") as survey:
        survey.feedback(a2, i2, kind="csat", score=2, comment="waited too long")
        survey.feedback(b1, i4, kind="nps", score=9)
    decisions.close()

    topic = stack_settings.insight.changelog_topic
    deadline = time.monotonic() + 30
    while True:
        figures = read_figures(bootstrap, topic)
        mine = _mine(figures)
        counted = sum(f.contacts for f in mine.values())
        answers = sum(f.csat_count + f.nps_count for f in mine.values())
        if (counted, answers) == (6, 2) or time.monotonic() > deadline:
            break
        time.sleep(0.3)

    got = {
        (k.segment, k.reason, k.channel): (
            f.contacts,
            f.self_served,
            f.agent,
            f.abandoned,
            f.repeat,
            f.preventable,
            f.automated,
            f.contained,
            f.escalated,
            f.expected_cents,
            f.realised_cents,
            f.baseline_cents,
            f.avoided_cents,
            f.automation_failed_cents,
            f.csat_count,
            f.csat_sum,
            f.nps_count,
            f.nps_promoters,
        )
        for k, f in mine.items()
    }
    assert got == {
        # IVR resolved ($0.36, avoided $4.64) + escalated to an agent ($0.36 + $5.00 once).
        (SEG_A, "billing", "voice"): (
            2,
            1,
            1,
            0,
            0,
            1,
            2,
            1,
            1,
            72,
            572,
            1000,
            428,
            36,
            1,
            2,
            0,
            0,
        ),
        # Abandoned in self-service: its automation failed, no saving claimed.
        (SEG_A, "password_reset", "chat"): (
            1,
            0,
            0,
            1,
            0,
            0,
            1,
            0,
            0,
            36,
            36,
            0,
            -36,
            36,
            0,
            0,
            0,
            0,
        ),
        # Two e-mails to agents at $5.63, the second a repeat.
        (SEG_B, "technical_fault", "email"): (
            2,
            0,
            2,
            0,
            1,
            1,
            0,
            0,
            0,
            1126,
            1126,
            1126,
            0,
            0,
            0,
            0,
            1,
            1,
        ),
        # Abandoned in queue: no agent spent, none claimed.
        (SEG_B, "complaint", "chat"): (1, 0, 0, 1, 0, 0, 0, 0, 0, 500, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    # Feedback by perceived wait: the escalated call waited 50 s in IVR + 100 s queued.
    waits = {band: f.csat_count for (ch, band), f in figures.waits.items() if ch == "voice"}
    assert waits.get("120-300s", 0) >= 1

    only_mine = InsightFigures(cells=dict(mine))
    csv_text = write_csv(tmp_path / "insight.csv", only_mine).read_text()
    assert (
        f"{SEG_A},billing,voice,2,1,1,0,0,1,2,1,1,0.72,5.72,10.00,4.28,0.36,1,2.00,0," in csv_text
    )
    assert write_chart(tmp_path / "insight.png", only_mine).read_bytes()[:4] == b"\x89PNG"

    # The command an analyst runs: the same figures, a table per segment, CSV and PNG.
    report = subprocess.run(
        [sys.executable, "-m", "omniroute.router.cli", "report", "--out", str(tmp_path / "cli")],
        env={**os.environ, **stack_settings.as_env(), "COLUMNS": "120"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr[-2000:]
    assert f"Segment {SEG_B}: contacts by reason" in report.stderr
    assert "repeat contacts (same reason, 7 days) driven by: technical_fault 1/2" in report.stderr
    assert (tmp_path / "cli" / "insight.png").stat().st_size > 0
    rows = (tmp_path / "cli" / "insight.csv").read_text().splitlines()
    assert f"{SEG_B},complaint,chat,1,0,0,1,0,0,0,0,0,5.00,0.00,0.00,0.00,0.00,0,,0," in rows

    url = f"http://127.0.0.1:{insight_worker.settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        metrics = response.read().decode()
    assert (
        f'omniroute_contacts_finished_total{{channel="voice",outcome="agent",reason="billing",'
        f'segment="{SEG_A}"}} 1.0' in metrics
    )
    assert (
        f'omniroute_contacts_repeat_total{{channel="email",reason="technical_fault",'
        f'segment="{SEG_B}"}} 1.0' in metrics
    )
