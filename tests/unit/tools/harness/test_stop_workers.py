"""``stop_workers`` stops a fleet side by side but never two workers of one kind at
once: two members of one consumer group leaving together can leave the embedded
broker's group stuck, and the next worker of that kind is then never assigned."""

from __future__ import annotations

from pathlib import Path

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess, stop_workers


class RecordedWorker(WorkerProcess):
    """A worker that records its signals instead of sending them."""

    def __init__(self, kind: str, name: str, events: list[tuple[str, str]], tmp: Path) -> None:
        super().__init__(kind, Settings(state_dir=tmp), log_path=tmp / f"{name}.log")
        self.name = name
        self.events = events

    def terminate(self) -> None:
        self.events.append(("term", self.name))

    def stop(self, timeout: float = 15.0) -> int | None:
        self.events.append(("gone", self.name))
        return len(self.name)


def test_one_worker_of_each_kind_per_round_and_exit_codes_in_order(tmp_path: Path) -> None:
    events: list[tuple[str, str]] = []
    fleet = [
        RecordedWorker("router", "r1", events, tmp_path),
        RecordedWorker("router", "r22", events, tmp_path),
        RecordedWorker("assigner", "a333", events, tmp_path),
        RecordedWorker("assigner", "a4444", events, tmp_path),
        RecordedWorker("insight", "i55555", events, tmp_path),
    ]
    codes = stop_workers(fleet)
    assert codes == [2, 3, 4, 5, 6]  # each worker's own code, in the fleet's order
    assert events == [
        ("term", "r1"),
        ("term", "a333"),
        ("term", "i55555"),
        ("gone", "r1"),
        ("gone", "a333"),
        ("gone", "i55555"),
        ("term", "r22"),
        ("term", "a4444"),
        ("gone", "r22"),
        ("gone", "a4444"),
    ]
    # The property itself: no worker is asked to stop while one of its kind is running.
    running: dict[str, str] = {}
    kinds = {w.name: w.kind for w in fleet}
    for what, name in events:
        if what == "term":
            assert kinds[name] not in running
            running[kinds[name]] = name
        else:
            del running[kinds[name]]
