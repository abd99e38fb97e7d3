"""The simulated floor's agenda: every agent's next action on one heap, read by the
floor's one loop. Thousands of agents cost one heap entry per pending action, not
a thread, task or timer each, and the loop pops everything that is due at once."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Agenda"]

_A = TypeVar("_A")


class Agenda(Generic[_A]):
    """Actions due at moments (epoch seconds, to line up with event times), popped
    in time order; actions due at the same moment come out in the order they were
    scheduled. ``clock``: the wall clock, replaced by a fake one in tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, _A]] = []
        self._serial = itertools.count()

    def at(self, moment: float, action: _A) -> None:
        """Do ``action`` at ``moment``."""
        heapq.heappush(self._heap, (moment, next(self._serial), action))

    def later(self, seconds: float, action: _A) -> None:
        """Do ``action`` ``seconds`` from now."""
        self.at(self._clock() + seconds, action)

    def due(self, now: float | None = None) -> list[_A]:
        """Every action due by ``now`` (default: the clock), taken off the agenda."""
        moment = self._clock() if now is None else now
        heap, out = self._heap, []
        while heap and heap[0][0] <= moment:
            out.append(heapq.heappop(heap)[2])
        return out

    def next_at(self) -> float | None:
        """When the next action is due; ``None`` when nothing is."""
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
