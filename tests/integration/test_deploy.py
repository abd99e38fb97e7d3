"""The deployment artefacts, checked against the code they deploy: every metric a
dashboard or alert uses exists with those labels, every topic is created, every
setting named exists, and Prometheus itself accepts the config and rules."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from omniroute.router.policy import load_policy, parse_policy
from omniroute.router.runtime import Settings, producer_config
from omniroute.router.tools.ops import DASHBOARDS, all_queries, dashboard_json
from omniroute.schemas import TOPICS
from tests.support.promql import known_metrics, references

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _rule_exprs() -> list[tuple[str, str]]:
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [
        (rule.get("alert") or rule["record"], rule["expr"])
        for group in document["groups"]
        for rule in group["rules"]
    ]


def _setting_names(prefix: str = "OMNIROUTE", model: type[BaseModel] = Settings) -> set[str]:
    names = set()
    for field_name, info in model.model_fields.items():
        name = (
            f"{prefix}_{field_name.upper()}"
            if prefix == "OMNIROUTE"
            else f"{prefix}__{field_name.upper()}"
        )
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _setting_names(name, annotation)
        else:
            names.add(name)
    return names


def test_committed_dashboards_are_the_generated_ones() -> None:
    for uid in DASHBOARDS:
        committed = (DEPLOY / "grafana" / "dashboards" / f"{uid}.json").read_text()
        assert committed == dashboard_json(uid), f"run `omniroute deploy export` ({uid})"


@pytest.mark.parametrize(("where", "query"), all_queries() + _rule_exprs())
def test_every_query_uses_metrics_and_labels_that_exist(where: str, query: str) -> None:
    known = known_metrics()
    metrics, labels = references(query)
    records = {name for name, _ in _rule_exprs()}
    metrics -= records
    assert metrics or "up{" in query or "omniroute:" in query, f"{where}: no metric found"
    for metric in metrics:
        assert metric in known, f"{where}: {metric} is not exposed by any worker"
    available = set().union(*(known[m] for m in metrics)) if metrics else set()
    unknown = (
        labels - available - {"pool", "queue", "channel"} if not metrics else labels - available
    )
    assert not unknown, f"{where}: labels {unknown} not on {metrics}"


@pytest.mark.prometheus
def test_promtool_accepts_the_config_and_the_rules() -> None:
    for args in (
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],  # the alerts fire when they should
    ):
        result = subprocess.run(
            ["promtool", *args],
            cwd=DEPLOY / "prometheus",
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_compose_runs_kafka_in_kraft_mode_with_a_quorum() -> None:
    services = _compose()["services"]
    nodes = [services[f"kafka-{n}"] for n in (1, 2, 3)]
    voters = nodes[0]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    for n, node in enumerate(nodes, start=1):
        env = node["environment"]
        assert env["KAFKA_NODE_ID"] == n
        assert "controller" in env["KAFKA_PROCESS_ROLES"]
        assert f"{n}@kafka-{n}:9093" in voters
        assert (
            env["KAFKA_ADVERTISED_LISTENERS"]
            == f"SASL_SSL://kafka-{n}:9092,BROKER://kafka-{n}:9094"
        )
        assert "ZOOKEEPER" not in " ".join(env)


def test_compose_creates_every_contract_topic_before_the_workers_start() -> None:
    services = _compose()["services"]
    script = services["topics"]["command"][0]
    for spec in TOPICS:
        line = next(
            (line for line in script.splitlines() if f"create {spec.name}" in line + " "), None
        )
        assert line is not None, f"{spec.name} not created"
        assert line.split()[1] == spec.name
        assert ("cleanup.policy=compact" in line) == spec.compacted, spec.name
    for worker in ("router", "assigner"):
        depends = services[worker]["depends_on"]
        assert depends["topics"]["condition"] == "service_completed_successfully"
        assert services[worker]["deploy"]["replicas"] >= 2
    partitions = services["router"]["environment"]["OMNIROUTE_KAFKA__PARTITIONS"]
    assert f"--partitions {partitions}" in script


def _k8s_config() -> dict[str, str]:
    docs = yaml.safe_load_all((DEPLOY / "k8s" / "omniroute.yaml").read_text())
    config = next(
        d
        for d in docs
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "omniroute-settings"
    )
    data: dict[str, str] = config["data"]
    return data


def test_compose_kafka_keeps_a_write_on_two_of_three_brokers() -> None:
    services = _compose()["services"]
    for n in (1, 2, 3):
        env = services[f"kafka-{n}"]["environment"]
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
    script = services["topics"]["command"][0]
    assert "--replication-factor 3 --config min.insync.replicas=2" in script


@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_workers_produce_with_acks_all_and_idempotence_on_replicated_topics(where: str) -> None:
    env = _compose()["services"]["router"]["environment"] if where == "compose" else _k8s_config()
    settings = Settings.model_validate(
        {
            "kafka": {
                "replication_factor": env["OMNIROUTE_KAFKA__REPLICATION_FACTOR"],
                "min_insync_replicas": env["OMNIROUTE_KAFKA__MIN_INSYNC_REPLICAS"],
                "idempotent_producer": env["OMNIROUTE_KAFKA__IDEMPOTENT_PRODUCER"],
            }
        }
    )
    assert settings.kafka.replication_factor == 3
    assert settings.kafka.topic_configs(compacted=True) == {
        "cleanup.policy": "compact",
        "min.insync.replicas": "2",
    }
    producer = producer_config(settings)
    assert (producer["acks"], producer["enable_idempotence"]) == ("all", True)
    assert env["OMNIROUTE_PROFILE"] == "production"


def test_compose_and_k8s_only_name_settings_that_exist() -> None:
    valid = _setting_names()
    compose_env = set(_compose()["services"]["router"]["environment"])
    k8s = list(yaml.safe_load_all((DEPLOY / "k8s" / "omniroute.yaml").read_text()))
    k8s_env = {
        key
        for doc in k8s
        if doc["kind"] in ("ConfigMap", "Secret") and doc["metadata"]["name"] != "omniroute-policy"
        for key in (doc.get("data") or doc.get("stringData") or {})
        if doc["kind"] == "ConfigMap" or key.startswith("OMNIROUTE_")  # Secrets hold files
    }
    assert compose_env <= valid, compose_env - valid
    assert k8s_env <= valid, k8s_env - valid


def test_compose_mounts_the_prometheus_and_grafana_files_of_this_repo() -> None:
    services = _compose()["services"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    grafana = services["grafana"]["volumes"]
    assert "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/omniroute.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    for path in (ROOT / "deploy/Dockerfile",):
        assert path.exists()


def test_k8s_workers_probe_health_and_readiness_and_mount_a_valid_policy() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "omniroute.yaml").read_text()))
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {
        "omniroute-router",
        "omniroute-assigner",
        "omniroute-insight",
        "omniroute-outbound",
    }
    for deployment in deployments.values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][0] == "worker"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    policy = next(d for d in docs if d["metadata"]["name"] == "omniroute-policy")
    parse_policy(policy["data"]["policy.yaml"])


def test_shipped_policies_pass_the_check() -> None:
    for path in sorted((DEPLOY / "policies").glob("*.yaml")):
        load_policy(path)
