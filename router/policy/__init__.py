"""The routing policy: one declarative file, the same on every channel, with
guardrails no rule can override and an explanation on every decision.

    policy = load_policy(Path("policy.yaml"))      # PolicyError names rule and field
    decision = policy.route(event, customer, load, now)
"""

from ._conditions import PolicyError
from ._contact_cost import (
    WRITTEN_CHANNELS,
    ContactCost,
    CostTable,
    cents,
    contact_cost,
    dollars,
)
from ._diff import DecisionChange, ReplayReport, compare
from ._explain import explain
from ._facts import FACTS, FactSheet
from ._journeys import (
    OUTCOMES,
    REPEAT_WINDOW,
    ContactFigures,
    CustomerInsight,
    FinishedContact,
    Journey,
    Outcome,
    segment_of,
)
from ._load import DEFAULT_POLICY_FILE, default_policy, load_policy, parse_policy
from ._model import OfferThresholds, OutboundRules, PolicyFile, QuietHours
from ._outbound import OutboundJudgement, judge_outbound
from ._policy import GUARDRAILS, Policy

__all__ = [
    "DEFAULT_POLICY_FILE",
    "FACTS",
    "GUARDRAILS",
    "OUTCOMES",
    "REPEAT_WINDOW",
    "WRITTEN_CHANNELS",
    "ContactCost",
    "ContactFigures",
    "CostTable",
    "CustomerInsight",
    "DecisionChange",
    "FactSheet",
    "FinishedContact",
    "Journey",
    "OfferThresholds",
    "OutboundJudgement",
    "OutboundRules",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyFile",
    "QuietHours",
    "ReplayReport",
    "cents",
    "compare",
    "contact_cost",
    "default_policy",
    "dollars",
    "explain",
    "judge_outbound",
    "load_policy",
    "parse_policy",
    "segment_of",
]
