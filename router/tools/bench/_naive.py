"""Where the naive router (``_naive_app``) reads and writes, and how it is started:
its own process, settings in the environment, exactly like a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["NAIVE_SINK", "NAIVE_SOURCE", "start_naive"]

NAIVE_SOURCE = "omniroute.bench.naive-in"
NAIVE_SINK = "omniroute.bench.naive-out"


def start_naive(settings_env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "omniroute.router.tools.bench._naive_app"],
            env=os.environ | settings_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
