"""Worker processes started by the demo and the tests, exactly as an operator would:
``python -m omniroute.router.cli worker NAME`` with settings in the environment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from omniroute.router.runtime import Settings

from ._lifetime import die_with_parent

__all__ = ["WorkerProcess", "stop_workers"]


class WorkerProcess:
    def __init__(self, kind: str, settings: Settings, *, log_path: Path | None = None) -> None:
        self.kind = kind
        self.settings = settings
        self.log_path = log_path or settings.state_dir / f"{kind}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._terminated = False
        self.started_at = 0.0

    def start(self) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = os.environ | self.settings.as_env()
        self.started_at = time.time()
        self._terminated = False
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "omniroute.router.cli", "worker", self.kind],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - no worker outlives its owner
            )
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def terminate(self) -> None:
        """Send SIGTERM and return at once (``stop`` then waits for the exit): several
        workers asked first and waited for after shut down side by side, where each
        one's shutdown otherwise waits for the last (Faust's alone holds one second)."""
        process = self._process
        if process is not None and process.poll() is None and not self._terminated:
            process.send_signal(signal.SIGTERM)
            self._terminated = True

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (unless ``terminate`` sent it), then SIGKILL if it does not stop in
        time; returns the exit code. Never a second SIGTERM: once Faust has closed its
        loop the default action applies, and the worker dies of it (exit -15)."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            self.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return process.returncode

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds from start until ``/readyz`` answers 200; raises if it never does."""
        url = f"http://127.0.0.1:{self.settings.metrics_port}/readyz"
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.kind} worker exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.time() - self.started_at
                    last = f"/readyz answered {response.status}"
            except urllib.error.HTTPError as refused:  # 503: up, but not ready
                last = f"/readyz answered {refused.code}"
            except OSError as error:  # the HTTP endpoint is not up (or not ours)
                last = f"/readyz unreachable: {error}"
            time.sleep(0.1)
        # Which of the two tells where to look: the endpoint never up (start-up, a
        # port another process took) or up and not ready (group join, Redis).
        raise RuntimeError(
            f"{self.kind} worker (pid {self.pid}, port {self.settings.metrics_port}) not ready "
            f"in {timeout:.0f} s, last {last}; see {self.log_path}"
        )

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def stop_workers(workers: Iterable[WorkerProcess], timeout: float = 15.0) -> list[int | None]:
    """Stop ``workers`` side by side, but never two of one kind at once: in rounds,
    SIGTERM to one worker of each kind, then wait for those (SIGKILL past
    ``timeout``, as ``WorkerProcess.stop``). Returns their exit codes in order.

    Workers of one kind are members of the same consumer groups, and the embedded
    broker (Tansu 0.6) can lose track of a group when two of its members leave at
    once: a member that joins afterwards is answered in the same generation every
    five seconds and never assigned (seen once in about six stops of two routers:
    the bench's next router never became ready)."""
    workers = list(workers)
    codes: dict[int, int | None] = {}
    remaining = list(enumerate(workers))
    while remaining:
        this_round: dict[str, tuple[int, WorkerProcess]] = {}
        later = []
        for entry in remaining:
            if entry[1].kind in this_round:
                later.append(entry)
            else:
                this_round[entry[1].kind] = entry
        for _, worker in this_round.values():
            worker.terminate()
        for index, worker in this_round.values():
            codes[index] = worker.stop(timeout)
        remaining = later
    return [codes[index] for index in range(len(workers))]
