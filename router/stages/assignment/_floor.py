"""What a contact center's day adds to a pool: each queue's settings from the policy
file, the sales flag and the wrap-up on the way out, and agents who work in several
pools. Kept apart from the stage's dispatch so each stays readable.

Per-queue settings. The policy file is the one place a supervisor sets a queue's
aging, widening, sticky window, wrap-up time and service target
(``queue_defaults``, then each queue's own keys). The assigner reads only those
keys (``omniroute.schemas.queue_settings_of``) from the file the router uses
(``OMNIROUTE_ROUTER__POLICY_FILE``, or the built-in default), so it loads no policy
or CEL code; it reads them at start (restart the assigner after changing them).
The service target reaches the stage on each decision, which the router stamps.

Completion. ``WorkCompleted`` carries the agent's wrap-up code; the assigner, which
knows the customer and that this agent really had the contact, publishes an
``InteractionEnded`` naming the agent, the outcome and the confirmed reason on the
customer's key. The router records it in the customer's history like any front
end's end event: the customer's next contact can prefer that agent (sticky), and
the repeat-contact guardrail reads the confirmed reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

import yaml

from omniroute.agents import (
    Contact,
    ContactState,
    Pool,
    PoolConfig,
    Presence,
    queue_config,
    to_datetime,
)
from omniroute.router.runtime import AssignerSettings
from omniroute.schemas import (
    SERVICE_TARGET_SECONDS,
    InteractionEnded,
    QueueSettings,
    WorkCompleted,
    queue_settings_of,
    topic,
)

from ._metrics import AssignerMetrics

__all__ = [
    "DEFAULT_SERVICE_TARGETS",
    "INTERACTIONS",
    "QueueBook",
    "QueueSettingsError",
    "completion_event",
    "completion_records",
    "pool_config",
    "read_queue_settings",
    "show_agents",
    "table_key",
]

INTERACTIONS = topic("omniroute.interactions").name
_ENDED_NAMESPACE = uuid.UUID("6f1c2b8e-27a4-4f0e-a5d3-1e9b7c4d2a60")

QueueBook = tuple[QueueSettings, Mapping[str, QueueSettings]]
"""The defaults and each named queue's settings."""


DEFAULT_SERVICE_TARGETS = SERVICE_TARGET_SECONDS
"""Used when a decision carries no service target (e.g. after a failover): the
contract's one default per channel, which the policy's ``service_targets`` starts from."""


def table_key(pool: str, kind: str, name: str) -> str:
    """``pool|c|interaction``, ``pool|a|agent``, ``pool|h|queue``: '|' appears in no
    pool, queue, agent or interaction name, so the pool is the key's first part."""
    return f"{pool}|{kind}|{name}"


class QueueSettingsError(ValueError):
    """The policy file's queue settings cannot be used: names the file and field."""


def read_queue_settings(path: Path | None) -> QueueBook:
    """The queue settings of the policy file at ``path`` (None: the built-in policy)."""
    if path is None:
        resource = files("omniroute.router").joinpath("policy/default_policy.yaml")
        origin, text = "default_policy.yaml", resource.read_text(encoding="utf-8")
    else:
        try:
            origin, text = str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise QueueSettingsError(f"{path}: cannot read: {error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QueueSettingsError(f"{origin}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise QueueSettingsError(f"{origin}: a policy is a mapping with version and queues")
    try:
        return queue_settings_of(data)
    except (ValueError, AttributeError, TypeError) as error:
        raise QueueSettingsError(f"{origin}: {error}") from error


def pool_config(
    pool: str, settings: AssignerSettings, queues: QueueBook | None = None
) -> PoolConfig:
    """A pool as the assigner configures it: each queue's settings from the policy
    file, the defaults for a queue it does not name. The simulator and the demo's
    floor plans build theirs with this too, so they run the pool the worker runs."""
    defaults, named = queues if queues is not None else (QueueSettings(), {})
    bound = settings.max_wait_seconds
    return PoolConfig(
        name=pool,
        queues={name: queue_config(each, bound) for name, each in named.items()},
        default_queue=queue_config(defaults, bound),
        offer_timeout_seconds=settings.offer_timeout_seconds,
        misses_before_not_ready=settings.misses_before_not_ready,
        transfer_hold_seconds=settings.transfer_hold_seconds,
        takeover_grace_seconds=settings.takeover_grace_seconds,
    )


def completion_event(
    contact: Contact | None, message: WorkCompleted, now: float, source: str
) -> InteractionEnded | None:
    """The end event the router records, if the completion is the assigned agent's."""
    if (
        contact is None
        or contact.state is not ContactState.ASSIGNED
        or contact.agent_id != message.agent_id
    ):
        return None
    code = message.wrap_up
    return InteractionEnded(
        id=f"ended:{uuid.uuid5(_ENDED_NAMESPACE, contact.interaction_id)}",
        source=source,
        time=to_datetime(now),
        interaction_id=contact.interaction_id,
        customer_id=contact.customer_id,
        channel=contact.channel,
        outcome=code.outcome,
        handled_by="agent",
        agent_id=message.agent_id,
        handle_seconds=max(0.0, now - (contact.assigned_at or now)),
        reason=code.reason or contact.reason,
    )


def completion_records(
    pool: Pool, message: WorkCompleted, now: float, source: str
) -> list[tuple[str, bytes, bytes]]:
    """The end event for the router (``omniroute.interactions``, the customer's key)."""
    ended = completion_event(pool.contact(message.interaction_id), message, now, source)
    if ended is None:
        return []
    return [(INTERACTIONS, ended.customer_id.encode(), ended.model_dump_json().encode())]


def show_agents(metrics: AssignerMetrics, pool: Pool, pool_name: str) -> None:
    """Agents by state, and agents in after-contact work, for the pool's gauges."""
    states = {"ready": 0, "busy": 0, "not_ready": 0, "offline": 0}
    for agent in pool.agents():
        if agent.presence is Presence.READY:
            states["ready" if agent.total < agent.max_total else "busy"] += 1
        else:
            states[agent.presence.value] += 1
    for state, count in states.items():
        metrics.agents.labels(pool_name, state).set(count)
    metrics.wrap_up.labels(pool_name).set(pool.agents_in_wrap_up())
