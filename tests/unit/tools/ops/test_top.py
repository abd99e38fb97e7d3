"""``omniroute top``'s arithmetic: rates and quantiles from two scrapes, and a frame."""

from __future__ import annotations

import math

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from rich.console import Console

from omniroute.router.stages.assignment import AssignerMetrics
from omniroute.router.stages.routing import RouterMetrics
from omniroute.router.tools.ops import histogram_quantile, parse_metrics, rate_between, render


def test_rates_and_latency_quantiles_come_from_the_difference_between_scrapes() -> None:
    registry = CollectorRegistry()
    metrics = RouterMetrics(registry, process=False)
    metrics.decisions.labels("voice", "ivr", "").inc(10)
    before = parse_metrics([generate_latest(registry).decode()], at=100.0)
    metrics.decisions.labels("voice", "ivr", "").inc(30)
    metrics.decisions.labels("chat", "agent_queue", "general").inc(10)
    for _ in range(99):
        metrics.latency.labels("voice").observe(0.004)
    metrics.latency.labels("voice").observe(3.0)
    now = parse_metrics([generate_latest(registry).decode()], at=110.0)
    assert rate_between(now, before, "omniroute_decisions_total") == pytest.approx(4.0)
    assert rate_between(now, before, "omniroute_decisions_total", target="ivr") == pytest.approx(
        3.0
    )
    histogram = "omniroute_decision_latency_seconds"
    median = histogram_quantile(now, before, histogram, 0.5)  # the 99 observations of 4 ms
    tail = histogram_quantile(now, before, histogram, 0.999)  # reaches the one of 3 s
    assert 0.0025 < median <= 0.005
    assert tail > 2.5
    assert math.isnan(histogram_quantile(now, now, histogram, 0.5)), "nothing observed in between"


def test_a_frame_shows_queues_service_level_and_agents() -> None:
    registry = CollectorRegistry()
    metrics = AssignerMetrics(registry, process=False)
    metrics.depth.labels("care", "billing").set(12)
    metrics.longest_wait.labels("care", "billing").set(42)
    metrics.service_level.labels("care", "billing", "voice").set(0.83)
    metrics.agents.labels("care", "ready").set(5)
    snapshot = parse_metrics([generate_latest(registry).decode()], at=1.0)
    console = Console(width=140, record=True)
    console.print(render(snapshot, None, ["http://down:9464/metrics"]))
    text = console.export_text()
    assert "care/billing" in text
    assert "42.0 s" in text
    assert "83%" in text
    assert "http://down:9464/metrics" in text


def test_a_frame_names_each_partition_held_at_a_refused_dead_letter_and_only_those() -> None:
    registry = CollectorRegistry()
    metrics = RouterMetrics(registry, process=False)
    metrics.worker.dead_letter_blocked.labels("router", "omniroute.interactions", "2").set(1)
    metrics.worker.dead_letter_blocked.labels("router", "omniroute.interactions", "0").set(0)
    metrics.worker.dead_letter_blocked.labels("router", "omniroute.interactions", "10").set(1)
    console = Console(width=200, record=True)
    console.print(render(parse_metrics([generate_latest(registry).decode()], at=1.0), None, []))
    line = next(
        line for line in console.export_text().splitlines() if "refused dead letter" in line
    )
    assert line.split(": ", 1)[1].strip() == (
        "router omniroute.interactions[10], router omniroute.interactions[2]"
    )


def test_a_frame_with_every_partition_clear_says_nothing_of_held_partitions() -> None:
    registry = CollectorRegistry()
    metrics = RouterMetrics(registry, process=False)
    metrics.worker.dead_letter_blocked.labels("router", "omniroute.interactions", "0").set(0)
    console = Console(width=200, record=True)
    console.print(render(parse_metrics([generate_latest(registry).decode()], at=1.0), None, []))
    assert "refused dead letter" not in console.export_text()


def test_a_frame_counts_agents_in_wrap_up_and_names_why_agents_are_not_ready() -> None:
    registry = CollectorRegistry()
    metrics = AssignerMetrics(registry, process=False)
    metrics.agents.labels("care", "busy").set(4)
    metrics.wrap_up.labels("care").set(2)
    metrics.wrap_up.labels("tech").set(1)
    metrics.agents_not_ready.labels("care", "lunch").set(3)
    metrics.agents_not_ready.labels("tech", "lunch").set(1)
    metrics.agents_not_ready.labels("care", "missed_offers").set(1)
    metrics.agents_not_ready.labels("care", "training").set(0)
    console = Console(width=200, record=True)
    console.print(render(parse_metrics([generate_latest(registry).decode()], at=1.0), None, []))
    text = console.export_text()
    header = next(line for line in text.splitlines() if "in wrap-up" in line)
    row = text.splitlines()[text.splitlines().index(header) + 2]
    cells = [cell.strip() for cell in row.strip(" │|").split("│")]
    assert cells[:4] == ["0", "4", "0", "3"], row
    assert "not ready by reason: lunch 4, missed_offers 1" in text
    assert "training" not in text
