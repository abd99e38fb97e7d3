"""Fault scenarios: each one starts a fleet under steady load, runs its fault schedule,
lets the system drain, and returns the books with the faults and their recovery times.

Every schedule is a plain list of steps written down in the result, so a schedule
that broke the books can be kept and run again as a regression case.
"""

from __future__ import annotations

import signal
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omniroute.schemas import AgentLoggedIn, AgentPresence, Channel, new_event_id, topic

from ._books import BookReport, Ledger
from ._fleet import Fleet, FleetOptions
from ._under_load import under_load

__all__ = [
    "SCENARIOS",
    "ChaosOptions",
    "ChaosResult",
    "Fault",
    "FleetNotSteadyError",
    "run_scenario",
]

AGENT_EVENTS = topic("omniroute.agent-events").name


@dataclass(frozen=True, slots=True)
class ChaosOptions:
    short: bool = True
    state_dir: Path = Path(".omniroute/chaos")
    rate: float = 20.0
    customers: int = 2000
    agents: int = 60
    kills: int | None = None
    """Kills of each worker kind; default 1 short, 20 full."""
    outage_seconds: float | None = None
    """How long Redis or the broker stays down; default 5 s short, 30 s full."""
    drain_seconds: float = 60.0
    recovery_timeout: float | None = None
    """Default 30 s short, 120 s full."""
    progress: Callable[[str], None] | None = None
    """Called with one line per step (the CLI prints them)."""
    transfer_share: float | None = None
    """Share of care contacts the floor transfers to the tech pool; default 0.3 in
    ``transfer-kill``, 0 elsewhere."""
    catch_up_seconds: float = 60.0
    """How long the books' reader may take to reach the outputs' end before the run
    is declared unreadable (a RuntimeError, not a verdict on the books)."""
    steady_timeout: float = 30.0
    """Before the first fault, everything sent so far must be decided and offered
    within this long (what ``recover`` asks after each fault), or the run stops with
    ``FleetNotSteadyError``: a fault injected into a fleet that never settled measures
    nothing, and waiting out the whole schedule only to say so costs a minute."""


class FleetNotSteadyError(RuntimeError):
    """The fleet never settled under load before the first fault."""


@dataclass(slots=True)
class Fault:
    kind: str
    target: str
    at: float
    seconds_down: float
    recovery_seconds: float | None = None
    """Fault end until everything sent before it is decided and offered (None: not in time)."""


@dataclass(slots=True)
class ChaosResult:
    scenario: str
    run_id: str
    faults: list[Fault] = field(default_factory=list)
    books: BookReport = field(default_factory=BookReport)
    crashed_workers: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def recovery_by_kind(self) -> dict[str, dict[str, float | int | None]]:
        grouped: dict[str, list[float | None]] = defaultdict(list)
        for fault in self.faults:
            grouped[fault.kind].append(fault.recovery_seconds)
        summary: dict[str, dict[str, float | int | None]] = {}
        for kind, values in grouped.items():
            known = [v for v in values if v is not None]
            summary[kind] = {
                "count": len(values),
                "not_recovered": len(values) - len(known),
                "median_s": round(statistics.median(known), 2) if known else None,
                "max_s": round(max(known), 2) if known else None,
            }
        return summary

    @property
    def ok(self) -> bool:
        recovered = all(f.recovery_seconds is not None for f in self.faults)
        return self.books.violations == 0 and not self.crashed_workers and recovered

    def as_dict(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "run_id": self.run_id,
            "ok": self.ok,
            "books": self.books.as_dict(),
            "faults_injected": len(self.faults),
            "recovery": self.recovery_by_kind(),
            "crashed_workers": self.crashed_workers,
            "schedule": [asdict(f) for f in self.faults],
            "extra": self.extra,
        }


