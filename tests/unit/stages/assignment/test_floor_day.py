"""The assignment stage on a contact center's day: each queue's settings from the
policy file reach its pool; a completion holds the agent in wrap-up, tells the
router who served the customer and how it ended, and shows in the wrap-up gauge;
the sales flag reaches the offer; an agent in two pools is offered no more than
their capacity across both, each pool's writes going to its own partition."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from omniroute.agents import Record
from omniroute.router.codec import InboundRecord
from omniroute.router.runtime import AssignerSettings, Settings
from omniroute.router.stages.assignment import (
    AssignerEngine,
    AssignerMetrics,
    AssignerRuntime,
    AssignerStage,
    BatchResult,
    QueueSettingsError,
    StageResult,
    read_queue_settings,
)
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    Channel,
    InteractionEnded,
    Offer,
    OfferAccepted,
    PoolTick,
    QueueSettings,
    WorkCompleted,
    WrapUp,
    WrapUpEnded,
    new_event_id,
)
from tests.support.assigner import no_records, queued_decision

NOW = 1_800_000_000.0
POLICY = """
version: "t"
queue_defaults: {relax_after_seconds: 45, wrap_up_seconds: 10}
queues:
  general: {pool: care}
  billing: {pool: care, relax_after_seconds: 5, any_agent_after_seconds: null, wrap_up_seconds: 30}
  technical: {pool: tech, aging_per_second: 3, service_target_seconds: 60}
