"""Queued contacts store what they repeat once (``agents._compact``), and nothing
about a contact's value changes for it: the same dumps, equality and refusals."""

from __future__ import annotations

import gc
import json
import tracemalloc

import pytest
from pydantic import ValidationError

from omniroute.agents import Pool, PoolConfig, QueueConfig, contact_from_decision, contact_record
from omniroute.schemas import (
    Channel,
    ContactTarget,
    CustomerContext,
    RoutingDecision,
    SkillRequirement,
    Tier,
    new_event_id,
)


def _decision(n: int, *, skills: tuple[tuple[str, int], ...] = (("mobile", 4), ("en", 6))) -> bytes:
    """Wire bytes, so every decoded string is a fresh copy, as off Kafka."""
    return _model(n, skills=skills).model_dump_json().encode()


def _model(n: int, *, skills: tuple[tuple[str, int], ...]) -> RoutingDecision:
    return RoutingDecision(
        id=new_event_id(),
        source="/router",
        interaction_id=f"i{n}",
        customer_id=f"c{n}",
        channel=Channel.CHAT,
        cause_id=f"e{n}",
        cause_type="omniroute.interaction.arrived",
        reason="billing",
        target=ContactTarget.AGENT_QUEUE,
        queue="care-chat",
        pool="care",
        required_skills=tuple(SkillRequirement(skill=s, min_proficiency=m) for s, m in skills),
        policy_version="t",
        customer=CustomerContext(customer_id=f"c{n}", known=True, name=f"N{n}", tier=Tier.GOLD),
    )


def _contacts(count: int) -> list[tuple[RoutingDecision, RoutingDecision]]:
    """(decoded decision, an untouched second decode of the same bytes) pairs."""
    pairs = []
    for n in range(count):
        raw = _decision(n)
        pairs.append(
            (RoutingDecision.model_validate_json(raw), RoutingDecision.model_validate_json(raw))
        )
    return pairs


def test_contacts_share_what_repeats() -> None:
    contacts = [contact_from_decision(decision) for decision, _ in _contacts(50)]
    customers = [c.customer for c in contacts if c.customer is not None]
    assert len(customers) == 50
    assert len({id(c.__pydantic_fields_set__) for c in customers}) == 1
    assert len({id(c.requirements) for c in contacts}) == 1
    assert len({id(c.requirements[0][0]) for c in contacts}) == 1
    assert len({id(c.queue) for c in contacts}) == 1
    assert len({id(c.reason) for c in contacts}) == 1
    assert all(c.customer_id is c.customer.customer_id for c in contacts if c.customer)


def test_a_compacted_customer_dumps_and_compares_as_the_original() -> None:
    for decision, untouched in _contacts(5):
        contact = contact_from_decision(decision)
        original = untouched.customer
        assert contact.customer == original
        assert contact.customer is not None
        assert original is not None
        assert contact.customer.model_dump_json() == original.model_dump_json()
        assert contact.customer.model_dump(exclude_unset=True) == original.model_dump(
            exclude_unset=True
        )
        assert contact.customer.model_fields_set == original.model_fields_set
        assert contact.requirements == tuple(
            sorted((r.skill, r.min_proficiency) for r in untouched.required_skills)
        )


def test_customers_setting_fewer_fields_keep_their_own_unset_fields() -> None:
    full = contact_from_decision(RoutingDecision.model_validate_json(_decision(1))).customer
    wire = json.loads(_decision(2))
    wire["customer"] = {"customer_id": "c2", "known": False}
    sparse = contact_from_decision(RoutingDecision.model_validate(wire)).customer
    assert sparse is not None
    assert sparse.model_fields_set == {"customer_id", "known"}
    assert full is not None
    assert full.model_fields_set != sparse.model_fields_set
    assert sparse.model_dump(exclude_unset=True) == {"customer_id": "c2", "known": False}


def test_a_shared_field_set_is_never_changed_through_one_customer() -> None:
    first, second = (contact_from_decision(d).customer for d, _ in _contacts(2))
    assert first is not None
    assert second is not None
    shared = set(first.__pydantic_fields_set__)
    with pytest.raises(ValidationError, match="frozen"):
        first.name = "changed"  # type: ignore[misc]
    copy = first.model_copy(update={"name": "changed"})
    assert copy.name == "changed"
    assert first.__pydantic_fields_set__ == shared == second.__pydantic_fields_set__
    assert copy.__pydantic_fields_set__ is not first.__pydantic_fields_set__


def test_contacts_restored_from_records_are_compacted_too() -> None:
    contacts = [contact_from_decision(d) for d, _ in _contacts(3)]
    config = PoolConfig(name="care", default_queue=QueueConfig(max_wait_seconds=600))
    pool, _ = Pool.restore(config, [contact_record(c) for c in contacts], [], [], now=0.0)
    restored = [pool.contact(c.interaction_id) for c in contacts]
    assert [contact_record(c) for c in restored if c] == [contact_record(c) for c in contacts]
    shared = contacts[0].customer.__pydantic_fields_set__  # type: ignore[union-attr]
    assert all(c.customer.__pydantic_fields_set__ is shared for c in restored if c and c.customer)
    assert all(c.requirements is contacts[0].requirements for c in restored if c)


def test_varied_signatures_keep_their_values_and_a_bounded_table() -> None:
    """Past the tables' limit (4,096) names and signatures are kept as they come:
    20,000 distinct ones, each on a contact then dropped, leave at most the tables
    behind (~1.5 MB; unbounded, 20,000 would hold ~6 MB)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(20_000):
            skills = ((f"skill-{n}", 1 + n % 9), ("en", 5))
            # from Python objects: the JSON parser's own string cache would count here
            contact = contact_from_decision(_model(n, skills=skills))
            assert contact.requirements == tuple(sorted(skills))
        del contact
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 2.5 * 1024 * 1024
