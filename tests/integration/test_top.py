"""``omniroute top`` against a live worker (its arithmetic: tests/unit/tools/ops/test_top.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess


@pytest.mark.kafka
def test_top_once_against_a_running_router(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    url = f"http://127.0.0.1:{stack_settings.metrics_port}/metrics"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "omniroute.router.cli",
            "top",
            "--once",
            "--interval",
            "0.5",
            "--url",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Traffic (per second)" in result.stderr + result.stdout
