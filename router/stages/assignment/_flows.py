"""The assigner stage's part in agent flows: transfers (a request applied, a contact
handed to another pool, a follow-up forwarded after it), not-ready reasons checked
against the pool's list, and agents' time in each state by reason.

Time in state is counted exactly, per agent: at every event that may change an
agent's state (before and after it), at every pause, and at every tick, the time
since the agent was last seen is added to the state and reason it was seen in. A
new owner starts counting at its takeover (the time nobody owned the pool is not
counted). Reasons are label values, so they are bounded: the pool's configured
list, ``missed_offers`` (paused by the assigner), ``unspecified`` (none given)
and ``unlisted`` (a reason the pool does not list, logged once per reason).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from omniroute.agents import (
    PAUSED_REASON,
    Agent,
    AgentPaused,
    ContactHandedOver,
    ContactState,
    Effect,
    Pool,
    Presence,
    TransferSettled,
    contact_from_transferred,
    effect_message,
    handover_message,
    transfer_request,
)
from omniroute.router.runtime import AssignerSettings
from omniroute.schemas import (
    AgentPresence,
    AgentStateChanged,
    AssignerInput,
    InteractionUpdate,
    PoolTick,
    TransferredContact,
    TransferRequested,
    topic,
)

from ._metrics import AssignerMetrics

__all__ = ["AgentFlows"]

log = logging.getLogger("omniroute.assigner")
ASSIGNMENTS = topic("omniroute.assignments").name
ASSIGNER_INPUT = topic("omniroute.assigner-input").name
UNSPECIFIED = "unspecified"
UNLISTED = "unlisted"

Outbound = list[tuple[str, bytes, bytes]]


class AgentFlows:
    def __init__(
        self,
        settings: AssignerSettings,
        metrics: AssignerMetrics,
        source: str,
        dispatch: Callable[[Pool, str, AssignerInput, float], list[Effect]],
    ) -> None:
        self._settings = settings
        self._dispatch = dispatch
        self._metrics = metrics
        self._source = source
        self._seen: dict[str, dict[str, tuple[str, str, float]]] = {}
        """pool -> agent -> (state, reason, since): what each agent was last seen doing."""
        self._warned: set[tuple[str, str]] = set()

    def around(
        self, pool: Pool, pool_name: str, message: AssignerInput, now: float, out: Outbound
    ) -> list[Effect]:
        """The stage's dispatch of one input, with what flows add around it: why an
        agent is not ready, an agent's time in state counted before and after its
        event, every agent's at a tick, and a follow-up forwarded to the pool a
        contact was handed to."""
        # An agent event's. Read from the fields: getattr with a default on a model
        # without the field goes through pydantic's __getattr__ and an exception.
        agent_id: str | None = message.__dict__.get("agent_id")
        if agent_id is not None:
            self.observe(pool_name, agent_id, pool.agent(agent_id), now)
        if isinstance(message, InteractionUpdate):
            self.forward(pool, message, out)
        if isinstance(message, TransferRequested):
            effects = self.transfer(pool, pool_name, message, now)
        elif isinstance(message, TransferredContact):
            effects = self.receive(pool, message, now)
        else:
            effects = self._dispatch(pool, pool_name, message, now)
        if isinstance(message, AgentStateChanged):
            pool.note_reason(message.agent_id, self.reason(pool_name, message))
        if agent_id is not None:
            self.observe(pool_name, agent_id, pool.agent(agent_id), now)
        if isinstance(message, PoolTick):
            self.tick(pool_name, pool, now)
        return effects

    # -- not-ready reasons and time in state ---------------------------------------

    def reason(self, pool_name: str, event: AgentStateChanged) -> str:
        """The reason the pool records: the event's if the pool lists it."""
        if event.presence is AgentPresence.READY:
            return ""
        if event.reason is None:
            return UNSPECIFIED
        if event.reason in self._reasons(pool_name):
            return event.reason
        if (pool_name, event.reason) not in self._warned and len(self._warned) < 1024:
            self._warned.add((pool_name, event.reason))
            log.warning(
                "not-ready reason %r is not in the pool's list; counted as %r",
                event.reason,
                UNLISTED,
                extra={"pool": pool_name, "agent_id": event.agent_id, "stage": "assigner"},
            )
        return UNLISTED

    def _reasons(self, pool: str) -> frozenset[str]:
        """The reasons an agent of ``pool`` may give, ``missed_offers`` included."""
        settings = self._settings
        return frozenset(settings.pool_not_ready_reasons.get(pool, settings.not_ready_reasons)) | {
            PAUSED_REASON
        }

    def observe(self, pool_name: str, agent_id: str, agent: Agent | None, now: float) -> None:
        """Count the agent's time since last seen; remember its state from ``now``."""
        seen = self._seen.setdefault(pool_name, {})
        before = seen.get(agent_id)
        if before is not None:
            state, reason, since = before
            if now > since:
                self._metrics.state_seconds(pool_name, state, reason).inc(now - since)
        if agent is None:
            seen.pop(agent_id, None)
        else:
            seen[agent_id] = (*_state(agent), max(now, before[2]) if before else now)

    def tick(self, pool_name: str, pool: Pool, now: float) -> None:
        """Every agent's time up to ``now``, and how many are not ready for each reason.

        What ``observe`` does for each agent, with the seconds summed per (state,
        reason) and each sum added to its counter once: a tick of a 10,000-agent
        pool was 10,000 labelled increments (7% of the assigner's CPU under a
        backlog, py-spy). Sums of whole seconds are the same; others may differ from
        the per-agent increments in the last bits of a float."""
        agents = {agent.agent_id: agent for agent in pool.agents()}
        for agent_id in list(self._seen.get(pool_name, {})):
            if agent_id not in agents:
                self.observe(pool_name, agent_id, None, now)
        seen = self._seen.setdefault(pool_name, {})
        spent: dict[tuple[str, str], float] = {}
        counts = dict.fromkeys(self._reasons(pool_name), 0)
        for agent_id, agent in agents.items():
            before = seen.get(agent_id)
            if before is None:
                seen[agent_id] = (*_state(agent), now)
            else:
                state, reason, since = before
                if now > since:
                    labels = (state, reason)
                    spent[labels] = spent.get(labels, 0.0) + (now - since)
                seen[agent_id] = (*_state(agent), max(now, since))
            if agent.presence is Presence.NOT_READY:
                reason = agent.reason or UNSPECIFIED
                counts[reason] = counts.get(reason, 0) + 1
        for (state, reason), seconds in spent.items():
            self._metrics.agent_state_seconds.labels(pool_name, state, reason).inc(seconds)
        for reason, count in counts.items():
            self._metrics.agents_not_ready.labels(pool_name, reason).set(count)

    def forget(self, pool_name: str) -> None:
        self._seen.pop(pool_name, None)

    # -- transfers -------------------------------------------------------------

    def transfer(
        self, pool: Pool, pool_name: str, message: TransferRequested, now: float
    ) -> list[Effect]:
        effects = pool.transfer(transfer_request(message), now)
        contact = pool.contact(message.interaction_id)
        last = contact.transfers[-1] if contact is not None and contact.transfers else None
        if last is not None and last.transfer_id == message.id and last.at == now:
            self._metrics.transfers.labels(
                pool_name, last.from_queue, last.to_queue, last.mode
            ).inc()
        return effects

    def receive(self, pool: Pool, message: TransferredContact, now: float) -> list[Effect]:
        """A contact another pool handed over: queued at its original place (once)."""
        return pool.enqueue(contact_from_transferred(message, now), now)

    def forward(self, pool: Pool, message: InteractionUpdate, out: Outbound) -> None:
        """A follow-up for a contact this pool handed over goes on to its new pool."""
        contact = pool.contact(message.interaction_id)
        if contact is None or contact.state is not ContactState.MOVED or not contact.moved_to:
            return
        forwarded = message.model_copy(update={"pool": contact.moved_to})
        out.append(
            (ASSIGNER_INPUT, contact.moved_to.encode(), forwarded.model_dump_json().encode())
        )

    def emit(self, effect: Effect, pool: Pool, pool_name: str, out: Outbound, now: float) -> bool:
        """A transfer's effect as a record (True; False for any other effect): a
        hand-over onto the assigner input of the receiving pool, an outcome to the
        transferring agent's desktop. A pause starts the agent's missed-offers time."""
        if isinstance(effect, AgentPaused):
            self.observe(pool_name, effect.agent_id, pool.agent(effect.agent_id), now)
            return False
        if isinstance(effect, ContactHandedOver):
            message = handover_message(effect, self._source).model_dump_json().encode()
            out.append((ASSIGNER_INPUT, effect.to_pool.encode(), message))
            return True
        if not isinstance(effect, TransferSettled):
            return False
        self._metrics.transfer_outcomes.labels(pool_name, effect.outcome).inc()
        result = effect_message(effect, pool_name, self._source)
        out.append((ASSIGNMENTS, effect.agent_id.encode(), result.model_dump_json().encode()))
        return True


def _state(agent: Agent) -> tuple[str, str]:
    """The (state, reason) labels of an agent now."""
    if agent.presence is Presence.READY:
        return "ready", "none"
    if agent.presence is Presence.OFFLINE:
        return "offline", "logged_out"
    return "not_ready", agent.reason or UNSPECIFIED
