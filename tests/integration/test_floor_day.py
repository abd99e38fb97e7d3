"""A contact center's day through the SDKs on live router and assigner workers,
with a policy file that sets wrap-up per queue:

an agent accepts, completes with a wrap-up code, stays in wrap-up for the queue's
time, then gets the next offer; the agent can end wrap-up early; the router's
history line names the agent and the reason they confirmed; and the same
customer's next contact, as a VIP, is offered first to that agent (sticky), with
the sales flag decided by the router reaching the agent's offer.

Its own stack (broker, Redis, router, assigner): the policy differs from the one
the session's workers run, and two routers on one topic would both decide.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
import redis

from omniroute.router.runtime import KafkaSettings, RedisSettings, RouterSettings, Settings
from omniroute.router.sdk import AgentDesktop, FrontEndClient
from omniroute.router.tools.harness import EmbeddedStack, WorkerProcess, free_port, stop_workers
from omniroute.schemas import (
    Channel,
    CustomerProfile,
    Offer,
    OfferAssigned,
    RecentContacts,
    Tier,
    WrapUp,
)
from tests.support.kafka import TopicReader

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

PRIORITY_WRAP_UP = 3.0
DEFAULT = files("omniroute.router").joinpath("policy/default_policy.yaml").read_text()
POLICY = (
    DEFAULT.replace(
        "priority:  {pool: care, priority: 70, floor: 30}",
        f"priority:  {{pool: care, priority: 70, floor: 30, wrap_up_seconds: {PRIORITY_WRAP_UP}}}",
    )
    .replace(
        "general:   {pool: care, priority: 30, floor: 30}",
        "general:   {pool: care, priority: 30, floor: 30, wrap_up_seconds: 600}",
    )
    .replace(
        "then: {queue: priority, priority: 90, sticky: true}",
        "then: {queue: priority, priority: 90, sticky: true, offer: true}",
    )
    # Gold customers are not sticky here: the contacts that keep x and y busy must
    # not wait for the agent who last served that customer.
    .replace(
        "then: {queue: priority, priority: 70, sticky: true}",
        "then: {queue: priority, priority: 70}",
    )
    # Offers may ride whenever the router knows the pool's load: the load it holds
    # lags the floor by a tick, and this test keeps the floor busy until just before.
    .replace(
        "offers: {max_occupancy: 0.80, max_estimated_wait_seconds: 30}",
        "offers: {max_occupancy: 1.0, max_estimated_wait_seconds: 86400}",
    )
)


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required: ./dev.sh test installs it")
    assert POLICY.count("wrap_up_seconds") == 2
    assert "sticky: true, offer: true" in POLICY
    assert "priority: 70, sticky" not in POLICY
    assert "max_occupancy: 1.0" in POLICY
    state = tmp_path_factory.mktemp("floor-day")
    policy = state / "policy.yaml"
    policy.write_text(POLICY)
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=1),
        redis=RedisSettings(port=free_port()),
        router=RouterSettings(batch_wait_ms=5, policy_file=policy),
        state_dir=state,
        metrics_port=free_port(),
    )
    stack = EmbeddedStack(settings)
    stack.up()
    workers = [
        WorkerProcess(kind, settings.model_copy(update={"metrics_port": free_port()})).start()
        for kind in ("router", "assigner")
    ]
    try:
        for worker in workers:
            worker.wait_ready(timeout=60)
        yield settings
    finally:
        for worker, code in zip(workers, stop_workers(workers), strict=True):
            log = Path(worker.log_path).read_text(errors="replace")
            assert code == 0, f"{worker.kind} exited {code}:\n{log[-3000:]}"
            assert "Traceback" not in log, log[-5000:]
        stack.down()


def _offer(desk: AgentDesktop, interaction_id: str, timeout: float = 30) -> Offer:
    for offer in desk.offers(timeout=timeout):
        if offer.interaction_id == interaction_id:
            return offer
    raise AssertionError(f"{desk.agent_id} got no offer for {interaction_id}")


def _served(desk: AgentDesktop, offer: Offer) -> None:
    desk.accept(offer)
    assert isinstance(desk.wait_for(offer.offer_id, timeout=20), OfferAssigned)


def _history_agent(client: redis.Redis, customer: str, interaction_id: str) -> tuple[str, str]:
    """The history line's (agent, reason), once the router has recorded the end."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        raw = client.get(f"recent:{customer}")
        if raw is not None:
            for line in RecentContacts.model_validate_json(raw).contacts:
                if line.interaction_id == interaction_id and line.agent_id:
                    return line.agent_id, line.reason or ""
        time.sleep(0.1)
    raise AssertionError(f"the history of {customer} never named the agent")


