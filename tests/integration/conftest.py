"""A private broker, Redis and router for the poison and interop tests: what they
write (a 10 MB record, corrupt batches) stays out of the session's shared topics."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port
from omniroute.schemas import Compression


@pytest.fixture(scope="package")
def private_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required: ./dev.sh test installs it")
    settings = Settings(
        # lz4 as in production (the embedded profile's default is none): every live
        # test then reads compressed batches, and test_codecs checks they are lz4.
        kafka=KafkaSettings(
            bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=3, compression=Compression.LZ4
        ),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_wait_ms=5),
        state_dir=tmp_path_factory.mktemp("private-stack"),
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    yield settings
    stack.down()


@pytest.fixture(scope="package")
def private_router(private_stack: Settings) -> Iterator[WorkerProcess]:
    worker = WorkerProcess("router", private_stack).start()
    try:
        worker.wait_ready(timeout=60)
        yield worker
    finally:
        code = worker.stop()
        log = Path(worker.log_path).read_text(errors="replace")
        assert code == 0, f"router exited {code}:\n{log[-3000:]}"
        assert "Traceback" not in log, log[-5000:]
