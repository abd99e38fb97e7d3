"""The pure routing core: what a routing decision needs (the customer's record, the
pools' load, the event), ``route_events`` over a decoded batch, the recent-contact
fold and the decoding of raw records into events or dead letters.

No Kafka, Redis, clock or randomness here, not even on import: time comes in as an
argument, so the router stage, the replay tool and the simulator run this exact code.
"""

from ._construct import construct_validated
from ._history import AUTOMATION_FAILURES, apply_to_history
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
from ._routing import (
    AssignerMessage,
    RoutedBatch,
    content_digest,
    decision_id,
    route_events,
    update_id,
)
from ._types import RECENT_IN_CONTEXT, CustomerRecord, LoadView, RoutableEvent, RoutingPolicy

__all__ = [
    "AUTOMATION_FAILURES",
    "MAX_DEAD_LETTER_ORIGINAL_BYTES",
    "RECENT_IN_CONTEXT",
    "REPLY_HEADERS",
    "AssignerMessage",
    "CustomerRecord",
    "DecodeResult",
    "Headers",
    "InboundRecord",
    "LoadView",
    "RoutableEvent",
    "RoutedBatch",
    "RoutingPolicy",
    "apply_to_history",
    "construct_validated",
    "content_digest",
    "dead_letter_for",
    "decision_id",
    "decode_batch",
    "envelope_bytes",
    "reply_headers",
    "route_events",
    "update_id",
]
