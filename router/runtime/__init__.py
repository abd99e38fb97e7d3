"""What every worker shares, whatever its stage: settings, the worker host, the
health and metrics HTTP server, JSON logging, the aiokafka batch loop and the
metrics every worker has. Stages sit on top of it; the pure cores never import it.
"""

from ._host import faust_settings, run_worker
from ._http import HealthServer
from ._kafka import BatchLoop, CompactedReader, Outbound, consumer_config, producer_config
from ._logging import TRACE_LOGGER, JsonFormatter, logging_config
from ._metrics import LATENCY_BUCKETS, WorkerMetrics
from ._settings import (
    AssignerSettings,
    KafkaSettings,
    Profile,
    RedisSettings,
    RouterSettings,
    Settings,
)

__all__ = [
    "LATENCY_BUCKETS",
    "TRACE_LOGGER",
    "AssignerSettings",
    "BatchLoop",
    "CompactedReader",
    "HealthServer",
    "JsonFormatter",
    "KafkaSettings",
    "Outbound",
    "Profile",
    "RedisSettings",
    "RouterSettings",
    "Settings",
    "WorkerMetrics",
    "consumer_config",
    "faust_settings",
    "logging_config",
    "producer_config",
    "run_worker",
]
