"""The routing stage: an aiokafka batch loop hosted by a Faust worker that decodes
interaction events, reads the customers from Redis in one ``MGET``, routes with the
pure policy, writes history back and produces decisions and assigner input.
"""

from ._app import RouterRuntime, run_router_worker
from ._encode import DecisionWriter
from ._history_bytes import HistoryWriter, LineJson, history_json
from ._identity import IdentityIndex, IdentityResolver
from ._metrics import RouterMetrics
from ._policy_source import PolicyWatcher, initial_policy
from ._stage import PolicyHolder, RouterStage, StageOutput
from ._store import (
    CustomerStore,
    ParsedCache,
    RedisCustomerStore,
    StoreUnavailableError,
    connect_redis,
    customer_record,
    profile_key,
    recent_key,
)

__all__ = [
    "CustomerStore",
    "DecisionWriter",
    "HistoryWriter",
    "IdentityIndex",
    "IdentityResolver",
    "LineJson",
    "ParsedCache",
    "PolicyHolder",
    "PolicyWatcher",
    "RedisCustomerStore",
    "RouterMetrics",
    "RouterRuntime",
    "RouterStage",
    "StageOutput",
    "StoreUnavailableError",
    "connect_redis",
    "customer_record",
    "history_json",
    "initial_policy",
    "profile_key",
    "recent_key",
    "run_router_worker",
]
