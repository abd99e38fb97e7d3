"""How many examples a property test runs: its CI figure, scaled up by
``OMNIROUTE_EXAMPLES_SCALE`` when ``./dev.sh explore`` searches longer."""

from __future__ import annotations

import os

__all__ = ["examples"]


def examples(ci_count: int) -> int:
    return ci_count * max(1, int(os.environ.get("OMNIROUTE_EXAMPLES_SCALE", "1")))
