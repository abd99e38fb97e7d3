"""The assigner worker end to end through the broker, at contact-center scale.

1. Drain: a backlog of agent log-ins (not ready) and queued contacts is written to
   ``omniroute.assigner-input`` first, then one worker drains it; inputs/s is read
   off the changelog records' own timestamps (first to last), so neither the
   load generator nor the reader limits the figure.
2. RSS of the worker holding that state (10k agents, 100k queued by default).
3. Latency at a fixed offered load: contacts arrive at ``rate``/s while agents
   come ready on ``omniroute.agent-events`` (the real path, through the re-key
   hop); agent-ready -> offer is the ready event's time to the offer record's
   broker timestamp (same clock: one machine).

Reusable: ``bench_assigner_e2e`` returns the figures; ``omniroute bench`` calls it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from omniroute.router.runtime import AssignerSettings, KafkaSettings, RedisSettings, Settings
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AgentStateChanged,
    ContactTarget,
    RoutingDecision,
    SkillRequirement,
    new_event_id,
    topic,
)

from ._assigner_bench import agent_spec, build_scenario, new_contact, percentile
from ._stack import EmbeddedStack, StackError, free_port
from ._workers import WorkerProcess

__all__ = ["AssignerE2EResult", "bench_assigner_e2e"]

INPUT = topic("omniroute.assigner-input").name
AGENT_EVENTS = topic("omniroute.agent-events").name
ASSIGNMENTS = topic("omniroute.assignments").name
POOL = "bench"


@dataclass(frozen=True, slots=True)
class AssignerE2EResult:
    agents: int
    contacts: int
    drained_inputs: int
    drain_seconds: float
    inputs_per_second: float
    cpu_seconds: float
    inputs_per_cpu_second: float
    """Robust to other load on the machine: the worker's own CPU time while draining."""
    rss_mib: float
    offered_rate: float
    ready_to_offer_p50_ms: float | None
    ready_to_offer_p99_ms: float | None
    ready_samples: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _decision(contact: Any) -> bytes:
    return (
        RoutingDecision(
            id=new_event_id(),
            source="/bench",
            interaction_id=contact.interaction_id,
            customer_id=contact.customer_id,
            channel=contact.channel,
            cause_id=f"e-{contact.interaction_id}",
            cause_type="omniroute.interaction.arrived",
            target=ContactTarget.AGENT_QUEUE,
            queue=contact.queue,
            pool=POOL,
            priority=contact.priority,
            max_wait_seconds=3600,
            required_skills=tuple(
                SkillRequirement(skill=s, min_proficiency=m) for s, m in contact.requirements
            ),
            policy_version="bench",
            customer=contact.customer,
        )
        .model_dump_json()
        .encode()
    )


def _login(spec: Any) -> bytes:
    return (
        AgentLoggedIn(
            id=new_event_id(),
            source="/bench",
            agent_id=spec.agent_id,
            pool=POOL,
            queues=list(spec.queues),
            skills=dict(spec.skills),
            capacity=dict(spec.capacity),
            max_total=spec.max_total,
            presence=AgentPresence.NOT_READY,
        )
        .model_dump_json()
        .encode()
    )


def _changelog_span(bootstrap: str, changelog: str, keys: int, timeout: float) -> tuple[int, int]:
    """(first, last) timestamps (ms) once the changelog holds ``keys`` distinct keys."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    deadline = time.monotonic() + timeout
    while not consumer.partitions_for_topic(changelog) and time.monotonic() < deadline:
        time.sleep(0.2)
        consumer.topics()
    tps = [TopicPartition(changelog, p) for p in consumer.partitions_for_topic(changelog) or ()]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen: set[bytes] = set()
    first, last = 2**63, 0
    try:
        while len(seen) < keys and time.monotonic() < deadline:
            for messages in consumer.poll(timeout_ms=200, max_records=50_000).values():
                for message in messages:
                    seen.add(message.key)
                first = min(first, messages[0].timestamp)
                last = max(last, messages[-1].timestamp)
    finally:
        consumer.close()
    if len(seen) < keys:
        raise StackError(f"changelog holds {len(seen)} of {keys} keys after {timeout:.0f} s")
    return first, last


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int | None) -> float:
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _OfferWatch(threading.Thread):
    """First offer timestamp (ms) per agent, read as offers arrive."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        tps = [
            TopicPartition(ASSIGNMENTS, p)
            for p in self.consumer.partitions_for_topic(ASSIGNMENTS) or ()
        ]
        self.consumer.assign(tps)
        self.consumer.seek_to_end(*tps)
        for tp in tps:
            self.consumer.position(tp)
        self.first_offer: dict[str, int] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for messages in self.consumer.poll(timeout_ms=100, max_records=10_000).values():
                for message in messages:
                    if b'"omniroute.offer"' in message.value:
                        agent = message.key.decode()
                        self.first_offer.setdefault(agent, message.timestamp)
        self.consumer.close()


