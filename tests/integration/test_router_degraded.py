"""Redis down never stops routing: decisions go to an agent, flagged degraded."""

from __future__ import annotations

import os
import signal
import urllib.request
import uuid
from pathlib import Path

import pytest

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port
from omniroute.schemas import Channel, InteractionArrived, new_event_id
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]


def test_with_redis_gone_contacts_still_route_to_an_agent_flagged_degraded(tmp_path: Path) -> None:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=2),
        redis=RedisSettings(port=free_port(), timeout_seconds=0.2),
        router=RouterSettings(batch_wait_ms=5),
        state_dir=tmp_path,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    worker = WorkerProcess("router", settings)
    try:
        worker.start().wait_ready()
        redis_pid = next(c.pid for c in stack.status() if c.name == "redis")
        assert redis_pid is not None
        os.kill(redis_pid, signal.SIGKILL)
        event = InteractionArrived(
            id=new_event_id(),
            source="/tests",
            interaction_id=f"it-{uuid.uuid4().hex[:8]}",
            customer_id="c-anyone",
            channel=Channel.SMS,
        )
        reader = TopicReader(settings.kafka.bootstrap_servers, "omniroute.decisions")
        produce(
            settings.kafka.bootstrap_servers,
            "omniroute.interactions",
            [(b"c-anyone", event.model_dump_json().encode())],
        )
        (decision,) = reader.wait_for(lambda records: len(records) == 1)
        reader.close()
        assert decision["target"] == "agent_queue", "never automation when we know nothing"
        assert decision["degraded"] is True
        assert decision["customer"]["known"] is False
        assert worker.alive()
        url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            metrics = response.read().decode()
        assert "omniroute_degraded_decisions_total 1.0" in metrics
        assert 'omniroute_redis_errors_total{operation="mget"} 1.0' in metrics
    finally:
        assert worker.stop() == 0
        stack.down()
