"""The naive router's process: a Faust agent taking one event at a time, one Redis
``GET`` per event and one ``send`` per decision, as a user would write it first.
It validates and runs the same policy as omniroute's router, so the difference is
the shape of the loop, not work skipped. Started by ``start_naive`` (``_naive.py``).

Faust hard-codes its consumer's ``fetch_max_wait_ms=1500`` (no setting reaches it;
robinhood/faust#281, "Make fetch_max_wait_ms configurable", was never merged), and
the embedded broker holds every fetch for its full wait. A Faust user lowers it the
one way there is: by wrapping the driver's consumer factory,
``AIOKafkaConsumerThread._create_worker_consumer``, to set the wait on the
aiokafka consumer before it starts. Here it gets the same wait as omniroute's
router (``Settings.fetch_max_wait_ms``), so the two loops wait alike."""

from __future__ import annotations

from typing import Any

import aiokafka
import faust
import redis.asyncio as aioredis
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from omniroute.router.core import CustomerRecord
from omniroute.router.policy import default_policy
from omniroute.router.runtime import Settings, faust_settings, redis_options
from omniroute.schemas import (
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    InteractionEventAdapter,
    utc_now,
)

from ._naive import NAIVE_SINK, NAIVE_SOURCE

__all__: list[str] = []  # run as a module (python -m), never imported


def lower_fetch_wait(wait_ms: int) -> None:  # pragma: no cover - runs in the subprocess
    """Every Faust worker consumer created from now on waits ``wait_ms`` per fetch."""
    create = AIOKafkaConsumerThread._create_worker_consumer

    def create_with_wait(self: Any, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer: aiokafka.AIOKafkaConsumer = create(self, transport)
        consumer._fetch_max_wait_ms = wait_ms  # read when the consumer starts its fetcher
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create_with_wait  # type: ignore[method-assign]


def main() -> None:  # pragma: no cover - runs in the subprocess
    settings = Settings()
    lower_fetch_wait(settings.fetch_max_wait_ms)
    options: dict[str, Any] = faust_settings(settings)
    options["datadir"] = str(settings.state_dir / "naive")
    app = faust.App("omniroute-bench-naive", **options)
    source = app.topic(NAIVE_SOURCE, value_serializer="raw", key_serializer="raw")
    sink = app.topic(NAIVE_SINK, value_serializer="raw", key_serializer="raw")
    client = aioredis.Redis(**redis_options(settings.redis))
    policy = default_policy()

    @app.agent(source)
    async def route(stream: Any) -> None:
        async for raw in stream:
            event = InteractionEventAdapter.validate_json(raw)
            if not isinstance(event, InteractionArrived | InteractionEscalated):
                continue
            stored = await client.get(f"cust:{event.customer_id}")
            profile = CustomerProfile.model_validate_json(stored) if stored else None
            customer = CustomerRecord(event.customer_id, profile)
            decision = policy.route(event, customer, {}, utc_now())
            await sink.send(
                key=event.customer_id.encode(), value=decision.model_dump_json().encode()
            )

    worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
