"""The simulated floor: a simpy clock driving the real ``omniroute.agents.Pool``.

Nothing here decides who gets which contact: every input goes to a ``Pool``
method with the simulated ``now`` and the simulator only acts out the effects it
returns, as the agents' desktops would: an offer is answered after the agent's
answer time, an assignment is worked for its handle time, then completed; the
pool holds the agent in wrap-up for the queue's ``wrap_up_seconds`` (the policy
file's), or until the agent's own wrap-up time (``wrap_seconds``) ends it sooner.
A queue with no wrap-up time: the agent's wrap-up is worked before completing.
Customers who run out of patience abandon through the pool too. Pool timers
(offer expiries, skill widening, wrap-ups) are ticked when the pool asks. The
pools share one capacity ledger, as the assigner's pools do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import simpy

from omniroute.agents import (
    AgentPaused,
    AgentSpec,
    CapacityLedger,
    Contact,
    ContactAssigned,
    ContactHandedOver,
    ContactOverflowed,
    Effect,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
    TransferRequest,
    spread,
)

from ._distributions import Constant, Sampler

__all__ = ["AgentRun", "ContactRun", "Floor", "TransferPlan"]

PAUSED_RETURN_SECONDS = 60.0
_AT_ONCE = Constant(0.0)
"""An agent the pool paused for missed offers is back after a minute."""


@dataclass(slots=True, eq=False)
class ContactRun:
    """One contact's life on the floor, filled in as the simulation goes."""

    contact: Contact
    pool: str
    arrived: float
    """When the customer started waiting for an agent (queue entry)."""
    handle_seconds: float
    wrap_seconds: float = 0.0
    patience_seconds: float = math.inf
    target_seconds: float = 20.0
    labels: dict[str, str] = field(default_factory=dict)
    answered_at: float | None = None
    abandoned_at: float | None = None
    done_at: float | None = None
    agent_id: str | None = None
    overflows: list[str] = field(default_factory=list)
    """Each overflow step taken, as ``pool/queue->pool/queue``."""
    transferred_at: float | None = None
    """When its first agent transferred it (``TransferPlan``): it waits, and is
    handled, again; ``answered_at`` stays the first answer."""

    @property
    def wait(self) -> float | None:
        """Seconds in queue until answered or abandoned (``None``: still waiting)."""
        end = self.answered_at if self.answered_at is not None else self.abandoned_at
        return None if end is None else end - self.arrived

    @property
    def perceived_wait(self) -> float | None:
        """The wait plus what the customer already spent in IVR or self-service."""
        wait = self.wait
        return None if wait is None else wait + self.contact.wait_offset


@dataclass(frozen=True, slots=True)
class AgentRun:
    """One simulated agent: a profile, a shift (seconds from the start) and breaks."""

    spec: AgentSpec
    pool: str
    start: float = 0.0
    end: float = math.inf
    breaks: tuple[tuple[float, float], ...] = ()
    """(start, duration) in seconds from the simulation start."""
    answer: Sampler = _AT_ONCE

    def available_seconds(self, begin: float, finish: float) -> float:
        """Seconds of ``[begin, finish)`` (from the start) logged in and not on break."""
        logged = max(0.0, min(finish, self.end) - max(begin, self.start))
        for at, length in self.breaks:
            logged -= max(0.0, min(finish, at + length) - max(begin, at))
        return max(0.0, logged)


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """A share of answered contacts whose agent finds, ``after`` of the way through
    the handle time, that another queue must handle them: a cold transfer there
    (in ``to_pool``), through the pool, where the contact is handled in full again."""

    share: float
    to_queue: str
    to_pool: str
    after: float = 0.5


