"""The one place that turns the security settings into each client library's options:
aiokafka (the workers' loops), kafka-python (the SDKs, the tools), Faust (the worker
host) and redis-py (the router's store, the tools' seeding). Every client omniroute
makes is built from these, so a setting means the same thing everywhere.

It also says what went wrong when a client cannot connect for a reason that will not
go away by retrying (a wrong password, an untrusted certificate): ``SecurityError``
names the component and the worker, so the log reads "Kafka (router): authentication
failed" instead of a retry loop or a traceback from inside the library.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import struct
from typing import Any

import faust
import redis.asyncio as aioredis
from aiokafka.conn import create_conn
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ._secure_settings import TlsSettings
from ._settings import KafkaSettings, RedisSettings

log = logging.getLogger("omniroute.worker")

__all__ = [
    "SecurityError",
    "aiokafka_security",
    "as_security_error",
    "check_redis",
    "component_of",
    "faust_credentials",
    "kafka_python_config",
    "kafka_python_security",
    "probe_kafka",
    "redis_options",
    "tls_context",
]


class SecurityError(RuntimeError):
    """A client was refused for a reason retrying will not fix. Its message names the
    component (Kafka, Redis) and who was connecting."""


def tls_context(tls: TlsSettings) -> ssl.SSLContext:
    """A client TLS context: the given CAs (or the system's), the hostname checked
    unless turned off, a client certificate when one is given (mutual TLS)."""
    context = ssl.create_default_context(
        cafile=str(tls.ca_file) if tls.ca_file is not None else None
    )
    context.check_hostname = tls.check_hostname
    if tls.cert_file is not None:
        context.load_cert_chain(
            str(tls.cert_file),
            str(tls.key_file) if tls.key_file is not None else None,
            tls.key_password.get_secret_value() if tls.key_password is not None else None,
        )
    return context


def _password(kafka: KafkaSettings) -> str | None:
    return kafka.sasl_password.get_secret_value() if kafka.sasl_password is not None else None


def aiokafka_security(kafka: KafkaSettings) -> dict[str, Any]:
    """aiokafka's security options (producer, consumer and admin client alike)."""
    protocol = kafka.security_protocol
    config: dict[str, Any] = {"security_protocol": protocol.value}
    if protocol.tls:
        config["ssl_context"] = tls_context(kafka.tls)
    if protocol.sasl and kafka.sasl_mechanism is not None:
        config |= {
            "sasl_mechanism": kafka.sasl_mechanism.value,
            "sasl_plain_username": kafka.sasl_username,
            "sasl_plain_password": _password(kafka),
        }
    return config


def kafka_python_security(kafka: KafkaSettings) -> dict[str, Any]:
    """kafka-python's security options (KafkaProducer, KafkaConsumer, KafkaAdminClient):
    what the SDKs take as ``kafka_config``."""
    protocol = kafka.security_protocol
    config: dict[str, Any] = {"security_protocol": protocol.value}
    if protocol.tls:
        tls = kafka.tls
        config |= {
            "ssl_check_hostname": tls.check_hostname,
            "ssl_cafile": str(tls.ca_file) if tls.ca_file is not None else None,
            "ssl_certfile": str(tls.cert_file) if tls.cert_file is not None else None,
            "ssl_keyfile": str(tls.key_file) if tls.key_file is not None else None,
            "ssl_password": (
                tls.key_password.get_secret_value() if tls.key_password is not None else None
            ),
        }
    if protocol.sasl and kafka.sasl_mechanism is not None:
        config |= {
            "sasl_mechanism": kafka.sasl_mechanism.value,
            "sasl_plain_username": kafka.sasl_username,
            "sasl_plain_password": _password(kafka),
        }
    return config


def kafka_python_config(kafka: KafkaSettings) -> dict[str, Any]:
    """``bootstrap_servers`` and the security options: a kafka-python client's keywords."""
    return {"bootstrap_servers": kafka.bootstrap_servers, **kafka_python_security(kafka)}


def faust_credentials(kafka: KafkaSettings) -> faust.types.auth.CredentialsT | None:
    """The Faust host app's ``broker_credentials`` (None: plaintext, no SASL)."""
    protocol = kafka.security_protocol
    context = tls_context(kafka.tls) if protocol.tls else None
    if protocol.sasl and kafka.sasl_mechanism is not None:
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=_password(kafka),
            ssl_context=context,
            mechanism=kafka.sasl_mechanism.value,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def redis_options(redis: RedisSettings) -> dict[str, Any]:
    """redis-py's connection options: address, ACL user and password, TLS."""
    options: dict[str, Any] = {
        "host": redis.host,
        "port": redis.port,
        "db": redis.db,
        "username": redis.username,
        "password": redis.password.get_secret_value() if redis.password is not None else None,
    }
    if redis.use_tls:
        tls = redis.tls
        options |= {
            "ssl": True,
            "ssl_ca_certs": str(tls.ca_file) if tls.ca_file is not None else None,
            "ssl_certfile": str(tls.cert_file) if tls.cert_file is not None else None,
            "ssl_keyfile": str(tls.key_file) if tls.key_file is not None else None,
            "ssl_password": (
                tls.key_password.get_secret_value() if tls.key_password is not None else None
            ),
            "ssl_check_hostname": tls.check_hostname,
            "ssl_cert_reqs": "required",
        }
    return options


_AUTH_WORDS = ("authentication", "sasl", "auth", "wrongpass", "invalid username")
_UNTRUSTED_WORDS = ("certificate verify failed", "certificate_verify_failed")


def as_security_error(component: str, who: str, error: BaseException) -> SecurityError | None:
    """``error`` as a ``SecurityError`` naming ``component`` and ``who`` when it is one
    that retrying will not fix (refused credentials, a certificate not trusted, a TLS
    handshake that failed); None for anything else (a broker down, a timeout)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    for cause in seen:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return SecurityError(
                f"{component} ({who}): the server's TLS certificate is not trusted "
                f"({cause.verify_message}); check the CA file and the host name"
            )
        if isinstance(cause, ssl.SSLError):
            return SecurityError(f"{component} ({who}): TLS handshake failed: {cause.reason}")
    text = " ".join(f"{type(cause).__name__} {cause}" for cause in seen).lower()
    if any(word in text for word in _UNTRUSTED_WORDS):
        return SecurityError(
            f"{component} ({who}): the server's TLS certificate is not trusted "
            "(certificate verify failed); check the CA file and the host name"
        )
    if "authorization" in text or "noperm" in text:
        return SecurityError(
            f"{component} ({who}): not authorized ({type(error).__name__}): the "
            "credentials were accepted but the ACLs do not grant this; see "
            "deploy/security/ for what each principal needs"
        )
    if any(word in text for word in _AUTH_WORDS):
        return SecurityError(
            f"{component} ({who}): authentication failed: the server refused the "
            f"credentials ({type(error).__name__}); check the user name and password"
        )
    return None


def component_of(error: BaseException) -> str:
    """Which server a client error came from, by the library that raised it."""
    module = type(error).__module__
    return "Redis" if module.startswith("redis") else "Kafka"


async def probe_kafka(kafka: KafkaSettings, who: str) -> None:
    """One connection to the first bootstrap server with the worker's security
    options: aiokafka reports a refused login or an untrusted certificate only as
    "Unable to bootstrap", so this asks again, directly, to say which. Raises
    ``SecurityError`` for those; anything else (a broker down) passes."""
    host, _, port = kafka.bootstrap_servers.split(",")[0].strip().rpartition(":")
    try:
        conn = await create_conn(
            host or "127.0.0.1", int(port), request_timeout_ms=10_000, **aiokafka_security(kafka)
        )
    except Exception as error:
        refused = as_security_error("Kafka", who, error)
        if refused is None and kafka.security_protocol.tls:
            refused = await _tls_refusal(host or "127.0.0.1", int(port), kafka, who)
        if refused is not None:
            raise refused from None
        return
    # The transport closes a loop turn later: wait for it, or a caller that ends its
    # loop right after (asyncio.run) leaves a half-closed socket to the collector.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.close(), 5)


_API_VERSIONS_V0 = struct.pack(">ihhih", 10, 18, 0, 1, -1)
"""A Kafka ApiVersions request (v0, no client id): any broker answers it at once."""


async def _tls_refusal(
    host: str, port: int, kafka: KafkaSettings, who: str
) -> SecurityError | None:
    """TLS 1.3 refuses a missing or untrusted client certificate after the handshake,
    with an alert aiokafka reports only as "connection closed": one request over a
    plain ``ssl`` connection surfaces the alert itself."""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=tls_context(kafka.tls)), 10
        )
        writer.write(_API_VERSIONS_V0)
        await asyncio.wait_for(reader.read(4), 10)
    except Exception as error:
        return as_security_error("Kafka", who, error)
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 5)
    return None


async def check_redis(redis: RedisSettings, who: str) -> None:
    """One PING at start, on a connection of its own that does not retry (redis-py
    retries a refused login as it does a lost connection, for seconds): refused
    credentials or an untrusted certificate stop the worker with a ``SecurityError``;
    Redis merely down does not (the router routes degraded and recovers when it is back)."""
    client = aioredis.Redis(
        **redis_options(redis),
        socket_connect_timeout=max(redis.timeout_seconds, 2.0),
        socket_timeout=max(redis.timeout_seconds, 2.0),
        retry=Retry(NoBackoff(), 0),
    )
    try:
        await client.ping()
    except Exception as error:
        refused = as_security_error("Redis", who, error)
        if refused is not None:
            raise refused from None
        log.warning("Redis (%s) not reachable at start: %s", who, type(error).__name__)
    finally:
        await client.aclose()
