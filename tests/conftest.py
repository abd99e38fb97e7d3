"""Fixtures that run the real parts: a private embedded broker and redis-server on
free ports, and worker processes started exactly as an operator starts them."""

from __future__ import annotations

import gc
import os
import shutil
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port, stop_workers

# Property tests: the same examples on every CI run (a red build is the code's doing,
# not the seed's), random ones on a developer's machine, and a long random search on
# demand: `./dev.sh explore` (random seeds, OMNIROUTE_EXAMPLES_SCALE times the
# examples; see tests/support/examples.py).
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile(
    "explore",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Collect garbage as each test ends, inside pytest's unraisable-warning window.

    A socket or transport a test leaves unclosed raises its ResourceWarning when the
    collector frees it, which is whenever the collector runs: the warning (an error
    here) then failed a later, innocent test, one run in five. Collected here, it
    fails the test that leaked it, every run. Tests that open sockets carry the kafka
    or redis marker."""
    yield
    # Only where sockets are (a full collection per pure unit test cost ~2 min of CI).
    if item.get_closest_marker("kafka") or item.get_closest_marker("redis"):
        gc.collect()


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required: ./dev.sh test installs it")
    state = tmp_path_factory.mktemp("stack")
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(recent_contacts_kept=5, batch_wait_ms=5),
        state_dir=state,
        metrics_port=free_port(),
        log_level="INFO",
        trace_contacts=True,
        debug_modules=True,
    )
    stack = EmbeddedStack(settings)
    stack.up()
    yield settings
    stack.down()


@pytest.fixture(scope="session")
def redis_client(stack_settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis(port=stack_settings.redis.port)
    yield client
    client.close()


@pytest.fixture(scope="session")
def _session_workers(stack_settings: Settings) -> Iterator[list[WorkerProcess]]:
    """The session's workers, stopped together at its end (before the stack goes
    down): each exits 0 with no traceback in its log."""
    started: list[WorkerProcess] = []
    yield started
    for worker, code in zip(started, stop_workers(started), strict=True):
        log = Path(worker.log_path).read_text(errors="replace")
        assert code == 0, f"{worker.kind} worker exited {code}:\n{log[-3000:]}"
        assert "Traceback" not in log, log[-5000:]


def _run_worker(kind: str, settings: Settings, started: list[WorkerProcess]) -> WorkerProcess:
    worker = WorkerProcess(kind, settings).start()
    started.append(worker)
    worker.wait_ready(timeout=60)
    return worker


@pytest.fixture(scope="session")
def router_worker(stack_settings: Settings, _session_workers: list[WorkerProcess]) -> WorkerProcess:
    return _run_worker("router", stack_settings, _session_workers)


@pytest.fixture(scope="session")
def assigner_worker(
    stack_settings: Settings, _session_workers: list[WorkerProcess]
) -> WorkerProcess:
    settings = stack_settings.model_copy(update={"metrics_port": free_port()})
    return _run_worker("assigner", settings, _session_workers)


@pytest.fixture(scope="session")
def insight_worker(
    stack_settings: Settings, _session_workers: list[WorkerProcess]
) -> WorkerProcess:
    settings = stack_settings.model_copy(update={"metrics_port": free_port()})
    return _run_worker("insight", settings, _session_workers)


def _kafka_io_threads(known: set[int | None]) -> list[str]:
    """kafka-python 3.x runs each client's I/O on a thread named ``kafka-io-<client>``
    (producers add ``<client>-network-thread``)."""
    return sorted(
        thread.name
        for thread in threading.enumerate()
        if thread.ident not in known
        and (thread.name.startswith("kafka-io-") or thread.name.endswith("-network-thread"))
    )


@pytest.fixture(autouse=True)
def _no_kafka_client_outlives_its_test() -> Iterator[None]:
    """A Kafka client a test (or a tool it runs) leaves open keeps reconnecting after
    its broker is gone: it leaks a socket per refused connect and mutates the global
    ``random`` (reconnect jitter) under a later Hypothesis test. The test that leaks
    fails here, by name, instead of a random test later."""
    known = {thread.ident for thread in threading.enumerate()}
    yield
    deadline = time.monotonic() + 10  # close() may still be joining its thread
    while (leaked := _kafka_io_threads(known)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leaked, f"Kafka clients left open: {leaked}"
