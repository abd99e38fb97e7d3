"""Tools around the runtime, never imported by it: the embedded stack, demo data and
traffic, the simulated agent floor, the demo, benchmarks, replay, ``top`` and the
Grafana dashboards spec.
"""

from ._assigner_bench import run_assigner_core_bench
from ._assigner_e2e import AssignerE2EResult, bench_assigner_e2e
from ._bench_assigner import AssignerFigures, AssignerMeasure, measure_assigner
from ._bench_ceiling import run_ceiling
from ._bench_io import (
    Backlog,
    Drained,
    count_outputs,
    create_bench_topics,
    make_backlog,
    produce_all,
    python_cpu_ms,
    rss_mb,
)
from ._bench_micro import BenchResult, bench_decisions, bench_policy, bench_stage
from ._bench_naive import NAIVE_SINK, NAIVE_SOURCE, start_naive
from ._bench_router import (
    DrainFigures,
    LatencyFigures,
    cpu_seconds,
    drain,
    offered_load,
    router_fleet,
    worker_rss,
)
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
from ._demo import DemoOptions, DemoResult, run_demo, seed_customers
from ._demo_floor import (
    FloorComparison,
    FloorRow,
    compare_floor,
    demo_plan,
    print_comparison,
    print_staffing,
)
from ._floor import AgentFloor, FloorReport, floor_agents
from ._floor_plan import (
    DEFAULT_SCENARIO,
    Draws,
    FloorPlan,
    Staffing,
    in_floor_seconds,
    plan_floor,
    simulate_floor,
)
from ._publish import PublishReport, publish_traffic
from ._replay import ReplayInput, load_inputs, read_source, replay
from ._scaled_floor import ScaledFloor
from ._simulation import (
    BAD_KINDS,
    REASONS,
    SimulatedEvent,
    TrafficGenerator,
    generate_customers,
    past_contacts,
    segment_for,
)
from ._stack import ComponentStatus, EmbeddedStack, StackError, create_topics, free_port, port_open
from ._top import Snapshot, fetch, parse, quantile, rate, render
from ._workers import WorkerProcess

__all__ = [
    "BAD_KINDS",
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "DEFAULT_SCENARIO",
    "NAIVE_SINK",
    "NAIVE_SOURCE",
    "RATIO_KEYS",
    "REASONS",
    "AgentFloor",
    "AssignerE2EResult",
    "AssignerFigures",
    "AssignerMeasure",
    "Backlog",
    "BenchOptions",
    "BenchResult",
    "ComponentStatus",
    "DemoOptions",
    "DemoResult",
    "DrainFigures",
    "Drained",
    "Draws",
    "EmbeddedStack",
    "FloorComparison",
    "FloorPlan",
    "FloorReport",
    "FloorRow",
    "LatencyFigures",
    "OutputCollector",
    "Panel",
    "Progress",
    "PublishReport",
    "ReplayInput",
    "RunOutputs",
    "ScaledFloor",
    "SimulatedEvent",
    "Snapshot",
    "StackError",
    "Staffing",
    "TrafficGenerator",
    "WorkerProcess",
    "all_queries",
    "bench_assigner_e2e",
    "bench_decisions",
    "bench_policy",
    "bench_stage",
    "compare_floor",
    "count_outputs",
    "cpu_seconds",
    "create_bench_topics",
    "create_topics",
    "dashboard_json",
    "demo_plan",
    "drain",
    "export_dashboards",
    "fetch",
    "floor_agents",
    "free_port",
    "generate_customers",
    "in_floor_seconds",
    "load_inputs",
    "make_backlog",
    "measure_assigner",
    "offered_load",
    "parse",
    "past_contacts",
    "plan_floor",
    "port_open",
    "print_comparison",
    "print_staffing",
    "produce_all",
    "publish_traffic",
    "python_cpu_ms",
    "quantile",
    "rate",
    "read_source",
    "render",
    "replay",
    "router_fleet",
    "rss_mb",
    "run_assigner_core_bench",
    "run_bench",
    "run_ceiling",
    "run_demo",
    "seed_customers",
    "segment_for",
    "simulate_floor",
    "start_naive",
    "worker_rss",
]
