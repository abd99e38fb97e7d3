"""The demo's closing CPU table: each process's CPU seconds over the traffic's wall
seconds, read at the start and at the end of sending."""

from __future__ import annotations

import threading
import time

from omniroute.router.tools.demo import CoreMeter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_share_is_cpu_seconds_over_the_wall_seconds_between_start_and_stop() -> None:
    clock = Clock()
    used = {"router worker": 5.0, "assigner worker": 0.0}
    meter = CoreMeter(
        {
            "router worker": lambda: used["router worker"],
            "assigner worker": lambda: used["assigner worker"],
        },
        clock,
    ).start()
    clock.now, used["router worker"], used["assigner worker"] = 110.0, 15.0, 2.5
    cores = meter.stop()
    assert cores.wall_seconds == 10.0
    assert cores.shares == {"router worker": 1.0, "assigner worker": 0.25}


def test_the_demo_reads_its_own_process_its_floor_thread_and_a_gone_pid_as_idle() -> None:
    started, worked, done = threading.Event(), threading.Event(), threading.Event()

    def floor_loop() -> None:
        started.wait()
        while time.thread_time() < 0.1:
            pass
        worked.set()
        done.wait()

    thread = threading.Thread(target=floor_loop)
    thread.start()
    gone = 2**22 + 7  # above the kernel's pid_max: no such process
    meter = CoreMeter.for_demo({"router worker": gone}, thread.native_id).start()
    started.set()
    worked.wait()
    shares = meter.stop().shares  # while the floor runs, as the demo does
    done.set()
    thread.join()
    assert shares["router worker"] == 0.0
    assert shares["  of which the agent floor"] > 0.0
    # The process and the thread are read from two counters in clock ticks, and each
    # share is (end - start) / wall in floats: equal tick counts can differ in the
    # last bits (0.81184853610747 against 0.81184853610770 in one CI run).
    assert shares["demo process"] >= shares["  of which the agent floor"] - 1e-9
