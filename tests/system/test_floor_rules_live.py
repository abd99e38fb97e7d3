"""Opening hours, overflow and wait estimates through the SDKs on live workers: a
private broker, Redis, router (with a policy that has hours and overflow) and
assigner (estimates every second), shared by this module's tests."""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from omniroute.agents import WAIT_CEILING_SECONDS
from omniroute.router.runtime import (
    AssignerSettings,
    KafkaSettings,
    RedisSettings,
    RouterSettings,
    Settings,
)
from omniroute.router.sdk import AgentDesktop, FrontEndClient
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port, stop_workers
from omniroute.schemas import Channel, ContactTarget

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


def _policy(today: datetime) -> str:
    holidays = ", ".join(str((today + timedelta(days=d)).date()) for d in (-1, 0, 1))
    every_day = ", ".join(
        f'{d}: "00:00-24:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    return f"""
version: live-floor-1
queues:
  general: {{pool: care, overflow: [{{after_seconds: 2, to: overflow_help}}]}}
  overflow_help: {{pool: tech}}
  unstaffed: {{pool: care}}
  night: {{pool: night}}
default_queue: general
hours:
  night:
    open: {{{every_day}}}
    holidays: [{holidays}]
    closed: {{target: self_service, message: "Our help pages are open"}}
routing:
  - {{name: night-desk, when: 'reason == "night"', then: {{queue: night}}}}
  - {{name: nobody-there, when: 'reason == "unstaffed"', then: {{queue: unstaffed}}}}
"""


@dataclass(frozen=True)
class LiveFloor:
    settings: Settings
    router: WorkerProcess
    assigner: WorkerProcess

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka.bootstrap_servers


def _sample(worker: WorkerProcess, name: str, **labels: str) -> float | None:
    """One sample of a worker's /metrics now, or None if it has no such series."""
    url = f"http://127.0.0.1:{worker.settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as answer:
        text = answer.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFloor]:
    state = tmp_path_factory.mktemp("floor-rules")
    policy = Path(state) / "policy.yaml"
    policy.write_text(_policy(datetime.now(UTC)))
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_wait_ms=5, policy_file=policy),
        assigner=AssignerSettings(wait_estimate_every_seconds=1.0),
        state_dir=state,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    router = WorkerProcess("router", settings).start()
    assigner = WorkerProcess(
        "assigner",
        settings.model_copy(update={"metrics_port": free_port()}),
        log_path=Path(state) / "assigner.log",
    ).start()
    workers = [router, assigner]
    try:
        for worker in workers:
            worker.wait_ready(timeout=60)
        yield LiveFloor(settings, router, assigner)
    finally:
        codes = stop_workers(workers)
        stack.down()
        assert codes == [0, 0]


def _customer() -> str:
    return f"c-{uuid.uuid4().hex[:8]}"


def test_a_contact_while_closed_gets_the_closed_hours_route_and_why(floor: LiveFloor) -> None:
    with FrontEndClient(floor.bootstrap, source="/web/test") as web:
        contact = web.arrived(_customer(), Channel.CHAT, reason="night")
        decision = web.decision_for(contact.interaction_id, timeout=30)
    assert (decision.target, decision.closed_queue) == (ContactTarget.SELF_SERVICE, "night")
    [closed] = [e.detail for e in decision.explanation if e.name == "closed-hours"]
    assert closed.startswith("night closed (hours night): holiday (")
    assert closed.endswith("-> self_service; Our help pages are open")
    closed_arrivals = _sample(
        floor.router, "omniroute_closed_arrivals_total", queue="night", target="self_service"
    )
    assert closed_arrivals == 1.0


def test_with_one_pool_saturated_a_contact_overflows_and_its_offer_says_why(
    floor: LiveFloor,
) -> None:
    bootstrap = floor.bootstrap
    care = AgentDesktop(bootstrap, agent_id="care-1", pool="care")
    tech = AgentDesktop(bootstrap, agent_id="tech-1", pool="tech")
    try:
        care.login(queues=["general"], capacity={Channel.CHAT: 1})
        tech.login(queues=["overflow_help"], capacity={Channel.CHAT: 1})
        with FrontEndClient(bootstrap, source="/chat/test") as chat:
            first = chat.arrived(_customer(), Channel.CHAT, reason="billing")
            taken = next(
                o for o in care.offers(timeout=30) if o.interaction_id == first.interaction_id
            )
            care.accept(taken)  # the care pool's one agent is busy now
            second = chat.arrived(_customer(), Channel.CHAT, reason="billing")
            offer = next(
                o for o in tech.offers(timeout=30) if o.interaction_id == second.interaction_id
            )
        assert (offer.pool, offer.queue) == ("tech", "overflow_help")
        [why] = [e.detail for e in offer.explanation if e.name == "overflow"]
        assert why.startswith("overflowed from general (pool care) after ")
        assert why.endswith(" s to overflow_help (pool tech)")
        waited = float(why.split(" after ")[1].split(" s ")[0])
        assert waited >= 2
        moved = _sample(
            floor.assigner,
            "omniroute_overflowed_total",
            from_pool="care",
            from_queue="general",
            to_pool="tech",
            to_queue="overflow_help",
        )
        assert moved == 1.0
    finally:
        care.close()
        tech.close()


def test_a_front_end_reads_a_contacts_estimated_wait_through_the_sdk(floor: LiveFloor) -> None:
    with FrontEndClient(floor.bootstrap, source="/ivr/test") as ivr:
        contact = ivr.arrived(_customer(), Channel.VOICE, reason="unstaffed")
        decision = ivr.decision_for(contact.interaction_id, timeout=30)
        estimate = ivr.wait_estimate_for(contact.interaction_id, timeout=30)
    assert decision.queue == "unstaffed"
    assert (estimate.interaction_id, estimate.customer_id, estimate.queue) == (
        contact.interaction_id,
        contact.customer_id,
        "unstaffed",
    )
    assert estimate.position == 1
    # Nobody serves the queue: no estimate can be promised, published as the ceiling.
    assert estimate.estimated_wait_seconds == WAIT_CEILING_SECONDS
