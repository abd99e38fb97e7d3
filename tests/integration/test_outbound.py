"""Outbound coordination on the real broker and Redis: three departments ask to
contact one customer on one day; one is approved, the others are deferred or
suppressed with their reasons; marketing is held while its pool is busy and goes
ahead while it is idle; a customer who just called us is left alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from omniroute.router.policy import DEFAULT_POLICY_FILE
from omniroute.router.runtime import Settings
from omniroute.router.sdk import DepartmentClient
from omniroute.router.tools.harness import WorkerProcess, free_port
from omniroute.schemas import (
    Channel,
    OutboundKind,
    OutboundRequest,
    PoolLoad,
    RecentContact,
    RecentContacts,
    new_event_id,
    utc_now,
)
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

POLICY_DIR = Path(__file__).resolve().parents[2] / "router" / "policy"

RUN = uuid.uuid4().hex[:6]
IDLE, BUSY = f"idle{RUN}", f"busy{RUN}"


def _load(pool: str, occupancy: float) -> PoolLoad:
    return PoolLoad(
        id=new_event_id(),
        source="/tests",
        pool=pool,
        queued=0,
        longest_wait_seconds=0,
        agents_logged_in=10,
        agents_ready=2,
        occupancy=occupancy,
        estimated_wait_seconds=90.0 if occupancy > 0.8 else 0.0,
    )


@pytest.fixture(scope="module")
def outbound_worker(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    # The default policy without quiet hours, so the test does not depend on the
    # hour it runs at (quiet hours are the pure judge's unit tests).
    policy = yaml.safe_load((POLICY_DIR / DEFAULT_POLICY_FILE).read_text())
    policy["outbound"] = {"quiet_hours": {"start_hour": 0, "end_hour": 0}, "default_pool": IDLE}
    path = tmp_path_factory.mktemp("outbound") / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    produce(
        stack_settings.kafka.bootstrap_servers,
        "omniroute.pool-load",
        [
            (p.pool.encode(), p.model_dump_json().encode())
            for p in (_load(IDLE, 0.3), _load(BUSY, 0.95))
        ],
    )
    settings = stack_settings.model_copy(
        update={
            "metrics_port": free_port(),
            "router": stack_settings.router.model_copy(update={"policy_file": path}),
        }
    )
    worker = WorkerProcess("outbound", settings).start()
    try:
        worker.wait_ready(timeout=60)
        yield worker
    finally:
        code = worker.stop()
        log = Path(worker.log_path).read_text(errors="replace")
        assert code == 0, f"outbound worker exited {code}:\n{log[-3000:]}"
        assert "Traceback" not in log, log[-5000:]


def _request(
    customer: str, department: str, kind: OutboundKind, pool: str | None = None
) -> OutboundRequest:
    return OutboundRequest(
        id=new_event_id(),
        source=f"/departments/{department}",
        request_id=f"{department}-{customer}",
        customer_id=customer,
        department=department,
        kind=kind,
        channel=Channel.VOICE,
        pool=pool,
    )


def _verdicts(settings: Settings, *requests: OutboundRequest) -> dict[str, dict[str, Any]]:
    reader = TopicReader(settings.kafka.bootstrap_servers, "omniroute.outbound-decisions")
    wanted = {r.request_id for r in requests}
    for request in requests:  # one at a time: the order the departments asked in
        produce(
            settings.kafka.bootstrap_servers,
            "omniroute.outbound-requests",
            [(request.customer_id.encode(), request.model_dump_json().encode())],
        )
    reader.wait_for(lambda rs: wanted <= {r["request_id"] for r in rs})
    reader.close()
    return {r["request_id"]: r for r in reader.records if r["request_id"] in wanted}


def test_three_departments_one_customer_one_day_one_call(
    stack_settings: Settings, outbound_worker: WorkerProcess
) -> None:
    customer = f"ob-{RUN}"
    # Three departments, each with the SDK, ask for the same customer the same day.
    verdicts = {}
    asks: list[tuple[str, OutboundKind]] = [
        ("collections", "collections"),
        ("marketing", "marketing"),
        ("surveys", "survey"),
    ]
    for department, kind in asks:
        with DepartmentClient(
            stack_settings.kafka.bootstrap_servers, department=department
        ) as dept:
            ask = dept.request(customer, kind=kind, channel=Channel.VOICE)
            verdicts[department] = dept.verdict_for(ask.request_id, timeout=30)
    said = {d: (v.verdict, v.reason) for d, v in verdicts.items()}
    assert said == {
        "collections": ("approved", "clear"),
        "marketing": ("suppressed", "daily_cap"),
        "surveys": ("deferred", "daily_cap"),
    }
    assert "collections" in verdicts["marketing"].detail
    assert verdicts["surveys"].retry_after is not None
    assert verdicts["surveys"].retry_after > verdicts["collections"].time


def test_marketing_is_held_while_its_pool_is_busy_and_sells_when_idle(
    stack_settings: Settings, outbound_worker: WorkerProcess
) -> None:
    busy = _request(f"mb-{RUN}", "marketing", "marketing", pool=BUSY)
    idle = _request(f"mi-{RUN}", "marketing", "marketing", pool=IDLE)
    service = _request(f"ms-{RUN}", "service", "service", pool=BUSY)
    got = _verdicts(stack_settings, busy, idle, service)
    assert (got[busy.request_id]["verdict"], got[busy.request_id]["reason"]) == (
        "deferred",
        "pool_busy",
    )
    assert f"pool {BUSY} busy: occupancy 95%" in got[busy.request_id]["detail"]
    assert got[idle.request_id]["verdict"] == "approved"
    assert got[service.request_id]["verdict"] == "approved"


def test_a_customer_who_just_called_us_is_left_alone(
    stack_settings: Settings, redis_client: redis.Redis, outbound_worker: WorkerProcess
) -> None:
    customer = f"oc-{RUN}"
    called = utc_now() - timedelta(minutes=10)
    redis_client.set(
        f"recent:{customer}",
        RecentContacts(
            contacts=(RecentContact(interaction_id="in-1", at=called, channel=Channel.VOICE),)
        ).model_dump_json(),
    )
    ask = _request(customer, "collections", "collections")
    verdict = _verdicts(stack_settings, ask)[ask.request_id]
    assert (verdict["verdict"], verdict["reason"]) == ("deferred", "recent_contact")
