"""Rolling service level and abandonment per queue and channel: what a supervisor
reads hour by hour ("85% answered within 20 s")."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Outcome", "ServiceLevelWindow", "WindowFigures"]

Outcome = str  # "entered" | "answered" | "abandoned"


@dataclass(frozen=True, slots=True)
class WindowFigures:
    entered: int
    answered: int
    answered_within: int
    abandoned: int
    abandoned_late: int

    @property
    def service_level(self) -> float | None:
        """Answered within target over answered plus abandoned past target; short
        abandons (inside the target) are left out, as most centers count it."""
        offered = self.answered + self.abandoned_late
        return self.answered_within / offered if offered else None

    @property
    def abandon_ratio(self) -> float | None:
        return self.abandoned / self.entered if self.entered else None


@dataclass(slots=True)
class _Series:
    events: deque[tuple[float, Outcome, bool]] = field(default_factory=deque)


class ServiceLevelWindow:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._series: dict[tuple[str, str, str], _Series] = {}

    def record(self, key: tuple[str, str, str], at: float, outcome: Outcome, within: bool) -> None:
        self._series.setdefault(key, _Series()).events.append((at, outcome, within))

    def figures(self, now: float) -> dict[tuple[str, str, str], WindowFigures]:
        horizon = now - self._seconds
        result: dict[tuple[str, str, str], WindowFigures] = {}
        for key, series in list(self._series.items()):
            events = series.events
            while events and events[0][0] < horizon:
                events.popleft()
            if not events:
                del self._series[key]
                continue
            entered = answered = within = abandoned = late = 0
            for _, outcome, in_target in events:
                if outcome == "entered":
                    entered += 1
                elif outcome == "answered":
                    answered += 1
                    within += in_target
                else:
                    abandoned += 1
                    late += not in_target
            result[key] = WindowFigures(entered, answered, within, abandoned, late)
        return result
