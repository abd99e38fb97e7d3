"""The embedded stack: starts, reports, stops, and fails with errors that say what to do."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.tools.harness import (
    EmbeddedStack,
    StackError,
    command_line,
    free_port,
    port_open,
    process_state,
)

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


_OWNER = """
import sys
from pathlib import Path
from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess

kafka_port, redis_port, state, detached = sys.argv[1:5]
settings = Settings(
    kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{kafka_port}"),
    redis=RedisSettings(port=int(redis_port)),
    state_dir=Path(state),
)
stack = EmbeddedStack(settings, detached=detached == "1")
pids = [c.pid for c in stack.up()]
if detached != "1":
    pids.append(WorkerProcess("router", settings).start().pid)
print(" ".join(str(pid) for pid in pids), flush=True)
sys.stdin.read()  # hold the stack until killed
"""


def _owned_stack(tmp_path: Path, *, detached: bool) -> tuple[subprocess.Popen[str], list[int]]:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _OWNER,
            *(str(free_port()), str(free_port()), str(tmp_path), "1" if detached else "0"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    pids = [int(pid) for pid in owner.stdout.readline().split()]
    assert len(pids) == (2 if detached else 3), "the broker's, Redis's (and a worker's) pids"
    return owner, pids


def _kill(owner: subprocess.Popen[str]) -> None:
    owner.kill()
    owner.communicate()  # reaps it and closes its pipes


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process_state(pid) in (None, "Z"):
            return True
        time.sleep(0.05)
    return False


def test_a_killed_owner_leaves_no_broker_redis_or_worker_behind(tmp_path: Path) -> None:
    owner, pids = _owned_stack(tmp_path, detached=False)
    _kill(owner)  # SIGKILL: no finally block, no atexit runs
    assert [_gone(pid) for pid in pids] == [True, True, True]


def test_a_detached_stack_outlives_its_owner_and_a_later_up_finds_it(tmp_path: Path) -> None:
    owner, pids = _owned_stack(tmp_path, detached=True)
    _kill(owner)
    settings_line = command_line(pids[0])
    assert settings_line is not None, "the detached broker still runs"
    kafka_port = next(a.rsplit(":", 1)[1] for a in settings_line if a.startswith("tcp://"))
    redis_line = " ".join(command_line(pids[1]) or [])
    redis_port = redis_line.rsplit(":", 1)[1]
    stack = EmbeddedStack(_settings(tmp_path, int(kafka_port), int(redis_port)))
    try:
        assert [c.pid for c in stack.status()] == pids
    finally:
        stack.down()
    assert [_gone(pid) for pid in pids] == [True, True]


def test_a_pid_file_for_another_port_does_not_stand_in_for_this_stack(tmp_path: Path) -> None:
    """A broker left running from the same state dir on another port is not ours:
    `up` starts this stack's own instead of trusting the pid file and failing later."""
    first = EmbeddedStack(_settings(tmp_path), detached=True)
    second_settings = _settings(tmp_path)
    stale: list[int] = []
    try:
        stale = [
            c.pid for c in first.up() if c.pid is not None
        ]  # its pid files stay in the shared state dir
        second = EmbeddedStack(second_settings)
        try:
            started = second.up()
            assert all(c.running and c.listening for c in started)
            assert not {c.pid for c in started} & set(stale)
        finally:
            second.down()
    finally:
        for pid in stale:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        first.down()  # its pid files are gone with the second stack's: this reaps them
