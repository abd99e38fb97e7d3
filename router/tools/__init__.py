"""Tools around the runtime, never imported by it: the embedded stack, demo data and
traffic, the simulated agent floor, the demo, benchmarks, replay, ``top`` and the
Grafana dashboards spec.
"""

from ._assigner_bench import main
from ._bench_assigner import AssignerFigures, AssignerMeasure, measure_assigner
from ._bench_micro import BenchResult, bench_decisions, bench_policy, bench_stage
from ._bench_run import RATIO_KEYS, BenchOptions, Progress, run_bench
from ._collector import OutputCollector, RunOutputs
from ._dashboards import (
    DASHBOARD_DIR,
    DASHBOARDS,
    Panel,
    all_queries,
    dashboard_json,
    export_dashboards,
)
from ._demo import DemoOptions, run_demo, seed_customers
from ._floor import AgentFloor, FloorReport, floor_agents
from ._publish import PublishReport, publish_traffic
from ._replay import ReplayInput, load_inputs, read_source, replay
from ._simulation import (
    BAD_KINDS,
    REASONS,
    SimulatedEvent,
    TrafficGenerator,
    generate_customers,
    segment_for,
)
from ._stack import ComponentStatus, EmbeddedStack, StackError, create_topics, free_port, port_open
from ._top import Snapshot, fetch, parse, quantile, rate, render
from ._workers import WorkerProcess

__all__ = [
    "BAD_KINDS",
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "RATIO_KEYS",
    "REASONS",
    "AgentFloor",
    "AssignerFigures",
    "AssignerMeasure",
    "BenchOptions",
    "BenchResult",
    "ComponentStatus",
    "DemoOptions",
    "EmbeddedStack",
    "FloorReport",
    "OutputCollector",
    "Panel",
    "Progress",
    "PublishReport",
    "ReplayInput",
    "RunOutputs",
    "SimulatedEvent",
    "Snapshot",
    "StackError",
    "TrafficGenerator",
    "WorkerProcess",
    "all_queries",
    "bench_decisions",
    "bench_policy",
    "bench_stage",
    "create_topics",
    "dashboard_json",
    "export_dashboards",
    "fetch",
    "floor_agents",
    "free_port",
    "generate_customers",
    "load_inputs",
    "main",
    "measure_assigner",
    "parse",
    "port_open",
    "publish_traffic",
    "quantile",
    "rate",
    "read_source",
    "render",
    "replay",
    "run_bench",
    "run_demo",
    "seed_customers",
    "segment_for",
]