def _offered_load(
    bootstrap: str,
    rng: random.Random,
    scenario: Any,
    not_ready: list[str],
    *,
    rate: float,
    seconds: float,
    serial: int,
) -> tuple[dict[str, int], dict[str, int]]:
    """Contacts at ``rate``/s and one agent coming ready per ten contacts; returns
    (agent -> ready sent ms, agent -> first offer ms)."""
    watch = _OfferWatch(bootstrap)
    watch.start()
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)
    ready_at: dict[str, int] = {}
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        due = int((time.monotonic() - started) * rate)
        while sent < due:
            now = time.time()
            contact = new_contact(rng, serial + sent, scenario, now)
            producer.send(INPUT, key=POOL.encode(), value=_decision(contact))
            if sent % 10 == 0 and not_ready:
                agent = not_ready.pop()
                event = AgentStateChanged(
                    id=new_event_id(),
                    source="/bench",
                    agent_id=agent,
                    pool=POOL,
                    presence=AgentPresence.READY,
                )
                ready_at[agent] = int(event.time.timestamp() * 1000)
                producer.send(
                    AGENT_EVENTS, key=agent.encode(), value=event.model_dump_json().encode()
                )
            sent += 1
        time.sleep(0.0005)
    producer.flush()
    producer.close()
    time.sleep(2.0)
    watch.stopping.set()
    watch.join(10)
    return ready_at, watch.first_offer


def bench_assigner_e2e(
    *,
    agents: int = 10_000,
    contacts: int = 100_000,
    rate: float = 1000.0,
    seconds: float = 10.0,
    state_dir: Path = Path(".omniroute/bench-assigner"),
    timeout: float = 600.0,
    profile_seconds: float = 0.0,
    seed: int = 7,
) -> AssignerE2EResult:
    """Run the three measurements on a private stack; ``profile_seconds`` > 0 records
    a py-spy profile of the draining worker to ``state_dir/assigner-drain.txt``."""
    settings = Settings(
        kafka=KafkaSettings(
            bootstrap_servers=f"127.0.0.1:{free_port()}",
            partitions=1,
            session_timeout_seconds=30.0,
            heartbeat_interval_seconds=3.0,
        ),
        redis=RedisSettings(port=free_port()),
        assigner=AssignerSettings(offer_timeout_seconds=600.0),
        state_dir=state_dir,
        metrics_port=free_port(),
        log_level="WARNING",
    )
    rng = random.Random(seed)
    scenario = build_scenario(rng)
    specs = [agent_spec(rng, n, scenario) for n in range(agents)]
    stack = EmbeddedStack(settings)
    stack.up()
    worker = WorkerProcess("assigner", settings, log_path=state_dir / "assigner.log")
    try:
        bootstrap = settings.kafka.bootstrap_servers
        producer = KafkaProducer(
            bootstrap_servers=bootstrap, linger_ms=20, batch_size=1 << 20, acks=1
        )
        for spec in specs:
            producer.send(INPUT, key=POOL.encode(), value=_login(spec))
        start = time.time() - 600
        for n in range(contacts):
            contact = new_contact(rng, n, scenario, start + n * 600 / max(1, contacts))
            producer.send(INPUT, key=POOL.encode(), value=_decision(contact))
        producer.flush()
        producer.close()
        worker.start()
        worker.wait_ready(timeout=timeout)
        cpu_before = _cpu_seconds(worker.pid)
        profiler = _profile(worker.pid, state_dir, profile_seconds)
        changelog = f"{settings.assigner.app_id}-assigner-state-changelog"
        first, last = _changelog_span(bootstrap, changelog, agents + contacts, timeout)
        cpu = _cpu_seconds(worker.pid) - cpu_before
        if profiler is not None:
            profiler.wait(profile_seconds + 30)
        drain = max(last - first, 1) / 1000
        rss = _rss_mib(worker.pid)
        not_ready = [spec.agent_id for spec in specs]
        rng.shuffle(not_ready)
        ready_at, offered = _offered_load(
            bootstrap, rng, scenario, not_ready, rate=rate, seconds=seconds, serial=contacts
        )
        samples = [
            float(offered[agent] - sent) for agent, sent in ready_at.items() if agent in offered
        ]
        return AssignerE2EResult(
            agents=agents,
            contacts=contacts,
            drained_inputs=agents + contacts,
            drain_seconds=drain,
            inputs_per_second=(agents + contacts) / drain,
            cpu_seconds=cpu,
            inputs_per_cpu_second=(agents + contacts) / max(cpu, 1e-3),
            rss_mib=rss,
            offered_rate=rate,
            ready_to_offer_p50_ms=percentile(samples, 0.5) if samples else None,
            ready_to_offer_p99_ms=percentile(samples, 0.99) if samples else None,
            ready_samples=len(samples),
        )
    finally:
        worker.stop()
        stack.down()


def _profile(pid: int | None, state_dir: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy (a dev dependency) sampling the worker while it drains."""
    if pid is None or seconds <= 0:
        return None
    return subprocess.Popen(  # noqa: S603 - our own dev tool on our own child
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--output",
            str(state_dir / "assigner-drain.txt"),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
