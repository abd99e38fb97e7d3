"""The ``Pool``'s read-only views (a base class of it, kept apart so each module
stays readable): contacts and agents for tests and tools, and the load and wait
estimates the stage publishes. Nothing here changes the pool."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._estimate import ContactWait, PoolLoadView, contact_waits, pool_load
from ._model import Agent, Contact, ContactState, PoolConfig
from ._turn import QueueTurn, queue_turns

if TYPE_CHECKING:
    from ._index import PoolIndex

__all__ = ["PoolReading"]

_QUEUED = ContactState.QUEUED


class PoolReading:
    """Reading a ``Pool``."""

    if TYPE_CHECKING:
        config: PoolConfig
        _index: PoolIndex

    def contact(self, interaction_id: str) -> Contact | None:
        """Read-only view for tests and tools: do not mutate what it returns."""
        return self._index.contact(interaction_id)

    def agent(self, agent_id: str) -> Agent | None:
        return self._index.agent(agent_id)

    def agents_in_wrap_up(self) -> int:
        """Agents doing after-contact work on a contact of this pool."""
        return self._index.agents_in_wrap_up()

    def is_queued(self, interaction_id: str) -> bool:
        """Whether the contact waits in a queue now (not offered, assigned or gone)."""
        contact = self._index.contact(interaction_id)
        return contact is not None and contact.state is _QUEUED

    def contacts(self) -> list[Contact]:
        return self._index.contacts()

    def agents(self) -> list[Agent]:
        return self._index.agents()

    def load(self, now: float) -> PoolLoadView:
        now = self._index.read_time(now)
        return pool_load(
            self._index.agents(),
            self._index.queues.counts(),
            self._index.queues.longest_waits(now),
            self._index.handle_times(),
            self.config,
        )

    def wait_estimates(self, now: float, queues: Iterable[str] | None = None) -> list[ContactWait]:
        """Position and estimated wait of every queued contact, or of those in
        ``queues`` (one sort per queue): a publisher can then spread a large pool's
        estimates over its period, a few queues at a time."""
        now = self._index.read_time(now)
        return contact_waits(
            self._index.queued_contacts(queues),
            self._index.agents(),
            self._index.handle_times(),
            self.config,
            now,
        )

    def queue_turns(self, now: float, queues: Iterable[str]) -> list[QueueTurn]:
        """Each of ``queues``' estimates as of ``now``, in steps (a queue of 100k takes
        ~0.5 s in one): ``wait_estimates`` for those queues, in pieces."""
        return queue_turns(self._index, self.config, self._index.read_time(now), queues)
