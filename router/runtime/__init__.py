"""What every worker shares, whatever its stage: settings, the worker host, the
health and metrics HTTP server, JSON logging, the aiokafka batch loop and the
metrics every worker has. Stages sit on top of it; the pure cores never import it.
"""

from ._blocked import HeldPartitions, retry_delay
from ._changelog import ChangelogReader, decode_key, encode_key, ensure_changelog
from ._gc import CollectorFreezer
from ._host import (
    EXIT_FAILED,
    StageRuntime,
    StageService,
    faust_settings,
    host_stage,
    run_worker,
    stop_worker_process,
)
from ._http import HealthServer
from ._kafka import (
    BatchLoop,
    CompactedReader,
    Outbound,
    commit_assigned,
    consumer_config,
    producer_config,
)
from ._logging import TRACE_LOGGER, JsonFormatter, logging_config
from ._loops import Loops
from ._metrics import LATENCY_BUCKETS, MetricFactory, WorkerMetrics
from ._poison import (
    DeadLetterProducer,
    Salvage,
    UndecodableBatches,
    dead_letter_records,
    letter_position,
    minimal_dead_letter,
)
from ._produce import PRODUCE_ATTEMPTS, BatchProducer, Grouped, LagRecorder, Produced
from ._settings import (
    AssignerSettings,
    InsightSettings,
    KafkaSettings,
    OutboundSettings,
    Profile,
    RedisSettings,
    RouterSettings,
    Settings,
)

__all__ = [
    "EXIT_FAILED",
    "LATENCY_BUCKETS",
    "PRODUCE_ATTEMPTS",
    "TRACE_LOGGER",
    "AssignerSettings",
    "BatchLoop",
    "BatchProducer",
    "ChangelogReader",
    "CollectorFreezer",
    "CompactedReader",
    "DeadLetterProducer",
    "Grouped",
    "HealthServer",
    "HeldPartitions",
    "InsightSettings",
    "JsonFormatter",
    "KafkaSettings",
    "LagRecorder",
    "Loops",
    "MetricFactory",
    "Outbound",
    "OutboundSettings",
    "Produced",
    "Profile",
    "RedisSettings",
    "RouterSettings",
    "Salvage",
    "Settings",
    "StageRuntime",
    "StageService",
    "UndecodableBatches",
    "WorkerMetrics",
    "commit_assigned",
    "consumer_config",
    "dead_letter_records",
    "decode_key",
    "encode_key",
    "ensure_changelog",
    "faust_settings",
    "host_stage",
    "letter_position",
    "logging_config",
    "minimal_dead_letter",
    "producer_config",
    "retry_delay",
    "run_worker",
    "stop_worker_process",
]
