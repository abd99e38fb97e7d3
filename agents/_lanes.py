"""Per-queue priority index: lanes of contacts that any given agent either may
or may not take as a whole.

A lane holds the queued contacts of one (queue, channel, requirement signature,
widening stage). Every contact in a lane is eligible for exactly the same
agents, so an agent looking for work only needs each eligible lane's head:
matching cost depends on the number of lanes an agent serves, not on the
number of contacts waiting.

Heaps use lazy deletion: an entry is live only while its ``slot`` equals the
contact's, and a contact bumps its slot whenever it moves. ``live`` counts live
entries so empty lanes can be dropped and bloated heaps compacted.
"""

from __future__ import annotations

import heapq

from ._model import Contact, Signature

__all__ = ["Lane", "LaneGroup"]

_RankEntry = tuple[float, float, str, int, Contact]
_DeadlineEntry = tuple[float, str, int, Contact]


class Lane:
    """Contacts not past their bound ordered by time-invariant rank; those past it
    by perceived wait; and a deadline heap that moves contacts from the first
    to the second as time passes (each contact moves once)."""

    __slots__ = ("deadlines", "group", "live", "overdue", "ranked", "stage")

    def __init__(self, group: LaneGroup, stage: int) -> None:
        self.group = group
        self.stage = stage
        self.ranked: list[_RankEntry] = []
        self.overdue: list[_RankEntry] = []
        self.deadlines: list[_DeadlineEntry] = []
        self.live = 0

    def push(self, contact: Contact, now: float) -> None:
        contact.slot += 1
        contact.lane = self
        contact.overdue = now >= contact.deadline
        self.live += 1
        self.group.live += 1
        self._push_entry(contact)
        if len(self.ranked) + len(self.overdue) > 4 * self.live + 64:
            self._compact()

    def remove(self, contact: Contact) -> None:
        contact.slot += 1
        contact.lane = None
        self.live -= 1
        self.group.live -= 1

    def head(self, now: float) -> Contact | None:
        """The contact this lane would serve first at ``now``."""
        deadlines = self.deadlines
        while deadlines and deadlines[0][0] <= now:
            _, _, slot, contact = heapq.heappop(deadlines)
            if slot == contact.slot:
                contact.slot += 1
                contact.overdue = True
                self._push_entry(contact)
        overdue = self.overdue
        while overdue and overdue[0][3] != overdue[0][4].slot:
            heapq.heappop(overdue)
        if overdue:
            return overdue[0][4]
        ranked = self.ranked
        while ranked and ranked[0][3] != ranked[0][4].slot:
            heapq.heappop(ranked)
        return ranked[0][4] if ranked else None

    def _push_entry(self, contact: Contact) -> None:
        slot = contact.slot
        iid = contact.interaction_id
        if contact.overdue:
            heapq.heappush(
                self.overdue, (contact.wait_origin, contact.enqueued_at, iid, slot, contact)
            )
            return
        heapq.heappush(self.ranked, (-contact.static_rank, contact.enqueued_at, iid, slot, contact))
        if contact.deadline != float("inf"):
            heapq.heappush(self.deadlines, (contact.deadline, iid, slot, contact))

    def _compact(self) -> None:
        """Drop stale entries so a churning lane's heaps stay proportional to its contacts."""
        self.ranked = [e for e in self.ranked if e[3] == e[4].slot]
        self.overdue = [e for e in self.overdue if e[3] == e[4].slot]
        self.deadlines = [e for e in self.deadlines if e[2] == e[3].slot]
        heapq.heapify(self.ranked)
        heapq.heapify(self.overdue)
        heapq.heapify(self.deadlines)


class LaneGroup:
    """The three widening stages of one (queue, channel, signature)."""

    __slots__ = ("level_key", "live", "signature", "stages")

    def __init__(self, signature: Signature, level_key: int) -> None:
        self.signature = signature
        self.level_key = level_key
        self.live = 0
        self.stages: tuple[Lane, ...] = (Lane(self, 0), Lane(self, 1), Lane(self, 2))

    def release(self) -> None:
        """Called when the group is dropped (empty): its lanes point back at it, and
        that cycle would otherwise wait for the cyclic collector, which the workers
        keep off their long-lived state (``runtime.CollectorFreezer``)."""
        self.stages = ()
