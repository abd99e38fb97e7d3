"""The event in progress inside a ``Pool`` method."""

from __future__ import annotations

from ._effects import Effect
from ._model import Agent, Contact

__all__ = ["Step"]


class Step:
    """The event in progress: its time, the effects so far, and what time and
    the event touched (the only contacts and agents that can form new pairs).
    One per pool, reset by ``Pool._begin``: an object per event would cost
    more than the cheapest events (an accept) do."""

    __slots__ = ("agents", "contacts", "effects", "now")

    def __init__(self) -> None:
        self.now = float("-inf")
        self.effects: list[Effect] = []
        self.contacts: list[Contact] = []
        self.agents: list[Agent] = []
