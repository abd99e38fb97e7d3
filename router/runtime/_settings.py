"""One frozen, typed settings object for every omniroute process.

Read once at start from ``OMNIROUTE_*`` environment variables (nested with ``__``,
e.g. ``OMNIROUTE_KAFKA__BOOTSTRAP_SERVERS``) or a ``.env`` file, then passed down
explicitly: no module reads ``os.environ`` on its own.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omniroute.schemas import Compression, NotReadyReason, topic

from ._flow_settings import DEFAULT_NOT_READY_REASONS, PoolReasons
from ._secure_settings import KafkaSecurityProtocol, SaslMechanism, TlsSettings, read_secret_file

__all__ = [
    "AssignerSettings",
    "InsightSettings",
    "KafkaSettings",
    "OutboundSettings",
    "Profile",
    "RedisSettings",
    "RouterSettings",
    "Settings",
]


class Profile(StrEnum):
    """Which broker we talk to. The embedded Tansu broker holds a group join for about
    half the session timeout, so it wants a short one; real Kafka keeps the usual."""

    EMBEDDED = "embedded"
    PRODUCTION = "production"


_SESSION_TIMEOUT = {Profile.EMBEDDED: 3.0, Profile.PRODUCTION: 45.0}
_HEARTBEAT = {Profile.EMBEDDED: 0.5, Profile.PRODUCTION: 3.0}
# Apache Kafka answers a fetch as soon as data arrives, so a long wait only bounds an
# idle consumer's polling: 500 ms is its default. The embedded broker (Tansu 0.6)
# answers when the wait runs out (produce -> consumed p50: 232 ms at 500, 8.7 ms at
# 50, 3.3 ms at 5), but shorter waits poll it hard: an idle router and assigner at 5 ms
# took 15 CPU-seconds of the broker's and 16 of their own in 30 s, at 50 ms 3.3 and 3.8.
_FETCH_MAX_WAIT_MS = {Profile.EMBEDDED: 50, Profile.PRODUCTION: 500}
# One host (embedded) sends nothing over a network: lz4 cost the router ~10 us an event.
_COMPRESSION = {Profile.EMBEDDED: Compression.NONE, Profile.PRODUCTION: Compression.LZ4}


class KafkaSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=6, ge=1, le=1024, description="For topics omniroute creates.")
    replication_factor: int = Field(default=1, ge=1, le=7)
    min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        le=7,
        description=(
            "min.insync.replicas of the topics omniroute creates. Production: 2 with"
            " replication 3, so an acks=all write is on two brokers before it counts."
        ),
    )
    idempotent_producer: bool = Field(
        default=False,
        description=(
            "enable.idempotence on the workers' producers: a retried send is not written"
            " twice. Production Kafka only: the embedded broker refuses InitProducerId."
        ),
    )
    session_timeout_seconds: float | None = Field(
        default=None, gt=0, description="Consumer-group session timeout; None: by profile."
    )
    heartbeat_interval_seconds: float | None = Field(default=None, gt=0)
    fetch_max_wait_ms: int | None = Field(
        default=None,
        ge=1,
        le=30_000,
        description="How long a fetch may wait for data; None: by profile (50 embedded, 500).",
    )
    compression: Compression | None = Field(
        default=None,
        description=(
            "Codec of every batch omniroute produces (OMNIROUTE_KAFKA__COMPRESSION); None: by "
            "profile (none embedded: on one host compressing only costs CPU, lz4 production)."
        ),
    )
    dead_letter_topic: str = Field(
        default=topic("omniroute.deadletter").name,  # the one the chaos books and demo read
        min_length=1,
        description=(
            "Where both stages write dead letters. A dead letter this topic refuses holds"
            " its input partition until the broker takes it."
        ),
    )
    dead_letters_full_per_key_per_minute: int = Field(
        default=30,
        ge=0,
        description=(
            "Dead letters carrying a copy of the original, per record key a minute; past"
            " it (a flood) letters go out without the copy. See docs/security.md."
        ),
    )
    dead_letters_full_per_second: int = Field(
        default=100, ge=0, description="The same budget for the whole worker, a second."
    )
    security_protocol: KafkaSecurityProtocol = Field(
        default=KafkaSecurityProtocol.PLAINTEXT,
        description="SASL_SSL in production: every client authenticates, over TLS.",
    )
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = Field(
        default=None, description="Read the SASL password from this file (a mounted secret)."
    )
    tls: TlsSettings = TlsSettings()

    @model_validator(mode="after")
    def _credentials(self) -> KafkaSettings:
        if self.sasl_password_file is not None:
            secret = read_secret_file(self.sasl_password_file, "kafka.sasl_password_file")
            if self.sasl_password not in (None, secret):  # a revalidation brings it back
                raise ValueError("kafka.sasl_password and kafka.sasl_password_file: set one")
            object.__setattr__(self, "sasl_password", secret)
        if self.security_protocol.sasl:
            missing = [
                name
                for name in ("sasl_mechanism", "sasl_username", "sasl_password")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(
                    f"kafka.security_protocol {self.security_protocol.value} needs "
                    + ", ".join(f"kafka.{name}" for name in missing)
                )
            if (
                self.sasl_mechanism is SaslMechanism.PLAIN
                and self.security_protocol is KafkaSecurityProtocol.SASL_PLAINTEXT
            ):
                raise ValueError(
                    "kafka.sasl_mechanism PLAIN sends the password itself: "
                    "use kafka.security_protocol SASL_SSL (or SCRAM)"
                )
        elif self.sasl_mechanism is not None:
            raise ValueError(
                f"kafka.sasl_mechanism is set but kafka.security_protocol is "
                f"{self.security_protocol.value}: use SASL_SSL (or SASL_PLAINTEXT)"
            )
        return self

    @property
    def producer_compression(self) -> str | None:
        return (self.compression or _COMPRESSION[Profile.PRODUCTION]).client_value

    def topic_configs(self, *, compacted: bool) -> dict[str, str]:
        """The topic-level configs of a topic omniroute creates."""
        configs = {"cleanup.policy": "compact"} if compacted else {}
        if self.min_insync_replicas is not None:
            configs["min.insync.replicas"] = str(self.min_insync_replicas)
        return configs


class RedisSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=6379, ge=1, le=65535)
    db: int = Field(default=0, ge=0)
    username: str | None = Field(
        default=None, description="Redis ACL user; None: the default user (password only)."
    )
    password: SecretStr | None = None
    password_file: Path | None = Field(
        default=None, description="Read the Redis password from this file (a mounted secret)."
    )
    use_tls: bool = Field(default=False, description="Connect to Redis over TLS.")
    tls: TlsSettings = TlsSettings()
    timeout_seconds: float = Field(
        default=0.25, gt=0, description="Past this a lookup counts as failed: route degraded."
    )

    @model_validator(mode="after")
    def _password_file(self) -> RedisSettings:
        if self.password_file is not None:
            secret = read_secret_file(self.password_file, "redis.password_file")
            if self.password not in (None, secret):  # a revalidation brings it back
                raise ValueError("redis.password and redis.password_file: set one")
            object.__setattr__(self, "password", secret)
        if self.username is not None and self.password is None:
            raise ValueError("redis.username needs redis.password (or redis.password_file)")
        return self


class RouterSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    group_id: str = "omniroute-router"
    batch_max_records: int = Field(default=1000, ge=1, le=100_000)
    batch_wait_ms: int = Field(default=20, ge=0, le=10_000)
    batch_interval_ms: int = Field(
        default=20,
        ge=0,
        le=1_000,
        description="While events trickle in, at most one batch this often (BatchPacer).",
    )
    max_event_bytes: int = Field(default=64 * 1024, ge=256)
    recent_contacts_kept: int = Field(default=20, ge=1, le=500)
    recent_contacts_ttl_seconds: int = Field(default=30 * 86_400, ge=60)
    parse_cache_records: int = Field(
        default=50_000,
        ge=0,
        description=(
            "Parsed profiles, and parsed history lines, each kept for customers whose "
            "stored bytes did not change: ~1.5 KB a record, so ~150 MB at most by default."
        ),
    )
    policy_file: Path | None = Field(default=None, description="None: the built-in default policy.")
    identity_pepper: SecretStr = Field(
        default=SecretStr("omniroute-embedded-identity-pepper"),
        description=(
            "Secret key of the identity index's address hashes (HMAC-SHA256). Set your "
            "own in production; changing it orphans the index."
        ),
    )


class AssignerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    app_id: str = "omniroute-assigner"
    tick_seconds: float = Field(default=1.0, gt=0, le=60, description="Offer timeouts, aging.")
    max_input_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Larger agent events and assigner inputs are dead-lettered (oversized).",
    )
    offer_timeout_seconds: float = Field(default=20.0, gt=0)
    takeover_grace_seconds: float = Field(
        default=2.0,
        ge=0,
        description=(
            "After a takeover, offers that lapsed while no worker owned the pool stay "
            "open this long, so answers sent in time (still in the log) are honoured."
        ),
    )
    misses_before_not_ready: int = Field(default=3, ge=1)
    # Aging, widening, the sticky window, wrap-up and service targets are set per
    # queue in the policy file (omniroute.schemas.QueueSettings holds their defaults).
    max_wait_seconds: float | None = Field(
        default=600.0, gt=0, description="Aging bound when a decision gives none."
    )
    wait_estimate_every_seconds: float = Field(default=30.0, gt=0)
    service_level_window_seconds: float = Field(default=900.0, gt=0)
    transfer_hold_seconds: float = Field(
        default=30.0, ge=0, description="A transfer to a named agent waits for them alone."
    )
    not_ready_reasons: PoolReasons = Field(
        default=DEFAULT_NOT_READY_REASONS, description="Why an agent may be not ready."
    )
    pool_not_ready_reasons: dict[NotReadyReason, PoolReasons] = Field(
        default_factory=dict, max_length=256, description="A pool's own not-ready reasons."
    )


class InsightSettings(BaseModel):
    """The insight stage: contacts by reason and segment, honest cost, feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group_id: str = "omniroute-insight"
    batch_max_records: int = Field(default=2000, ge=1, le=100_000)
    batch_wait_ms: int = Field(default=50, ge=0, le=10_000)
    max_label_values: int = Field(
        default=40,
        ge=1,
        le=500,
        description="Distinct segments and reasons a metric label takes; later ones are 'other'.",
    )

    @property
    def changelog_topic(self) -> str:
        """The stage's compacted state, which ``omniroute report`` reads."""
        return f"{self.group_id}-state-changelog"


