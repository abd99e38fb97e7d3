"""What the settings say about agents' not-ready reasons: the default list, its
bound (``AssignerSettings.not_ready_reasons`` and ``pool_not_ready_reasons``;
docs/operations.md#configuration). ``missed_offers``, the assigner's own, is
always one besides."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from omniroute.schemas import NotReadyReason

__all__ = ["DEFAULT_NOT_READY_REASONS", "PoolReasons"]

DEFAULT_NOT_READY_REASONS = (
    "break",
    "lunch",
    "training",
    "meeting",
    "coaching",
    "follow_up",
    "system_issue",
)
"""Why an agent may be not ready, unless the settings say otherwise."""

PoolReasons = Annotated[tuple[NotReadyReason, ...], Field(max_length=32)]
"""A bounded list: reasons are metric labels, so their number must stay small."""
