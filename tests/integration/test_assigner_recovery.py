"""An assigner killed with SIGKILL mid-flight loses nothing: another worker rebuilds
every pool from the changelog and each contact is assigned exactly once.

It also pins down the broker defect the takeover avoids: ListOffsets LATEST is the
last *batch's* base offset + 1, so a reader that trusted it (Faust's table recovery
did) would stop short of the last records. The assigner produces its changelog in
multi-record batches and reads it back to the fetch high watermark instead.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from omniroute.router.runtime import (
    AssignerSettings,
    KafkaSettings,
    RedisSettings,
    Settings,
)
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    Channel,
    ContactTarget,
    CustomerContext,
    OfferAccepted,
    RoutingDecision,
    WorkCompleted,
    new_event_id,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

POOLS = ("north", "south", "east", "west")
CONTACTS_PER_POOL = 12
ANSWERING_AGENTS = 2


@pytest.fixture
def private_stack(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3),
        redis=RedisSettings(port=free_port()),
        assigner=AssignerSettings(offer_timeout_seconds=4.0, misses_before_not_ready=1),
        state_dir=tmp_path,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    yield settings
    stack.down()


def test_the_broker_reports_the_last_batch_base_as_end_offset(private_stack: Settings) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=50)
    for n in range(5):  # one batch of five records
        producer.send("omniroute.pool-load", key=b"k", value=str(n).encode(), partition=0)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tp = TopicPartition("omniroute.pool-load", 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    records: list[Any] = []
    deadline = time.monotonic() + 10
    while len(records) < 5 and time.monotonic() < deadline:
        records += consumer.poll(timeout_ms=200).get(tp, [])
    fetch_high_watermark = consumer.highwater(tp)
    list_offsets_latest = consumer.end_offsets([tp])[tp]
    consumer.close()
    assert [r.offset for r in records] == [0, 1, 2, 3, 4]
    assert fetch_high_watermark == 5
    # The defect: why no reader here takes "end" from end_offsets(). If this starts
    # failing, the broker was fixed.
    assert list_offsets_latest == 1


def _decision(pool: str, n: int, run: str) -> RoutingDecision:
    interaction = f"{run}-{pool}-{n:03d}"
    return RoutingDecision(
        id=new_event_id(),
        source="/tests",
        interaction_id=interaction,
        customer_id=f"c-{interaction}",
        channel=Channel.CHAT,
        cause_id=f"e-{interaction}",
        cause_type="omniroute.interaction.arrived",
        target=ContactTarget.AGENT_QUEUE,
        queue="general",
        pool=pool,
        priority=n % 3 * 10,
        max_wait_seconds=300,
        policy_version="test",
        customer=CustomerContext(customer_id=f"c-{interaction}", known=False),
    )


class Robot:
    """Answers for the agents: accepts every offer, completes on command."""

    def __init__(self, bootstrap: str, run: str) -> None:
        self.run = run
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        tps = [
            TopicPartition("omniroute.assignments", p)
            for p in self.consumer.partitions_for_topic("omniroute.assignments") or ()
        ]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.assignments: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.open_work: dict[str, tuple[str, str]] = {}  # interaction -> (agent, pool)
        self.answered: set[str] = set()

    def send(self, event: AgentLoggedIn | OfferAccepted | WorkCompleted) -> None:
        self.producer.send(
            "omniroute.agent-events",
            key=event.agent_id.encode(),
            value=event.model_dump_json().encode(),
        )

    def pump(self, *, complete: bool, seconds: float = 0.3) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=100).values():
                for record in records:
                    self._handle(json.loads(record.value))
            if complete:
                for interaction, (agent, pool) in list(self.open_work.items()):
                    self.send(
                        WorkCompleted(
                            id=new_event_id(),
                            source="/robot",
                            agent_id=agent,
                            pool=pool,
                            interaction_id=interaction,
                        )
                    )
                    del self.open_work[interaction]
        self.producer.flush()

    def _handle(self, message: dict[str, str]) -> None:
        if not message.get("agent_id", "").startswith(self.run):
            return
        agent, kind = message["agent_id"], message["type"]
        silent = agent.endswith("-silent")
        if kind == "omniroute.offer" and not silent and message["offer_id"] not in self.answered:
            self.answered.add(message["offer_id"])
            self.send(
                OfferAccepted(
                    id=new_event_id(),
                    source="/robot",
                    agent_id=agent,
                    pool=message["pool"],
                    offer_id=message["offer_id"],
                    interaction_id=message["interaction_id"],
                )
            )
        elif kind == "omniroute.offer.assigned":
            self.assignments[message["interaction_id"]].add((agent, message["offer_id"]))
            self.open_work[message["interaction_id"]] = (agent, message["pool"])

    def close(self) -> None:
        self.producer.close()
        self.consumer.close()


def test_sigkill_during_assignment_loses_nothing_and_assigns_each_contact_once(
    private_stack: Settings,
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    run = f"r{uuid.uuid4().hex[:5]}"
    robot = Robot(bootstrap, run)
    first = WorkerProcess("assigner", private_stack).start()
    first.wait_ready(timeout=60)
    for pool in POOLS:
        names = [f"{run}-{pool}-a{n}" for n in range(ANSWERING_AGENTS)] + [f"{run}-{pool}-silent"]
        for agent in names:
            robot.send(
                AgentLoggedIn(
                    id=new_event_id(),
                    source="/robot",
                    agent_id=agent,
                    pool=pool,
                    queues=["general"],
                    capacity={Channel.CHAT: 1},
                    presence=AgentPresence.READY,
                )
            )
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    for pool in POOLS:
        for n in range(CONTACTS_PER_POOL):
            producer.send(
                "omniroute.assigner-input",
                key=pool.encode(),
                value=_decision(pool, n, run).model_dump_json().encode(),
            )
    producer.flush()
    producer.close()

    # Agents accept but do not finish: contacts are now assigned, offered (to the
    # silent agents) and queued in every pool when the worker dies.
    deadline = time.monotonic() + 60
    while len(robot.assignments) < len(POOLS) * ANSWERING_AGENTS and time.monotonic() < deadline:
        robot.pump(complete=False)
    assert len(robot.assignments) == len(POOLS) * ANSWERING_AGENTS
    first.kill()

    second = WorkerProcess(
        "assigner",
        private_stack.model_copy(update={"metrics_port": free_port()}),
        log_path=private_stack.state_dir / "second.log",
    )
    second.start()
    try:
        second.wait_ready(timeout=60)
        total = len(POOLS) * CONTACTS_PER_POOL
        deadline = time.monotonic() + 120
        while len(robot.assignments) < total and time.monotonic() < deadline:
            robot.pump(complete=True)
        robot.pump(complete=True, seconds=2.0)  # would a duplicate assignment show up?
    finally:
        assert second.stop() == 0
        robot.close()
    expected = {f"{run}-{pool}-{n:03d}" for pool in POOLS for n in range(CONTACTS_PER_POOL)}
    assert set(robot.assignments) == expected, f"lost: {sorted(expected - set(robot.assignments))}"
    twice = {i: a for i, a in robot.assignments.items() if len({agent for agent, _ in a}) > 1}
    assert twice == {}, "a contact was assigned to two agents"
