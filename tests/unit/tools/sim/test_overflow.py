"""Overflow on the simulated floor: the same pool, the same steps as production,
and the short-staffed day with the overflow policy reports what moved."""

from __future__ import annotations

import random
from pathlib import Path

from omniroute.agents import AgentSpec, Contact, PoolConfig, Presence
from omniroute.router.policy import load_policy
from omniroute.router.tools.sim import (
    AgentRun,
    ContactRun,
    Floor,
    OverflowPair,
    day_report,
    load_scenario,
    simulate_day,
)
from omniroute.schemas import Channel, OverflowStep

DEPLOY = Path(__file__).parents[4] / "deploy"


def test_a_contact_past_its_step_is_served_in_the_other_pool() -> None:
    floor = Floor(
        {"care": PoolConfig(name="care"), "tech": PoolConfig(name="tech")}, random.Random(1)
    )
    spec = AgentSpec("tech-1", ("tech_help",), {}, {Channel.VOICE: 1}, 1, Presence.READY)
    floor.add_agent(AgentRun(spec=spec, pool="tech"))
    step = OverflowStep(after_seconds=45, queue="tech_help", pool="tech")
    contact = Contact("ix-1", "c-1", "general", Channel.VOICE, 30, 0.0, overflow=(step,))
    run = ContactRun(contact=contact, pool="care", arrived=0.0, handle_seconds=100)
    floor.after(0.0, lambda: floor.arrive(run))
    floor.run(1000)
    assert run.overflows == ["care/general->tech/tech_help"]
    assert (run.agent_id, run.answered_at, run.wait) == ("tech-1", 45.0, 45.0)


def test_the_short_staffed_day_with_the_overflow_policy_reports_what_moved() -> None:
    scenario = load_scenario(DEPLOY / "scenarios" / "care-short-staffed.yaml").model_copy(
        update={"hours": 1}
    )
    report = day_report(simulate_day(scenario, load_policy(DEPLOY / "policies" / "overflow.yaml")))
    assert set(report["overflowed"]) == {"care/general->tech/technical"}
    assert report["overflowed"]["care/general->tech/technical"] > 0


def test_overflow_between_two_pools_lies_between_erlang_c_separate_and_pooled() -> None:
    """Two M/M/10 pools at 8.3 erlangs each: without overflow the floor is Erlang C's
    separate pools; the sooner contacts overflow, the nearer the ASA comes to one pooled
    queue of 20 agents, which no sharing can beat."""
    runs = {
        after: OverflowPair(
            arrivals_per_hour=100,
            aht_seconds=300,
            agents=10,
            target_seconds=20,
            overflow_after=after,
            hours=60,
            seed=1,
        ).run()
        for after in (None, 60.0, 5.0)
    }
    never, late, soon = runs[None], runs[60.0], runs[5.0]
    separate_sl = never["erlang_c_separate_service_level"]
    assert never["overflowed_share"] == 0.0
    assert abs(float(never["service_level"] or 0) - float(separate_sl or 0)) < 0.03
    asa = [float(r["asa_seconds"] or 0) for r in (never, late, soon)]
    pooled_asa = float(never["erlang_c_pooled_asa_seconds"] or 0)
    assert asa[0] > asa[1] > asa[2] > pooled_asa
    sl = [float(r["service_level"] or 0) for r in (never, late, soon)]
    assert sl[0] < sl[1] < sl[2]
    assert sl[2] > float(separate_sl or 0) + 0.1
    assert 0 < float(late["overflowed_share"] or 0) < float(soon["overflowed_share"] or 0)
