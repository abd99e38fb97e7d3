"""The security part of the settings: who a client is (SASL, a Redis ACL user) and how
it talks (TLS), for Kafka and Redis alike.

Secrets are ``SecretStr`` (``repr``, ``str`` and JSON dumps show ``**********``) and
can come from a file instead of the environment (``*_file``): a Kubernetes secret
mounted as a volume is the usual way to hand a password to a pod without putting it
in its spec or its environment.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "KafkaSecurityProtocol",
    "SaslMechanism",
    "TlsSettings",
    "read_secret_file",
]


class KafkaSecurityProtocol(StrEnum):
    """Kafka's ``security.protocol``: TLS or not, SASL or not."""

    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def tls(self) -> bool:
        return self in {KafkaSecurityProtocol.SSL, KafkaSecurityProtocol.SASL_SSL}

    @property
    def sasl(self) -> bool:
        return self in {KafkaSecurityProtocol.SASL_PLAINTEXT, KafkaSecurityProtocol.SASL_SSL}


class SaslMechanism(StrEnum):
    """The SASL mechanisms every omniroute client (aiokafka, kafka-python, Faust) speaks.
    PLAIN sends the password itself: only over TLS (``SASL_SSL``)."""

    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class TlsSettings(BaseModel):
    """How a client checks the server and, for mutual TLS, proves who it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_file: Path | None = Field(
        default=None,
        description="PEM bundle of the CAs to trust; None: the system's trust store.",
    )
    cert_file: Path | None = Field(
        default=None, description="Client certificate (PEM), for mutual TLS."
    )
    key_file: Path | None = Field(default=None, description="The client certificate's key (PEM).")
    key_password: SecretStr | None = None
    check_hostname: bool = Field(
        default=True,
        description="Check that the server's certificate names the host connected to.",
    )


def read_secret_file(path: Path, field: str) -> SecretStr:
    """A secret from a file (one trailing newline dropped, as ``echo`` and editors add
    one); a missing or empty file names the setting."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{field}: cannot read {path}: {error.strerror}") from error
    secret = text[:-1] if text.endswith("\n") else text
    if not secret:
        raise ValueError(f"{field}: {path} is empty")
    return SecretStr(secret)
