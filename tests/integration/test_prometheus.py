"""Monitoring against a real Prometheus server: it scrapes a running router and a
running assigner while demo-like traffic flows and agents work, then every
dashboard panel's and every alert's query is run through its HTTP API.
The same run checks that no customer identity leaks into labels or logs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import (
    AgentFloor,
    TrafficGenerator,
    WorkerProcess,
    floor_agents,
    free_port,
    generate_customers,
    publish_traffic,
    seed_customers,
)
from omniroute.router.tools.ops import all_queries
from tests.support.kafka import end_held_contacts
from tests.support.promql import references

pytestmark = [pytest.mark.prometheus, pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 400


@dataclass(frozen=True)
class LiveRun:
    api: str
    scrapes: dict[str, str]  # job -> /metrics text at the end
    logs: str


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _query(api: str, expr: str) -> dict[str, Any]:
    result: dict[str, Any] = _get(f"{api}/api/v1/query?query={urllib.parse.quote(expr)}")
    return result


@pytest.fixture(scope="module")
def live_run(
    stack_settings: Settings,
    router_worker: WorkerProcess,
    assigner_worker: WorkerProcess,
    insight_worker: WorkerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveRun]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail(
            "prometheus is required: ./dev.sh test installs it (apt-get install prometheus)"
        )
    workdir = tmp_path_factory.mktemp("prometheus")
    shutil.copy(ROOT / "deploy/prometheus/alerts.yml", workdir / "alerts.yml")
    targets = {
        "omniroute-router": router_worker.settings.metrics_port,
        "omniroute-assigner": assigner_worker.settings.metrics_port,
        "omniroute-insight": insight_worker.settings.metrics_port,
    }
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            for job, port in targets.items()
        ],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with (workdir / "prometheus.log").open("wb") as log:
        server = subprocess.Popen(
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    api = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{api}/-/ready", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        bootstrap = stack_settings.kafka.bootstrap_servers
        seed_customers(stack_settings, CUSTOMERS)
        run = f"prom{uuid.uuid4().hex[:6]}"
        floor = AgentFloor(
            bootstrap,
            floor_agents(12, run),
            handle_seconds=(0.5, 2.0),
            front_end=True,
            transfer_share=0.05,
        ).start()
        generator = TrafficGenerator(CUSTOMERS, seed=3, bad_share=0.05, run_id=run)
        publish_traffic(bootstrap, generator.next, count=2500, rate=250)
        # Scrapes and rule evaluations after the traffic, until Prometheus holds what the
        # tests below ask of it (a fixed 4 s stood for this).
        deadline = time.monotonic() + 30
        while _without_data(api) and time.monotonic() < deadline:
            time.sleep(0.5)
        floor.stop()
        scrapes = {
            job: urllib.request.urlopen(f"http://127.0.0.1:{p}/metrics", timeout=5).read().decode()
            for job, p in targets.items()
        }
        logs = "".join(
            w.log_path.read_text() for w in (router_worker, assigner_worker, insight_worker)
        )
        yield LiveRun(api, scrapes, logs)
        # 12 agents cannot serve 2,500 events: the queue left in the shared pools
        # would go to the next test's agents first (test_assigner did fail after it).
        end_held_contacts(stack_settings, run)
    finally:
        server.terminate()
        server.wait(10)


def _without_data(api: str) -> list[str]:
    """The panels, alerts and recorded series the tests below would find without data
    or unhealthy now (the first few): empty once Prometheus has what they check."""
    missing = [
        panel
        for panel, query in all_queries()
        if not (references(query)[0] and references(query)[0] <= POLICY_FEATURE_METRICS)
        and not _query(api, query)["data"]["result"]
    ]
    for rule, expr in _rules():
        names = references(expr)[0] | set(re.findall(r"omniroute:[a-z_:0-9]+", expr))
        missing += [
            f"{rule}: {n}" for n in names if not _query(api, f"count({n})")["data"]["result"]
        ]
        if len(missing) > 3:
            return missing
    groups = _get(f"{api}/api/v1/rules")["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    missing += [r["name"] for r in rules if r["health"] != "ok"]
    if len(rules) < len(_rules()):
        missing.append("rules not all loaded")
    return missing


POLICY_FEATURE_METRICS = frozenset(
    {"omniroute_overflowed_total", "omniroute_closed_arrivals_total"}
)
"""Series only a policy with overflow steps or opening hours makes: the session's
workers run the default policy, which has neither. tests/system/test_floor_rules_live.py
asserts their values on workers whose policy has both."""


@pytest.mark.parametrize(("panel", "query"), all_queries())
def test_every_dashboard_panel_finds_data(live_run: LiveRun, panel: str, query: str) -> None:
    answer = _query(live_run.api, query)
    assert answer["status"] == "success", answer
    metrics, _ = references(query)
    if metrics and metrics <= POLICY_FEATURE_METRICS:
        return
    assert answer["data"]["result"], f"{panel}: no data for {query}"


def _rules() -> list[tuple[str, str]]:
    document = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    return [
        (r.get("alert") or r["record"], r["expr"]) for g in document["groups"] for r in g["rules"]
    ]


@pytest.mark.parametrize(("rule", "expr"), _rules())
def test_every_alert_evaluates_and_its_metrics_have_data(
    live_run: LiveRun, rule: str, expr: str
) -> None:
    answer = _query(live_run.api, expr)
    assert answer["status"] == "success", f"{rule}: {answer}"
    metrics, _ = references(expr)
    recorded = set(re.findall(r"omniroute:[a-z_:0-9]+", expr))
    for name in sorted(metrics | recorded):
        series = _query(live_run.api, f"count({name})")["data"]["result"]
        assert series, f"{rule}: {name} has no series in Prometheus"


def test_alert_rules_are_loaded_and_healthy(live_run: LiveRun) -> None:
    groups = _get(f"{live_run.api}/api/v1/rules")["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert {r["name"] for r in rules} == {name for name, _ in _rules()}
    assert all(r["health"] == "ok" for r in rules), [r for r in rules if r["health"] != "ok"]


def test_no_customer_identity_in_metric_labels_or_logs(live_run: LiveRun) -> None:
    names = {profile.name for profile in generate_customers(CUSTOMERS)}
    customer_id = re.compile(r"cust-\d{7}")
    for job, text in live_run.scrapes.items():
        labels = " ".join(re.findall(r"\{[^}]*\}", text))
        assert not customer_id.search(labels), f"{job}: a customer id in a metric label"
        assert not [n for n in names if n in labels], f"{job}: a customer name in a metric label"
    assert live_run.logs, "the workers logged nothing: nothing was checked"
    assert not customer_id.search(live_run.logs), "a customer id in a log line"
    assert not [n for n in names if n in live_run.logs], "a customer name in a log line"


def test_one_contact_can_be_traced_through_both_workers_by_its_ids(live_run: LiveRun) -> None:
    lines = [json.loads(line) for line in live_run.logs.splitlines() if line.startswith("{")]
    decided = {
        line["interaction_id"]: line
        for line in lines
        if line["logger"] == "omniroute.trace"
        and line["msg"] == "decided"
        and line.get("target") == "agent_queue"
    }
    assigned = [
        line
        for line in lines
        if line["logger"] == "omniroute.trace"
        and line["msg"] == "assigned"
        and line["interaction_id"] in decided
    ]
    assert assigned, "no queued contact traced from decision to assignment"
    contact = decided[assigned[0]["interaction_id"]]
    assert {"event_id", "decision_id", "queue", "policy_version"} <= set(contact)
    assert {"offer_id", "agent_id", "pool"} <= set(assigned[0])