default_queue: general
"""


def _stage(tmp_path: Path, metrics: AssignerMetrics | None = None) -> AssignerStage:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return AssignerStage(
        AssignerSettings(),
        metrics or AssignerMetrics(CollectorRegistry(), process=False),
        no_records,
        read_queue_settings(path),
    )


def _login(
    agent: str, pool: str, queues: list[str], pools: list[str] | None = None
) -> AgentLoggedIn:
    return AgentLoggedIn(
        id=new_event_id(),
        source="/t",
        agent_id=agent,
        pool=pool,
        pools=pools or [],
        queues=queues,
        capacity={Channel.VOICE: 1},
        presence=AgentPresence.READY,
    )


def _messages(result: StageResult, topic: str) -> list[dict[str, object]]:
    return [json.loads(value) for name, _, value in result.outbound if name == topic]


def _offers(result: StageResult) -> list[Offer]:
    return [
        Offer.model_validate(m)
        for m in _messages(result, "omniroute.assignments")
        if m["type"] == "omniroute.offer"
    ]


def test_each_queues_settings_from_the_policy_file_reach_its_pool(tmp_path: Path) -> None:
    config = _stage(tmp_path).pool_config("care")
    billing, general = config.queue("billing"), config.queue("general")
    assert (billing.relax_after_seconds, billing.any_agent_after_seconds) == (5, None)
    assert billing.wrap_up_seconds == 30
    assert (general.relax_after_seconds, general.wrap_up_seconds) == (45, 10)  # the defaults
    assert general.any_agent_after_seconds == QueueSettings().any_agent_after_seconds
    assert config.queue("technical").aging_per_second == 3
    assert config.queue("unnamed") == config.default_queue
    assert config.default_queue.wrap_up_seconds == 10


def test_a_bad_queue_setting_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(POLICY.replace("wrap_up_seconds: 30", "wrap_up_seconds: -1"))
    with pytest.raises(QueueSettingsError, match=r"bad\.yaml: queues\.billing\.wrap_up_seconds: "):
        read_queue_settings(path)


def test_the_built_in_policy_is_read_when_no_file_is_set() -> None:
    defaults, queues = read_queue_settings(None)
    assert defaults == QueueSettings()
    assert {"general", "priority", "technical"} <= set(queues)


def test_completion_holds_wrap_up_then_tells_the_router_who_served_and_how_it_ended(
    tmp_path: Path,
) -> None:
    registry = CollectorRegistry()
    stage = _stage(tmp_path, AssignerMetrics(registry, process=False))
    stage.apply("care", _login("a1", "care", ["billing"]), NOW)
    decision = queued_decision("i1", "cust-1", queue="billing", pool="care", channel=Channel.VOICE)
    decision = decision.model_copy(update={"offer_allowed": True, "reason": "billing"})
    (offer,) = _offers(stage.apply("care", decision, NOW + 1))
    assert offer.offer_allowed is True, "sell when idle reaches the agent"
    stage.apply(
        "care",
        OfferAccepted(
            id=new_event_id(),
            source="/t",
            agent_id="a1",
            pool="care",
            offer_id=offer.offer_id,
            interaction_id="i1",
        ),
        NOW + 2,
    )
    done = stage.apply(
        "care",
        WorkCompleted(
            id=new_event_id(),
            source="/t",
            agent_id="a1",
            pool="care",
            interaction_id="i1",
            wrap_up=WrapUp(outcome="unresolved", reason="payment"),
        ),
        NOW + 62,
    )
    (ended_raw,) = _messages(done, "omniroute.interactions")
    ended = InteractionEnded.model_validate(ended_raw)
    assert (ended.customer_id, ended.agent_id, ended.outcome) == ("cust-1", "a1", "unresolved")
    assert ended.reason == "payment", "the reason the agent confirmed"
    assert ended.handle_seconds == 60.0
    assert [k for n, k, _ in done.outbound if n == "omniroute.interactions"] == [b"cust-1"]

    def gauge() -> float | None:
        return registry.get_sample_value("omniroute_agents_in_wrap_up", {"pool": "care"})

    tick = PoolTick(id="t1", source="/t", pool="care", now=decision.time)
    stage.apply("care", tick, NOW + 63)
    assert gauge() == 1.0
    second = queued_decision("i2", "cust-2", queue="billing", pool="care", channel=Channel.VOICE)
    assert _offers(stage.apply("care", second, NOW + 64)) == [], "no offer during wrap-up"
    assert stage.pools["care"].next_timer() == NOW + 62 + 30
    (next_offer,) = _offers(stage.timer("care", NOW + 92))
    assert next_offer.interaction_id == "i2"
    stage.apply("care", tick.model_copy(update={"id": "t2"}), NOW + 93)
    assert gauge() == 0.0


def test_the_agent_ends_wrap_up_early_through_the_stage(tmp_path: Path) -> None:
    stage = _stage(tmp_path)
    stage.apply("care", _login("a1", "care", ["billing"]), NOW)
    (offer,) = _offers(
        stage.apply(
            "care",
            queued_decision("i1", "c1", queue="billing", pool="care", channel=Channel.VOICE),
            NOW,
        )
    )
    base: dict[str, Any] = {"id": new_event_id(), "source": "/t", "agent_id": "a1", "pool": "care"}
    stage.apply("care", OfferAccepted(**base, offer_id=offer.offer_id, interaction_id="i1"), NOW)
    stage.apply("care", WorkCompleted(**base, interaction_id="i1"), NOW + 5)
    stage.apply(
        "care",
        queued_decision("i2", "c2", queue="billing", pool="care", channel=Channel.VOICE),
        NOW + 6,
    )
    (again,) = _offers(stage.apply("care", WrapUpEnded(**base, interaction_id="i1"), NOW + 7))
    assert again.interaction_id == "i2"


def test_an_agent_in_two_pools_gets_no_second_offer_and_each_pool_writes_to_its_partition(
    tmp_path: Path,
) -> None:
    stage = _stage(tmp_path)
    engine = AssignerEngine(stage, _nothing_persisted)
    engine.partition_of.update({"care": 0, "tech": 1})
    # What the re-key loop sends: the same log-in to each of the agent's pools.
    stage.apply("care", _login("a1", "care", ["general"], ["tech"]), NOW)
    stage.apply("tech", _login("a1", "tech", ["technical"], ["care"]), NOW)
    (first,) = _offers(
        stage.apply(
            "care",
            queued_decision("i1", "c1", queue="general", pool="care", channel=Channel.VOICE),
            NOW + 1,
        )
    )
    waiting = stage.apply(
        "tech",
        queued_decision("i2", "c2", queue="technical", pool="tech", channel=Channel.VOICE),
        NOW + 2,
    )
    assert _offers(waiting) == [], "a1 is at capacity in care: tech may not offer"
    base: dict[str, Any] = {"id": new_event_id(), "source": "/t", "agent_id": "a1", "pool": "care"}
    stage.apply(
        "care", OfferAccepted(**base, offer_id=first.offer_id, interaction_id="i1"), NOW + 3
    )
    done = stage.apply("care", WorkCompleted(**base, interaction_id="i1"), NOW + 4)
    assert _offers(done) == [], "care's wrap-up (10 s by default) still holds a1"
    freed = stage.timer("care", NOW + 14)
    ((pool, part),) = [(p, r) for p, r in freed.others if _offers(r)]
    assert pool == "tech"
    assert [o.interaction_id for o in _offers(part)] == ["i2"]
    out = BatchResult()
    engine._add(out, 0, freed)
    tech_writes = {
        key: partition for key, (partition, _) in out.writes.items() if key.startswith("tech|")
    }
    assert tech_writes
    assert set(tech_writes.values()) == {1}


async def _nothing_persisted(partition: int) -> dict[str, Record]:
    return {}


def test_the_rekey_sends_log_in_presence_and_log_out_to_every_pool_of_the_agent() -> None:
    runtime = AssignerRuntime(Settings(), CollectorRegistry())
    login = _login("a1", "care", ["general"], ["tech", "care"])
    accept = OfferAccepted(
        id=new_event_id(),
        source="/t",
        agent_id="a1",
        pool="care",
        pools=["tech"],
        offer_id="i1#1",
        interaction_id="i1",
    )
    records = [
        InboundRecord("omniroute.agent-events", 0, n, b"a1", event.model_dump_json().encode())
        for n, event in enumerate((login, accept))
    ]
    out = asyncio.run(runtime._rekey(records))
    sent = [(record[1], json.loads(record[2])) for record in out]
    assert [(key, body["type"], body["pool"]) for key, body in sent] == [
        (b"care", "omniroute.agent.logged_in", "care"),
        (b"tech", "omniroute.agent.logged_in", "tech"),
        (b"care", "omniroute.agent.offer_accepted", "care"),
    ]


def test_the_assigner_worker_refuses_to_start_on_a_bad_queue_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.replace("wrap_up_seconds: 30", "wrap_up_seconds: -1"))
    env = os.environ | {
        "OMNIROUTE_ROUTER__POLICY_FILE": str(path),
        "OMNIROUTE_STATE_DIR": str(tmp_path / "state"),
        "COLUMNS": "300",
    }
    done = subprocess.run(
        [sys.executable, "-m", "omniroute.router.cli", "worker", "assigner"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert f"policy error: {path}: queues.billing.wrap_up_seconds: Input should be" in output


def test_a_log_in_naming_a_pool_another_worker_owns_is_counted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = CollectorRegistry()
    engine = AssignerEngine(
        _stage(tmp_path, AssignerMetrics(registry, process=False)), _nothing_persisted
    )
    engine.owns = lambda pool: pool in {"care", "billing"}
    logins = [
        _login("a1", "care", ["general"], ["billing"]),  # both here: nothing to say
        _login("a2", "care", ["general"], ["tech", "billing"]),
    ]
    records = [
        InboundRecord("omniroute.assigner-input", 0, n, b"care", login.model_dump_json().encode())
        for n, login in enumerate(logins)
    ]
    with caplog.at_level("WARNING", logger="omniroute.assigner"):
        asyncio.run(engine.apply_batch(records, NOW, BatchResult()))
    count = registry.get_sample_value("omniroute_agent_pools_elsewhere_total", {"pool": "care"})
    assert count == 1.0
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.getMessage().endswith("owns: tech")
