"""Operating a running fleet: ``omniroute top`` (the workers' ``/metrics`` in a
terminal), ``omniroute replay`` (recorded contacts through another policy) and the
Grafana dashboards generated from one spec."""

from ._dashboards import DASHBOARD_DIR, DASHBOARDS, all_queries, dashboard_json, export_dashboards
from ._replay import load_inputs, read_source, record_jsonl, replay
from ._top import Snapshot, histogram_quantile, parse_metrics, rate_between, render, scrape

__all__ = [
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "Snapshot",
    "all_queries",
    "dashboard_json",
    "export_dashboards",
    "histogram_quantile",
    "load_inputs",
    "parse_metrics",
    "rate_between",
    "read_source",
    "record_jsonl",
    "render",
    "replay",
    "scrape",
]
