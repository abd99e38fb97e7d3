"""Attributes every omniroute message carries, and the small value types they share.

Messages follow CloudEvents 1.0 naming (``specversion``, ``id``, ``source``, ``type``,
``time``) so they can cross an HTTP or CloudEvents bridge unchanged, plus a
``schema_version`` so a consumer can refuse a version it does not understand
instead of misreading it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic_core import CoreSchema, core_schema

__all__ = [
    "SCHEMA_VERSION",
    "AgentId",
    "Channel",
    "Compression",
    "ContactReason",
    "CustomerId",
    "Envelope",
    "Flag",
    "Integer",
    "InteractionId",
    "Number",
    "OfferId",
    "QueueName",
    "SkillName",
    "Tier",
    "Timestamp",
    "new_event_id",
    "utc_now",
]

SCHEMA_VERSION: Literal[1] = 1

# Input types exactly as strict as the JSON Schema they publish: JSON has no
# "yes" for a boolean, no "12.5" for a number and no integer for a date-time, so
# neither does the contract. Python callers still pass ordinary values. Every
# contract model also sets ``allow_inf_nan=False``: JSON Schema cannot express
# NaN or Infinity, and a decision carrying one would not serialize as a number.

Flag = Annotated[bool, Strict()]
"""A JSON boolean: ``true``/``false`` only, never ``"yes"`` or ``1``."""

Number = Annotated[float, Strict()]
"""A JSON number (integers included), finite; never a numeric string."""


def _whole_number(value: object) -> object:
    # JSON Schema counts 1.0 as an integer; pydantic's strict int would refuse it.
    return int(value) if type(value) is float and value.is_integer() else value


Integer = Annotated[int, Strict(), BeforeValidator(_whole_number)]
"""A JSON integer (``1`` or ``1.0``); never ``"1"``, ``true`` or ``1.5``."""


def _not_a_boolean(value: object) -> object:
    # In Python True == 1, so a Literal[1] would take ``true`` for a version.
    if isinstance(value, bool):
        raise ValueError("must be the integer 1")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_not_a_boolean)]

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 date-time string")
    if not _RFC3339.fullmatch(value):
        raise ValueError(f"{value[:40]!r} is not an RFC 3339 date-time with an offset")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
"""An RFC 3339 date-time with its offset (JSON Schema ``format: date-time``): no Unix
seconds, no naive times, no bare dates."""

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")
]
CustomerId = Identifier
InteractionId = Identifier
AgentId = Identifier
OfferId = Annotated[
    str,
    StringConstraints(
        min_length=3, max_length=140, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*#[1-9][0-9]{0,9}$"
    ),
]
"""``<interaction id>#<attempt>``, as the assigner issues them: an answer naming any
other offer cannot be one of its offers (``omniroute fuzz`` found such ids breaking the
ids of the revocations they caused)."""
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


class ContractEnum(StrEnum):
    """A closed set of names in a message: validated as the enum it is (the schema
    lists its values and the model refuses any other), written as the string it is.

    Each member *is* its value (a ``str``), so it is written by pydantic-core's string
    serializer. Its default enum serializer calls ``member.value``, a Python property
    on 3.11: about a third of a microsecond an enum field, ten or more of them in
    every decision and history line the router writes.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = dict(handler(source))
        schema["serialization"] = core_schema.str_schema()
        return cast(CoreSchema, schema)


class Channel(ContractEnum):
    """Where the customer reached us. Voice covers phone calls, IVR included."""

    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"
    WEB = "web"
    SMS = "sms"
    SOCIAL = "social"


class Tier(ContractEnum):
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

    model_config = ConfigDict(
        frozen=True, allow_inf_nan=False, extra="ignore", use_enum_values=False
    )

    specversion: Literal["1.0"] = "1.0"
    id: Identifier = Field(
        description=(
            "Unique per message and required (CloudEvents): a retry or redelivery keeps it, "
            "so consumers recognise duplicates. Producers set it, e.g. with new_event_id()."
        )
    )
    source: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="Who produced the message, e.g. '/frontends/ivr-eu-1'."
    )
    time: Timestamp = Field(default_factory=utc_now, description="When it happened at the source.")
    schema_version: SchemaVersion = SCHEMA_VERSION


class Compression(ContractEnum):
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
