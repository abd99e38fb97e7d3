"""The assigner through the broker, behind a small interface: ``run_bench`` takes any
``AssignerMeasure``, so the batch-loop assigner's own end-to-end measurement can
replace this one without touching the rest of the bench.

This one drives the current assigner worker as agents and the router would:
``agents`` agents log in not ready and ``queued`` contacts queue (inputs/s is how
fast that backlog is applied); then some agents come ready one by one against the
full queue (agent-ready -> offer), and contacts arrive for a second pool whose
agents are all idle (contact-arrived -> offer).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess, cpu_seconds, percentile, rss_mb
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AgentStateChanged,
    Channel,
    ContactTarget,
    CustomerContext,
    RoutingDecision,
    new_event_id,
    topic,
)

from ._backlog import latency_probe, produce_all

__all__ = ["AssignerFigures", "AssignerMeasure", "measure_assigner"]

AGENT_EVENTS = topic("omniroute.agent-events").name
ASSIGNER_INPUT = topic("omniroute.assigner-input").name
ASSIGNMENTS = topic("omniroute.assignments").name
# Only the backlog's own inputs: ticks are counted under the same metric.
_EVENTS_TOTAL = re.compile(
    rb'^omniroute_assigner_events_total\{type="(?:logged_in|decision)"\} ([0-9.e+]+)$', re.M
)


@dataclass(frozen=True, slots=True)
class AssignerFigures:
    inputs_per_second: float
    ready_to_offer_p50_ms: float
    ready_to_offer_p99_ms: float
    arrived_to_offer_p50_ms: float
    arrived_to_offer_p99_ms: float
    rss_mb: float
    agents: int
    queued: int
    inputs_per_cpu_second: float = 0.0
    """Inputs applied per CPU-second of the worker process while it drained the
    backlog: what sets its throughput on a quiet machine, and far steadier than
    inputs/s on a shared one."""


class AssignerMeasure(Protocol):
    def __call__(
        self,
        settings: Settings,
        *,
        agents: int,
        queued: int,
        probes: int,
        log_dir: Path,
        on_progress: Callable[[int], None] | None = None,
    ) -> AssignerFigures: ...


def _decision(serial: int, pool: str, queue: str, run: str) -> RoutingDecision:
    customer = f"cust-{serial:07d}"
    return RoutingDecision(
        id=f"d:bench-{run}-{serial}",
        source="/omniroute/bench",
        interaction_id=f"int-{run}-{serial:07d}",
        customer_id=customer,
        channel=Channel.VOICE,
        cause_id=f"ev-{run}-{serial}",
        cause_type="omniroute.interaction.arrived",
        target=ContactTarget.AGENT_QUEUE,
        queue=queue,
        pool=pool,
        priority=30,
        policy_version="bench",
        customer=CustomerContext(customer_id=customer, known=True),
    )


def _login(agent_id: str, pool: str, queue: str, *, ready: bool) -> AgentLoggedIn:
    return AgentLoggedIn(
        id=new_event_id(),
        source=f"/desktops/{agent_id}",
        agent_id=agent_id,
        pool=pool,
        queues=[queue],
        capacity={Channel.VOICE: 1},
        presence=AgentPresence.READY if ready else AgentPresence.NOT_READY,
    )


def _events_applied(port: int) -> float:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            body: bytes = response.read()
    except OSError:
        return 0.0
    return sum(float(value) for value in _EVENTS_TOTAL.findall(body))


async def _paced_offers(
    bootstrap: str, sends: list[tuple[str, bytes, bytes, bytes]], rate: float, wait: float
) -> list[float]:
    """Send (topic, key, value, awaited offer's marker) at ``rate``; each latency runs
    from the send to the arrival of an offer carrying the marker."""
    sent_at: dict[bytes, float] = {}
    latencies: list[float] = []
    async with latency_probe(bootstrap, ASSIGNMENTS) as (consumer, producer):

        async def read() -> None:
            while len(latencies) < len(sends):
                fetched = await consumer.getmany(timeout_ms=100, max_records=5000)
                arrived = time.time()
                for messages in fetched.values():
                    for message in messages:
                        value = message.value or b""
                        if b'"omniroute.offer"' not in value:
                            continue
                        for marker in list(sent_at):
                            if marker in value:
                                latencies.append(arrived - sent_at.pop(marker))
                                break

        reader = asyncio.create_task(read())
        for index, (name, key, value, marker) in enumerate(sends):
            sent_at[marker] = time.time()
            await producer.send(name, key=key, value=value)
            await asyncio.sleep(max(0.0, 1 / rate))
            if index % 50 == 0:
                await producer.flush()
        await producer.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, wait)
    return sorted(latencies)


def measure_assigner(
    settings: Settings,
    *,
    agents: int,
    queued: int,
    probes: int,
    log_dir: Path,
    on_progress: Callable[[int], None] | None = None,
) -> AssignerFigures:
    """The current (Faust) assigner worker, through the broker."""
    bootstrap = settings.kafka.bootstrap_servers
    run = f"a{int(time.time()) % 100_000}"
    worker = WorkerProcess("assigner", settings, log_path=log_dir / "assigner.log").start()
    try:
        worker.wait_ready(timeout=120)
        logins = [
            (
                f"ag-{run}-{n:05d}".encode(),
                _login(f"ag-{run}-{n:05d}", "care", "general", ready=False),
            )
            for n in range(agents)
        ]
        idle = [
            (
                f"it-{run}-{n:05d}".encode(),
                _login(f"it-{run}-{n:05d}", "tech", "technical", ready=True),
            )
            for n in range(probes)
        ]
        backlog_agents = [(key, event.model_dump_json().encode()) for key, event in logins + idle]
        backlog_contacts = [
            (b"care", _decision(n, "care", "general", run).model_dump_json().encode())
            for n in range(queued)
        ]
        inputs = len(backlog_agents) + len(backlog_contacts)
        before = _events_applied(worker.settings.metrics_port)
        cpu_before = cpu_seconds(worker.pid)
        started = time.perf_counter()
        asyncio.run(produce_all(bootstrap, AGENT_EVENTS, backlog_agents))
        asyncio.run(produce_all(bootstrap, ASSIGNER_INPUT, backlog_contacts))
        applied = 0.0
        deadline = time.monotonic() + max(120.0, inputs / 200)
        while applied < inputs and time.monotonic() < deadline:
            time.sleep(0.2)
            now_applied = _events_applied(worker.settings.metrics_port) - before
            if on_progress is not None and now_applied > applied:
                on_progress(int(now_applied - applied))
            applied = now_applied
        inputs_per_second = applied / (time.perf_counter() - started)
        inputs_per_cpu_second = applied / max(cpu_seconds(worker.pid) - cpu_before, 1e-3)
        memory = rss_mb(worker.pid)
        ready = [
            (
                AGENT_EVENTS,
                key,
                AgentStateChanged(
                    id=new_event_id(),
                    source="/desktops/bench",
                    agent_id=key.decode(),
                    pool="care",
                    presence=AgentPresence.READY,
                )
                .model_dump_json()
                .encode(),
                b'"agent_id":"' + key + b'"',
            )
            for key, _ in logins[:probes]
        ]
        arrivals = [
            (
                ASSIGNER_INPUT,
                b"tech",
                _decision(queued + n, "tech", "technical", run).model_dump_json().encode(),
                f'"interaction_id":"int-{run}-{queued + n:07d}"'.encode(),
            )
            for n in range(probes)
        ]
        rate = 50.0
        to_ready = asyncio.run(_paced_offers(bootstrap, ready, rate, 30.0))
        to_arrived = asyncio.run(_paced_offers(bootstrap, arrivals, rate, 30.0))
    finally:
        worker.stop()
    return AssignerFigures(
        inputs_per_second=inputs_per_second,
        ready_to_offer_p50_ms=percentile(to_ready, 0.5) * 1000,
        ready_to_offer_p99_ms=percentile(to_ready, 0.99) * 1000,
        arrived_to_offer_p50_ms=percentile(to_arrived, 0.5) * 1000,
        arrived_to_offer_p99_ms=percentile(to_arrived, 0.99) * 1000,
        rss_mb=memory,
        agents=agents,
        queued=queued,
        inputs_per_cpu_second=inputs_per_cpu_second,
    )
