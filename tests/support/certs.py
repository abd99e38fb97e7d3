"""Certificates for the TLS tests, made fresh by the openssl CLI: a CA, a server
certificate it signs for 127.0.0.1 and localhost, and a second CA nobody trusts."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    other_ca: Path
    """A CA that signed nothing here: trusting only it must fail."""
    client_cert: Path
    """A client certificate the CA signed (CN=omniroute-router), for mutual TLS."""
    client_key: Path
    elsewhere_cert: Path
    """A server certificate the CA signed for another host (kafka.example) only."""
    elsewhere_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(folder: Path, name: str) -> None:
    _openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN={name}"),
        cwd=folder,
    )


def make_certificates(folder: Path) -> Certificates:
    folder.mkdir(parents=True, exist_ok=True)
    _ca(folder, "test-ca")
    _ca(folder, "other-ca")
    _openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key"),
        *("-out", "server.csr", "-subj", "/CN=localhost"),
        cwd=folder,
    )
    (folder / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl(
        *("x509", "-req", "-in", "server.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key"),
        *("-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.cnf"),
        cwd=folder,
    )
    _openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key"),
        *("-out", "client.csr", "-subj", "/CN=omniroute-router"),
        cwd=folder,
    )
    _openssl(
        *("x509", "-req", "-in", "client.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key"),
        *("-CAcreateserial", "-out", "client.pem", "-days", "2"),
        cwd=folder,
    )
    _openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "elsewhere.key"),
        *("-out", "elsewhere.csr", "-subj", "/CN=kafka.example"),
        cwd=folder,
    )
    (folder / "elsewhere.cnf").write_text("subjectAltName=DNS:kafka.example\n")
    _openssl(
        *("x509", "-req", "-in", "elsewhere.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key"),
        *("-CAcreateserial", "-out", "elsewhere.pem", "-days", "2", "-extfile", "elsewhere.cnf"),
        cwd=folder,
    )
    return Certificates(
        folder / "test-ca.pem",
        folder / "server.pem",
        folder / "server.key",
        folder / "other-ca.pem",
        folder / "client.pem",
        folder / "client.key",
        folder / "elsewhere.pem",
        folder / "elsewhere.key",
    )
