"""Overflow in the stage: a contact an overflow step moved on is sent to its new
pool, and follow-ups that reach the old pool after the move are sent on."""

from __future__ import annotations

from collections import OrderedDict

from omniroute.agents import ContactOverflowed, overflow_decision
from omniroute.schemas import InteractionUpdate, topic

from ._metrics import AssignerMetrics

__all__ = ["ASSIGNER_INPUT", "MovedContacts", "overflow_message"]

ASSIGNER_INPUT = topic("omniroute.assigner-input").name
SOURCE = "/omniroute/assigner"


def overflow_message(
    pool_name: str, moved: ContactOverflowed, target: float | None, metrics: AssignerMetrics
) -> tuple[str, bytes, bytes]:
    """The contact goes to its overflow step's pool as a decision on the assigner
    input, keyed by that pool: its owner (maybe this worker) queues it there."""
    decision = overflow_decision(moved, SOURCE, service_target=target)
    metrics.overflowed.labels(pool_name, moved.from_queue, moved.pool, moved.contact.queue).inc()
    return ASSIGNER_INPUT, moved.pool.encode(), decision.model_dump_json().encode()


class MovedContacts:
    """Contacts this worker's pools let go by an overflow step, for a while: a
    follow-up (abandoned, ended, callback) that reaches the old pool is sent on to
    the new one. The router sends it to both, but the new pool may read it before the
    decision that moves the contact there, and ignore it; sent on from here, it
    follows that decision on the same partition, from the same producer, so it lands
    after it. In memory only: a takeover forgets, and the window is milliseconds."""

    def __init__(self, keep_seconds: float = 3600.0, most: int = 100_000) -> None:
        self._keep = keep_seconds
        self._most = most
        self._moved: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def remember(self, interaction_id: str, pool: str, now: float) -> None:
        self._moved[interaction_id] = (pool, now)
        self._moved.move_to_end(interaction_id)
        while self._moved and (
            len(self._moved) > self._most or next(iter(self._moved.values()))[1] < now - self._keep
        ):
            self._moved.popitem(last=False)

    def follow(self, update: InteractionUpdate) -> tuple[str, bytes, bytes] | None:
        """The update re-addressed to the pool the contact moved to, if it moved."""
        moved = self._moved.get(update.interaction_id)
        if moved is None or moved[0] == update.pool:
            return None
        forwarded = update.model_copy(update={"pool": moved[0]})
        return ASSIGNER_INPUT, moved[0].encode(), forwarded.model_dump_json().encode()
