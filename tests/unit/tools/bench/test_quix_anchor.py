"""The Quix Streams anchor routes as omniroute's default policy does.

``omniroute bench`` runs ``_quix_app.py`` as a script in a Quix interpreter of its
own (Quix pins an older pydantic), with the default policy's rules hand-written as
a Quix user would write them. An anchor that sent contacts elsewhere, or skipped a
rule, would be cheaper for the wrong reason: here it must agree with the policy on
target, queue and priority for every routable event of the bench's own traffic,
for customers without history (the bench's backlog starts with none)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from omniroute.router.core import CustomerRecord
from omniroute.router.policy import default_policy
from omniroute.router.tools import bench
from omniroute.router.tools.harness import TrafficGenerator, generate_customers
from omniroute.schemas import InteractionEventAdapter, utc_now

CUSTOMERS = 2000


def _quix_app() -> ModuleType:
    path = Path(bench.__file__).with_name("_quix_app.py")  # run by path, as the bench runs it
    spec = importlib.util.spec_from_file_location("quix_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quix_anchor_decides_what_the_default_policy_decides() -> None:
    quix = _quix_app()
    profiles = {p.customer_id: p for p in generate_customers(CUSTOMERS)}
    generator = TrafficGenerator(CUSTOMERS, seed=5, bad_share=0.0, run_id="anchor")
    policy, now = default_policy(), utc_now()
    compared, targets = 0, set()
    for _ in range(3000):
        simulated = generator.next(now)
        raw = json.loads(simulated.value)
        if raw.get("type") not in quix.ROUTABLE:
            continue
        event = InteractionEventAdapter.validate_json(simulated.value)
        profile = profiles.get(raw["customer_id"])
        stored = json.loads(profile.model_dump_json()) if profile is not None else None
        theirs = quix.decide(raw, stored)
        ours = policy.route(
            event,  # type: ignore[arg-type]
            CustomerRecord(raw["customer_id"], profile),
            {},
            now,
        )
        assert (theirs["target"], theirs["queue"], theirs["priority"]) == (
            ours.target.value,
            ours.queue,
            ours.priority,
        ), (raw, stored)
        compared += 1
        targets.add(theirs["target"])
    assert compared > 1000
    assert targets == {"ivr", "self_service", "agent_queue"}
