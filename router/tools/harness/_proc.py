"""What /proc says about a process: resident memory and CPU seconds so far (0 for
no process or one that is gone, so a reading never fails a run), and its state."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["command_line", "cpu_seconds", "process_state", "rss_mb", "thread_cpu_seconds"]


def rss_mb(pid: int | None) -> float:
    """Resident memory of a process and its threads, from /proc (0 if gone)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` after the command name (which may hold spaces and ``)``)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_state(pid: int) -> str | None:
    """The state letter (``R``, ``S``, ``Z`` for exited but not reaped...); None if gone."""
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process so far, from /proc (0 if gone)."""
    if pid is None:
        return 0.0
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def thread_cpu_seconds(native_id: int | None) -> float:
    """User + system CPU so far of one thread of this process (0 if gone)."""
    if native_id is None:
        return 0.0
    try:
        text = Path(f"/proc/self/task/{native_id}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_line(pid: int) -> list[str] | None:
    """The process's argv from /proc; None if it is gone or not ours to read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
