"""The fault harness: real router and assigner workers, the embedded broker, Redis,
simulated front ends and desktops; faults injected on a schedule; the books checked
after (``omniroute chaos``, ``omniroute fuzz``, ``omniroute soak``). Never imported
by the runtime."""

from ._books import BookReport, Ledger
from ._fleet import Fleet, FleetOptions, metric_sum
from ._fuzz import FuzzOptions, FuzzResult, run_fuzz
from ._held import held_contact_records, held_contacts, latest_contacts
from ._hostile import MUTATIONS, Hostile, hostile_records, schema_documents
from ._load import SteadyLoad
from ._scenarios import (
    SCENARIOS,
    ChaosOptions,
    ChaosResult,
    Fault,
    FleetNotSteadyError,
    run_scenario,
)
from ._soak import (
    Sample,
    SoakOptions,
    SoakResult,
    diagnose_growth,
    judge_trends,
    plot_soak,
    run_soak,
)
from ._trends import Bound, Trend, default_bounds, judge_trend, slope_per_minute

__all__ = [
    "MUTATIONS",
    "SCENARIOS",
    "BookReport",
    "Bound",
    "ChaosOptions",
    "ChaosResult",
    "Fault",
    "Fleet",
    "FleetNotSteadyError",
    "FleetOptions",
    "FuzzOptions",
    "FuzzResult",
    "Hostile",
    "Ledger",
    "Sample",
    "SoakOptions",
    "SoakResult",
    "SteadyLoad",
    "Trend",
    "default_bounds",
    "diagnose_growth",
    "held_contact_records",
    "held_contacts",
    "hostile_records",
    "judge_trend",
    "judge_trends",
    "latest_contacts",
    "metric_sum",
    "plot_soak",
    "run_fuzz",
    "run_scenario",
    "run_soak",
    "schema_documents",
    "slope_per_minute",
]
