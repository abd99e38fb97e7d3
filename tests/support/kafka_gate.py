"""A TLS and SASL/SCRAM-SHA-512 front door for the embedded broker, for the tests.

The embedded Tansu 0.6.0 cannot do either itself (checked 2026-12-05): ``--cert`` and
``--key`` refuse to be given together and neither alone turns TLS on; with
``--authentication`` it offers only SCRAM, and the users ``tansu user create`` makes
are kept by neither the memory nor the S3 engine (every login: ``e=unknown-user``).

So this gate does what a Kafka broker's SASL_SSL listener does, in front of a Tansu
that advertises the gate's address: TLS with a real certificate (OpenSSL, through
``ssl``), the SASL handshake, the SCRAM-SHA-512 exchange of RFC 5802/7677 against
stored keys (the client proves the password, the gate proves it holds the keys), the
Kafka error (58, SASL_AUTHENTICATION_FAILED) and a closed connection on a wrong
password, and nothing but ApiVersions, SaslHandshake and SaslAuthenticate before the
login. After it, bytes pass both ways unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import ssl
import struct
import threading
from dataclasses import dataclass

_API_VERSIONS, _SASL_HANDSHAKE, _SASL_AUTHENTICATE = 18, 17, 36
_SASL_AUTHENTICATION_FAILED, _UNSUPPORTED_SASL_MECHANISM, _ILLEGAL_SASL_STATE = 58, 33, 34
_MECHANISM, _PLAIN = "SCRAM-SHA-512", "PLAIN"


@dataclass(frozen=True)
class _StoredUser:
    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes


def _stored(password: str) -> _StoredUser:
    salt, iterations = os.urandom(16), 4096
    salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha512")
    server_key = hmac.digest(salted, b"Server Key", "sha512")
    return _StoredUser(salt, iterations, hashlib.sha512(client_key).digest(), server_key)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _skip_tags(data: bytes, at: int) -> int:
    count, at = _read_varint(data, at)
    for _ in range(count):
        _, at = _read_varint(data, at)
        size, at = _read_varint(data, at)
        at += size
    return at


def _auth_bytes(version: int, body: bytes) -> bytes:
    """The SaslAuthenticate request's auth_bytes, after the request header."""
    if version >= 2:  # flexible: header tags, then compact bytes
        at = _skip_tags(body, 0)
        size, at = _read_varint(body, at)
        return body[at : at + size - 1]
    (size,) = struct.unpack_from(">i", body, 0)
    return body[4 : 4 + size]


def _authenticate_response(
    correlation: int, version: int, error: int, message: str | None, payload: bytes
) -> bytes:
    if version >= 2:
        text = b"\x00" if message is None else _varint(len(message) + 1) + message.encode()
        body = (
            struct.pack(">i", correlation)
            + b"\x00"  # response header tags
            + struct.pack(">h", error)
            + text
            + _varint(len(payload) + 1)
            + payload
            + struct.pack(">q", 0)
            + b"\x00"
        )
    else:
        text = (
            struct.pack(">h", -1)
            if message is None
            else struct.pack(">h", len(message)) + message.encode()
        )
        body = (
            struct.pack(">ih", correlation, error)
            + text
            + struct.pack(">i", len(payload))
            + payload
            + (struct.pack(">q", 0) if version >= 1 else b"")
        )
    return struct.pack(">i", len(body)) + body


def _handshake_response(correlation: int, error: int, mechanisms: tuple[str, ...]) -> bytes:
    names = b"".join(struct.pack(">h", len(m)) + m.encode() for m in mechanisms)
    body = struct.pack(">ihi", correlation, error, len(mechanisms)) + names
    return struct.pack(">i", len(body)) + body


