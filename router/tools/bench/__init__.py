"""``omniroute bench``: the figures measured on this machine. The router in process
(policy, stage) and through the broker (drain, latency), the ceiling (raw consume ->
produce), the naive router, and the assignment pool in process and through the
broker; ``run_bench`` puts them side by side. ``measure_broker_log``: what a
request costs the embedded broker as its log grows."""

from ._assigner_broker import AssignerFigures
from ._assigner_pool import run_assigner_pool_bench
from ._broker_log import BrokerLogStep, measure_broker_log
from ._router_parts import BenchResult, bench_decisions, bench_policy, bench_stage
from ._run import RATIO_KEYS, BenchOptions, Progress, run_assigner_bench, run_bench

__all__ = [
    "RATIO_KEYS",
    "AssignerFigures",
    "BenchOptions",
    "BenchResult",
    "BrokerLogStep",
    "Progress",
    "bench_decisions",
    "bench_policy",
    "bench_stage",
    "measure_broker_log",
    "run_assigner_bench",
    "run_assigner_pool_bench",
    "run_bench",
]
