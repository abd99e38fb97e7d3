"""The assignment stage: an aiokafka batch loop owning the pools of its partitions,
their state in a compacted changelog, the pure ``omniroute.agents.Pool`` deciding
every offer.
"""

from ._app import AssignerRuntime, rekey_group, run_assigner_worker
from ._changelog import (
    ChangelogReader,
    changelog_topic,
    decode_key,
    encode_key,
    encode_value,
    ensure_changelog,
)
from ._engine import AssignerEngine, BatchResult, PersistedReader, group_records
from ._estimates import EstimateBacklog, EstimateRotation, EstimateSlice, encode_wait_estimates
from ._floor import (
    DEFAULT_SERVICE_TARGETS,
    QueueBook,
    QueueSettingsError,
    pool_config,
    read_queue_settings,
    table_key,
)
from ._loop import AssignerLoop, persist_then_publish
from ._metrics import WAIT_BUCKETS, AssignerMetrics
from ._ownership import GroupMembership, OwnershipGuard
from ._service_level import Outcome, ServiceLevelWindow, WindowFigures
from ._stage import AssignerStage, PoolRecords, StageResult

__all__ = [
    "DEFAULT_SERVICE_TARGETS",
    "WAIT_BUCKETS",
    "AssignerEngine",
    "AssignerLoop",
    "AssignerMetrics",
    "AssignerRuntime",
    "AssignerStage",
    "BatchResult",
    "ChangelogReader",
    "EstimateBacklog",
    "EstimateRotation",
    "EstimateSlice",
    "GroupMembership",
    "Outcome",
    "OwnershipGuard",
    "PersistedReader",
    "PoolRecords",
    "QueueBook",
    "QueueSettingsError",
    "ServiceLevelWindow",
    "StageResult",
    "WindowFigures",
    "changelog_topic",
    "decode_key",
    "encode_key",
    "encode_value",
    "encode_wait_estimates",
    "ensure_changelog",
    "group_records",
    "persist_then_publish",
    "pool_config",
    "read_queue_settings",
    "rekey_group",
    "run_assigner_worker",
    "table_key",
]