class OutboundSettings(BaseModel):
    """The outbound coordinator (its rules are the policy's ``outbound:``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group_id: str = "omniroute-outbound"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OMNIROUTE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    profile: Profile = Profile.EMBEDDED
    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings()
    router: RouterSettings = RouterSettings()
    assigner: AssignerSettings = AssignerSettings()
    insight: InsightSettings = InsightSettings()
    outbound: OutboundSettings = OutboundSettings()
    state_dir: Path = Field(
        default=Path(".omniroute"), description="Embedded stack pids, logs and worker state."
    )
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="0 picks a free port.")
    metrics_host: str = Field(
        default="0.0.0.0",  # noqa: S104 - scraped from outside the pod; set 127.0.0.1 to keep local
        min_length=1,
        description=(
            "Address the health and metrics endpoints bind to; 127.0.0.1 keeps them on the host."
        ),
    )
    log_level: str = "INFO"
    trace_contacts: bool = Field(
        default=False,
        description="Log one JSON line per decision, offer and assignment (ids only, no PII).",
    )
    debug_modules: bool = Field(
        default=False,
        description="Serve /debug/modules: every module the worker has loaded (tests, diagnosis).",
    )

    @model_validator(mode="after")
    def _timeouts_by_profile(self) -> Settings:
        kafka = self.kafka
        if (
            kafka.session_timeout_seconds is None
            or kafka.heartbeat_interval_seconds is None
            or kafka.fetch_max_wait_ms is None
            or kafka.compression is None
        ):
            kafka = kafka.model_copy(
                update={
                    "session_timeout_seconds": kafka.session_timeout_seconds
                    or _SESSION_TIMEOUT[self.profile],
                    "heartbeat_interval_seconds": kafka.heartbeat_interval_seconds
                    or _HEARTBEAT[self.profile],
                    "fetch_max_wait_ms": kafka.fetch_max_wait_ms
                    or _FETCH_MAX_WAIT_MS[self.profile],
                    "compression": kafka.compression or _COMPRESSION[self.profile],
                }
            )
            object.__setattr__(self, "kafka", kafka)
        return self

    def as_env(self) -> dict[str, str]:
        """These settings as ``OMNIROUTE_*`` variables, to hand to a child process."""
        env: dict[str, str] = {}

        def put(prefix: str, value: object) -> None:
            if value is None:
                return
            if isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    if getattr(value, f"{name}_file", None) is not None:
                        continue  # read from its file: the child reads the file too
                    put(f"{prefix}__{name.upper()}", getattr(value, name))
                return
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, list | tuple | dict):  # complex values are JSON in env
                env[prefix] = json.dumps(value)
                return
            env[prefix] = str(value.value if isinstance(value, StrEnum) else value)

        for name in type(self).model_fields:
            put(f"OMNIROUTE_{name.upper()}", getattr(self, name))
        return env

    def redacted(self) -> dict[str, object]:
        """Every setting as JSON-ready data, each secret shown as ``**********``: what
        ``omniroute settings`` prints and what may go into a log or a bug report."""
        return self.model_dump(mode="json")

    @property
    def session_timeout_ms(self) -> int:
        return int((self.kafka.session_timeout_seconds or 45.0) * 1000)

    @property
    def fetch_max_wait_ms(self) -> int:
        return self.kafka.fetch_max_wait_ms or _FETCH_MAX_WAIT_MS[self.profile]

    @property
    def heartbeat_interval_ms(self) -> int:
        return int((self.kafka.heartbeat_interval_seconds or 3.0) * 1000)
