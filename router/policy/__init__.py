"""The routing policy: one declarative file, the same on every channel, with
guardrails no rule can override and an explanation on every decision.

    policy = load_policy(Path("policy.yaml"))      # PolicyError names rule and field
    decision = policy.route(event, customer, load, now)
"""

from ._conditions import PolicyError
from ._diff import DecisionChange, ReplayReport, compare
from ._explain import explain
from ._facts import FACTS, FactSheet
from ._load import DEFAULT_POLICY_FILE, default_policy, load_policy, parse_policy
from ._model import PolicyFile
from ._policy import GUARDRAILS, Policy

__all__ = [
    "DEFAULT_POLICY_FILE",
    "FACTS",
    "GUARDRAILS",
    "DecisionChange",
    "FactSheet",
    "Policy",
    "PolicyError",
    "PolicyFile",
    "ReplayReport",
    "compare",
    "default_policy",
    "explain",
    "load_policy",
    "parse_policy",
]
