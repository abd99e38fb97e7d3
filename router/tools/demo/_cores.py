"""Where the cores went while the demo sent its traffic: CPU seconds of each
process it started (and of the floor's one thread inside the demo's own process)
over the traffic's wall seconds, so a run that falls behind says who was busy."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from omniroute.router.tools.harness import cpu_seconds, thread_cpu_seconds

__all__ = ["CoreMeter", "CoreShares", "print_cores"]


def _own_process() -> float:
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True, slots=True)
class CoreShares:
    wall_seconds: float
    shares: dict[str, float]
    """Name -> CPU seconds per wall second (1.0: one core busy all along)."""


class CoreMeter:
    """``readers``: name -> CPU seconds so far of what it names; ``start`` then
    ``stop`` give each one's share of a core between the two."""

    def __init__(
        self, readers: dict[str, Callable[[], float]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._readers = readers
        self._clock = clock
        self._started = 0.0
        self._at_start: dict[str, float] = {}

    @classmethod
    def for_demo(cls, pids: dict[str, int | None], floor_thread: int | None) -> CoreMeter:
        """The demo's own process, the floor's thread in it, and processes by pid."""
        readers: dict[str, Callable[[], float]] = {
            "demo process": _own_process,
            "  of which the agent floor": lambda: thread_cpu_seconds(floor_thread),
        }
        for name, pid in pids.items():
            readers[name] = lambda pid=pid: cpu_seconds(pid)  # type: ignore[misc]
        return cls(readers)

    def start(self) -> CoreMeter:
        self._started = self._clock()
        self._at_start = {name: read() for name, read in self._readers.items()}
        return self

    def stop(self) -> CoreShares:
        wall = max(1e-9, self._clock() - self._started)
        return CoreShares(
            wall,
            {name: (read() - self._at_start[name]) / wall for name, read in self._readers.items()},
        )


def print_cores(console: Console, cores: CoreShares) -> None:
    table = Table(title=f"CPU while sending ({cores.wall_seconds:.0f} s; share of one core)")
    table.add_column("process")
    table.add_column("CPU", justify="right")
    for name, share in cores.shares.items():
        table.add_row(name, f"{share:.0%}")
    table.add_row(
        "[bold]total",
        f"[bold]{sum(s for n, s in cores.shares.items() if not n.startswith(' ')):.0%}",
    )
    console.print(table)
