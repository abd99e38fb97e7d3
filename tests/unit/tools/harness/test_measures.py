"""The measurements every tool reports with, written once in the harness: the
percentile (linear interpolation, as ``statistics.quantiles(method="inclusive")``)
and a process's memory and CPU read from /proc."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniroute.router.tools.harness import cpu_seconds, percentile, process_state, rss_mb

samples = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=200)


@given(samples, st.integers(1, 99))
def test_the_percentile_is_the_inclusive_quantile(values: list[float], centile: int) -> None:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    assert percentile(values, centile / 100) == pytest.approx(cuts[centile - 1], abs=1e-6)


@given(samples, st.floats(0, 1))
def test_the_percentile_lies_between_the_extremes_and_ignores_order(
    values: list[float], share: float
) -> None:
    assert min(values) <= percentile(values, share) <= max(values)
    assert percentile(values, share) == percentile(list(reversed(values)), share)


def test_the_percentile_of_nothing_is_zero_and_of_one_value_that_value() -> None:
    assert percentile([], 0.99) == 0.0
    assert percentile([3.5], 0.5) == 3.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_proc_readings_of_a_live_process_and_of_one_that_is_gone() -> None:
    assert rss_mb(os.getpid()) > 1
    assert cpu_seconds(os.getpid()) > 0
    assert process_state(os.getpid()) == "R"  # it is reading its own stat
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # reaped: its pid names no process now
    assert rss_mb(finished.pid) == 0.0
    assert cpu_seconds(finished.pid) == 0.0
    assert process_state(finished.pid) is None
    assert rss_mb(None) == 0.0
    assert cpu_seconds(None) == 0.0
