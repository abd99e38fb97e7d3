"""The Grafana dashboards, generated from this spec (``omniroute deploy export``) so
that every query is checked against the metrics that exist (tests/integration/test_deploy.py)
and the committed JSON cannot drift from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "Panel",
    "all_queries",
    "dashboard_json",
    "export_dashboards",
]

DASHBOARD_DIR = Path("deploy/grafana/dashboards")


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    exprs: tuple[tuple[str, str], ...]  # (legend, PromQL)
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


_SL = (
    'sum by (queue, channel) (increase(omniroute_queue_answered_total{within_target="true"}[15m]))'
    " / clamp_min(sum by (queue, channel) (increase(omniroute_queue_answered_total[15m]))"
    ' + sum by (queue, channel) (increase(omniroute_queue_abandoned_total{within_target="false"}[15m])), 1)'
)
SUPERVISOR = (
    Panel(
        "Service level by queue and channel (15 min)",
        (("{{queue}} {{channel}}", _SL),),
        "percentunit",
        description="Answered within target / (answered + abandoned past target).",
    ),
    Panel(
        "Service level, rolling (assigner)",
        (("{{queue}} {{channel}}", "max by (queue, channel) (omniroute_service_level_ratio)"),),
        "percentunit",
    ),
    Panel("Queue depth", (("{{pool}}/{{queue}}", "sum by (pool, queue) (omniroute_queue_depth)"),)),
    Panel(
        "Longest wait (IVR time included)",
        (("{{pool}}/{{queue}}", "max by (pool, queue) (omniroute_queue_longest_wait_seconds)"),),
        "s",
    ),
    Panel(
        "Estimated wait for a new contact",
        (("{{pool}}/{{queue}}", "max by (pool, queue) (omniroute_queue_estimated_wait_seconds)"),),
        "s",
    ),
    Panel("Agents by state", (("{{state}}", "sum by (state) (omniroute_agents)"),)),
    Panel("Agents in wrap-up", (("{{pool}}", "sum by (pool) (omniroute_agents_in_wrap_up)"),)),
    Panel(
        "Agent time by state and reason (share, 15 min)",
        (
            (
                "{{state}} {{reason}}",
                "sum by (state, reason) (rate(omniroute_agent_state_seconds_total[15m]))"
                " / scalar(clamp_min(sum(rate(omniroute_agent_state_seconds_total[15m])), 1e-9))",
            ),
        ),
        "percentunit",
        description="Agent-seconds in each state and not-ready reason over all agent-seconds "
        "(missed_offers: paused by the assigner; unlisted: a reason the pool does not list).",
    ),
    Panel(
        "Transfers by queue (per hour)",
        (
            (
                "{{from_queue}} -> {{to_queue}}",
                "sum by (from_queue, to_queue) (rate(omniroute_transfers_total[15m])) * 3600",
            ),
        ),
    ),
    Panel(
        "Occupancy",
        (("{{pool}}", "avg by (pool) (omniroute_agent_occupancy_ratio)"),),
        "percentunit",
    ),
    Panel(
        "Abandonment by channel (5 min)",
        (
            (
                "{{channel}}",
                "sum by (channel) (rate(omniroute_queue_abandoned_total[5m]))"
                " / clamp_min(sum by (channel) (rate(omniroute_queue_entered_total[5m])), 1e-9)",
            ),
        ),
        "percentunit",
    ),
    Panel(
        "Perceived wait p90 by channel",
        (
            (
                "{{channel}}",
                "histogram_quantile(0.9, sum by (le, channel) (rate(omniroute_perceived_wait_seconds_bucket[5m])))",
            ),
        ),
        "s",
    ),
    Panel(
        "Offers by outcome",
        (("{{outcome}}", "sum by (outcome) (rate(omniroute_offers_total[5m]))"),),
        "ops",
    ),
    Panel(
        "Contacts by target",
        (("{{target}}", "sum by (target) (rate(omniroute_decisions_total[5m]))"),),
        "ops",
    ),
    Panel(
        "Expected cost per hour by target and channel (router, per decision)",
        (
            (
                "{{target}} {{channel}}",
                "sum by (target, channel) (rate(omniroute_expected_cost_dollars_total[15m])) * 3600",
            ),
        ),
        "currencyUSD",
        description="What the router expected when it decided; a contact decided twice (an escalation) appears twice here. The per-contact panels below count it once.",
    ),
    Panel(
        "Cost per hour by channel: expected vs realised (per contact)",
        (
            (
                "{{channel}} realised",
                'sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="realised"}[15m])) * 3600',
            ),
            (
                "{{channel}} expected",
                'sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="expected"}[15m])) * 3600',
            ),
        ),
        "currencyUSD",
        description="Each finished contact once: realised = automation spent + one agent if a person handled it.",
    ),
    Panel(
        "Cost avoided per hour by channel, net of failed automation",
        (
            (
                "{{channel}}",
                'sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="baseline"}[15m])) * 3600'
                ' - sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="realised"}[15m])) * 3600',
            ),
        ),
        "currencyUSD",
        description="One agent per served contact minus what it cost: an escalated contact counts its automation against the saving; an abandoned one claims none.",
    ),
    Panel(
        "Automation spent on contacts it did not finish, per hour by channel",
        (
            (
                "{{channel}}",
                'sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="automation_failed"}[15m])) * 3600',
            ),
        ),
        "currencyUSD",
    ),
    Panel(
        "Cost per contact by channel",
        (
            (
                "{{channel}}",
                'sum by (channel) (rate(omniroute_contact_cost_dollars_total{kind="realised"}[15m]))'
                " / clamp_min(sum by (channel) (rate(omniroute_contacts_finished_total[15m])), 1e-9)",
            ),
        ),
        "currencyUSD",
    ),
    Panel(
        "Contacts by segment and outcome",
        (
            (
                "{{segment}} {{outcome}}",
                "sum by (segment, outcome) (increase(omniroute_contacts_finished_total[1h]))",
            ),
        ),
    ),
    Panel(
        "Repeat contacts (same reason within 7 days) by reason and channel",
        (
            (
                "{{reason}} {{channel}}",
                "sum by (reason, channel) (increase(omniroute_contacts_repeat_total[1h]))",
            ),
        ),
    ),
    Panel(
        "CSAT by reason and channel",
        (
            (
                "{{reason}} {{channel}}",
                'sum by (reason, channel) (increase(omniroute_feedback_score_total{kind="csat"}[1h]))'
                ' / clamp_min(sum by (reason, channel) (increase(omniroute_feedback_answers_total{kind="csat"}[1h])), 1)',
            ),
        ),
    ),
    Panel(
        "Guardrails applied",
        (("{{guardrail}}", "sum by (guardrail) (rate(omniroute_guardrail_hits_total[5m]))"),),
        "ops",
    ),
    Panel(
        "Callbacks taken",
        (("{{queue}}", "sum by (queue) (increase(omniroute_callbacks_total[1h]))"),),
    ),
    Panel(
        "Overflowed contacts (1 h)",
        (
            (
                "{{from_queue}} -> {{to_pool}}/{{to_queue}}",
                "sum by (from_queue, to_pool, to_queue) (increase(omniroute_overflowed_total[1h]))",
            ),
        ),
    ),
    Panel(
        "Arrived while closed (1 h)",
        (
            (
                "{{queue}} -> {{target}}",
                "sum by (queue, target) (increase(omniroute_closed_arrivals_total[1h]))",
            ),
        ),
    ),
)
SRE = (
    Panel(
        "Events consumed by channel",
        (("{{channel}}", "sum by (channel) (rate(omniroute_events_consumed_total[1m]))"),),
        "ops",
    ),
    Panel(
        "Decisions per second", (("decisions", "sum(rate(omniroute_decisions_total[1m]))"),), "ops"
    ),
    Panel(
        "Event -> decision latency",
        (
            (
                "p50",
                "histogram_quantile(0.5, sum by (le) (rate(omniroute_decision_latency_seconds_bucket[5m])))",
            ),
            (
                "p99",
                "histogram_quantile(0.99, sum by (le) (rate(omniroute_decision_latency_seconds_bucket[5m])))",
            ),
        ),
        "s",
    ),
    Panel(
        "Redis round trip p99",
        (
            (
                "{{operation}}",
                "histogram_quantile(0.99, sum by (le, operation) (rate(omniroute_redis_roundtrip_seconds_bucket[5m])))",
            ),
        ),
        "s",
    ),
    Panel(
        "Consumer lag (fetch high watermark)",
        (("{{stage}} {{topic}}", "sum by (stage, topic) (omniroute_consumer_lag_records)"),),
    ),
    Panel(
        "Dead letters by reason",
        (
            (
                "{{stage}} {{reason}}",
                "sum by (stage, reason) (rate(omniroute_dead_letters_total[5m]))",
            ),
        ),
        "ops",
    ),
    Panel(
        "Partitions held by a refused dead letter",
        (
            (
                "{{stage}} {{topic}} [{{partition}}]",
                "max by (stage, topic, partition) (omniroute_dead_letter_blocked)",
            ),
        ),
        description="A partition whose dead letter the broker refused stops there "
        "until the letter is written (docs/delivery.md); nothing after it is committed.",
    ),
    Panel(
        "Degraded decisions (Redis unavailable)",
        (("degraded", "sum(rate(omniroute_degraded_decisions_total[5m]))"),),
        "ops",
    ),
    Panel(
        "Redis errors",
        (("{{operation}}", "sum by (operation) (rate(omniroute_redis_errors_total[5m]))"),),
        "ops",
    ),
    Panel(
        "Agent ready -> offer latency p99",
        (
            (
                "p99",
                "histogram_quantile(0.99, sum by (le) (rate(omniroute_offer_latency_seconds_bucket[5m])))",
            ),
        ),
        "s",
    ),
    Panel(
        "Assigner events by type",
        (("{{type}}", "sum by (type) (rate(omniroute_assigner_events_total[1m]))"),),
        "ops",
    ),
    Panel(
        "Batch size p50",
        (
            (
                "{{stage}}",
                "histogram_quantile(0.5, sum by (le, stage) (rate(omniroute_batch_records_bucket[5m])))",
            ),
        ),
    ),
    Panel("Workers up", (("{{job}} {{instance}}", 'up{job=~"omniroute-.*"}'),)),
    Panel("Policy in force", (("{{version}}", "max by (version) (omniroute_policy_info)"),)),
    Panel(
        "Policy reloads",
        (("{{result}}", "sum by (result) (increase(omniroute_policy_reloads_total[1h]))"),),
    ),
    Panel(
        "Worker memory (RSS)",
        (("{{job}} {{instance}}", 'process_resident_memory_bytes{job=~"omniroute-.*"}'),),
        "bytes",
    ),
)
DASHBOARDS = {
    "omniroute-supervisor": ("omniroute: supervisor", SUPERVISOR),
    "omniroute-sre": ("omniroute: SRE", SRE),
}


def _panel(index: int, panel: Panel) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {
                "refId": chr(ord("A") + n),
                "expr": expr,
                "legendFormat": legend,
                "datasource": {"type": "prometheus", "uid": "prometheus"},
            }
            for n, (legend, expr) in enumerate(panel.exprs)
        ],
    }


def dashboard_json(uid: str) -> str:
    title, panels = DASHBOARDS[uid]
    document = {
        "uid": uid,
        "title": title,
        "tags": ["omniroute"],
        "timezone": "browser",
        "refresh": "10s",
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "panels": [_panel(n, p) for n, p in enumerate(panels)],
    }
    return json.dumps(document, indent=2) + "\n"


def export_dashboards(directory: Path = DASHBOARD_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for uid in DASHBOARDS:
        path = directory / f"{uid}.json"
        path.write_text(dashboard_json(uid), encoding="utf-8")
        written.append(path)
    return written


def all_queries() -> list[tuple[str, str]]:
    """(dashboard/panel title, PromQL) for every query on every dashboard."""
    return [
        (f"{uid}/{panel.title}", expr)
        for uid, (_, panels) in DASHBOARDS.items()
        for panel in panels
        for _, expr in panel.exprs
    ]
