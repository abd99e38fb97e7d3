"""The naive router's process: a Faust agent taking one event at a time, one Redis
``GET`` per event and one ``send`` per decision, as a user would write it first.
It validates and runs the same policy as omniroute's router, so the difference is
the shape of the loop, not work skipped. Started by ``start_naive`` (``_naive.py``)."""

from __future__ import annotations

from typing import Any

import faust
import redis.asyncio as aioredis

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


def main() -> None:  # pragma: no cover - runs in the subprocess
    settings = Settings()
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
