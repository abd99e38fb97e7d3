"""Steady load for a chaos run: simulated front ends publish arrivals at a fixed rate
(the demo's traffic, so the demo's agent floor has the skills they need) and abandon
a share of them a moment later. Every send is booked in the ledger before it leaves,
and taken out again if the broker refused it, so the books count only what the
broker accepted."""

from __future__ import annotations

import contextlib
import heapq
import json
import random
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaError

from omniroute.router.tools.harness import TrafficGenerator
from omniroute.schemas import InteractionAbandoned, topic, utc_now

from ._books import Ledger

__all__ = ["SteadyLoad"]

INTERACTIONS = topic("omniroute.interactions").name


class SteadyLoad:
    def __init__(
        self,
        bootstrap_servers: str,
        ledger: Ledger,
        *,
        customers: int,
        rate: float,
        abandon_share: float = 0.1,
        seed: int = 3,
    ) -> None:
        self._ledger = ledger
        self._rate = rate
        self._abandon_share = abandon_share
        self._rng = random.Random(seed)
        self._traffic = TrafficGenerator(customers, seed=seed, bad_share=0.0, run_id=ledger.run_id)
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            linger_ms=5,
            retries=20,
            retry_backoff_ms=250,
            max_block_ms=1000,
            reconnect_backoff_max_ms=1000,
        )
        self._abandons: list[tuple[float, str, str, str, str]] = []
        self.sent = 0
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="steady-load", daemon=True)

    def start(self) -> SteadyLoad:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending and flush; a second call does nothing (a run stops its load
        before the final drain, and its teardown stops it again)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=30)
        with contextlib.suppress(KafkaError):
            self._producer.flush(timeout=30)
        self._producer.close(timeout=5)

    def _run(self) -> None:
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            n += 1
            self._arrive()
            self._due_abandons()
            ahead = n / self._rate - (time.monotonic() - started)
            if ahead > 0:
                self._stop.wait(ahead)

    def _arrive(self) -> None:
        event = self._traffic.arrival(utc_now())
        body = json.loads(event.value)
        interaction = str(body["interaction_id"])
        self._ledger.sent_arrival(interaction, event.event_id, time.time())
        if self._send(event.key, event.value, interaction, arrival=True):
            self.sent += 1
            if self._rng.random() < self._abandon_share:
                due = time.monotonic() + self._rng.uniform(0.5, 3.0)
                heapq.heappush(
                    self._abandons,
                    (due, interaction, str(body["customer_id"]), body["channel"], event.event_id),
                )

    def _due_abandons(self) -> None:
        now = time.monotonic()
        while self._abandons and self._abandons[0][0] <= now:
            _, interaction, customer, channel, cause = heapq.heappop(self._abandons)
            event = InteractionAbandoned.model_validate(
                {
                    "id": f"{cause}-abandoned",
                    "source": "/chaos/frontend",
                    "interaction_id": interaction,
                    "customer_id": customer,
                    "channel": channel,
                    "stage": "queue",
                    "waited_seconds": 2.0,
                }
            )
            if self._send(customer.encode(), event.model_dump_json().encode(), interaction):
                self._ledger.sent_end(interaction, time.time())

    def _send(self, key: bytes, value: bytes, interaction: str, *, arrival: bool = False) -> bool:
        def refused(_: BaseException) -> None:
            self.refused += 1
            if arrival:
                self._ledger.refused(interaction)

        try:
            future = self._producer.send(INTERACTIONS, key=key, value=value)
        except KafkaError:
            refused(KafkaError())
            return False
        future.add_errback(refused)
        return True
