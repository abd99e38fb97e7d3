"""The insight stage: contacts by reason, channel, ARPU segment and outcome, their
cost counted once per contact, and the customer's feedback joined to them; state
in a compacted changelog like the assigner's, figures as metrics and for
``omniroute report``.
"""

from ._app import InsightRuntime, cost_table, run_insight_worker
from ._metrics import BoundedLabel, InsightMetrics
from ._stage import (
    INSIGHT_INPUTS,
    WAIT_BANDS,
    InsightStage,
    PartitionState,
    figures_key,
    wait_band,
)

__all__ = [
    "INSIGHT_INPUTS",
    "WAIT_BANDS",
    "BoundedLabel",
    "InsightMetrics",
    "InsightRuntime",
    "InsightStage",
    "PartitionState",
    "cost_table",
    "figures_key",
    "run_insight_worker",
    "wait_band",
]
