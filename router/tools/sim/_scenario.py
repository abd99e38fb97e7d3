"""A simulated day as a YAML file, validated like the policy: unknown keys are
errors and every error names its field.

The traffic side (arrival curves, reasons, tiers and segments, handle times,
patience) is what a workforce planner forecasts; the floor side (agent groups
with skills, capacities, shifts and breaks) is the staffing plan. The policy file
is a separate input, so a what-if on policy or staffing is one command.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omniroute.schemas import Channel, Tier

from ._distributions import Exponential, Lognormal, Sampler

__all__ = [
    "AgentGroup",
    "Assignment",
    "ChannelTraffic",
    "HandleTime",
    "Scenario",
    "ScenarioError",
    "load_scenario",
]

Seconds = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0)]


class ScenarioError(ValueError):
    """A scenario that cannot be simulated; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandleTime(_Strict):
    """Lognormal handle time: talk or chat time, without wrap-up."""

    mean_seconds: Annotated[float, Field(gt=0)]
    cv: Annotated[float, Field(ge=0, le=5)] = 0.8

    def sampler(self) -> Sampler:
        return Lognormal(self.mean_seconds, self.cv)


class ChannelTraffic(_Strict):
    arrivals_per_hour: list[Seconds] | Seconds
    """One rate per interval (the day's curve), or one rate for the whole day."""
    handle: HandleTime
    wrap_seconds: Seconds = 0.0
    """How long agents take over after-contact work; a queue with a wrap-up time in
    the policy holds them at most that long (they end it sooner if this is shorter)."""
    patience_seconds: Annotated[float, Field(gt=0)] | None = None
    """Mean of an exponential patience; none: nobody abandons."""

    def rate_at(self, interval: int) -> float:
        rates = self.arrivals_per_hour
        return rates[interval] if isinstance(rates, list) else rates

    def patience(self) -> Sampler | None:
        return Exponential(self.patience_seconds) if self.patience_seconds else None


class Break(_Strict):
    at_hour: Seconds
    """Hours from the start of the day; agents of a group go one after another."""
    minutes: Annotated[float, Field(gt=0)]


class AgentGroup(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    count: Annotated[int, Field(ge=0, le=5000)]
    pool: Annotated[str, Field(min_length=1)]
    queues: Annotated[list[str], Field(min_length=1)]
    skills: dict[str, Annotated[int, Field(ge=1, le=10)]] = Field(default_factory=dict)
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=50)]] = Field(
        default_factory=lambda: {Channel.VOICE: 1}
    )
    max_total: Annotated[int, Field(ge=1, le=50)] = 1
    start_hour: Seconds = 0.0
    end_hour: Seconds | None = None
    breaks: list[Break] = Field(default_factory=list)
    break_stagger_minutes: Seconds = 5.0
    """Agents of the group start their breaks this far apart, not all at once."""
    answer_seconds: Seconds = 0.0
    """Mean time to answer an offer (exponential); 0: at once."""


class Assignment(_Strict):
    """The assigner's own knobs (``AssignerSettings``). Aging, widening, the sticky
    window and wrap-up are each queue's, from the policy file, as in production."""

    offer_timeout_seconds: Annotated[float, Field(gt=0)] = 20.0


class Automation(_Strict):
    """Contacts the policy sends to IVR or self-service: some come back for a person."""

    escalate_share: Annotated[float, Field(ge=0, le=1)] = 0.3
    seconds: HandleTime = HandleTime(mean_seconds=90, cv=0.5)


class Transfers(_Strict):
    """A share of answered contacts turn out to need another queue part-way through
    (cold transfers): the first agent's time is spent and the contact waits again."""

    share: Annotated[float, Field(ge=0, le=1)] = 0.0
    to_queue: Annotated[str, Field(min_length=1)] = "technical"
    after: Annotated[float, Field(ge=0, le=1)] = 0.5
    """How far into its handle time the first agent transfers it."""


class Scenario(_Strict):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    hours: Annotated[float, Field(gt=0, le=24 * 7)] = 8.0
    interval_minutes: Annotated[int, Field(ge=1, le=240)] = 30
    seed: int = 1
    channels: Annotated[dict[Channel, ChannelTraffic], Field(min_length=1)]
    reasons: Annotated[dict[str, Share], Field(min_length=1)]
    reason_handle: dict[str, HandleTime] = Field(default_factory=dict)
    """Handle time per reason, overriding the channel's (all channels alike)."""
    tiers: dict[Tier, Share] = Field(default_factory=lambda: {Tier.STANDARD: 1.0})
    segments: dict[str, Share] = Field(default_factory=lambda: {"none": 1.0})
    """``none`` means no segment."""
    arpu: dict[Tier, Seconds] = Field(
        default_factory=lambda: {
            Tier.STANDARD: 50.0,
            Tier.SILVER: 90.0,
            Tier.GOLD: 150.0,
            Tier.VIP: 300.0,
        }
    )
    automation: Automation = Automation()
    assignment: Assignment = Assignment()
    transfers: Transfers = Transfers()
    agents: Annotated[list[AgentGroup], Field(min_length=1)]

    @property
    def intervals(self) -> int:
        return max(1, round(self.hours * 60 / self.interval_minutes))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        for channel, traffic in self.channels.items():
            rates = traffic.arrivals_per_hour
            if isinstance(rates, list) and len(rates) != self.intervals:
                raise ValueError(
                    f"channels.{channel.value}.arrivals_per_hour: {len(rates)} rates for "
                    f"{self.intervals} intervals of {self.interval_minutes} min"
                )
        for name, shares in (
            ("reasons", self.reasons),
            ("tiers", self.tiers),
            ("segments", self.segments),
        ):
            if sum(shares.values()) <= 0:
                raise ValueError(f"{name}: the shares add up to zero")
        names = [group.name for group in self.agents]
        if len(set(names)) != len(names):
            raise ValueError("agents: group names must be unique")
        return self


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario; a ``ScenarioError`` names each bad field."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from error
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}"
            for e in error.errors()
        ]
        raise ScenarioError("; ".join(problems)) from error
