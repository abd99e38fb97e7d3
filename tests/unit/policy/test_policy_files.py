"""Policy files: whatever ``policy check`` accepts can be put in a decision, and a
file that cannot be read as UTF-8 is a ``PolicyError``, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from omniroute.router.policy import DEFAULT_POLICY_FILE, PolicyError, load_policy, parse_policy
from omniroute.router.stages.routing import PolicyHolder, PolicyWatcher, RouterMetrics
from omniroute.schemas import EXPLANATION_DETAIL_MAX, RoutingDecision, Tier
from tests.support.policy import NOW, arrival, customer

DEFAULT_TEXT = files("omniroute.router.policy").joinpath(DEFAULT_POLICY_FILE).read_text("utf-8")
VIP_DESCRIPTION = (
    "description: VIPs are recognised, wait least, and get the agent who served them last"
)


def _with_vip_description(text: str) -> str:
    assert VIP_DESCRIPTION in DEFAULT_TEXT
    return DEFAULT_TEXT.replace(VIP_DESCRIPTION, f"description: {text}")


def test_a_rule_description_longer_than_a_decision_allows_is_refused_naming_the_field() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(_with_vip_description("x" * (EXPLANATION_DETAIL_MAX + 1)), origin="p.yaml")
    message = str(caught.value)
    assert message.startswith("p.yaml: ")
    assert "routing[0] 'vip-priority'.description" in message
    assert str(EXPLANATION_DETAIL_MAX) in message


def test_the_longest_description_accepted_goes_into_a_valid_decision() -> None:
    policy = parse_policy(_with_vip_description("y" * EXPLANATION_DETAIL_MAX))
    decision = policy.route(arrival(requested_agent=True), customer(tier=Tier.VIP), {}, NOW)
    parsed = RoutingDecision.model_validate_json(decision.model_dump_json())
    assert [e.detail for e in parsed.explanation if e.name == "vip-priority"] == [
        "y" * EXPLANATION_DETAIL_MAX
    ]


@pytest.mark.parametrize("number", [".inf", ".nan", "-.inf"])
def test_a_non_finite_number_in_a_policy_is_refused(number: str) -> None:
    text = DEFAULT_TEXT.replace(
        "service_targets: {voice: 20,", f"service_targets: {{voice: {number},"
    )
    with pytest.raises(PolicyError, match=r"service_targets\.voice"):
        parse_policy(text)


def test_a_yaml_value_that_cannot_be_built_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="not valid YAML"):
        parse_policy(DEFAULT_TEXT.replace('version: "2026.11-1"', "version: 2026-13-45"))


def _latin1_edit(path: Path) -> int:
    """Write the default policy with one Latin-1 'é' in a comment; its byte offset."""
    raw = DEFAULT_TEXT.replace("# omniroute default", "# omniroute d\u00e9fault", 1)
    data = raw.encode("latin-1")
    path.write_bytes(data)
    return data.index(b"\xe9")


def test_a_non_utf8_file_is_a_policy_error_naming_file_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    offset = _latin1_edit(path)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: not UTF-8 at byte {offset} ")


def test_the_watcher_keeps_the_last_good_policy_after_a_non_utf8_edit(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(DEFAULT_TEXT, encoding="utf-8")
    metrics = RouterMetrics(CollectorRegistry())
    holder = PolicyHolder(load_policy(path), metrics)
    good = holder.current.version
    watcher = PolicyWatcher(path, holder, metrics.policy_reloads)
    _latin1_edit(path)
    os.utime(path, ns=(1, 1))  # a different stamp whatever the clock's resolution

    assert watcher.check() is False
    assert holder.current.version == good
    assert metrics.policy_reloads.labels("error")._value.get() == 1


def test_the_router_worker_refuses_to_start_on_a_non_utf8_policy_without_a_traceback(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.yaml"
    offset = _latin1_edit(path)
    env = os.environ | {
        "OMNIROUTE_ROUTER__POLICY_FILE": str(path),
        "OMNIROUTE_STATE_DIR": str(tmp_path / "state"),
        "COLUMNS": "300",
    }
    done = subprocess.run(
        [sys.executable, "-m", "omniroute.router.cli", "worker", "router"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert f"{path}: not UTF-8 at byte {offset}" in " ".join(output.split())
