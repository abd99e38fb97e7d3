"""``omniroute sim``: a discrete-event simulator that drives the real routing
policy and the real assignment pool, to show before go-live what a policy and a
staffing level do to service level, waits and abandonment, checked against
queueing theory (Erlang C and A) in the tests.
"""

from ._day import DayResult, simulate_day
from ._day_report import GROUPS, day_report, interval_of
from ._distributions import Constant, Exponential, Lognormal, Sampler, draw_weighted
from ._engine import AgentRun, ContactRun, Floor
from ._erlang import (
    ErlangRun,
    agents_for_service_level,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    run_erlang,
)
from ._overflow_pair import OverflowPair
from ._plots import plot_lines, plot_service_level_by_interval, plot_waits_by_priority
from ._report import Summary, group_by, occupancy, summarize
from ._scenario import (
    AgentGroup,
    Assignment,
    ChannelTraffic,
    HandleTime,
    Scenario,
    ScenarioError,
    load_scenario,
)
from ._staffing import StaffingRow, staffing_table
from ._vip import DesignResult, VipTraffic, evaluate, fewest_dedicated, fewest_shared

__all__ = [
    "GROUPS",
    "AgentGroup",
    "AgentRun",
    "Assignment",
    "ChannelTraffic",
    "Constant",
    "ContactRun",
    "DayResult",
    "DesignResult",
    "ErlangRun",
    "Exponential",
    "Floor",
    "HandleTime",
    "Lognormal",
    "OverflowPair",
    "Sampler",
    "Scenario",
    "ScenarioError",
    "StaffingRow",
    "Summary",
    "VipTraffic",
    "agents_for_service_level",
    "day_report",
    "draw_weighted",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "evaluate",
    "fewest_dedicated",
    "fewest_shared",
    "group_by",
    "interval_of",
    "load_scenario",
    "occupancy",
    "plot_lines",
    "plot_service_level_by_interval",
    "plot_waits_by_priority",
    "run_erlang",
    "simulate_day",
    "staffing_table",
    "summarize",
]
