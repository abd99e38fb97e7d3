"""The pure routing core: what a routing decision needs (the customer's record, the
pools' load, the event), ``route_events`` over a decoded batch, the recent-contact
fold and the decoding of raw records into events or dead letters.

No Kafka, Redis, clock or randomness here, not even on import: time comes in as an
argument, so the router stage, the replay tool and the simulator run this exact code.
"""

from ._construct import construct_validated
from ._history import apply_to_history
from ._records import DecodeResult, InboundRecord, dead_letter_for, decode_batch
from ._routing import AssignerMessage, RoutedBatch, decision_id, route_events
from ._types import RECENT_IN_CONTEXT, CustomerRecord, LoadView, RoutableEvent, RoutingPolicy

__all__ = [
    "RECENT_IN_CONTEXT",
    "AssignerMessage",
    "CustomerRecord",
    "DecodeResult",
    "InboundRecord",
    "LoadView",
    "RoutableEvent",
    "RoutedBatch",
    "RoutingPolicy",
    "apply_to_history",
    "construct_validated",
    "dead_letter_for",
    "decision_id",
    "decode_batch",
    "route_events",
]
