"""The router swaps a changed policy in without a restart (docs/policy.md, "Hot
reload"): one live worker, events decided under policy A, the file rewritten to
policy B (cancellations go to billing instead of retention), and after the swap is
seen on /metrics the next events follow B. Every event is decided exactly once, and
the worker's PID never changes."""

from __future__ import annotations

import re
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port
from omniroute.schemas import Channel, CustomerProfile, InteractionArrived, Tier, new_event_id
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]

INTERACTIONS = "omniroute.interactions"
DEFAULT_POLICY = Path(__file__).parents[2] / "router" / "policy" / "default_policy.yaml"
RULE_A = "    then: {queue: retention}"
RULE_B = "    then: {queue: billing}"


def _policy_b(text_a: str) -> str:
    assert text_a.count(RULE_A) == 1, "the default policy's cancellation rule moved"
    return text_a.replace(RULE_A, RULE_B).replace('version: "2026.11-1"', 'version: "reload-b"')


@pytest.fixture(scope="module")
def reload_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    state = tmp_path_factory.mktemp("reload-stack")
    policy = state / "policy.yaml"
    policy.write_text(DEFAULT_POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_wait_ms=5, policy_file=policy),
        state_dir=state,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    yield settings
    stack.down()


def _cancellations(run: str, n: int) -> list[InteractionArrived]:
    return [
        InteractionArrived(
            id=new_event_id(),
            source="/tests/policy-reload",
            interaction_id=f"it-{uuid.uuid4().hex[:12]}",
            customer_id=f"c-{run}-{i}",
            channel=Channel.CHAT,
            reason="cancellation",
        )
        for i in range(n)
    ]


def _send(settings: Settings, events: list[InteractionArrived]) -> None:
    produce(
        settings.kafka.bootstrap_servers,
        INTERACTIONS,
        [(e.customer_id.encode(), e.model_dump_json().encode()) for e in events],
    )


def _policy_in_force(settings: Settings) -> str | None:
    url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    match = re.search(r'^omniroute_policy_info\{version="([^"]+)"\} 1\.0$', text, re.MULTILINE)
    return None if match is None else match.group(1)


def test_a_changed_policy_file_is_swapped_in_without_a_restart(reload_stack: Settings) -> None:
    run = uuid.uuid4().hex[:6]
    policy = reload_stack.router.policy_file
    assert policy is not None
    client = redis.Redis(port=reload_stack.redis.port)
    client.mset(
        {
            f"cust:c-{run}-{i}": CustomerProfile(
                customer_id=f"c-{run}-{i}", tier=Tier.SILVER, name=f"Customer {i}"
            ).model_dump_json()
            for i in range(20)
        }
    )
    client.close()
    decisions = TopicReader(reload_stack.kafka.bootstrap_servers, "omniroute.decisions")
    worker = WorkerProcess("router", reload_stack)
    try:
        worker.start().wait_ready(timeout=60)
        pid = worker.pid
        version_a = _policy_in_force(reload_stack)
        assert version_a is not None
        assert version_a.startswith("2026.11-1+")

        under_a = _cancellations(run, 10)
        _send(reload_stack, under_a)
        ids_a = {e.id for e in under_a}
        decisions.wait_for(lambda rs: ids_a <= {r["cause_id"] for r in rs}, 60)

        policy.write_text(_policy_b(policy.read_text(encoding="utf-8")), encoding="utf-8")
        deadline = time.monotonic() + 30
        while (version_b := _policy_in_force(reload_stack)) == version_a:
            assert time.monotonic() < deadline, "the new policy was never swapped in"
            time.sleep(0.2)
        assert version_b is not None
        assert version_b.startswith("reload-b+")

        under_b = [
            e.model_copy(update={"customer_id": f"c-{run}-{10 + i}"})
            for i, e in enumerate(_cancellations(run, 10))
        ]
        _send(reload_stack, under_b)
        ids_b = {e.id for e in under_b}
        decisions.wait_for(lambda rs: ids_b <= {r["cause_id"] for r in rs}, 60)
        decisions.settle(2.0)

        mine = [r for r in decisions.records if r["cause_id"] in ids_a | ids_b]
        counts = {i: sum(r["cause_id"] == i for r in mine) for i in ids_a | ids_b}
        assert counts == dict.fromkeys(ids_a | ids_b, 1), "each event decided exactly once"
        by_event = {r["cause_id"]: r for r in mine}
        assert {(by_event[i]["queue"], by_event[i]["policy_version"]) for i in ids_a} == {
            ("retention", version_a)
        }
        assert {(by_event[i]["queue"], by_event[i]["policy_version"]) for i in ids_b} == {
            ("billing", version_b)
        }
        assert worker.alive()
        assert worker.pid == pid, "no restart"
    finally:
        decisions.close()
        code = worker.stop()
        log = Path(worker.log_path).read_text(errors="replace")
        assert code == 0, f"router exited {code}:\n{log[-3000:]}"
        assert "Traceback" not in log, log[-5000:]
    assert "policy reloaded" in log
