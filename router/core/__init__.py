"""The pure routing core: what a routing decision needs (the customer's record, the
pools' load, the event), ``route_events`` over a decoded batch, and the recent-contact
fold. Decoding raw records is the codec's (``omniroute.router.codec``).

No Kafka, Redis, clock or randomness here, not even on import: time comes in as an
argument, so the router stage, the replay tool and the simulator run this exact code.
"""

from ._construct import construct_validated
from ._history import AUTOMATION_FAILURES, apply_to_history
from ._identity import address_key, canonical_address, provisional_customer_id
from ._routing import (
    AssignerMessage,
    RoutedBatch,
    content_digest,
    decision_id,
    route_events,
    update_id,
)
from ._time import PARSED_UTC, as_parsed_utc
from ._types import RECENT_IN_CONTEXT, CustomerRecord, LoadView, RoutableEvent, RoutingPolicy

__all__ = [
    "AUTOMATION_FAILURES",
    "PARSED_UTC",
    "RECENT_IN_CONTEXT",
    "AssignerMessage",
    "CustomerRecord",
    "LoadView",
    "RoutableEvent",
    "RoutedBatch",
    "RoutingPolicy",
    "address_key",
    "apply_to_history",
    "as_parsed_utc",
    "canonical_address",
    "construct_validated",
    "content_digest",
    "decision_id",
    "provisional_customer_id",
    "route_events",
    "update_id",
]
