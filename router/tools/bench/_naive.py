"""Where the naive routers read and write, and how they are started: the Faust one
(``_naive_app``) in its own process with settings in the environment, exactly like
a worker; the Quix Streams one (``_quix_app``) by an interpreter that has Quix
Streams (``quix_python``), with its settings on the command line."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from omniroute.router.tools.harness import die_with_parent

from . import _quix_app

__all__ = [
    "NAIVE_SINK",
    "NAIVE_SOURCE",
    "QUIX_SINK",
    "QUIX_SOURCE",
    "quix_python",
    "start_naive",
    "start_quix",
]

NAIVE_SOURCE = "omniroute.bench.naive-in"
NAIVE_SINK = "omniroute.bench.naive-out"
QUIX_SOURCE = "omniroute.bench.quix-in"
QUIX_SINK = "omniroute.bench.quix-out"
QUIX_VENV_PYTHON = Path(".venv-quix/bin/python")
"""Where ``./dev.sh bench-env`` puts an interpreter with Quix Streams: it pins
pydantic below the version omniroute runs, so it cannot share omniroute's venv."""


def quix_python(given: Path | None = None) -> Path | None:
    """An interpreter that can run the Quix Streams router: ``given``, this one if it
    has Quix Streams, or ``.venv-quix``; None: there is none (the anchor is skipped)."""
    if given is not None:
        return given
    if importlib.util.find_spec("quixstreams") is not None:
        return Path(sys.executable)
    return QUIX_VENV_PYTHON if QUIX_VENV_PYTHON.exists() else None


def start_quix(python: Path, args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    script = Path(_quix_app.__file__)  # its top imports only the standard library
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - the interpreter the user named, our script
            [str(python), str(script), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - none outlives a killed bench
        )


def start_naive(settings_env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "omniroute.router.tools.bench._naive_app"],
            env=os.environ | settings_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - none outlives a killed bench
        )
