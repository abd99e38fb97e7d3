"""The report as a terminal table, a CSV file and a PNG chart."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console
from rich.table import Table

from omniroute.router.policy import OUTCOMES, ContactFigures

from ._figures import CSV_FIELDS, InsightFigures, csv_rows

__all__ = ["print_report", "write_chart", "write_csv"]


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _csat(f: ContactFigures) -> str:
    return f"{f.csat_sum / f.csat_count:.2f} ({f.csat_count})" if f.csat_count else "-"


def print_report(console: Console, figures: InsightFigures) -> None:
    table = Table(title="Contacts by segment and reason (each contact counted once)")
    for name in (
        "segment",
        "reason",
        "contacts",
        "self-served",
        "agent",
        "abandoned",
        "repeat ≤7d",
        "preventable",
        "contained",
        "escalated",
        "realised cost",
        "avoided",
        "CSAT",
    ):
        table.add_column(name, justify="left" if name in ("segment", "reason") else "right")
    for (segment, reason), f in figures.by(lambda k: (k.segment, k.reason)).items():
        table.add_row(
            segment,
            reason,
            str(f.contacts),
            str(f.self_served),
            str(f.agent),
            str(f.abandoned),
            f"{f.repeat} ({_pct(f.repeat, f.contacts)})",
            f"{f.preventable} ({_pct(f.preventable, f.contacts)})",
            f"{f.contained}/{f.automated}",
            str(f.escalated),
            _money(f.realised_cents),
            _money(f.avoided_cents),
            _csat(f),
        )
    console.print(table)

    cost = Table(title="Cost per channel (per contact, not per decision)")
    for name in (
        "channel",
        "contacts",
        "expected",
        "realised",
        "all-agent baseline",
        "avoided (net)",
        "automation failed",
        "per contact",
    ):
        cost.add_column(name, justify="left" if name == "channel" else "right")
    channels = figures.by(lambda k: (k.channel,))
    total = figures.total()
    for label, f in [*((c[0], f) for c, f in channels.items()), ("total", total)]:
        cost.add_row(
            label,
            str(f.contacts),
            _money(f.expected_cents),
            _money(f.realised_cents),
            _money(f.baseline_cents),
            _money(f.avoided_cents),
            _money(f.automation_failed_cents),
            _money(f.realised_cents // f.contacts) if f.contacts else "-",
        )
    console.print(cost)

    for segment in figures.segments:
        repeats = figures.top(segment, lambda f: f.repeat)
        preventable = figures.top(segment, lambda f: f.preventable)
        escalated = figures.top(segment, lambda f: f.escalated)
        contained = figures.top(segment, lambda f: f.contained)
        console.print(f"[bold]{segment}[/]")
        for question, answer in (
            ("repeat contacts driven by", repeats),
            ("preventable by a proactive message", preventable),
            ("contained in automation", contained),
            ("escalated to an agent", escalated),
        ):
            said = ", ".join(f"{r} {n}/{c}" for r, n, c in answer) or "none"
            console.print(f"  {question}: {said}")
    by_channel = figures.by(lambda k: (k.channel,))
    console.print(
        "contained / escalated by channel: "
        + ", ".join(f"{c[0]} {f.contained}/{f.escalated}" for c, f in by_channel.items())
    )
    if figures.waits:
        waits = Table(title="Feedback by perceived wait")
        for name in ("channel", "wait", "CSAT (answers)", "NPS answers"):
            waits.add_column(name)
        for (channel, band), f in sorted(figures.waits.items()):
            waits.add_row(channel, band, _csat(f), str(f.nps_count))
        console.print(waits)


def write_csv(path: Path, figures: InsightFigures) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(figures))
    return path


def write_chart(path: Path, figures: InsightFigures) -> Path:
    """One panel per segment: each reason's contacts by outcome, repeats marked."""
    import matplotlib  # noqa: PLC0415 - plotting loads only when a chart is asked for

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    segments = figures.segments or ["(none)"]
    fig, axes = plt.subplots(
        len(segments), 1, figsize=(10, 2.6 * len(segments) + 0.6), squeeze=False
    )
    colours = {"self_served": "#4c9f70", "agent": "#3b6ea5", "abandoned": "#c8553d"}
    cells = figures.by(lambda k: (k.segment, k.reason))
    for ax, segment in zip(axes[:, 0], segments, strict=True):
        rows = sorted(
            ((reason, f) for (seg, reason), f in cells.items() if seg == segment),
            key=lambda item: item[1].contacts,
        )
        names = [reason for reason, _ in rows]
        left = [0] * len(rows)
        for outcome in OUTCOMES:
            values = [getattr(f, outcome) for _, f in rows]
            ax.barh(names, values, left=left, color=colours[outcome], label=outcome)
            left = [a + b for a, b in zip(left, values, strict=True)]
        for y, (_, f) in enumerate(rows):
            if f.repeat:
                ax.text(left[y] + 0.2, y, f"{f.repeat} repeat", va="center", fontsize=7)
        ax.set_title(f"{segment}: contacts by reason and outcome", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
