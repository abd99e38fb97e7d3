"""Whether a batch the assigner applied may still be produced: did this worker stay
the owner of its partitions while it worked on it?

A worker stopped past the session timeout (SIGSTOP, a long GC pause, a starved
host) may have been replaced while it still holds its pools; its batch must not
land after the new owner's takeover read (``omniroute chaos pause``). Heartbeats run
on the event loop, so a loop that stood still for more than half a session timeout
since the batch was fetched is the sign that this may have happened.

The sign is not the fact. Under CPU contention (the demo at 1,000 events/s on two
cores) the loop stands still for seconds *because of its own work*: re-reading the
pools after a dropped batch (8k agents, 7k contacts) is itself such a stall, so a
guard that dropped every batch after a stall dropped the re-read's batch too, and
the next, and so on: the loop fed its own guard. So a stall is now a question put
to the group coordinator, not a verdict: one Heartbeat request in the generation
the batch was fetched in. Answered without error, the broker still counts this
worker a member of that generation, and under the eager protocol no other member
can hold its partitions before it rejoins (which waits for the batch: the revoke
callback takes the batch's lock). Any other answer (an unknown member, a stale
generation, a rebalance in progress, no answer within half a session timeout) and
the batch is thrown away as before. A batch without a stall costs nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import HeartbeatRequest

__all__ = ["GroupMembership", "OwnershipGuard"]

log = logging.getLogger("omniroute.assigner")

MembershipProbe = Callable[[int], Awaitable[bool]]
"""Asked after a stall: is this consumer still a member of this generation?"""

_NO_GENERATION = -1


class GroupMembership:
    """The consumer's group membership as the coordinator sees it, asked with one
    Heartbeat request (aiokafka 0.14's coordinator: no public call for it)."""

    def __init__(self, consumer: AIOKafkaConsumer, *, timeout: float) -> None:
        self._consumer = consumer
        self._timeout = timeout

    def _coordinator(self) -> Any:
        return getattr(self._consumer, "_coordinator", None)

    @property
    def member(self) -> tuple[str, str]:
        """(group, member id) as the coordinator knows this consumer; "" when none."""
        coordinator = self._coordinator()
        if coordinator is None:
            return "", ""
        return str(coordinator.group_id), str(coordinator.member_id or "")

    def generation(self) -> int:
        coordinator = self._coordinator()
        return _NO_GENERATION if coordinator is None else int(coordinator.generation)

    async def confirmed(self, generation: int) -> bool:
        coordinator = self._coordinator()
        if coordinator is None or not coordinator.member_id or generation == _NO_GENERATION:
            return False
        if coordinator.generation != generation:
            return False  # the coordinator already left or rejoined: not the batch's
        send = getattr(coordinator, "_send_req", None)
        if send is None:  # an aiokafka without it: unconfirmed, so dropped, as before
            return False
        request = HeartbeatRequest(coordinator.group_id, generation, coordinator.member_id)
        try:
            response = await asyncio.wait_for(send(request), self._timeout)
        except (KafkaError, TimeoutError) as error:
            log.warning("membership unconfirmed: %r", error, extra={"stage": "assigner"})
            return False
        if response.error_code != 0:
            log.warning(
                "membership refused by the coordinator (error %d)",
                response.error_code,
                extra={"stage": "assigner"},
            )
            return False
        return True


class OwnershipGuard:
    """The longest time the event loop stood still since the batch was fetched, and
    the coordinator's word when that was longer than ``stale_after``.

    ``clock`` is monotonic seconds (a test stands the loop still by moving it)."""

    def __init__(
        self,
        *,
        stale_after: float,
        generation: Callable[[], int],
        confirmed: MembershipProbe,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stale_after = stale_after
        self.clock = clock
        self._generation = generation
        self._confirmed = confirmed
        self._last_tick = clock()
        self._longest_stall = 0.0
        self._fetched_in = _NO_GENERATION
        self.confirmations = 0
        """Stalls after which the coordinator confirmed the membership (tests, logs)."""
        self.refusals = 0
        """Stalls after which it did not: batches thrown away."""

    def batch_fetched(self) -> None:
        """A batch is about to be fetched: its stall is measured from here."""
        self._longest_stall = 0.0
        self._fetched_in = self._generation()

    async def watch(self, stopping: asyncio.Event) -> None:
        """Heartbeats run on this loop, so while it stands still the group may be
        giving this worker's partitions to another: every 100 ms, how long since
        the last look."""
        while not stopping.is_set():
            await asyncio.sleep(0.1)
            self._look()

    def _look(self) -> None:
        now = self.clock()
        self._longest_stall = max(self._longest_stall, now - self._last_tick)
        self._last_tick = now

    def stall(self) -> float:
        """The longest stall since the batch was fetched; one still going on counts."""
        return max(self._longest_stall, self.clock() - self._last_tick)

    async def still_member(self) -> bool:
        """True unless the loop stood still past ``stale_after`` and the coordinator
        then did not confirm the batch's generation."""
        stall = self.stall()
        if stall <= self.stale_after:
            return True
        if await self._confirmed(self._fetched_in):
            self.confirmations += 1
            log.info(
                "event loop stood still %.1f s; membership confirmed, batch kept",
                stall,
                extra={"stage": "assigner"},
            )
            self._look()  # the confirmation is the new start: a stall before it is answered
            self._longest_stall = 0.0
            return True
        self.refusals += 1
        return False
