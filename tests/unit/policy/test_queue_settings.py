"""Per-queue settings in the policy file: one default for each figure, the policy's
``queue_defaults`` over it, a queue's own keys over those; the queue's service
target on its decisions; a wrong value named by queue and field."""

from __future__ import annotations

import pytest
import yaml

from omniroute.router.policy import PolicyError, PolicyFile, parse_policy
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import DEFAULT_SERVICE_TARGETS, pool_config
from omniroute.schemas import SERVICE_TARGET_SECONDS, Channel, QueueSettings, queue_settings_of
from tests.support.policy import NOW, arrival, customer

TEXT = """
version: "t"
service_targets: {voice: 20, chat: 30}
queue_defaults: {wrap_up_seconds: 15, relax_after_seconds: 90}
queues:
  general: {pool: care, service_target_seconds: 45}
  billing: {pool: care, wrap_up_seconds: 60, any_agent_after_seconds: null}
default_queue: billing
routing:
  - {name: general-questions, when: 'reason == "other"', then: {queue: general}}
"""


def test_a_queues_own_keys_override_the_policys_defaults_which_override_the_built_in_ones() -> None:
    spec = parse_policy(TEXT).spec
    billing = spec.queue_settings("billing")
    assert (billing.wrap_up_seconds, billing.relax_after_seconds) == (60, 90)
    assert billing.any_agent_after_seconds is None, "null: this queue never takes any agent"
    general = spec.queue_settings("general")
    assert (general.wrap_up_seconds, general.service_target_seconds) == (15, 45)
    assert general.aging_per_second == QueueSettings().aging_per_second == 1.0


def test_the_assigner_reads_the_same_settings_from_the_file_as_the_policy_does() -> None:
    spec = parse_policy(TEXT).spec
    defaults, queues = queue_settings_of(yaml.safe_load(TEXT))
    assert defaults == spec.queue_defaults
    assert queues == {name: spec.queue_settings(name) for name in spec.queues}


def test_the_decision_carries_the_queues_own_service_target_or_the_channels() -> None:
    policy = parse_policy(TEXT)
    general = policy.route(arrival(Channel.CHAT, reason="other"), customer(), {}, NOW)
    assert (general.queue, general.service_target_seconds) == ("general", 45)
    billing = policy.route(arrival(Channel.CHAT, reason="billing"), customer(), {}, NOW)
    assert (billing.queue, billing.service_target_seconds) == ("billing", 30)


def test_a_wrong_queue_setting_names_the_queue_and_the_field() -> None:
    with pytest.raises(PolicyError, match=r"queues\.billing\.wrap_up_seconds: .*greater than"):
        parse_policy(TEXT.replace("wrap_up_seconds: 60", "wrap_up_seconds: -5"))
    with pytest.raises(PolicyError, match=r"queue_defaults\.wrapup_seconds: Extra inputs"):
        parse_policy(TEXT.replace("{wrap_up_seconds: 15,", "{wrapup_seconds: 15,"))


def test_each_figure_has_one_default_that_the_policy_and_the_assigner_share() -> None:

    targets = PolicyFile.model_fields["service_targets"].default
    assert {c: targets.of(c) for c in Channel} == dict(SERVICE_TARGET_SECONDS)
    assert DEFAULT_SERVICE_TARGETS is SERVICE_TARGET_SECONDS
    built_in = QueueSettings()
    queue = pool_config("care", AssignerSettings()).default_queue
    assert (queue.aging_per_second, queue.relax_after_seconds, queue.relax_by) == (
        built_in.aging_per_second,
        built_in.relax_after_seconds,
        built_in.relax_by,
    )
    assert (queue.any_agent_after_seconds, queue.sticky_seconds, queue.wrap_up_seconds) == (
        built_in.any_agent_after_seconds,
        built_in.sticky_seconds,
        built_in.wrap_up_seconds,
    )
