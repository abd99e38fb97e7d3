"""Keep CPython's cyclic collector off the state a worker holds.

A worker keeps its state in memory: an assigner with 10k agents and 100k queued
contacts holds ~1M objects, a router its parse cache. A full (generation 2)
collection walks every tracked object: measured 0.6 s at that size, every ~10 s at
1,000 contacts/s, with the event loop standing still. That was most of the
assigner's agent-ready -> offer p99 in ``omniroute bench``.

After each full collection its survivors go to the permanent generation
(``gc.freeze``), so the next one walks only what was allocated since. Frozen
objects are still freed by reference counting; only a reference cycle among them
would outlive them, and the steady-state paths make none
(``tests/unit/stages/test_no_cycles.py`` asserts it for both stages).

The thresholds are raised too (``tune_collector``). At CPython's default (a young
collection every 700 allocations) a router batch of 1,000 events, which allocates
some 100k objects, ran ~140 young collections and a middle one every ten, and they
took 15-30% of the stage's CPU even after the freeze (measured in process, 10- to
20-line histories: 182 -> 130 us CPU per event with 50,000/20/100). Raising them
keeps nothing alive longer that reference counting frees (the stages make no
cycles), it only collects the rare cycle later.
"""

from __future__ import annotations

import gc

__all__ = ["COLLECTOR_THRESHOLDS", "CollectorFreezer", "tune_collector"]

COLLECTOR_THRESHOLDS = (50_000, 20, 100)
"""Young collection every 50,000 net allocations (about half a router batch), a
middle one every 20 of those, a full one every 100 middle ones."""


def tune_collector() -> None:
    """Set ``COLLECTOR_THRESHOLDS`` for this process: a worker calls it once, at start."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


class CollectorFreezer:
    """Call ``after_batch`` between batches: it freezes once per full collection."""

    def __init__(self) -> None:
        self._full_collections = self._count()
        self.freezes = 0

    @staticmethod
    def _count() -> int:
        return int(gc.get_stats()[2]["collections"])

    def freeze_now(self) -> None:
        """After a bulk load (a takeover's restore): what was just read stays."""
        gc.freeze()
        self.freezes += 1
        self._full_collections = self._count()

    def after_batch(self) -> bool:
        """Freeze if a full collection ran since the last call; True if it did."""
        if self._count() == self._full_collections:
            return False
        self.freeze_now()
        return True
