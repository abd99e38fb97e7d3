"""The outbound coordinator: departments' requests to contact a customer approved,
deferred or suppressed with a reason, against the customer's contacts both ways,
a daily cap, quiet hours and the pools' load (the policy's ``outbound:`` rules).
"""

from ._app import OutboundRuntime, run_outbound_worker
from ._metrics import OutboundMetrics
from ._stage import OutboundStage
from ._store import OutboundStore, outbound_key

__all__ = [
    "OutboundMetrics",
    "OutboundRuntime",
    "OutboundStage",
    "OutboundStore",
    "outbound_key",
    "run_outbound_worker",
]
