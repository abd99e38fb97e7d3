"""``Loops.consuming``: what every consuming stage answers on /readyz."""

from __future__ import annotations

import asyncio
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


class _Client:
    def __init__(self, fails: bool = False) -> None:
        self.fails, self.stopped = fails, False

    async def stop(self) -> None:
        self.stopped = True
        if self.fails:
            raise ConnectionError("already broken")


def test_stop_stops_every_client_even_past_one_that_fails() -> None:
    async def run() -> list[bool]:
        loops = Loops()

        async def body(stopping: asyncio.Event) -> None:
            await stopping.wait()

        loops.start("idle", body)
        await asyncio.sleep(0)  # the loop runs before it is asked to stop
        clients = [_Client(), _Client(fails=True), _Client()]
        await loops.stop([clients[0], None, clients[1], clients[2]])
        return [client.stopped for client in clients]

    assert asyncio.run(run()) == [True, True, True]
