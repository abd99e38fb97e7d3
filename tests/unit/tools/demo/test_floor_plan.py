"""The demo's sped-up floor: durations drawn from the scenario's distributions,
divided by the compression for the wall clock and multiplied back for reports;
staffing is Erlang C's answer for the load the policy sends each group; the
simulator replays a trace with the assigner's own pool."""

from __future__ import annotations

import dataclasses
import math
import statistics

import pytest

from omniroute.agents import Contact
from omniroute.router.policy import default_policy
from omniroute.router.tools.demo import (
    DEFAULT_SCENARIO,
    FloorPlan,
    Staffing,
    demo_plan,
    in_floor_seconds,
    simulate_floor,
)
from omniroute.router.tools.sim import ContactRun, agents_for_service_level, load_scenario
from omniroute.schemas import Channel

COMPRESSION = 20.0


@pytest.fixture(scope="module")
def plan() -> FloorPlan:
    return demo_plan(
        DEFAULT_SCENARIO,
        default_policy(),
        customers=2_000,
        events=1_500,
        traffic_seed=11,
        bad_share=0.02,
        events_per_second=25.0,
        compression=COMPRESSION,
        service_level=0.8,
    )


def test_draws_are_the_scenarios_distributions_and_fixed_per_contact(plan: FloorPlan) -> None:
    voice = [plan.draw(f"i{n}", Channel.VOICE, "billing") for n in range(4000)]
    assert plan.draw("i7", Channel.VOICE, "billing") == voice[7]
    # care-weekday: voice lognormal mean 300 s (cv 0.7), patience exponential mean 240 s,
    # wrap 30 s, answer exponential mean 2 s; 4000 draws: standard errors ~1-2%.
    assert statistics.fmean(d.handle for d in voice) == pytest.approx(300, rel=0.05)
    assert statistics.stdev(d.handle for d in voice) == pytest.approx(210, rel=0.1)
    assert statistics.fmean(d.patience for d in voice) == pytest.approx(240, rel=0.06)
    assert statistics.fmean(d.answer for d in voice) == pytest.approx(2.0, rel=0.06)
    assert {d.wrap for d in voice} == {30.0}
    fault = [plan.draw(f"t{n}", Channel.VOICE, "technical_fault") for n in range(4000)]
    assert statistics.fmean(d.handle for d in fault) == pytest.approx(540, rel=0.05)
    email = plan.draw("e1", Channel.EMAIL, "billing")
    assert math.isinf(email.patience)  # the scenario's e-mail customers never give up
    assert plan.handle(Channel.SMS, None).mean_seconds == 480  # handled like chat
    assert plan.handle(Channel.WEB, None).mean_seconds == 360  # handled like e-mail


def test_compression_divides_for_the_clock_and_multiplies_back(plan: FloorPlan) -> None:
    assert plan.wall(300.0) == 15.0
    run = ContactRun(
        contact=Contact("i1", "c1", "general", Channel.VOICE, 0, enqueued_at=1.0),
        pool="care",
        arrived=1.0,
        handle_seconds=plan.wall(300.0),
        patience_seconds=math.inf,
        target_seconds=plan.wall(20.0),
        answered_at=1.5,
    )
    (floor,) = in_floor_seconds([run], COMPRESSION)
    assert (floor.arrived, floor.answered_at, floor.wait) == (20.0, 30.0, 10.0)
    assert (floor.handle_seconds, floor.target_seconds) == (300.0, 20.0)


def test_each_group_is_staffed_by_erlang_c_for_its_load(plan: FloorPlan) -> None:
    assert {(g.pool, g.channel) for g in plan.staffing} >= {
        ("care", Channel.VOICE),
        ("tech", Channel.VOICE),
        ("care", Channel.CHAT),
    }
    for group in plan.staffing:
        assert group.agents == agents_for_service_level(
            group.arrivals_per_hour, group.aht_seconds, group.target_seconds, 0.8
        )
        assert group.erlang_c_service_level >= 0.8
    care_voice = next(g for g in plan.staffing if (g.pool, g.channel.value) == ("care", "voice"))
    # 300 s talk + 30 s wrap, more for the reasons the scenario handles longer
    # (cancellation 600 s, technical fault 540 s): a mix, never below the plain mean.
    assert 330 < care_voice.aht_seconds < 400
    agents = plan.agents("r")
    assert len(agents) == plan.agent_count
    assert all(sum(a.capacity.values()) == 1 and a.max_total == 1 for a in agents)


def test_the_simulator_replays_a_trace_through_the_pool() -> None:
    scenario = load_scenario(DEFAULT_SCENARIO)
    at_once = scenario.model_copy(
        update={"agents": [g.model_copy(update={"answer_seconds": 0.0}) for g in scenario.agents]}
    )
    one = FloorPlan(
        at_once,
        COMPRESSION,
        1,
        (Staffing("care", Channel.VOICE, 60.0, 300.0, 20.0, 1),),
        {"care": ("general",)},
        ("billing",),
    )

    def contact(name: str, arrived: float, patience: float) -> ContactRun:
        return ContactRun(
            contact=Contact(name, name, "general", Channel.VOICE, 0, enqueued_at=0.0),
            pool="care",
            arrived=arrived,
            handle_seconds=10.0,
            patience_seconds=patience,
            target_seconds=1.0,
        )

    trace = [contact("a", 0.0, math.inf), contact("b", 2.0, math.inf), contact("c", 3.0, 5.0)]
    runs = {r.contact.interaction_id: r for r in simulate_floor(one, trace, until=60.0)}
    assert runs["a"].answered_at == 0.0
    assert runs["b"].answered_at == 10.0  # one agent: b waits for a's handle time
    assert runs["c"].abandoned_at == 8.0  # gave up after 5 s, before the agent was free
    assert trace[1].answered_at is None  # the trace itself is left alone
    assert dataclasses.replace(runs["b"]).wait == 8.0
