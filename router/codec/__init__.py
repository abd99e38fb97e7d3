"""The record codec: raw Kafka records (omniroute's JSON envelope and both CloudEvents
bindings) decoded into events a batch at a time, and every way a record can be wrong
turned into a ``DeadLetter`` that keeps its bytes and where they came from.

Pure (no Kafka, Redis or clock): used by both stages and the runtime, below them all
and above the contract (``schemas``) only.
"""

from ._records import (
    MAX_DEAD_LETTER_ORIGINAL_BYTES,
    REPLY_HEADERS,
    DecodeResult,
    Headers,
    InboundRecord,
    dead_letter_for,
    decode_batch,
    envelope_bytes,
    reply_headers,
)

__all__ = [
    "MAX_DEAD_LETTER_ORIGINAL_BYTES",
    "REPLY_HEADERS",
    "DecodeResult",
    "Headers",
    "InboundRecord",
    "dead_letter_for",
    "decode_batch",
    "envelope_bytes",
    "reply_headers",
]
