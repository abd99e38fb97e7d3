"""The report as a terminal table, a CSV file and a PNG chart."""

from __future__ import annotations

import csv
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from omniroute.router.policy import OUTCOMES, ContactFigures

from ._figures import CSV_FIELDS, InsightFigures, csv_rows

__all__ = ["print_report", "write_chart", "write_csv"]


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def _csat(f: ContactFigures) -> str:
    return f"{f.csat_sum / f.csat_count:.2f} ({f.csat_count})" if f.csat_count else "-"


def print_report(console: Console, figures: InsightFigures) -> None:
    """Per segment: each reason's contacts by outcome, repeats, what a proactive
    message could prevent, containment, cost and CSAT; then cost per channel."""
    cells = figures.by(lambda k: (k.segment, k.reason))
    for segment in figures.segments:
        table = Table(
            title=f"Segment {segment}: contacts by reason (each counted once)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            caption="self-served, agent, abandoned; repeat within 7 days; preventable; "
            "contained/escalated in automation; cost avoided; CSAT mean/answers",
        )
        table.add_column("reason", no_wrap=True, min_width=15)
        for name in ("n", "self", "agt", "abd", "rep", "prev", "c/e", "avoided", "CSAT"):
            table.add_column(name, justify="right", no_wrap=True)
        for (seg, reason), f in cells.items():
            if seg != segment:
                continue
            table.add_row(
                reason,
                str(f.contacts),
                str(f.self_served),
                str(f.agent),
                str(f.abandoned),
                str(f.repeat),
                str(f.preventable),
                f"{f.contained}/{f.escalated}",
                _money(f.avoided_cents),
                f"{f.csat_sum / f.csat_count:.1f}/{f.csat_count}" if f.csat_count else "-",
            )
        console.print(table)
        _answers(console, figures, segment)

    cost = Table(
        title="Cost per channel, per contact (baseline: one agent per served contact; "
        "avoided = baseline - realised, net of failed automation)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    cost.add_column("channel", no_wrap=True)
    for name in ("n", "expected", "realised", "baseline", "avoided", "failed", "each"):
        cost.add_column(name, justify="right", no_wrap=True)
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
            _money(round(f.realised_cents / f.contacts)) if f.contacts else "-",
        )
    console.print(cost)

    by_channel = figures.by(lambda k: (k.channel,))
    console.print(
        "contained / escalated, by channel: "
        + ", ".join(f"{c[0]} {f.contained}/{f.escalated}" for c, f in by_channel.items())
    )
    if figures.waits:
        waits = Table(title="Feedback by perceived wait", box=box.SIMPLE_HEAD)
        for name in ("channel", "wait", "CSAT (answers)", "NPS answers"):
            waits.add_column(name)
        for (channel, band), f in sorted(figures.waits.items(), key=_by_wait):
            waits.add_row(channel, band, _csat(f), str(f.nps_count))
        console.print(waits)


def _by_wait(item: tuple[tuple[str, str], ContactFigures]) -> tuple[str, float]:
    """Channel, then the band's lower bound ("0-30s", "30-60s" ... "300s+")."""
    (channel, band), _ = item
    return channel, float(band.split("-")[0].rstrip("s+") or 0)


def _answers(console: Console, figures: InsightFigures, segment: str) -> None:
    """The three questions of the business, for one segment (reason n/contacts)."""
    for question, measure in (
        ("repeat contacts (same reason, 7 days) driven by", lambda f: f.repeat),
        ("preventable by a proactive message", lambda f: f.preventable),
        ("contained in automation", lambda f: f.contained),
        ("escalated from automation to an agent", lambda f: f.escalated),
    ):
        answer = figures.top(segment, measure)
        said = ", ".join(f"{r} {n}/{c}" for r, n, c in answer) or "none"
        console.print(f"  {question}: {said}")


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