class Floor:
    """Pools, agents and contacts on one simpy clock, in epoch seconds from ``start``."""

    def __init__(
        self,
        pools: Mapping[str, PoolConfig],
        rng: random.Random,
        *,
        start: float = 0.0,
        transfers: TransferPlan | None = None,
    ) -> None:
        self.env = simpy.Environment(initial_time=start)
        self.start = start
        self.rng = rng
        self.ledger = CapacityLedger()
        self.pools = {name: Pool(config, self.ledger) for name, config in pools.items()}
        self.contacts: list[ContactRun] = []
        self._live: dict[str, ContactRun] = {}
        self._agents: dict[str, AgentRun] = {}
        self._ticks: dict[str, set[float]] = {name: set() for name in pools}
        self._calls = 0
        self.pending = 0
        self.transfers = transfers
        # Its own draws: a day with transfers sees the same arrivals as one without.
        self._transfer_rng = random.Random(f"transfers-{start}")
        """Contacts on their way to a queue (e.g. still in IVR): draining waits for them."""

    # -- scheduling ------------------------------------------------------------

    @property
    def now(self) -> float:
        return float(self.env.now)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` simulated seconds from now."""
        event = self.env.timeout(max(0.0, delay))
        event.callbacks.append(lambda _event: action())

    def run(self, until: float) -> None:
        """Run to ``until`` seconds after the start, then drain what is still live
        (agents keep working; nobody new arrives) for at most ``drain`` more."""
        self.env.run(until=self.start + until)

    def drain(self, longest: float) -> None:
        """Let contacts still waiting or worked finish, for at most ``longest`` seconds."""
        deadline = self.now + longest
        while (self._live or self.pending) and self.now < deadline:
            self.env.run(until=min(deadline, self.now + 60.0))

    # -- inputs ------------------------------------------------------------------

    def add_agent(self, agent: AgentRun) -> None:
        """Log the agent in ready at its shift start, pause for breaks, log out at the end."""
        self._agents[agent.spec.agent_id] = agent
        pool, agent_id = agent.pool, agent.spec.agent_id
        self.after(
            agent.start, lambda: self._apply(pool, self.pools[pool].login(agent.spec, self.now))
        )
        for at, length in agent.breaks:
            self.after(at, lambda: self._presence(pool, agent_id, Presence.NOT_READY))
            self.after(at + length, lambda: self._presence(pool, agent_id, Presence.READY))
        if math.isfinite(agent.end):
            self.after(
                agent.end, lambda: self._apply(pool, self.pools[pool].logout(agent_id, self.now))
            )

    def arrive(self, run: ContactRun) -> None:
        """A contact enters its pool's queue now; its patience starts running."""
        self.contacts.append(run)
        self._live[run.contact.interaction_id] = run
        pool = self.pools[run.pool]
        self._apply(run.pool, pool.enqueue(run.contact, self.now))
        if math.isfinite(run.patience_seconds):
            self.after(run.patience_seconds, lambda: self._give_up(run))

    # -- acting out the pool's effects -------------------------------------------

    def _presence(self, pool: str, agent_id: str, presence: Presence) -> None:
        self._apply(pool, self.pools[pool].set_presence(agent_id, presence, self.now))

    def _give_up(self, run: ContactRun) -> None:
        if run.answered_at is not None or run.abandoned_at is not None:
            return
        run.abandoned_at = self.now
        del self._live[run.contact.interaction_id]
        self._apply(run.pool, self.pools[run.pool].abandon(run.contact.interaction_id, self.now))

    def _apply(self, pool_name: str, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, OfferPlan):
                self._answer(pool_name, effect)
            elif isinstance(effect, ContactAssigned):
                self._work(pool_name, effect)
            elif isinstance(effect, AgentPaused):
                self._back_later(pool_name, effect.agent_id)
            elif isinstance(effect, ContactOverflowed):
                self._overflow(pool_name, effect)
            elif isinstance(effect, ContactHandedOver):
                target = effect.to_pool
                self._apply(target, self.pools[target].enqueue(effect.contact, self.now))
            # OfferRevocation: the desktop drops the offer; the pool already re-queued it.
        self._schedule_tick(pool_name)
        for other, touched in spread(self.ledger, self.pools, self.now):
            self._apply(other, touched)
        self._calls += 1
        if self._calls % 4096 == 0:
            for pool in self.pools.values():
                pool.drain_changes()  # the simulator persists nothing: keep memory flat

    def _overflow(self, pool_name: str, moved: ContactOverflowed) -> None:
        """The pool let the contact go by an overflow step: it queues in the step's
        pool (production sends it there as a decision on the assigner input)."""
        run = self._live.get(moved.contact.interaction_id)
        if run is None:
            return
        run.overflows.append(f"{pool_name}/{moved.from_queue}->{moved.pool}/{moved.contact.queue}")
        run.contact, run.pool = moved.contact, moved.pool
        self._apply(moved.pool, self.pools[moved.pool].enqueue(moved.contact, self.now))

    def _back_later(self, pool_name: str, agent_id: str) -> None:
        self.after(
            PAUSED_RETURN_SECONDS, lambda: self._presence(pool_name, agent_id, Presence.READY)
        )

    def _answer(self, pool_name: str, offer: OfferPlan) -> None:
        delay = self._agents[offer.agent_id].answer.draw(self.rng)
        pool = self.pools[pool_name]

        def accept() -> None:
            self._apply(
                pool_name,
                pool.accept(offer.agent_id, offer.interaction_id, offer.offer_id, self.now),
            )

        if delay <= 0.0:
            accept()
        else:
            self.after(delay, accept)

    def _work(self, pool_name: str, assigned: ContactAssigned) -> None:
        run = self._live.pop(assigned.interaction_id)
        if run.answered_at is None:
            run.answered_at = self.now
        run.agent_id = assigned.agent_id
        pool = self.pools[pool_name]
        plan = self.transfers
        if (
            plan is not None
            and run.transferred_at is None
            and self._transfer_rng.random() < plan.share
        ):
            self.after(run.handle_seconds * plan.after, lambda: self._transfer(run, assigned, plan))
            return

        # Wrap-up keeps the agent's room taken: after-contact work is part of handling.
        queue_wrap_up = pool.config.queue(run.contact.queue).wrap_up_seconds
        held = run.wrap_seconds if 0 < run.wrap_seconds < queue_wrap_up else queue_wrap_up

        def complete() -> None:
            run.done_at = self.now + held  # when the room is free again: wrap-up included
            self._apply(
                pool_name, pool.complete_work(assigned.agent_id, assigned.interaction_id, self.now)
            )

        def end_wrap_up() -> None:
            self._apply(
                pool_name, pool.end_wrap_up(assigned.agent_id, assigned.interaction_id, self.now)
            )

        if queue_wrap_up <= 0:
            self.after(run.handle_seconds + run.wrap_seconds, complete)
            return
        self.after(run.handle_seconds, complete)
        if held < queue_wrap_up:
            self.after(run.handle_seconds + held, end_wrap_up)

    def _transfer(self, run: ContactRun, assigned: ContactAssigned, plan: TransferPlan) -> None:
        """The first agent hands the contact on: it is live (waiting) again."""
        run.transferred_at = self.now
        self._live[assigned.interaction_id] = run
        request = TransferRequest(
            transfer_id=f"sim-transfer-{assigned.interaction_id}",
            agent_id=assigned.agent_id,
            interaction_id=assigned.interaction_id,
            to_queue=plan.to_queue,
            to_pool=plan.to_pool,
        )
        from_pool = run.pool
        run.pool = plan.to_pool
        self._apply(from_pool, self.pools[from_pool].transfer(request, self.now))

    def _schedule_tick(self, pool_name: str) -> None:
        moment = self.pools[pool_name].next_timer()
        if moment is None:
            return
        pending = self._ticks[pool_name]
        if pending and min(pending) <= moment:
            return
        pending.add(moment)

        def tick() -> None:
            pending.discard(moment)
            self._apply(pool_name, self.pools[pool_name].tick(self.now))

        self.after(moment - self.now, tick)

    # -- accounting ----------------------------------------------------------------

    def agents(self) -> list[AgentRun]:
        return list(self._agents.values())

    def still_live(self) -> int:
        return len(self._live)
