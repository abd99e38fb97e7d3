"""The assignment stage: a Faust worker owning one pool per partition, its state in a
changelog-backed table, the pure ``omniroute.agents.Pool`` deciding every offer.
"""

from ._app import AssignerRuntime, create_assigner_app, run_assigner_worker
from ._metrics import WAIT_BUCKETS, AssignerMetrics
from ._service_level import Outcome, ServiceLevelWindow, WindowFigures
from ._stage import DEFAULT_SERVICE_TARGETS, AssignerStage, PoolRecords, StageResult, table_key

__all__ = [
    "DEFAULT_SERVICE_TARGETS",
    "WAIT_BUCKETS",
    "AssignerMetrics",
    "AssignerRuntime",
    "AssignerStage",
    "Outcome",
    "PoolRecords",
    "ServiceLevelWindow",
    "StageResult",
    "WindowFigures",
    "create_assigner_app",
    "run_assigner_worker",
    "table_key",
]
