"""The embedded stack: starts, reports, stops, and fails with errors that say what to do."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, StackError, free_port, port_open

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


def _settings(
    tmp_path: Path, kafka_port: int | None = None, redis_port: int | None = None
) -> Settings:
    return Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{kafka_port or free_port()}"),
        redis=RedisSettings(port=redis_port or free_port()),
        state_dir=tmp_path,
    )


def test_up_is_idempotent_and_down_stops_everything(tmp_path: Path) -> None:
    stack = EmbeddedStack(_settings(tmp_path))
    try:
        first = stack.up()
        assert all(c.running and c.listening for c in first)
        again = stack.up()
        assert [c.pid for c in again] == [c.pid for c in first], "no second copy started"
    finally:
        stack.down()
    assert not any(c.running or c.listening for c in stack.status())
    assert not list((tmp_path / "stack").glob("*.pid"))


def test_a_port_taken_by_someone_else_is_named_in_the_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        stack = EmbeddedStack(_settings(tmp_path, redis_port=port))
        try:
            with pytest.raises(StackError, match=rf"redis: port 127\.0\.0\.1:{port} is already"):
                stack.up()
        finally:
            stack.down()


def test_a_missing_redis_server_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    with pytest.raises(StackError, match="apt-get install redis-server"):
        EmbeddedStack(_settings(tmp_path)).up()


def test_topics_are_created_with_the_set_partition_count(tmp_path: Path) -> None:
    settings = _settings(tmp_path).model_copy(
        update={"kafka": KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=4)}
    )
    stack = EmbeddedStack(settings)
    try:
        stack.up()
        consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers)
        try:
            assert consumer.partitions_for_topic("omniroute.interactions") == {0, 1, 2, 3}
            assert consumer.partitions_for_topic("omniroute.pool-load") == {0, 1, 2, 3}
        finally:
            consumer.close()
    finally:
        stack.down()
    assert not port_open("127.0.0.1", int(settings.kafka.bootstrap_servers.rsplit(":", 1)[1]))
