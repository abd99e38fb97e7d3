"""``omniroute sim``: a discrete-event simulator that drives the real routing
policy and the real assignment pool, to show before go-live what a policy and a
staffing level do to service level, waits and abandonment, checked against
queueing theory (Erlang C and A) in the tests.
"""

from ._distributions import Constant, Exponential, Lognormal, Sampler
from ._engine import AgentRun, ContactRun, Floor
from ._erlang import (
    ErlangRun,
    agents_for_service_level,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    run_erlang,
)
from ._report import Summary, group_by, occupancy, percentile, summarize

__all__ = [
    "AgentRun",
    "Constant",
    "ContactRun",
    "ErlangRun",
    "Exponential",
    "Floor",
    "Lognormal",
    "Sampler",
    "Summary",
    "agents_for_service_level",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "group_by",
    "occupancy",
    "percentile",
    "run_erlang",
    "summarize",
]
