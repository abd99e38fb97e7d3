"""Wait estimates and pool load: pure functions of the pool state at ``now``.

The estimator is deliberately simple so a supervisor can check it by hand.
Each ready agent works ``max_total`` contacts at once, one every
``mean handle time`` per slot, and splits that service evenly across the
queues it serves. A queue's service rate is the sum of those shares; the
contact at position ``p`` waits about ``p / rate`` (the fluid, all-agents-busy
part of Erlang C: with ``c`` busy servers the next one frees up after
``AHT / c`` on average). Handle times are a moving average of completed work,
with a configured prior until a queue has data. No ready agent: ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ._model import Agent, Contact, PoolConfig, Presence
from ._rules import order_key

__all__ = [
    "ContactWait",
    "HandleTime",
    "PoolLoadView",
    "QueueLoadView",
    "contact_waits",
    "pool_load",
    "service_rates",
    "updated_handle_time",
    "wait_for",
]


@dataclass(frozen=True, slots=True)
class HandleTime:
    """A queue's recent mean handle time (accept to done), persisted per queue."""

    mean_seconds: float
    completions: int


def updated_handle_time(
    previous: HandleTime | None, seconds: float, config: PoolConfig
) -> HandleTime:
    seconds = max(0.0, seconds)
    if previous is None:
        return HandleTime(seconds, 1)
    weight = config.handle_time_smoothing
    mean = (1 - weight) * previous.mean_seconds + weight * seconds
    return HandleTime(mean, previous.completions + 1)


@dataclass(frozen=True, slots=True)
class QueueLoadView:
    queue: str
    queued: int
    longest_wait_seconds: float
    estimated_wait_seconds: float


@dataclass(frozen=True, slots=True)
class PoolLoadView:
    queued: int
    longest_wait_seconds: float
    agents_logged_in: int
    agents_ready: int
    """Logged in, ready, with room for at least one more contact."""
    occupancy: float
    """Contacts held (offered or assigned) over slots offered by logged-in agents."""
    estimated_wait_seconds: float
    """For a contact joining the pool now, behind everyone queued."""
    queues: tuple[QueueLoadView, ...]


@dataclass(frozen=True, slots=True)
class ContactWait:
    interaction_id: str
    customer_id: str
    queue: str
    position: int
    estimated_wait_seconds: float


def _mean_handle(queue: str, handle_times: dict[str, HandleTime], config: PoolConfig) -> float:
    known = handle_times.get(queue)
    return known.mean_seconds if known is not None else config.prior_handle_seconds


def service_rates(
    agents: Iterable[Agent], handle_times: dict[str, HandleTime], config: PoolConfig
) -> dict[str, float]:
    """Contacts per second each queue can expect to be served at."""
    rates: dict[str, float] = {}
    for agent in agents:
        if agent.presence is not Presence.READY or not agent.queues:
            continue
        share = agent.max_total / len(agent.queues)
        for queue in agent.queues:
            handle = max(_mean_handle(queue, handle_times, config), 1e-9)
            rates[queue] = rates.get(queue, 0.0) + share / handle
    return rates


def wait_for(position: int, rate: float) -> float:
    return position / rate if rate > 0 else math.inf


def pool_load(
    agents: Iterable[Agent],
    queued: dict[str, int],
    longest_waits: dict[str, float],
    handle_times: dict[str, HandleTime],
    config: PoolConfig,
) -> PoolLoadView:
    agent_list = list(agents)
    logged_in = [a for a in agent_list if a.presence is not Presence.OFFLINE]
    ready = sum(1 for a in logged_in if a.presence is Presence.READY and a.total < a.max_total)
    # Occupancy is work over capacity offered: a ready agent offers all their slots;
    # one not ready (a break) offers none, except the work they still finish.
    slots = sum(a.max_total if a.presence is Presence.READY else a.total for a in logged_in)
    held = sum(a.total for a in logged_in)
    rates = service_rates(agent_list, handle_times, config)
    queues = tuple(
        QueueLoadView(
            queue=queue,
            queued=count,
            longest_wait_seconds=longest_waits.get(queue, 0.0),
            estimated_wait_seconds=wait_for(count + 1, rates.get(queue, 0.0)),
        )
        for queue, count in sorted(queued.items())
        if count or queue in rates
    )
    total_queued = sum(queued.values())
    return PoolLoadView(
        queued=total_queued,
        longest_wait_seconds=max(longest_waits.values(), default=0.0),
        agents_logged_in=len(logged_in),
        agents_ready=ready,
        occupancy=min(1.0, held / slots) if slots else 0.0,
        estimated_wait_seconds=wait_for(total_queued + 1, sum(rates.values())),
        queues=queues,
    )


def contact_waits(
    queued_contacts: Iterable[Contact],
    agents: Iterable[Agent],
    handle_times: dict[str, HandleTime],
    config: PoolConfig,
    now: float,
) -> list[ContactWait]:
    """Position (1 = next) and estimated wait of each queued contact, per queue.

    One sort per queue: meant for a periodic publish, not for every event.
    """
    by_queue: dict[str, list[Contact]] = {}
    for contact in queued_contacts:
        by_queue.setdefault(contact.queue, []).append(contact)
    rates = service_rates(agents, handle_times, config)
    waits = []
    for queue, contacts in sorted(by_queue.items()):
        queue_config = config.queue(queue)
        contacts.sort(key=lambda c: order_key(c, queue_config, now))
        rate = rates.get(queue, 0.0)
        for position, contact in enumerate(contacts, start=1):
            waits.append(
                ContactWait(
                    interaction_id=contact.interaction_id,
                    customer_id=contact.customer_id,
                    queue=queue,
                    position=position,
                    estimated_wait_seconds=wait_for(position, rate),
                )
            )
    return waits