@dataclass(slots=True)
class _Run:
    fleet: Fleet
    ledger: Ledger
    options: ChaosOptions
    result: ChaosResult

    def say(self, line: str) -> None:
        if self.options.progress is not None:
            self.options.progress(line)

    def recover(self, fault: Fault) -> Fault:
        """Wait until everything sent before the fault ended is decided and offered."""
        ended = time.time()
        timeout = self.options.recovery_timeout or (30.0 if self.options.short else 120.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ledger.settled(ended):
                fault.recovery_seconds = round(time.time() - ended, 2)
                break
            time.sleep(0.2)
        self.result.faults.append(fault)
        self.say(
            f"{fault.kind} {fault.target}: down {fault.seconds_down:.1f} s, "
            f"recovered in {fault.recovery_seconds} s; {self.ledger.status()}"
        )
        return fault


def _wait_steady(run: _Run) -> None:
    """Until everything sent so far is settled; ``FleetNotSteadyError`` past the timeout."""
    since = time.time()
    deadline = time.monotonic() + run.options.steady_timeout
    while not run.ledger.settled(since):
        if time.monotonic() > deadline:
            raise FleetNotSteadyError(
                f"not settled within {run.options.steady_timeout:g} s under load, before "
                f"the first fault: {run.ledger.status()}"
            )
        time.sleep(0.2)
    run.say(f"steady {time.time() - since:.1f} s after the check began: {run.ledger.status()}")


def _kills(run: _Run) -> None:
    count = run.options.kills or (1 if run.options.short else 20)
    for n in range(count):
        for kind in ("router", "assigner"):
            slot = n % len(run.fleet.workers[kind])
            at = time.time()
            ready = run.fleet.kill(kind, slot)
            run.recover(Fault("sigkill", f"{kind}-{slot}", at, round(ready, 2)))


def _outage(name: str) -> Callable[[_Run], None]:
    def schedule(run: _Run) -> None:
        seconds = run.options.outage_seconds or (5.0 if run.options.short else 30.0)
        time.sleep(2)
        at = time.time()
        run.fleet.stop_service(name)
        time.sleep(seconds)
        run.fleet.start_service(name)
        run.recover(Fault(f"{name}_down", name, at, seconds))

    return schedule


def _pause(run: _Run) -> None:
    """SIGSTOP one worker of each kind past the session timeout, then SIGCONT it."""
    seconds = run.fleet.options.session_timeout_seconds * (3 if run.options.short else 5)
    for kind in ("router", "assigner"):
        time.sleep(2)
        at = time.time()
        run.fleet.signal(kind, 0, signal.SIGSTOP)
        time.sleep(seconds)
        run.fleet.signal(kind, 0, signal.SIGCONT)
        run.recover(Fault("sigstop", f"{kind}-0", at, seconds))


def _silent_desktop(run: _Run) -> None:
    """A care agent with every skill logs in ready and never answers an offer."""
    from kafka import KafkaProducer  # noqa: PLC0415

    silent = AgentLoggedIn(
        id=new_event_id(),
        source="/chaos/desktop",
        agent_id=f"{run.ledger.run_id}-silent",
        pool="care",
        name="Silent",
        queues=["general", "priority", "billing", "retention", "sales", "technical"],
        skills={"billing": 9, "retention": 9, "sales": 9, "technical": 9},
        capacity={Channel.VOICE: 1, Channel.CHAT: 3, Channel.EMAIL: 3, Channel.WEB: 3},
        max_total=3,
        presence=AgentPresence.READY,
    )
    producer = KafkaProducer(bootstrap_servers=run.fleet.bootstrap)
    producer.send(
        AGENT_EVENTS, key=silent.agent_id.encode(), value=silent.model_dump_json().encode()
    )
    producer.flush()
    producer.close()
    before = dict(run.ledger.assigned_by_pool)
    at = time.time()
    seconds = 15.0 if run.options.short else 60.0
    time.sleep(seconds)
    after = dict(run.ledger.assigned_by_pool)
    run.result.extra.update(
        silent_agent_offers=run.ledger.offers_by_agent[silent.agent_id],
        assigned_by_pool_while_silent={p: after.get(p, 0) - before.get(p, 0) for p in after},
    )
    run.recover(Fault("silent_desktop", silent.agent_id, at, seconds))


SCENARIOS: dict[str, Callable[[_Run], None]] = {
    "kill": _kills,
    "transfer-kill": _kills,  # the same kills while the floor transfers contacts
    "redis": _outage("redis"),
    "broker": _outage("broker"),
    "silent-desktop": _silent_desktop,
    "pause": _pause,
}


def run_scenario(name: str, options: ChaosOptions) -> ChaosResult:
    schedule = SCENARIOS[name]
    run_id = f"chaos{uuid.uuid4().hex[:8]}"
    fleet = Fleet(
        FleetOptions(
            state_dir=options.state_dir / f"{name}-{run_id}", durable_broker=name == "broker"
        )
    )
    result = ChaosResult(name, run_id)
    share = options.transfer_share
    if share is None:
        share = 0.3 if name == "transfer-kill" else 0.0
    with under_load(
        fleet,
        run_id,
        customers=options.customers,
        agents=options.agents,
        rate=options.rate,
        transfer_share=share,
    ) as loaded:
        run = _Run(fleet, loaded.ledger, options, result)
        run.say(f"{name}: fleet up on {fleet.bootstrap}, load at {options.rate:g}/s")
        time.sleep(3)
        _wait_steady(run)
        schedule(run)
        time.sleep(2)
        loaded.stop_load_and_drain(options.drain_seconds)
        run.say(f"load stopped, drained: {loaded.ledger.status()}")
        time.sleep(2)  # the last assignments and revocations
        result.books = loaded.books(options.catch_up_seconds)
        result.crashed_workers = fleet.crashed()
        result.extra.update(
            refused_sends=loaded.load.refused,
            worker_restarts=fleet.restarts,
            floor_transferred=loaded.floor.report.transferred,
        )
    return result
