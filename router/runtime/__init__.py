"""What every worker shares, whatever its stage: settings, the worker host, the
health and metrics HTTP server, JSON logging, the aiokafka batch loop and the
metrics every worker has. Stages sit on top of it; the pure cores never import it.
"""

from ._blocked import HeldPartitions, retry_delay
from ._changelog import ChangelogReader, decode_key, encode_key, ensure_changelog
from ._clients import (
    SecurityError,
    aiokafka_security,
    as_security_error,
    check_redis,
    component_of,
    faust_credentials,
    kafka_python_config,
    kafka_python_security,
    probe_kafka,
    redis_options,
    tls_context,
)
from ._flood import DeadLetterBudget, dead_letter_budget
from ._gc import COLLECTOR_THRESHOLDS, CollectorFreezer, tune_collector
from ._host import (
    EXIT_CONFIG,
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
from ._pacing import BatchPacer
from ._poison import (
    DeadLetterProducer,
    Salvage,
    UndecodableBatches,
    dead_letter_records,
    letter_position,
    minimal_dead_letter,
)
from ._produce import PRODUCE_ATTEMPTS, BatchProducer, Grouped, LagRecorder, Produced
from ._secure_settings import KafkaSecurityProtocol, SaslMechanism, TlsSettings, read_secret_file
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
    "COLLECTOR_THRESHOLDS",
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "LATENCY_BUCKETS",
    "PRODUCE_ATTEMPTS",
    "TRACE_LOGGER",
    "AssignerSettings",
    "BatchLoop",
    "BatchPacer",
    "BatchProducer",
    "ChangelogReader",
    "CollectorFreezer",
    "CompactedReader",
    "DeadLetterBudget",
    "DeadLetterProducer",
    "Grouped",
    "HealthServer",
    "HeldPartitions",
    "InsightSettings",
    "JsonFormatter",
    "KafkaSecurityProtocol",
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
    "SaslMechanism",
    "SecurityError",
    "Settings",
    "StageRuntime",
    "StageService",
    "TlsSettings",
    "UndecodableBatches",
    "WorkerMetrics",
    "aiokafka_security",
    "as_security_error",
    "check_redis",
    "commit_assigned",
    "component_of",
    "consumer_config",
    "dead_letter_budget",
    "dead_letter_records",
    "decode_key",
    "encode_key",
    "ensure_changelog",
    "faust_credentials",
    "faust_settings",
    "host_stage",
    "kafka_python_config",
    "kafka_python_security",
    "letter_position",
    "logging_config",
    "minimal_dead_letter",
    "probe_kafka",
    "producer_config",
    "read_secret_file",
    "redis_options",
    "retry_delay",
    "run_worker",
    "stop_worker_process",
    "tls_context",
    "tune_collector",
]
