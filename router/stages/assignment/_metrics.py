"""What supervisors watch: queues, service level, abandonment, offers, agents.

Registered on a registry passed in. Labels are pools, queues, channels and
outcomes, never an agent's or a customer's identity (ids and names stay out of
labels: their cardinality is unbounded and they are personal data).

Service level comes two ways: a rolling-window gauge for dashboards that want
one number, and the counters (answered/abandoned within or past the target,
entered) that let PromQL compute it over any window.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from omniroute.router.runtime import MetricFactory, WorkerMetrics

__all__ = ["WAIT_BUCKETS", "AssignerMetrics", "Children"]

MetricT = TypeVar("MetricT", bound=MetricWrapperBase)


class Children(Generic[MetricT]):
    """A metric's child per label values, looked up once: ``labels()`` validates,
    joins and locks on every call, and the assigner called it for every input (8% of
    its CPU applying a backlog, in process). The same child ``labels()`` returns: no
    series is ever removed, and label values are bounded (pools, queues, reasons)."""

    def __init__(self, metric: MetricT) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], MetricT] = {}

    def __call__(self, *values: str) -> MetricT:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


WAIT_BUCKETS = (1, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class AssignerMetrics:
    def __init__(self, registry: CollectorRegistry, *, process: bool = True) -> None:
        self.worker = WorkerMetrics(registry, process=process)
        metric = MetricFactory(registry)
        queue = ["pool", "queue", "channel"]
        self.entered = metric.counter(
            "omniroute_queue_entered_total", "Contacts that entered a queue.", queue
        )
        self.answered = metric.counter(
            "omniroute_queue_answered_total",
            "Contacts accepted by an agent, by whether the wait met the channel's target.",
            [*queue, "within_target"],
        )
        self.abandoned = metric.counter(
            "omniroute_queue_abandoned_total",
            "Contacts that left the queue before an agent accepted them.",
            [*queue, "within_target"],
        )
        self.depth = metric.gauge(
            "omniroute_queue_depth",
            "Contacts waiting for an agent: queued or offered, not yet accepted.",
            ["pool", "queue"],
        )
        self.longest_wait = metric.gauge(
            "omniroute_queue_longest_wait_seconds",
            "Wait of the longest-waiting contact, IVR/self-service time included.",
            ["pool", "queue"],
        )
        self.estimated_wait = metric.gauge(
            "omniroute_queue_estimated_wait_seconds",
            "Estimated wait for a contact entering the queue now.",
            ["pool", "queue"],
        )
        self.service_level = metric.gauge(
            "omniroute_service_level_ratio",
            "Answered within target over answered plus abandoned past target, rolling window.",
            queue,
        )
        self.abandon_rate = metric.gauge(
            "omniroute_abandon_ratio", "Abandoned over entered, rolling window.", queue
        )
        self.wait = metric.histogram(
            "omniroute_queue_wait_seconds", "Queue entry to acceptance.", queue, WAIT_BUCKETS
        )
        self.perceived_wait = metric.histogram(
            "omniroute_perceived_wait_seconds",
            "What the customer felt: IVR/self-service time plus queue wait, at acceptance.",
            queue,
            WAIT_BUCKETS,
        )
        self.offers = metric.counter(
            "omniroute_offers_total",
            "Offers by outcome: offered, accepted, rejected, timed_out, revoked.",
            ["pool", "outcome"],
        )
        self.offer_latency = metric.histogram(
            "omniroute_offer_latency_seconds",
            "From the event that made a match possible (agent ready, contact queued, "
            "capacity freed) to the offer being produced.",
            ["pool"],
            _FAST,
        )
        self.agents = metric.gauge(
            "omniroute_agents",
            "Logged-in agents by state: ready (spare capacity), busy (at capacity), not_ready.",
            ["pool", "state"],
        )
        self.wrap_up = metric.gauge(
            "omniroute_agents_in_wrap_up",
            "Agents doing after-contact work (wrap-up) on a contact of the pool: their "
            "capacity stays held until the queue's wrap-up time runs out or they end it.",
            ["pool"],
        )
        self.pools_elsewhere = metric.counter(
            "omniroute_agent_pools_elsewhere_total",
            "Agent log-ins naming a pool another assigner worker owns: that agent's "
            "capacity is not shared with it (pools that share agents share a worker).",
            ["pool"],
        )
        self.occupancy = metric.gauge(
            "omniroute_agent_occupancy_ratio",
            "Capacity in use over capacity offered: ready agents' slots (idle or busy), "
            "and of agents not ready only the work they still hold.",
            ["pool"],
        )
        self.events = metric.counter(
            "omniroute_assigner_events_total", "Events applied to pool state, by type.", ["type"]
        )
        self.event_types = Children(self.events)
        self.entered_in = Children(self.entered)
        self.offers_by = Children(self.offers)
        self.overflowed = metric.counter(
            "omniroute_overflowed_total",
            "Queued contacts an overflow step moved on, from one queue to another.",
            ["from_pool", "from_queue", "to_pool", "to_queue"],
        )
        self.callbacks = metric.counter(
            "omniroute_callbacks_total",
            "Queued contacts that took a callback instead of waiting.",
            ["pool", "queue"],
        )
        self.transfers = metric.counter(
            "omniroute_transfers_total",
            "Transfers requested and carried out, by the queue they left and the one "
            "they went to (cold or warm; a warm one counts when requested).",
            ["pool", "from_queue", "to_queue", "mode"],
        )
        self.transfer_outcomes = metric.counter(
            "omniroute_transfer_outcomes_total",
            "What became of transfer requests: handed_over, completed, declined, refused.",
            ["pool", "outcome"],
        )
        self.agent_state_seconds = metric.counter(
            "omniroute_agent_state_seconds_total",
            "Agent-seconds spent in each state, by not-ready reason (ready: none; "
            "missed_offers: paused by the assigner; unlisted: a reason the pool does not list).",
            ["pool", "state", "reason"],
        )
        self.agents_not_ready = metric.gauge(
            "omniroute_agents_not_ready",
            "Not-ready agents by reason, at the last tick.",
            ["pool", "reason"],
        )
        self.state_seconds = Children(self.agent_state_seconds)
