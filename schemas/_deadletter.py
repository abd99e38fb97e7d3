"""Dead letters: input a worker could not use, with the reason
(``omniroute.deadletter``, key: the original key).

The original bytes are kept whole when they are small, and as a prefix plus their
size and SHA-256 when they are not: a dead letter must always fit in what the
producer may send (Kafka's usual limit is 1 MB), or it could not be written at
all and the record would stop its partition."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._common import ContractEnum, Envelope, Integer

__all__ = ["DeadLetter", "DeadLetterReason", "FieldError"]


class DeadLetterReason(ContractEnum):
    OVERSIZED = "oversized"
    NOT_JSON = "not_json"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    INVALID_VALUE = "invalid_value"
    UNSUPPORTED_VERSION = "unsupported_version"
    DUPLICATE_KEY = "duplicate_key"
    """The JSON names a field twice: which value counts is up to each parser, so none does."""
    KEY_MISMATCH = "key_mismatch"
    """The record's Kafka key is not the customer (or pool) its body names: routing it
    would break per-key ordering."""
    PROCESSING_ERROR = "processing_error"
    UNDECODABLE_BATCH = "undecodable_batch"


class FieldError(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    loc: str = Field(description="Dotted path of the offending field, e.g. 'channel'.")
    message: str
    error_type: str


class DeadLetter(Envelope):
    """Everything needed to understand, fix and replay one rejected record."""

    type: Literal["omniroute.dead_letter"] = "omniroute.dead_letter"
    reason: DeadLetterReason
    detail: str = Field(max_length=2000)
    errors: tuple[FieldError, ...] = ()
    stage: str = Field(description="Which worker stage rejected it, e.g. 'router'.")
    original_topic: str
    original_partition: Integer
    original_offset: Integer
    original_timestamp_ms: Integer | None = None
    original_key_b64: str | None = None
    original_value_b64: str = Field(
        description="The original value in base64; only a prefix when original_truncated."
    )
    original_size: int | None = Field(
        default=None, ge=0, description="Length of the whole original value in bytes."
    )
    original_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 (hex) of the whole original value, to match it when truncated.",
    )
    original_truncated: bool = Field(
        default=False, description="original_value_b64 holds only a prefix of the value."
    )

    @staticmethod
    def encode(raw: bytes | None) -> str | None:
        return None if raw is None else base64.b64encode(raw).decode("ascii")

    def original_value(self) -> bytes:
        return base64.b64decode(self.original_value_b64)
