"""The report's figures, pure: sums of the insight stage's ``ContactFigures`` by
segment, reason and channel, and the answers to the three questions the business
asks per segment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from omniroute.router.policy import ContactFigures

__all__ = ["CSV_FIELDS", "FigureKey", "InsightFigures", "csv_rows"]


class FigureKey(NamedTuple):
    segment: str
    reason: str
    channel: str


@dataclass(slots=True)
class InsightFigures:
    cells: dict[FigureKey, ContactFigures] = field(default_factory=dict)
    waits: dict[tuple[str, str], ContactFigures] = field(default_factory=dict)
    """(channel, perceived-wait band) -> feedback figures."""

    def add(self, key: FigureKey, figures: ContactFigures) -> None:
        self.cells.setdefault(key, ContactFigures()).merge(figures)

    def add_wait(self, channel: str, band: str, figures: ContactFigures) -> None:
        self.waits.setdefault((channel, band), ContactFigures()).merge(figures)

    def by(
        self, pick: Callable[[FigureKey], tuple[str, ...]]
    ) -> dict[tuple[str, ...], ContactFigures]:
        out: dict[tuple[str, ...], ContactFigures] = {}
        for key, figures in self.cells.items():
            out.setdefault(pick(key), ContactFigures()).merge(figures)
        return dict(sorted(out.items()))

    def total(self) -> ContactFigures:
        out = ContactFigures()
        for figures in self.cells.values():
            out.merge(figures)
        return out

    @property
    def segments(self) -> list[str]:
        return sorted({key.segment for key in self.cells})

    def top(
        self, segment: str, measure: Callable[[ContactFigures], int], n: int = 3
    ) -> list[tuple[str, int, int]]:
        """The reasons of ``segment`` with the most of ``measure``: (reason, count, contacts)."""
        reasons = {
            reason: figures
            for (seg, reason), figures in self.by(lambda k: (k.segment, k.reason)).items()
            if seg == segment
        }
        ranked = sorted(reasons.items(), key=lambda item: (-measure(item[1]), item[0]))
        return [(r, measure(f), f.contacts) for r, f in ranked[:n] if measure(f) > 0]


CSV_FIELDS = (
    "segment",
    "reason",
    "channel",
    "contacts",
    "self_served",
    "agent",
    "abandoned",
    "repeat",
    "preventable",
    "automated",
    "contained",
    "escalated",
    "expected_cost",
    "realised_cost",
    "baseline_cost",
    "cost_avoided",
    "automation_failed_cost",
    "csat_answers",
    "csat_mean",
    "nps_answers",
    "nps",
)


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def csv_rows(figures: InsightFigures) -> Iterable[dict[str, str]]:
    for key, f in sorted(figures.cells.items()):
        yield {
            "segment": key.segment,
            "reason": key.reason,
            "channel": key.channel,
            "contacts": str(f.contacts),
            "self_served": str(f.self_served),
            "agent": str(f.agent),
            "abandoned": str(f.abandoned),
            "repeat": str(f.repeat),
            "preventable": str(f.preventable),
            "automated": str(f.automated),
            "contained": str(f.contained),
            "escalated": str(f.escalated),
            "expected_cost": _money(f.expected_cents),
            "realised_cost": _money(f.realised_cents),
            "baseline_cost": _money(f.baseline_cents),
            "cost_avoided": _money(f.avoided_cents),
            "automation_failed_cost": _money(f.automation_failed_cents),
            "csat_answers": str(f.csat_count),
            "csat_mean": f"{f.csat_sum / f.csat_count:.2f}" if f.csat_count else "",
            "nps_answers": str(f.nps_count),
            "nps": (
                f"{100 * (f.nps_promoters - f.nps_detractors) / f.nps_count:.0f}"
                if f.nps_count
                else ""
            ),
        }
