"""Operating a running fleet: ``omniroute top`` (the workers' ``/metrics`` in a
terminal), ``omniroute replay`` (recorded contacts through another policy) and the
Grafana dashboards generated from one spec."""

from ._dashboards import DASHBOARD_DIR, DASHBOARDS, all_queries, dashboard_json, export_dashboards
from ._replay import load_inputs, read_source, record_jsonl, replay
from ._top import Snapshot, fetch, parse, quantile, rate, render

__all__ = [
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "Snapshot",
    "all_queries",
    "dashboard_json",
    "export_dashboards",
    "fetch",
    "load_inputs",
    "parse",
    "quantile",
    "rate",
    "read_source",
    "record_jsonl",
    "render",
    "replay",
]
