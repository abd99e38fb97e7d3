"""``omniroute top``: rates and quantiles from two scrapes, and one frame from a live worker."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from rich.console import Console

from omniroute.router.runtime import Settings
from omniroute.router.stages.assignment import AssignerMetrics
from omniroute.router.stages.routing import RouterMetrics
from omniroute.router.tools.harness import WorkerProcess
from omniroute.router.tools.ops import parse, quantile, rate, render


def test_rates_and_latency_quantiles_come_from_the_difference_between_scrapes() -> None:
    registry = CollectorRegistry()
    metrics = RouterMetrics(registry, process=False)
    metrics.decisions.labels("voice", "ivr", "").inc(10)
    before = parse([generate_latest(registry).decode()], at=100.0)
    metrics.decisions.labels("voice", "ivr", "").inc(30)
    metrics.decisions.labels("chat", "agent_queue", "general").inc(10)
    for _ in range(99):
        metrics.latency.labels("voice").observe(0.004)
    metrics.latency.labels("voice").observe(3.0)
    now = parse([generate_latest(registry).decode()], at=110.0)
    assert rate(now, before, "omniroute_decisions_total") == pytest.approx(4.0)
    assert rate(now, before, "omniroute_decisions_total", target="ivr") == pytest.approx(3.0)
    histogram = "omniroute_decision_latency_seconds"
    median = quantile(now, before, histogram, 0.5)  # of the 99 observations of 4 ms above
    tail = quantile(now, before, histogram, 0.999)  # reaches the one of 3 s
    assert 0.0025 < median <= 0.005
    assert tail > 2.5
    assert math.isnan(quantile(now, now, histogram, 0.5)), "nothing observed in between"


def test_a_frame_shows_queues_service_level_and_agents() -> None:
    registry = CollectorRegistry()
    metrics = AssignerMetrics(registry, process=False)
    metrics.depth.labels("care", "billing").set(12)
    metrics.longest_wait.labels("care", "billing").set(42)
    metrics.service_level.labels("care", "billing", "voice").set(0.83)
    metrics.agents.labels("care", "ready").set(5)
    snapshot = parse([generate_latest(registry).decode()], at=1.0)
    console = Console(width=140, record=True)
    console.print(render(snapshot, None, ["http://down:9464/metrics"]))
    text = console.export_text()
    assert "care/billing" in text
    assert "42.0 s" in text
    assert "83%" in text
    assert "http://down:9464/metrics" in text


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
