"""Per-queue settings: how long a contact waits before its skills widen, how fast
it ages, how long it waits for its last agent, how long the agent's after-contact
work lasts, and the queue's service target.

This module is the one place each figure's default lives. The policy file sets
them (``queue_defaults``, then each queue's own keys over those); the routing
stage puts the service target on its decisions, the assigner and the simulator
build each pool's queues from the same settings. The assigner reads only these
keys of the policy file (``queue_settings_of``), so it loads no policy or CEL code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._common import Channel

__all__ = ["QUEUE_SETTING_NAMES", "SERVICE_TARGET_SECONDS", "QueueSettings", "queue_settings_of"]

SERVICE_TARGET_SECONDS: Mapping[Channel, float] = MappingProxyType(
    {
        Channel.VOICE: 20.0,
        Channel.CHAT: 30.0,
        Channel.SMS: 300.0,
        Channel.SOCIAL: 600.0,
        Channel.EMAIL: 4 * 3600.0,
        Channel.WEB: 4 * 3600.0,
    }
)
"""The service-level threshold per channel when neither the queue nor the policy's
``service_targets`` sets one (and for a decision that carries none)."""


class QueueSettings(BaseModel):
    """One queue's timing. ``None`` for a widening step means the queue never takes it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    aging_per_second: float = Field(
        default=1.0, ge=0, description="Priority points a contact gains per second of wait."
    )
    relax_after_seconds: float | None = Field(
        default=60.0, ge=0, description="After this long in queue, skill minimums drop."
    )
    relax_by: int = Field(default=2, ge=0, le=9, description="How far the minimums drop.")
    any_agent_after_seconds: float | None = Field(
        default=180.0, ge=0, description="After this long, any agent of the queue may take it."
    )
    sticky_seconds: float = Field(
        default=30.0, ge=0, description="How long a contact waits for the agent it last had."
    )
    wrap_up_seconds: float = Field(
        default=0.0,
        ge=0,
        le=3600,
        description="After-contact work: the agent's capacity stays held this long after "
        "the agent completes a contact of this queue, unless the agent ends it sooner.",
    )
    service_target_seconds: float | None = Field(
        default=None,
        gt=0,
        description="The queue's service-level threshold; None: the policy's per channel.",
    )


QUEUE_SETTING_NAMES = frozenset(QueueSettings.model_fields)
"""The keys a queue (or ``queue_defaults``) may set in the policy file."""


def queue_settings_of(policy: Mapping[str, Any]) -> tuple[QueueSettings, dict[str, QueueSettings]]:
    """The defaults and each queue's settings from a parsed policy file (a mapping
    as YAML gives it): a queue's own keys over ``queue_defaults``, over the defaults
    above. Keys that are no setting (``pool``, ``priority``...) are the policy's.
    Raises ``ValueError`` naming the field, e.g. ``queues.billing.wrap_up_seconds``."""
    defaults = _settings("queue_defaults", policy.get("queue_defaults") or {})
    queues: dict[str, QueueSettings] = {}
    for name, spec in (policy.get("queues") or {}).items():
        own = {k: v for k, v in (spec or {}).items() if k in QUEUE_SETTING_NAMES}
        queues[str(name)] = (
            _settings(f"queues.{name}", {**defaults.model_dump(), **own}) if own else defaults
        )
    return defaults, queues


def _settings(where: str, values: Any) -> QueueSettings:
    try:
        return QueueSettings.model_validate(values)
    except ValidationError as error:
        problems = [
            f"{'.'.join((where, *(str(p) for p in e['loc'])))}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise ValueError("; ".join(problems)) from None
