"""The assigner's ownership guard on a fake clock: a stall past the threshold is a
question to the coordinator, asked in the generation the batch was fetched in, and
only its refusal drops the batch (tests/integration/test_assigner_stalls.py runs
the same on a real worker and broker)."""

from __future__ import annotations

import asyncio

from omniroute.router.stages.assignment import OwnershipGuard


class _Coordinator:
    def __init__(self, *, member: bool) -> None:
        self.member = member
        self.generation = 7
        self.asked: list[int] = []

    async def confirmed(self, generation: int) -> bool:
        self.asked.append(generation)
        return self.member and generation == self.generation


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _guard(coordinator: _Coordinator, clock: _Clock) -> OwnershipGuard:
    return OwnershipGuard(
        stale_after=1.5,
        generation=lambda: coordinator.generation,
        confirmed=coordinator.confirmed,
        clock=clock,
    )


def test_a_batch_without_a_stall_asks_nobody() -> None:
    coordinator, clock = _Coordinator(member=False), _Clock()
    guard = _guard(coordinator, clock)
    guard.batch_fetched()
    clock.now += 1.4
    assert asyncio.run(guard.still_member()) is True
    assert coordinator.asked == []


def test_a_stall_is_asked_about_in_the_batch_s_generation_and_kept_when_confirmed() -> None:
    coordinator, clock = _Coordinator(member=True), _Clock()
    guard = _guard(coordinator, clock)
    guard.batch_fetched()
    clock.now += 4.0  # still going on when the batch is checked
    assert asyncio.run(guard.still_member()) is True
    assert coordinator.asked == [7]
    assert (guard.confirmations, guard.refusals) == (1, 0)
    # Answered, the stall is over: the next check in the same batch asks nobody.
    assert asyncio.run(guard.still_member()) is True
    assert coordinator.asked == [7]


def test_a_stall_the_coordinator_does_not_confirm_drops_the_batch() -> None:
    coordinator, clock = _Coordinator(member=False), _Clock()
    guard = _guard(coordinator, clock)
    guard.batch_fetched()
    clock.now += 1.6
    assert asyncio.run(guard.still_member()) is False
    assert (guard.confirmations, guard.refusals) == (0, 1)


def test_a_rebalance_since_the_fetch_is_not_confirmed() -> None:
    coordinator, clock = _Coordinator(member=True), _Clock()
    guard = _guard(coordinator, clock)
    guard.batch_fetched()
    coordinator.generation = 8  # the group moved on while the loop stood still
    clock.now += 2.0
    assert asyncio.run(guard.still_member()) is False
    assert coordinator.asked == [7]


def test_the_longest_stall_counts_not_the_last() -> None:
    coordinator, clock = _Coordinator(member=False), _Clock()
    guard = _guard(coordinator, clock)

    async def scenario() -> bool:
        stopping = asyncio.Event()
        watch = asyncio.create_task(guard.watch(stopping))
        guard.batch_fetched()
        await asyncio.sleep(0)
        clock.now += 3.0  # a stall the watch sees end ...
        await asyncio.sleep(0.25)  # ... and looks again after it, twice
        stopping.set()
        await watch
        return await guard.still_member()

    assert asyncio.run(scenario()) is False
    assert coordinator.asked == [7]
