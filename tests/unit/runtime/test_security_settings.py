"""The security settings: secrets from files, errors that name the field, each client
library's options built from one place, nothing secret in a dump or a repr."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from omniroute.router.runtime import (
    KafkaSecurityProtocol,
    KafkaSettings,
    RedisSettings,
    SecurityError,
    Settings,
    TlsSettings,
    aiokafka_security,
    as_security_error,
    faust_credentials,
    kafka_python_config,
    redis_options,
)
from omniroute.router.tools.harness import EmbeddedStack, StackError

PASSWORD = "s3cret-Pa55word"


def _scram(tmp_path: Path, **extra: object) -> KafkaSettings:
    secret = tmp_path / "kafka-password"
    secret.write_text(PASSWORD + "\n")
    return KafkaSettings.model_validate(
        {
            "bootstrap_servers": "kafka:9092",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": "omniroute-router",
            "sasl_password_file": secret,
            **extra,
        }
    )


def test_a_password_is_read_from_its_file_without_the_trailing_newline(tmp_path: Path) -> None:
    kafka = _scram(tmp_path)
    assert kafka.sasl_password == SecretStr(PASSWORD)
    assert PASSWORD not in repr(kafka)
    assert PASSWORD not in str(Settings(kafka=kafka).redacted())


def test_settings_from_the_environment_read_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "redis").write_text(PASSWORD)
    monkeypatch.setenv("OMNIROUTE_REDIS__USERNAME", "omniroute-router")
    monkeypatch.setenv("OMNIROUTE_REDIS__PASSWORD_FILE", str(tmp_path / "redis"))
    monkeypatch.setenv("OMNIROUTE_REDIS__USE_TLS", "true")
    monkeypatch.setenv("OMNIROUTE_REDIS__TLS__CHECK_HOSTNAME", "false")
    settings = Settings()
    options = redis_options(settings.redis)
    assert (options["username"], options["password"]) == ("omniroute-router", PASSWORD)
    assert (options["ssl"], options["ssl_check_hostname"]) == (True, False)
    env = settings.as_env()  # what a child worker gets: the file, not the password
    assert env["OMNIROUTE_REDIS__PASSWORD_FILE"] == str(tmp_path / "redis")
    assert PASSWORD not in "".join(env.values())


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"security_protocol": "SASL_SSL"}, "kafka.sasl_mechanism, kafka.sasl_username"),
        ({"sasl_mechanism": "PLAIN"}, "kafka.sasl_mechanism is set"),
        ({"sasl_password_file": "/nonexistent/pw"}, "kafka.sasl_password_file: cannot read"),
        ({"security_protocol": "SASL_TLS"}, "security_protocol"),
        ({"sasl_mechanism": "GSSAPI", "security_protocol": "SASL_SSL"}, "sasl_mechanism"),
        (
            {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "PLAIN",
                "sasl_username": "u",
                "sasl_password": "p",
            },
            "PLAIN sends the password itself",
        ),
    ],
)
def test_a_wrong_security_setting_names_the_field(fields: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        KafkaSettings.model_validate(fields)


def test_both_a_password_and_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="set one"):
        _scram(tmp_path, sasl_password="other")
    with pytest.raises(ValidationError, match=r"redis\.username needs redis\.password"):
        RedisSettings(username="omniroute-router")


def test_aiokafka_and_kafka_python_and_faust_get_the_same_login(tmp_path: Path) -> None:
    kafka = _scram(tmp_path)
    aio = aiokafka_security(kafka)
    assert aio["security_protocol"] == "SASL_SSL"
    assert (aio["sasl_mechanism"], aio["sasl_plain_username"], aio["sasl_plain_password"]) == (
        "SCRAM-SHA-512",
        "omniroute-router",
        PASSWORD,
    )
    assert isinstance(aio["ssl_context"], ssl.SSLContext)
    assert aio["ssl_context"].check_hostname
    assert aio["ssl_context"].verify_mode is ssl.CERT_REQUIRED
    sync = kafka_python_config(kafka)
    assert sync["bootstrap_servers"] == "kafka:9092"
    assert (sync["sasl_mechanism"], sync["sasl_plain_password"]) == ("SCRAM-SHA-512", PASSWORD)
    assert sync["ssl_check_hostname"] is True
    credentials = faust_credentials(kafka)
    assert credentials is not None
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "SCRAM-SHA-512"  # type: ignore[attr-defined]
    assert PASSWORD not in repr(credentials)


def test_plaintext_stays_plaintext() -> None:
    kafka = KafkaSettings()
    assert aiokafka_security(kafka) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(kafka) is None
    assert "ssl" not in redis_options(RedisSettings())


def test_tls_without_sasl_checks_the_server_with_the_given_ca(tmp_path: Path) -> None:
    kafka = KafkaSettings(
        security_protocol=KafkaSecurityProtocol.SSL,
        tls=TlsSettings(ca_file=tmp_path / "missing.pem"),
    )
    with pytest.raises(FileNotFoundError):  # the CA file is really used
        aiokafka_security(kafka)


def test_refusals_are_named_and_other_errors_are_not() -> None:
    refused = as_security_error("Kafka", "router", RuntimeError("SaslAuthenticationFailed: x"))
    assert isinstance(refused, SecurityError)
    assert str(refused).startswith("Kafka (router): authentication failed")
    denied = as_security_error(
        "Kafka", "router", RuntimeError("TopicAuthorizationFailedError: [Error 29]")
    )
    assert str(denied).startswith("Kafka (router): not authorized (RuntimeError)")
    untrusted = ssl.SSLCertVerificationError(1, "certificate verify failed")
    untrusted.verify_message = "self-signed certificate"
    named = as_security_error("Kafka", "assigner", ConnectionError("boom"))
    assert named is None  # a broker down: retried, not a configuration error
    wrapped = ConnectionError("connect failed")
    wrapped.__cause__ = untrusted
    assert str(as_security_error("Redis", "router", wrapped)).startswith(
        "Redis (router): the server's TLS certificate is not trusted (self-signed certificate)"
    )


def test_the_metrics_endpoint_binds_where_configured() -> None:
    assert Settings().metrics_host == "0.0.0.0"
    assert Settings(metrics_host="127.0.0.1").metrics_host == "127.0.0.1"


def test_the_embedded_stack_refuses_security_settings_it_cannot_apply(tmp_path: Path) -> None:
    secured = Settings(kafka=_scram(tmp_path), state_dir=tmp_path / "state")
    with pytest.raises(StackError, match="embedded stack is plaintext on loopback"):
        EmbeddedStack(secured).up()
    assert not (tmp_path / "state" / "stack").exists()  # nothing started
