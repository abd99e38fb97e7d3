"""One capacity ledger per agent across pools: an agent logged into several pools
never holds more than their capacity in all of them.

Each pool keeps its own ``Agent`` (its queues, its idle line, its work) but the
agent's load lives in one ``Tally`` that every pool holding the agent shares
through a ``CapacityLedger``. A pool that changes a shared tally notes it; then
``spread`` has each of the agent's other pools list the agent again by the room
left, and offer it work if room came free. Whoever drives several pools (the
assigner stage, the simulated floor) calls ``spread`` after each input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from omniroute.schemas import Channel

if TYPE_CHECKING:
    from ._effects import Effect
    from ._pool import Pool

__all__ = ["CapacityLedger", "Tally", "spread"]


class Tally:
    """What an agent holds across every pool they work in: one capacity ledger, so
    an agent logged into two pools never holds more than their capacity in all.
    Keyed by interaction id, so holding the same contact twice (a pool rebuilt from
    its changelog) counts it once."""

    __slots__ = ("load", "pools", "total", "work")

    def __init__(self) -> None:
        self.load: dict[Channel, int] = {}
        self.total = 0
        self.work: dict[str, Channel] = {}
        self.pools: set[str] = set()

    def hold(self, interaction_id: str, channel: Channel) -> None:
        if interaction_id in self.work:
            return
        self.work[interaction_id] = channel
        self.load[channel] = self.load.get(channel, 0) + 1
        self.total += 1

    def release(self, interaction_id: str) -> None:
        channel = self.work.pop(interaction_id, None)
        if channel is not None:
            self.load[channel] -= 1
            self.total -= 1


class CapacityLedger:
    """The tallies of the agents of every pool that shares it (one per assigner
    stage, one per simulated floor). Pools note here which agents' tallies they
    changed, so the stage can re-index those agents in their other pools."""

    def __init__(self) -> None:
        self._tallies: dict[str, Tally] = {}
        self._touched: dict[str, str] = {}

    def tally(self, agent_id: str, pool: str) -> Tally:
        tally = self._tallies.get(agent_id)
        if tally is None:
            tally = self._tallies[agent_id] = Tally()
        tally.pools.add(pool)
        return tally

    def leave(self, agent_id: str, pool: str, work: Iterable[str]) -> None:
        """The pool no longer holds the agent (logged out, or the pool went to another
        worker): its work leaves the tally, and the tally goes once no pool holds it."""
        tally = self._tallies.get(agent_id)
        if tally is None:
            return
        for interaction_id in work:
            tally.release(interaction_id)
        tally.pools.discard(pool)
        if not tally.pools:
            del self._tallies[agent_id]
        else:
            self._touched[agent_id] = pool

    def touched(self, agent_id: str, pool: str) -> None:
        """``pool`` changed what the agent holds: the agent's other pools must look again."""
        tally = self._tallies.get(agent_id)
        if tally is not None and len(tally.pools) > 1:
            self._touched[agent_id] = pool

    def drain(self) -> list[tuple[str, list[str]]]:
        """(agent, the pools other than the one that changed it) since the last drain."""
        out = []
        for agent_id, origin in self._touched.items():
            tally = self._tallies.get(agent_id)
            if tally is not None:
                out.append((agent_id, sorted(p for p in tally.pools if p != origin)))
        self._touched.clear()
        return out


def spread(
    ledger: CapacityLedger, pools: Mapping[str, Pool], now: float
) -> list[tuple[str, list[Effect]]]:
    """After an input to one pool: every other pool of each agent whose load it
    changed lists the agent again, and offers if room came free; repeated until
    nothing moves (each round only takes room an earlier one freed). Returns the
    effects per pool, in order; pools not in ``pools`` (not held here) are skipped."""
    out: list[tuple[str, list[Effect]]] = []
    moved = ledger.drain()
    while moved:
        for agent_id, names in moved:
            for name in names:
                pool = pools.get(name)
                if pool is not None:
                    out.append((name, pool.refresh_agent(agent_id, now)))
        moved = ledger.drain()
    return out
