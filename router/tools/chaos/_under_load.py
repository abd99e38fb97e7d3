"""A fleet under steady load, the way ``omniroute chaos`` and ``omniroute soak`` both
run one: the fleet up, customers seeded, the books open, the agent floor logged in
and the load started; torn down in reverse whatever failed on the way. Written once
so a fault run and a soak run measure the same set-up."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from omniroute.router.stages.assignment import changelog_topic
from omniroute.router.tools.harness import AgentFloor, floor_agents, seed_customers

from ._books import BookReport, Ledger
from ._fleet import Fleet
from ._held import held_contacts
from ._load import SteadyLoad

__all__ = ["UnderLoad", "closing_books", "held_by_assigners", "under_load"]


@dataclass(frozen=True, slots=True)
class UnderLoad:
    fleet: Fleet
    ledger: Ledger
    floor: AgentFloor
    load: SteadyLoad

    def stop_load_and_drain(self, seconds: float) -> None:
        """Stop the load, then wait up to ``seconds`` until everything it sent is
        decided, offered and no offer is left open."""
        self.load.stop()
        stopped = time.time()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.ledger.drained(stopped):
            time.sleep(0.5)

    def books(self, catch_up_seconds: float = 60.0) -> BookReport:
        """The ledger's books, against what the assigners' changelog still holds: the
        changelog read first, then the ledger caught up past it, so an assignment
        persisted before the snapshot is also announced in the books (see
        ``Ledger.catch_up``)."""
        return closing_books(self.fleet, self.ledger, catch_up_seconds)


def closing_books(fleet: Fleet, ledger: Ledger, catch_up_seconds: float = 60.0) -> BookReport:
    """``ledger``'s books against what ``fleet``'s assigners' changelog holds: the
    changelog read first, then the ledger caught up past it (``Ledger.catch_up``)."""
    held = held_by_assigners(fleet)
    early = ledger.report(held=held)  # what the books said before the fix, kept as evidence
    if not ledger.catch_up(timeout=catch_up_seconds):
        raise RuntimeError(
            f"the books' reader did not reach the outputs' end in {catch_up_seconds:.0f} s"
        )
    books = ledger.report(held=held)
    books.lost_before_catch_up = early.lost
    late = set(early.examples.get("lost", ())) - set(books.examples.get("lost", ()))
    if late:
        books.examples["lost_before_catch_up"] = sorted(late)
    return books


def held_by_assigners(fleet: Fleet) -> dict[str, str]:
    return held_contacts(fleet.bootstrap, changelog_topic(fleet.settings.assigner.app_id))


@contextlib.contextmanager
def under_load(
    fleet: Fleet,
    run_id: str,
    *,
    customers: int,
    agents: int,
    rate: float,
    history_lines: int = 0,
    transfer_share: float = 0.0,
) -> Iterator[UnderLoad]:
    """``fleet`` started with ``customers`` seeded (with ``history_lines`` of settled
    history each), ``agents`` on the floor (no rejects; ready again a second after a
    pause; ``transfer_share`` of care contacts handed to the tech pool part-way) and
    arrivals at ``rate`` per second."""
    ledger: Ledger | None = None
    floor: AgentFloor | None = None
    load: SteadyLoad | None = None
    try:
        fleet.start()
        seed_customers(fleet.settings, customers, history_lines=history_lines)
        ledger = Ledger(fleet.bootstrap, run_id).start()
        floor = AgentFloor(
            fleet.bootstrap,
            floor_agents(agents, run_id),
            reject_share=0.0,
            ready_after_pause=1.0,
            transfer_share=transfer_share,
        ).start()
        load = SteadyLoad(fleet.bootstrap, ledger, customers=customers, rate=rate).start()
        yield UnderLoad(fleet, ledger, floor, load)
    finally:
        if load is not None:
            load.stop()
        if floor is not None:
            floor.stop()
        if ledger is not None:
            ledger.stop()
        fleet.close()
