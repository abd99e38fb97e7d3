"""PNG plots of a simulation, drawn with matplotlib's object API on the Agg
canvas: no pyplot global state, no display needed.

matplotlib (with numpy) is imported when a plot is drawn, not with this module:
the workers start through the same CLI, and importing it made every worker 2 s
slower to start and ~70 MB larger for plots it never draws."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._day import DayResult
from ._day_report import interval_of
from ._engine import ContactRun
from ._report import group_by, summarize

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_lines", "plot_service_level_by_interval", "plot_waits_by_priority"]


def _new_figure(**options: Any) -> Figure:
    from matplotlib.figure import Figure  # noqa: PLC0415 - lazy, see the module docstring

    return Figure(**options)


def _save(figure: Figure, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - lazy

    FigureCanvasAgg(figure)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path


def plot_service_level_by_interval(result: DayResult, path: Path) -> Path:
    """Service level per interval of arrival, overall and per channel."""
    scenario = result.scenario
    figure = _new_figure(figsize=(9, 4.5))
    axes = figure.add_subplot()
    hours = [i * scenario.interval_minutes / 60 for i in range(scenario.intervals)]
    groups = {"all": result.floor.contacts, **group_by(result.floor.contacts, "channel")}
    for name, runs in groups.items():
        per: list[list[ContactRun]] = [[] for _ in range(scenario.intervals)]
        for run in runs:
            per[interval_of(result, run)].append(run)
        levels = [summarize(g).service_level * 100 if g else float("nan") for g in per]
        axes.plot(hours, levels, marker="o", linewidth=2.5 if name == "all" else 1.2, label=name)
    axes.set_xlabel("hours from the start of the day (interval of arrival)")
    axes.set_ylabel("service level, % answered within target")
    axes.set_ylim(0, 105)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize="small")
    axes.set_title(f"{scenario.name}: service level by interval")
    return _save(figure, path)


def plot_waits_by_priority(result: DayResult, path: Path) -> Path:
    """Share answered within t, per priority: the wait distribution a customer sees."""
    figure = _new_figure(figsize=(9, 4.5))
    axes = figure.add_subplot()
    for priority, runs in group_by(result.floor.contacts, "priority").items():
        waits = sorted(r.answered_at - r.arrived for r in runs if r.answered_at is not None)
        if not waits:
            continue
        shares = [(i + 1) / len(runs) * 100 for i in range(len(waits))]
        axes.step(waits, shares, where="post", label=f"priority {int(priority)} ({len(runs)})")
    axes.set_xscale("symlog", linthresh=10)
    axes.set_xlabel("wait in queue, seconds")
    axes.set_ylabel("% of contacts answered within")
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    axes.set_title(f"{result.scenario.name}: wait distribution by priority")
    return _save(figure, path)


def plot_lines(
    path: Path,
    *,
    title: str,
    x_label: str,
    y_label: str,
    x: Sequence[float],
    lines: Mapping[str, Sequence[float]],
    targets: Mapping[str, float] | None = None,
) -> Path:
    """A plain line chart (agents against service level and the like)."""
    figure = _new_figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for name, values in lines.items():
        axes.plot(x, values, marker="o", label=name)
    for name, value in (targets or {}).items():
        axes.axhline(value, linestyle="--", linewidth=1, color="grey")
        axes.annotate(name, (x[0], value), fontsize="small", va="bottom")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    axes.set_title(title)
    return _save(figure, path)
