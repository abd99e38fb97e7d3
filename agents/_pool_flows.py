"""What transfers, declines and not-ready reasons add to the ``Pool`` (a base class
of it, kept apart so each module stays readable): the transfer request itself, a
warm transfer's answers inside ``accept``, ``reject`` and offer timeouts, and the
reason an agent gives for not being ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._effects import Effect, RevokeWhy
from ._model import Contact, Presence

if TYPE_CHECKING:
    from ._index import PoolIndex
    from ._step import Step
    from ._transfers import TransferRequest, Transfers

__all__ = ["PoolFlows"]


class PoolFlows:
    """Transfers and reasons, for ``Pool``."""

    if TYPE_CHECKING:
        _index: PoolIndex
        _transfers: Transfers

        def _begin(self, now: float) -> Step: ...

        def _settle(self, step: Step) -> list[Effect]: ...

        def _drop(self, interaction_id: str, now: float, why: RevokeWhy) -> list[Effect]: ...

    def transfer(self, request: TransferRequest, now: float) -> list[Effect]:
        """An agent transfers an assigned contact (``_transfers``): cold, it is queued
        at its place at once; warm, its agent keeps it until another accepts."""
        step = self._begin(now)
        step.effects += self._transfers.request(request, step.now, (step.contacts, step.agents))
        return self._settle(step)

    def note_reason(self, agent_id: str, reason: str) -> None:
        """Why the agent is not ready, right after ``set_presence`` (a ready agent has
        no reason). No effect on matching: only what supervisors see."""
        agent = self._index.agent(agent_id)
        if agent is not None:
            self._index.set_reason(agent, "" if agent.presence is Presence.READY else reason)

    def _warm_accepted(self, step: Step, contact: Contact) -> None:
        """The other agent of a warm transfer accepted: the first one's room is free."""
        if contact.warm is not None:
            self._transfers.accepted(contact, step.now, step.effects, step.agents)

    def _warm_declined(self, step: Step, contact: Contact) -> bool:
        """A warm transfer's offer rejected or timed out goes back to its first agent
        (True); any other offer is the caller's to re-queue (False)."""
        if contact.warm is None:
            return False
        self._transfers.declined(contact, step.now, step.effects, step.agents)
        return True

    @staticmethod
    def _warm_origin(contact: Contact | None, agent_id: str) -> bool:
        """Whether ``agent_id`` keeps ``contact`` while its warm transfer waits."""
        return (
            contact is not None and contact.warm is not None and contact.warm.agent_id == agent_id
        )
