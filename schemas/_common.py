"""Attributes every omniroute message carries, and the small value types they share.

Messages follow CloudEvents 1.0 naming (``specversion``, ``id``, ``source``, ``type``,
``time``) so they can cross an HTTP or CloudEvents bridge unchanged, plus a
``schema_version`` so a consumer can refuse a version it does not understand
instead of misreading it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "SCHEMA_VERSION",
    "AgentId",
    "Channel",
    "Compression",
    "ContactReason",
    "CustomerId",
    "Envelope",
    "InteractionId",
    "QueueName",
    "SkillName",
    "Tier",
    "new_event_id",
    "utc_now",
]

SCHEMA_VERSION: Literal[1] = 1

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")
]
CustomerId = Identifier
InteractionId = Identifier
AgentId = Identifier
QueueName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]
SkillName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]
# Contact centers define their own reason codes, so a reason is a slug, not an enum.
ContactReason = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]


class Channel(StrEnum):
    """Where the customer reached us. Voice covers phone calls, IVR included."""

    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"
    WEB = "web"
    SMS = "sms"
    SOCIAL = "social"


class Tier(StrEnum):
    """The customer's service tier, as kept in the customer profile."""

    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    VIP = "vip"


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return str(uuid.uuid4())


class Envelope(BaseModel):
    """CloudEvents-style attributes shared by every message on every topic.

    Inbound consumers ignore unknown fields (tolerant reader): a producer on a
    newer minor revision must not dead-letter everything it sends.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)

    specversion: Literal["1.0"] = "1.0"
    id: Identifier = Field(
        default_factory=new_event_id, description="Unique per message; a retry keeps it."
    )
    source: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="Who produced the message, e.g. '/frontends/ivr-eu-1'."
    )
    time: AwareDatetime = Field(
        default_factory=utc_now, description="When it happened at the source."
    )
    schema_version: Literal[1] = SCHEMA_VERSION


class Compression(StrEnum):
    """The record-batch codecs Kafka defines. Every omniroute consumer reads all of
    them (the codec libraries are dependencies); this picks what its producers write."""

    NONE = "none"
    GZIP = "gzip"
    SNAPPY = "snappy"
    LZ4 = "lz4"
    ZSTD = "zstd"

    @property
    def client_value(self) -> str | None:
        """As aiokafka, kafka-python and Faust spell it (no compression: None)."""
        return None if self is Compression.NONE else self.value