class KafkaGate:
    """Listens on ``port`` (TLS when ``context`` is given), authenticates each
    connection with SCRAM-SHA-512 against ``users`` and then relays it to the broker."""

    def __init__(
        self,
        port: int,
        upstream_port: int,
        users: dict[str, str],
        context: ssl.SSLContext | None,
        *,
        plain: bool = False,
    ) -> None:
        """``plain``: offer PLAIN beside SCRAM-SHA-512 (the password itself, checked
        against ``users``; only ever over TLS)."""
        self._passwords = dict(users)
        self._mechanisms = (_MECHANISM, _PLAIN) if plain else (_MECHANISM,)
        self.port, self._upstream = port, upstream_port
        self._users = {name: _stored(password) for name, password in users.items()}
        self._context = context
        self.failed_logins: list[str] = []
        self.logins: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> KafkaGate:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=self._context),
            self._loop,
        ).result(10)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            upstream = await asyncio.open_connection("127.0.0.1", self._upstream)
            if await self._login(reader, writer, upstream):
                await asyncio.gather(_pipe(reader, upstream[1]), _pipe(upstream[0], writer))
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            for w in (writer, upstream[1] if upstream else None):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.close()

    async def _login(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> bool:
        """The SASL exchange; True once the client proved its password."""
        user: _StoredUser | None = None
        name = first_bare = server_first = mechanism = ""
        while True:
            frame = await _frame(reader)
            api_key, version, correlation, client_len = struct.unpack_from(">hhih", frame, 0)
            body = frame[10 + max(client_len, 0) :]
            if api_key == _API_VERSIONS:  # the broker's own answer
                upstream[1].write(struct.pack(">i", len(frame)) + frame)
                writer.write(await _raw_frame(upstream[0]))
            elif api_key == _SASL_HANDSHAKE:
                mechanism = body[2:].decode(errors="replace")
                ok = mechanism in self._mechanisms
                error = 0 if ok else _UNSUPPORTED_SASL_MECHANISM
                writer.write(_handshake_response(correlation, error, self._mechanisms))
                if not ok:
                    await writer.drain()
                    return False
            elif api_key == _SASL_AUTHENTICATE and mechanism == _PLAIN:
                _, name, password = _auth_bytes(version, body).decode().split("\0", 2)
                expected = self._passwords.get(name)
                ok = expected is not None and hmac.compare_digest(password, expected)
                (self.logins if ok else self.failed_logins).append(name)
                message = None if ok else "Authentication failed: invalid username or password"
                error = 0 if ok else _SASL_AUTHENTICATION_FAILED
                writer.write(_authenticate_response(correlation, version, error, message, b""))
                await writer.drain()
                return ok
            elif api_key == _SASL_AUTHENTICATE and not server_first:
                message = _auth_bytes(version, body).decode()
                first_bare = message.split(",", 2)[2]  # drop the GS2 header "n,,"
                fields = dict(part.split("=", 1) for part in first_bare.split(","))
                name, nonce = fields["n"], fields["r"]
                user = self._users.get(name) or _stored(base64.b64encode(os.urandom(9)).decode())
                server_first = (
                    f"r={nonce}{base64.b64encode(os.urandom(18)).decode()},"
                    f"s={base64.b64encode(user.salt).decode()},i={user.iterations}"
                )
                writer.write(
                    _authenticate_response(correlation, version, 0, None, server_first.encode())
                )
            elif api_key == _SASL_AUTHENTICATE and user is not None:
                final = _auth_bytes(version, body).decode()
                without_proof, _, proof = final.rpartition(",p=")
                auth_message = f"{first_bare},{server_first},{without_proof}".encode()
                signature = hmac.digest(user.stored_key, auth_message, "sha512")
                client_key = bytes(
                    a ^ b for a, b in zip(base64.b64decode(proof), signature, strict=True)
                )
                if name in self._users and hmac.compare_digest(
                    hashlib.sha512(client_key).digest(), user.stored_key
                ):
                    verifier = hmac.digest(user.server_key, auth_message, "sha512")
                    answer = b"v=" + base64.b64encode(verifier)
                    writer.write(_authenticate_response(correlation, version, 0, None, answer))
                    await writer.drain()
                    self.logins.append(name)
                    return True
                self.failed_logins.append(name)
                writer.write(
                    _authenticate_response(
                        correlation,
                        version,
                        _SASL_AUTHENTICATION_FAILED,
                        "Authentication failed during authentication due to invalid "
                        f"credentials with SASL mechanism {_MECHANISM}",
                        b"",
                    )
                )
                await writer.drain()
                return False
            else:  # anything else before the login: Kafka closes the connection
                return False
            await writer.drain()


async def _frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


async def _raw_frame(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readexactly(4)
    (size,) = struct.unpack(">i", head)
    return head + await reader.readexactly(size)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()