def test_wrap_up_then_the_next_offer_then_the_vip_back_to_the_same_agent(floor: Settings) -> None:
    bootstrap = floor.kafka.bootstrap_servers
    client = redis.Redis(port=floor.redis.port)
    vip, regular = "c-vip", "c-regular"
    for customer, tier in ((vip, Tier.STANDARD), (regular, Tier.STANDARD)):
        profile = CustomerProfile(customer_id=customer, name="Grace Hopper", tier=tier)
        client.set(f"cust:{customer}", profile.model_dump_json())
    with (
        AgentDesktop(bootstrap, agent_id="x", pool="care") as x,
        AgentDesktop(bootstrap, agent_id="y", pool="care") as y,
        FrontEndClient(bootstrap, source="/ivr/floor") as ivr,
    ):
        # 1. The customer (standard today: the general queue, 600 s of wrap-up) reaches x.
        x.login(queues=["priority", "general"], capacity={Channel.VOICE: 1})
        first = ivr.arrived(vip, Channel.VOICE, reason="other")
        assert ivr.decision_for(first.interaction_id, timeout=30).queue == "general"
        offer = _offer(x, first.interaction_id)
        _served(x, offer)
        # y only takes priority work, and has been idle the longest from now on.
        y.login(queues=["priority"], capacity={Channel.VOICE: 1})
        x.complete(offer, wrap_up=WrapUp(outcome="resolved", reason="plan_change"))
        agent, reason = _history_agent(client, vip, first.interaction_id)
        assert (agent, reason) == ("x", "plan_change"), "the agent and the confirmed reason"

        # 2. x ends the general queue's 600 s wrap-up early and takes a priority contact.
        client.set(
            f"cust:{regular}",
            CustomerProfile(customer_id=regular, name="Ada", tier=Tier.GOLD).model_dump_json(),
        )
        second = ivr.arrived(regular, Channel.VOICE, reason="other")
        assert ivr.decision_for(second.interaction_id, timeout=30).queue == "priority"
        offer2 = _offer(y, second.interaction_id)  # x is wrapping up: y takes it
        _served(y, offer2)
        x.end_wrap_up(offer)
        y.complete(offer2)

        # 3. A priority contact for x alone (y busy): x completes it, stays in the
        #    priority queue's 3 s wrap-up, and only then gets the next offer.
        third = ivr.arrived(regular, Channel.VOICE, reason="other")
        offer3 = _offer(x, third.interaction_id)
        _served(x, offer3)
        fourth = ivr.arrived(regular, Channel.VOICE, reason="other")
        offer4_to_y = _offer(y, fourth.interaction_id)  # y is out of its wrap-up
        _served(y, offer4_to_y)
        completed_at = datetime.now(UTC)
        x.complete(offer3, wrap_up=WrapUp(outcome="resolved"))
        fifth = ivr.arrived(regular, Channel.VOICE, reason="other")
        offer5 = _offer(x, fifth.interaction_id)
        waited = (offer5.time - completed_at).total_seconds()
        assert waited >= PRIORITY_WRAP_UP, f"offered {waited:.2f} s after completing"
        _served(x, offer5)
        x.complete(offer5)
        y.complete(offer4_to_y)

        # 4. The first customer again, now a VIP: the priority queue, sticky to x,
        #    although y has waited longer; the pool is idle, so a sales offer may ride.
        client.set(
            f"cust:{vip}",
            CustomerProfile(customer_id=vip, name="Grace Hopper", tier=Tier.VIP).model_dump_json(),
        )
        x.end_wrap_up(offer5)
        again = ivr.arrived(vip, Channel.VOICE, reason="billing")
        decision = ivr.decision_for(again.interaction_id, timeout=30)
        assert (decision.queue, decision.preferred_agent_id) == ("priority", "x")
        sticky = _offer(x, again.interaction_id)
        assert sticky.customer.tier is Tier.VIP
        assert sticky.offer_allowed is decision.offer_allowed is True
        assert not [o for o in y.offers(timeout=0.5) if o.interaction_id == again.interaction_id]
        x.logout()  # the VIP's contact goes back to a queue nobody in the next test serves
        y.logout()
    client.close()


def test_an_agent_in_two_pools_is_offered_by_one_only_while_busy_in_the_other(
    floor: Settings,
) -> None:
    """z works in care and tech (``pools``): busy with a tech contact, z is not offered
    the care contact queued meanwhile; the moment z completes, care offers it."""
    bootstrap = floor.kafka.bootstrap_servers
    loads = TopicReader(bootstrap, "omniroute.pool-load")
    try:
        with (
            AgentDesktop(bootstrap, agent_id="z", pool="care", pools=["tech"]) as z,
            FrontEndClient(bootstrap, source="/ivr/floor") as ivr,
        ):
            z.login(
                queues=["general", "technical"],
                skills={"technical": 5},
                capacity={Channel.VOICE: 1},
            )
            fault = ivr.arrived("c-fault", Channel.VOICE, reason="technical_fault")
            assert ivr.decision_for(fault.interaction_id, timeout=30).pool == "tech"
            tech_offer = _offer(z, fault.interaction_id)
            assert tech_offer.pool == "tech"
            _served(z, tech_offer)
            other = ivr.arrived("c-other", Channel.VOICE, reason="other")
            decision = ivr.decision_for(other.interaction_id, timeout=30)
            assert decision.pool == "care"
            # The care pool holds the contact, queued, while z is busy in tech.
            loads.wait_for(
                lambda records: any(
                    r["pool"] == "care"
                    and datetime.fromisoformat(r["time"]) > decision.time
                    and any(q["queue"] == "general" and q["queued"] == 1 for q in r["queues"])
                    for r in records
                )
            )
            completed_at = datetime.now(UTC)
            z.complete(tech_offer)
            care_offer = _offer(z, other.interaction_id)
            assert care_offer.pool == "care"
            assert care_offer.time >= completed_at, "offered only once z was free"
            z.logout()
    finally:
        loads.close()
