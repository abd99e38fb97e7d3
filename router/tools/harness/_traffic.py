"""Realistic demo data: a customer base and a stream of contacts across every channel,
with a share of malformed events. Pure and seeded: the same seed, the same traffic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from omniroute.schemas import (
    AutomationCompleted,
    CallbackRequested,
    Channel,
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    RecentContact,
    Tier,
)

__all__ = [
    "BAD_KINDS",
    "REASONS",
    "SimulatedEvent",
    "TrafficGenerator",
    "generate_customers",
    "past_contacts",
    "segment_for",
]

T = TypeVar("T")

_FIRST = (  # noqa: SIM905 - a list of names reads better as text
    "Ada Ben Carla Dev Elif Femi Greta Hiro Ines Jon Kemal Lena Mei Nora Omar Pia "
    "Quinn Rosa Sami Tariq Uma Vik Wen Yara Zoe"
).split()
_LAST = (  # noqa: SIM905
    "Abbott Bauer Chen Diaz Evans Fischer Garcia Haddad Ivanova Jensen Kowalski "
    "Larsen Moreau Nakamura Okafor Petrov Quist Rossi Silva Tanaka Umar Varga Weber "
    "Xu Yilmaz Zhang"
).split()
_TIERS = ((Tier.STANDARD, 0.70), (Tier.SILVER, 0.15), (Tier.GOLD, 0.10), (Tier.VIP, 0.05))
_ARPU = {
    Tier.STANDARD: (20, 90),
    Tier.SILVER: (60, 130),
    Tier.GOLD: (100, 200),
    Tier.VIP: (180, 450),
}
_LANGUAGES = (("en", 0.7), ("es", 0.15), ("fr", 0.1), ("de", 0.05))
_CHANNELS = (
    (Channel.VOICE, 0.40),
    (Channel.CHAT, 0.20),
    (Channel.EMAIL, 0.15),
    (Channel.WEB, 0.12),
    (Channel.SMS, 0.08),
    (Channel.SOCIAL, 0.05),
)
REASONS = (
    ("billing", 0.22),
    ("payment", 0.10),
    ("plan_change", 0.10),
    ("password_reset", 0.12),
    ("technical_fault", 0.15),
    ("outage", 0.04),
    ("cancellation", 0.05),
    ("new_service", 0.07),
    ("complaint", 0.05),
    ("delivery", 0.05),
    ("other", 0.05),
)
BAD_KINDS = (
    "not_json",
    "wrong_json_type",
    "unknown_type",
    "missing_field",
    "unknown_channel",
    "bad_version",
    "oversized",
)


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def segment_for(arpu: float) -> str:
    """The ARPU segments of DOMAIN.md, with the two ends named."""
    if arpu < 50:
        return "budget"
    if arpu < 100:
        return "careful_spender"
    if arpu < 150:
        return "early_adopter"
    return "premium"


def past_contacts(customer_id: str, lines: int, now: datetime) -> tuple[RecentContact, ...]:
    """A settled customer's history, oldest first as the router keeps it: ``lines``
    resolved contacts one a day up to yesterday, so a run starts with histories at
    their steady size (and outside the policy's hour-long repeat and failure windows)."""
    reasons = [reason for reason, _ in REASONS]
    return tuple(
        RecentContact(
            interaction_id=f"hist-{customer_id}-{n:03d}",
            at=now - timedelta(days=lines - n),
            channel=Channel.VOICE,
            reason=reasons[n % len(reasons)],
            target=ContactTarget.AGENT_QUEUE,
            outcome=ContactOutcome.RESOLVED,
        )
        for n in range(lines)
    )


def generate_customers(count: int, seed: int = 7) -> Iterator[CustomerProfile]:
    rng = random.Random(seed)
    for n in range(count):
        tier = _pick(rng, _TIERS)
        low, high = _ARPU[tier]
        arpu = round(rng.uniform(low, high), 2)
        yield CustomerProfile(
            customer_id=f"cust-{n:07d}",
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            tier=tier,
            arpu=arpu,
            segment=segment_for(arpu),
            language=_pick(rng, _LANGUAGES),
            preferred_channel=_pick(rng, _CHANNELS) if rng.random() < 0.6 else None,
        )


@dataclass(frozen=True, slots=True)
class SimulatedEvent:
    key: bytes
    value: bytes
    kind: str  # an event type's last word, or "bad:<kind>"
    routable: bool
    event_id: str


class TrafficGenerator:
    """Contacts from ``customers`` customers: mostly arrivals, plus the follow-ups a
    real center sees (escalations out of IVR, automation results, abandons, ends)."""

    def __init__(
        self,
        customers: int,
        *,
        seed: int = 11,
        bad_share: float = 0.02,
        run_id: str = "demo",
        customer_exits: bool = True,
    ) -> None:
        """``customer_exits=False``: no made-up abandons or ends; a floor that acts
        out its customers' patience and its agents' work publishes those itself."""
        if customers < 1:
            raise ValueError("need at least one customer")
        self._rng = random.Random(seed)
        self._customers = customers
        self._bad_share = bad_share
        self._run = run_id
        self._exits = customer_exits
        self._serial = 0
        self._open: list[
            tuple[str, str, Channel, str]
        ] = []  # interaction, customer, channel, reason

    def _new_id(self) -> str:
        self._serial += 1
        return f"{self._run}-{self._serial:08d}"

    def next(self, now: datetime) -> SimulatedEvent:
        rng = self._rng
        if rng.random() < self._bad_share:
            return self._bad(now)
        roll = rng.random()
        if self._open and roll < 0.30:
            return self._follow_up(now)
        return self._arrival(now)

    def arrival(self, now: datetime) -> SimulatedEvent:
        """A well-formed new contact, e.g. a probe that must get a decision."""
        return self._arrival(now)

    def _arrival(self, now: datetime) -> SimulatedEvent:
        rng = self._rng
        customer = f"cust-{rng.randrange(self._customers):07d}"
        channel = _pick(rng, _CHANNELS)
        reason = _pick(rng, REASONS)
        interaction = self._new_id()
        in_ivr = channel is Channel.VOICE
        event = InteractionArrived(
            id=f"ev-{interaction}",
            source=f"/frontends/{channel.value}",
            time=now,
            interaction_id=interaction,
            customer_id=customer,
            channel=channel,
            reason=reason,
            requested_agent=rng.random() < 0.08,
            automation_seconds=round(rng.uniform(5, 60), 1) if in_ivr else 0.0,
            automation_path=["welcome", f"menu:{reason}"] if in_ivr else [],
        )
        self._open.append((interaction, customer, channel, reason))
        if len(self._open) > 5000:
            self._open.pop(0)
        return SimulatedEvent(
            customer.encode(), event.model_dump_json().encode(), "arrived", True, event.id
        )

    def _follow_up(self, now: datetime) -> SimulatedEvent:
        rng = self._rng
        interaction, customer, channel, reason = self._open.pop(rng.randrange(len(self._open)))
        common: dict[str, object] = {
            "id": f"ev-{interaction}-{self._new_id()}",
            "source": f"/frontends/{channel.value}",
            "time": now,
            "interaction_id": interaction,
            "customer_id": customer,
            "channel": channel,
        }
        roll = rng.random()
        if not self._exits and roll >= 0.62:
            roll = rng.uniform(0.25, 0.55)  # an automation result instead
        stage = "ivr" if channel is Channel.VOICE else "self_service"
        event: (
            InteractionEscalated
            | AutomationCompleted
            | CallbackRequested
            | InteractionAbandoned
            | InteractionEnded
        )
        if roll < 0.25:
            event = InteractionEscalated.model_validate(
                common
                | {
                    "reason": reason,
                    "from_stage": stage,
                    "automation_seconds": rng.uniform(20, 180),
                }
            )
        elif roll < 0.55:
            event = AutomationCompleted.model_validate(
                common | {"reason": reason, "stage": stage, "resolved": rng.random() < 0.7}
            )
        elif roll < 0.62:
            event = CallbackRequested.model_validate(common)
        elif roll < 0.75:
            event = InteractionAbandoned.model_validate(
                common
                | {"stage": rng.choice(["ivr", "queue"]), "waited_seconds": rng.uniform(5, 300)}
            )
        else:
            event = InteractionEnded.model_validate(
                common | {"outcome": rng.choice(["resolved", "resolved", "unresolved"])}
            )
        return SimulatedEvent(
            customer.encode(),
            event.model_dump_json().encode(),
            event.type.rsplit(".", 1)[-1],
            isinstance(event, InteractionEscalated),
            event.id,
        )

    def _bad(self, now: datetime) -> SimulatedEvent:
        kind = self._rng.choice(BAD_KINDS)
        good = json.loads(self._arrival(now).value)
        self._open.pop()
        match kind:
            case "not_json":
                value = b"{not json " + self._run.encode()
            case "wrong_json_type":
                value = json.dumps([good]).encode()
            case "unknown_type":
                value = json.dumps(good | {"type": "omniroute.interaction.teleported"}).encode()
            case "missing_field":
                value = json.dumps({k: v for k, v in good.items() if k != "customer_id"}).encode()
            case "unknown_channel":
                value = json.dumps(good | {"channel": "carrier_pigeon"}).encode()
            case "bad_version":
                value = json.dumps(good | {"schema_version": 99}).encode()
            case _:
                value = json.dumps(good | {"subject": "x" * 70_000}).encode()
        return SimulatedEvent(b"bad", value, f"bad:{kind}", False, good["id"])
