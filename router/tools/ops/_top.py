"""``omniroute top``: a terminal dashboard fed by the workers' ``/metrics``, the same
numbers Prometheus scrapes. Parsing and arithmetic are pure and tested; the
command only fetches text and redraws."""

from __future__ import annotations

import math
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table

__all__ = ["Snapshot", "histogram_quantile", "parse_metrics", "rate_between", "render", "scrape"]

Labels = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Snapshot:
    at: float
    samples: dict[str, dict[Labels, float]] = field(default_factory=lambda: defaultdict(dict))

    def total(self, name: str, **match: str) -> float:
        return sum(
            value
            for labels, value in self.samples.get(name, {}).items()
            if all(dict(labels).get(k) == v for k, v in match.items())
        )

    def by(self, name: str, label: str) -> dict[str, float]:
        result: dict[str, float] = defaultdict(float)
        for labels, value in self.samples.get(name, {}).items():
            result[dict(labels).get(label, "")] += value
        return dict(result)

    def series(self, name: str) -> dict[Labels, float]:
        return self.samples.get(name, {})


def parse_metrics(texts: list[str], at: float) -> Snapshot:
    """One snapshot from the /metrics text of every worker (summed across them)."""
    snapshot = Snapshot(at)
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = tuple(sorted(sample.labels.items()))
                bucket = snapshot.samples[sample.name]
                bucket[key] = bucket.get(key, 0.0) + sample.value
    return snapshot


def scrape(urls: list[str], at: float) -> tuple[Snapshot, list[str]]:
    """The snapshot, and the URLs that could not be scraped."""
    texts, down = [], []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - operator's URL
                texts.append(response.read().decode())
        except OSError:
            down.append(url)
    return parse_metrics(texts, at), down


def rate_between(now: Snapshot, before: Snapshot | None, name: str, **match: str) -> float:
    if before is None or now.at <= before.at:
        return 0.0
    return max(0.0, now.total(name, **match) - before.total(name, **match)) / (now.at - before.at)


def histogram_quantile(now: Snapshot, before: Snapshot | None, name: str, q: float) -> float:
    """PromQL's histogram_quantile over the interval's bucket increase (all series summed);
    NaN when nothing was observed."""
    buckets: dict[float, float] = defaultdict(float)
    for labels, value in now.series(f"{name}_bucket").items():
        le = float(dict(labels)["le"])
        previous = before.series(f"{name}_bucket").get(labels, 0.0) if before else 0.0
        buckets[le] += value - previous
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return math.nan
    total, lower, below = ordered[-1][1], 0.0, 0.0
    for upper, count in ordered:
        if count >= q * total:
            if math.isinf(upper):
                return lower
            span = count - below
            return lower + (upper - lower) * ((q * total - below) / span if span else 1.0)
        lower, below = upper, count
    return lower


def _seconds(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def _held_partitions(now: Snapshot) -> list[str]:
    """``stage topic[partition]`` for each partition a refused dead letter holds: its
    stage consumes nothing past it, so an operator must see it before the lag grows."""
    held = sorted(
        (tags.get("stage", ""), tags.get("topic", ""), tags.get("partition", ""))
        for tags in (
            dict(labels)
            for labels, value in now.series("omniroute_dead_letter_blocked").items()
            if value > 0
        )
    )
    return [f"{stage} {topic}[{partition}]" for stage, topic, partition in held]


def render(now: Snapshot, before: Snapshot | None, down: list[str]) -> Group:
    traffic = Table(title="Traffic (per second)", expand=True)
    for column in (
        "events",
        "decisions",
        "ivr",
        "self-service",
        "agent queue",
        "dead letters",
        "degraded",
        "latency p50",
        "latency p99",
    ):
        traffic.add_column(column, justify="right")
    traffic.add_row(
        f"{rate_between(now, before, 'omniroute_events_consumed_total'):.0f}",
        f"{rate_between(now, before, 'omniroute_decisions_total'):.0f}",
        f"{rate_between(now, before, 'omniroute_decisions_total', target='ivr'):.0f}",
        f"{rate_between(now, before, 'omniroute_decisions_total', target='self_service'):.0f}",
        f"{rate_between(now, before, 'omniroute_decisions_total', target='agent_queue'):.0f}",
        f"{rate_between(now, before, 'omniroute_dead_letters_total'):.1f}",
        f"{rate_between(now, before, 'omniroute_degraded_decisions_total'):.1f}",
        _seconds(histogram_quantile(now, before, "omniroute_decision_latency_seconds", 0.5)),
        _seconds(histogram_quantile(now, before, "omniroute_decision_latency_seconds", 0.99)),
    )
    queues = Table(title="Queues", expand=True)
    for column in ("pool/queue", "waiting", "longest wait", "estimated wait"):
        queues.add_column(column, justify="left" if column == "pool/queue" else "right")
    longest = now.series("omniroute_queue_longest_wait_seconds")
    estimated = now.series("omniroute_queue_estimated_wait_seconds")
    for labels, depth in sorted(now.series("omniroute_queue_depth").items()):
        tags = dict(labels)
        queues.add_row(
            f"{tags.get('pool')}/{tags.get('queue')}",
            f"{depth:.0f}",
            _seconds(longest.get(labels, math.nan)),
            _seconds(estimated.get(labels, math.nan)),
        )
    service = Table(title="Service level (rolling) and abandonment", expand=True)
    for column in ("queue", "channel", "service level", "abandoned"):
        service.add_column(column, justify="left" if column in ("queue", "channel") else "right")
    abandon = now.series("omniroute_abandon_ratio")
    for labels, value in sorted(now.series("omniroute_service_level_ratio").items()):
        tags = dict(labels)
        ratio = abandon.get(labels)
        service.add_row(
            tags.get("queue", ""),
            tags.get("channel", ""),
            f"{value:.0%}",
            "-" if ratio is None else f"{ratio:.0%}",
        )
    agents = Table(title="Agents and offers", expand=True)
    states = now.by("omniroute_agents", "state")
    for column in (
        "ready",
        "busy",
        "not ready",
        "in wrap-up",
        "offers/s",
        "accepted/s",
        "rejected/s",
        "timed out/s",
    ):
        agents.add_column(column, justify="right")
    agents.add_row(
        *(f"{states.get(s, 0):.0f}" for s in ("ready", "busy", "not_ready")),
        f"{now.total('omniroute_agents_in_wrap_up'):.0f}",
        *(
            f"{rate_between(now, before, 'omniroute_offers_total', outcome=o):.1f}"
            for o in ("offered", "accepted", "rejected", "timed_out")
        ),
    )
    parts: list[Table | str] = [traffic, queues, service, agents]
    reasons = {
        reason: count
        for reason, count in now.by("omniroute_agents_not_ready", "reason").items()
        if count > 0
    }
    if reasons:
        parts.append(
            "not ready by reason: "
            + ", ".join(f"{reason} {count:.0f}" for reason, count in sorted(reasons.items()))
        )
    held = _held_partitions(now)
    if held:
        parts.append(f"[red]held at a refused dead letter (docs/delivery.md):[/] {', '.join(held)}")
    if down:
        parts.append(f"[red]not answering:[/] {', '.join(down)}")
    return Group(*parts)
