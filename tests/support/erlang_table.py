"""The table in docs/sim/erlang.md: ``omniroute sim erlang --json`` over the loads
the tests check (and a few more), next to Erlang C from pyworkforce and, with
patience, Erlang A from ``queueing_theory.erlang_a``.

Runs the installed command itself (one process per load), so the numbers are
the ones anyone gets by typing the printed commands. Kept out of the package:
it is evidence about the simulator, not part of it.

    .venv/bin/python -m tests.support.erlang_table
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.queueing_theory import erlang_a, pyworkforce_erlang_c

AHT = 180.0
TARGET = 20.0


def erlang_c(arrivals_per_hour: float, agents: int) -> tuple[float, float]:
    """(service level, ASA seconds) from pyworkforce at this module's AHT and target."""
    return pyworkforce_erlang_c(arrivals_per_hour, agents, AHT, TARGET)


@dataclass(frozen=True)
class Load:
    arrivals_per_hour: float
    agents: int
    hours: float
    seed: int
    patience_seconds: float | None = None
    in_tests: bool = False

    def command(self, out: Path) -> list[str]:
        args = [
            "omniroute", "sim", "erlang",
            "--arrivals-per-hour", f"{self.arrivals_per_hour:g}",
            "--aht-seconds", f"{AHT:g}", "--agents", str(self.agents),
            "--target-seconds", f"{TARGET:g}",
        ]  # fmt: skip
        if self.patience_seconds is not None:
            args += ["--patience-seconds", f"{self.patience_seconds:g}"]
        return [*args, "--hours", f"{self.hours:g}", "--seed", str(self.seed), "--json", str(out)]


LOADS = [
    Load(40, 4, 500, 11, in_tests=True),
    Load(60, 5, 400, 12, in_tests=True),
    Load(80, 6, 300, 13, in_tests=True),
    Load(120, 8, 200, 14),
    Load(300, 17, 100, 15),
    Load(60, 4, 300, 21, patience_seconds=120, in_tests=True),
    Load(80, 5, 250, 22, patience_seconds=300, in_tests=True),
    Load(120, 7, 200, 23, patience_seconds=180),
]


def simulate(load: Load, folder: Path) -> dict[str, float]:
    out = folder / f"{load.arrivals_per_hour:g}-{load.agents}-{load.seed}.json"
    command = load.command(out)
    executable = str(Path(sys.executable).parent / "omniroute")
    subprocess.run([executable, *command[1:]], check=True, capture_output=True)
    result: dict[str, float] = json.loads(out.read_text())
    return result


def _row(load: Load, sim: dict[str, float]) -> list[str]:
    erlangs = load.arrivals_per_hour * AHT / 3600
    common = [
        f"{load.arrivals_per_hour:g}", str(load.agents), f"{erlangs:g}",
        "-" if load.patience_seconds is None else f"{load.patience_seconds:g}",
        f"{load.hours:g}", str(load.seed), f"{sim['offered']:.0f}", "yes" if load.in_tests else "",
    ]  # fmt: skip
    if load.patience_seconds is None:
        theory_sl, theory_asa = erlang_c(load.arrivals_per_hour, load.agents)
        return [
            *common, "Erlang C (pyworkforce)",
            f"{sim['service_level']:.1%}", f"{theory_sl:.1%}",
            f"{(sim['service_level'] - theory_sl) * 100:+.2f}",
            f"{sim['asa_seconds']:.1f}", f"{theory_asa:.1f}",
            f"{sim['asa_seconds'] - theory_asa:+.1f}",
            "0.0%", "0.0%", "+0.00",
        ]  # fmt: skip
    abandon, in_target = erlang_a(
        load.arrivals_per_hour, AHT, load.agents, load.patience_seconds, TARGET
    )
    return [
        *common, "Erlang A (queueing_theory.py)",
        f"{sim['service_level']:.1%}", f"{in_target:.1%}",
        f"{(sim['service_level'] - in_target) * 100:+.2f}",
        f"{sim['asa_seconds']:.1f}", "-", "-",
        f"{sim['abandon_rate']:.1%}", f"{abandon:.1%}",
        f"{(sim['abandon_rate'] - abandon) * 100:+.2f}",
    ]  # fmt: skip


HEADER = [
    "arrivals/h", "agents", "erlangs", "patience s", "hours", "seed", "offered", "in tests",
    "theory", "sim SL", "theory SL", "SL diff pts", "sim ASA s", "theory ASA s",
    "ASA diff s", "sim abandon", "theory abandon", "abandon diff pts",
]  # fmt: skip


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for load in LOADS:
            rows.append(_row(load, simulate(load, Path(folder))))
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for load in LOADS:
        print(shlex.join(load.command(Path("out.json"))))


if __name__ == "__main__":
    main()
