"""Least privilege in the deployment files: each principal may do what its job needs
and nothing more.

Against the files, not a live broker: the embedded Tansu 0.6.0 has no authorizer to
try them on (and keeps no SCRAM users to authorize, see tests/support/kafka_gate.py).
The Redis ACL file is tried on a real redis-server in test_secure_transports.py.
What each job needs comes from the contract: ``TopicSpec.producers`` write a topic,
``TopicSpec.consumers`` read it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from omniroute.router.runtime import Settings
from omniroute.router.stages.assignment import changelog_topic
from omniroute.schemas import TOPICS

ROOT = Path(__file__).resolve().parents[2]
PRINCIPALS = {
    "front ends": "User:omniroute-frontend",
    # Survey tools send their answers with FrontEndClient.feedback, as front ends.
    "survey tools": "User:omniroute-frontend",
    "agent desktops": "User:omniroute-desktop",
    "departments": "User:omniroute-department",
    "router": "User:omniroute-router",
    "assigner": "User:omniroute-assigner",
    "insight": "User:omniroute-insight",
    "outbound coordinator": "User:omniroute-outbound",
    "operators": "User:omniroute-operator",
}
WORKER_PREFIXES = {
    "User:omniroute-router": {"omniroute-router", "omniroute-router-host"},
    "User:omniroute-assigner": {"omniroute-assigner"},
    "User:omniroute-insight": {"omniroute-insight"},
    "User:omniroute-outbound": {"omniroute-outbound", "omniroute-outbound-host"},
}
WORKERS = {"router", "assigner", "insight", "outbound"}
"""The worker kinds, as `omniroute worker KIND` and their compose and k8s names say."""


class Acl(NamedTuple):
    principal: str
    operation: str
    kind: str  # topic | group
    name: str
    pattern: str  # literal | prefixed


def _acls() -> set[Acl]:
    acls = set()
    for line in (ROOT / "deploy/security/kafka-acls.sh").read_text().splitlines():
        if not line.startswith("acl "):
            continue
        words = shlex.split(line)[1:]
        options = dict(zip(words[1::2], words[2::2], strict=True))
        kind = "topic" if "--topic" in options else "group"
        acls.add(
            Acl(
                words[0],
                options["--operation"],
                kind,
                options[f"--{kind}"],
                options.get("--resource-pattern-type", "literal"),
            )
        )
    return acls


def _allowed(acls: set[Acl], principal: str, operation: str, kind: str, name: str) -> bool:
    return any(
        acl.principal == principal
        and acl.kind == kind
        and acl.operation in (operation, "All")
        and (acl.name == name if acl.pattern == "literal" else name.startswith(acl.name))
        for acl in acls
    )


def test_each_principal_may_read_and_write_exactly_the_contract_topics_its_job_needs() -> None:
    acls = _acls()
    every_role = {role for spec in TOPICS for role in (*spec.producers, *spec.consumers)}
    assert every_role <= set(PRINCIPALS), f"no principal for {every_role - set(PRINCIPALS)}"
    for spec in TOPICS:
        for principal in set(PRINCIPALS.values()):
            roles = {role for role, whose in PRINCIPALS.items() if whose == principal}
            for operation, jobs in (("Write", spec.producers), ("Read", spec.consumers)):
                needed = bool(roles & set(jobs))
                assert _allowed(acls, principal, operation, "topic", spec.name) == needed, (
                    f"{principal} {operation} {spec.name}: {'needed' if needed else 'not needed'}"
                )


def test_only_the_workers_have_their_own_topics_and_consumer_groups() -> None:
    acls = _acls()
    settings = Settings()
    app_id = settings.assigner.app_id
    insight, outbound = settings.insight, settings.outbound
    own = {
        "User:omniroute-router": {
            "group": [settings.router.group_id, "omniroute-router-host"],
            "topic": ["omniroute-router-host-__assignor-__leader"],
        },
        "User:omniroute-assigner": {
            "group": [app_id, f"{app_id}-rekey", "omniroute-assigner-host"],
            "topic": [changelog_topic(app_id), "omniroute-assigner-host-__assignor-__leader"],
        },
        "User:omniroute-insight": {
            "group": [insight.group_id, "omniroute-insight-host"],
            "topic": [insight.changelog_topic, "omniroute-insight-host-__assignor-__leader"],
        },
        "User:omniroute-outbound": {
            "group": [outbound.group_id, "omniroute-outbound-host"],
            "topic": ["omniroute-outbound-host-__assignor-__leader"],
        },
    }
    for principal in set(PRINCIPALS.values()):
        for worker, names in own.items():
            for kind, resources in names.items():
                for name in resources:
                    operation = "Read" if kind == "group" else "Write"
                    assert _allowed(acls, principal, operation, kind, name) == (
                        principal == worker
                    ), (principal, kind, name)
    # Nothing else: every grant is a contract topic, or a worker's own prefix, or the one
    # read that `omniroute report` needs: the insight state, for operators.
    contract = {spec.name for spec in TOPICS}
    report = Acl("User:omniroute-operator", "Read", "topic", insight.changelog_topic, "literal")
    assert report in acls
    for acl in acls - {report}:
        if acl.pattern == "prefixed":
            assert acl.name in WORKER_PREFIXES.get(acl.principal, set()), acl
        else:
            assert acl.kind == "topic", acl
            assert acl.name in contract, acl
        assert acl.name not in {"*", ""}, acl
        assert acl.operation != "All" or acl.pattern == "prefixed", acl


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_kafka_takes_clients_only_over_sasl_ssl_and_refuses_what_no_acl_grants() -> None:
    services = _compose()["services"]
    for n in (1, 2, 3):
        node = services[f"kafka-{n}"]
        env = node["environment"]
        listeners = dict(
            item.split(":", 1) for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
        )
        assert listeners["SASL_SSL"] == "SASL_SSL"
        assert "SASL_SSL://:9092" in env["KAFKA_LISTENERS"]
        assert "PLAINTEXT://" not in env["KAFKA_LISTENERS"]
        assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
        assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        assert env["KAFKA_SUPER_USERS"] == "User:ANONYMOUS"  # brokers, internal listeners
        assert "ports" not in node  # nothing of the brokers is published
    script = services["topics"]["command"][0]
    assert "kafka-acls.sh" in script
    loop = re.search(r"for user in ([\w ]+); do", script)
    assert loop is not None
    users = {principal.removeprefix("User:omniroute-") for principal in PRINCIPALS.values()}
    assert set(loop.group(1).split()) == users
    assert set(services["topics"]["secrets"]) == {f"kafka-{user}" for user in users}


def test_compose_workers_each_log_in_as_their_own_principal_with_a_password_file() -> None:
    services = _compose()["services"]
    users, redis_users = {}, {}
    for worker in sorted(WORKERS):
        assert services[worker]["command"] == ["worker", worker]
        env = services[worker]["environment"]
        assert env["OMNIROUTE_KAFKA__SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["OMNIROUTE_KAFKA__SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["OMNIROUTE_REDIS__USE_TLS"] == "true"
        assert not any(key.endswith("PASSWORD") for key in env), "a password in the environment"
        secret = Path(env["OMNIROUTE_KAFKA__SASL_PASSWORD_FILE"]).name
        assert secret in services[worker]["secrets"]
        users[worker] = env["OMNIROUTE_KAFKA__SASL_USERNAME"]
        if "OMNIROUTE_REDIS__USERNAME" in env:
            redis_secret = Path(env["OMNIROUTE_REDIS__PASSWORD_FILE"]).name
            assert redis_secret in services[worker]["secrets"]
            assert redis_secret in services["redis"]["secrets"]
            redis_users[worker] = env["OMNIROUTE_REDIS__USERNAME"]
    assert users == {worker: f"omniroute-{worker}" for worker in WORKERS}
    # The assigner and insight read no Redis, so they have no Redis user.
    assert redis_users == {"router": "omniroute-router", "outbound": "omniroute-outbound"}
    redis = services["redis"]
    command = redis["command"][0]
    assert "--port 0" in command  # no plaintext port
    assert "--tls-port 6379" in command
    assert "--aclfile" in command
    for placeholder in re.findall(
        r"@PASSWORD_\w+@", (ROOT / "deploy/security/redis-users.acl").read_text()
    ):
        assert f'-e "s/{placeholder}/' in command, f"{placeholder} is never filled in"


def test_the_redis_acl_file_turns_the_default_user_off_and_keeps_profiles_read_only() -> None:
    users = {
        line.split()[1]: line.split()[2:]
        for line in (ROOT / "deploy/security/redis-users.acl").read_text().splitlines()
    }
    assert users["default"] == ["off"]
    assert set(users) == {"default", "omniroute-router", "omniroute-outbound", "omniroute-loader"}
    router, outbound = users["omniroute-router"], users["omniroute-outbound"]
    assert "%R~cust:*" in router  # reads profiles, never writes them
    assert "~idx:*" in router  # the identity index: resolves (GET, SET) and links
    assert "%R~recent:*" in outbound  # the router's history, read only
    assert "~outbound:*" in outbound
    assert not any("cust:" in rule or "idx:" in rule for rule in outbound)
    for rules in users.values():
        if rules != ["off"]:
            assert "-@all" in rules
        for rule in rules:
            assert rule not in {"+@all", "allkeys", "~*", "allcommands", "nopass"}, rule


def _k8s() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / "deploy/k8s/omniroute.yaml").read_text()))


@pytest.mark.parametrize("worker", sorted(WORKERS))
def test_k8s_workers_read_their_own_credentials_from_mounted_files(worker: str) -> None:
    docs = _k8s()
    config = next(
        d for d in docs if d["kind"] == "ConfigMap" and "settings" in d["metadata"]["name"]
    )
    assert config["data"]["OMNIROUTE_KAFKA__SECURITY_PROTOCOL"] == "SASL_SSL"
    deployment = next(
        d
        for d in docs
        if d["kind"] == "Deployment" and d["metadata"]["name"] == f"omniroute-{worker}"
    )
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert all("secretRef" not in source for source in container["envFrom"])
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["OMNIROUTE_KAFKA__SASL_USERNAME"] == f"omniroute-{worker}"
    assert not any(name.endswith("PASSWORD") for name in env | config["data"])
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["credentials"]["secret"]["secretName"] == f"omniroute-{worker}-credentials"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    password_file = config["data"]["OMNIROUTE_KAFKA__SASL_PASSWORD_FILE"]
    assert password_file.startswith(mounts["credentials"] + "/")
    assert config["data"]["OMNIROUTE_KAFKA__TLS__CA_FILE"].startswith(mounts["tls"] + "/")
    secret = next(
        d
        for d in docs
        if d["kind"] == "Secret" and d["metadata"]["name"] == f"omniroute-{worker}-credentials"
    )
    assert Path(password_file).name in secret["stringData"]
    if "OMNIROUTE_REDIS__USERNAME" in env:  # a Redis user of its own, its password beside
        assert env["OMNIROUTE_REDIS__USERNAME"] == f"omniroute-{worker}"
        redis_password = env["OMNIROUTE_REDIS__PASSWORD_FILE"]
        assert redis_password.startswith(mounts["credentials"] + "/")
        assert Path(redis_password).name in secret["stringData"]
