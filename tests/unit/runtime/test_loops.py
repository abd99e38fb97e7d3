"""``Loops.consuming``: what every consuming stage answers on /readyz."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from omniroute.router.runtime import Loops


@dataclass
class _Consumer:
    held: set[int] = field(default_factory=lambda: {0})

    def assignment(self) -> set[int]:
        return self.held


@dataclass
class _Loop:
    last_poll: float = field(default_factory=time.monotonic)


def test_ready_only_while_no_loop_failed_partitions_are_held_and_the_loop_polls() -> None:
    loops = Loops()
    assert loops.consuming(_Consumer(), _Loop())
    assert not loops.consuming(None, _Loop()), "not started"
    assert not loops.consuming(_Consumer(), None), "not started"
    assert not loops.consuming(_Consumer(held=set()), _Loop()), "no partition yet"
    assert not loops.consuming(_Consumer(), _Loop(last_poll=time.monotonic() - 31)), "stalled"
    loops.failed = True
    assert not loops.consuming(_Consumer(), _Loop())
