"""``omniroute bench``: the router against the ceiling and the naive router, in one run."""

from ._assigner import AssignerFigures, AssignerMeasure, measure_assigner
from ._micro import BenchResult, bench_decisions, bench_policy, bench_stage
from ._run import RATIO_KEYS, BenchOptions, Progress, run_bench

__all__ = [
    "RATIO_KEYS",
    "AssignerFigures",
    "AssignerMeasure",
    "BenchOptions",
    "BenchResult",
    "Progress",
    "bench_decisions",
    "bench_policy",
    "bench_stage",
    "measure_assigner",
    "run_bench",
]
