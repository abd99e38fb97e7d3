"""The naive router a Quix Streams user writes: per event one Redis ``GET``, an
if/else over the default policy's rules, one JSON produce.

Run as a script by its own interpreter (``start_quix``): Quix Streams pins
pydantic below the version omniroute runs, so it lives in a separate environment
(``./dev.sh bench-env`` makes one) and this file imports nothing of omniroute.
It validates nothing, keeps no history, explains nothing and writes no dead letter:
what a user starts from, measured on the same broker, Redis and backlog.

Arguments: broker address, Redis host, Redis port, source topic, sink topic,
consumer group, state directory, fetch wait (ms). The fetch wait is librdkafka's
``fetch.wait.max.ms``, set as a Quix user sets any client option
(``consumer_extra_config``): the embedded broker holds every fetch for its full
wait, so it gets the same wait as omniroute's router.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

ROUTABLE = ("omniroute.interaction.arrived", "omniroute.interaction.escalated")
AUTOMATED_REASONS = {"password_reset", "billing", "payment", "delivery", "outage"}


def decide(event: dict[str, Any], profile: dict[str, Any] | None) -> dict[str, Any]:
    """The default policy's rules as a user would hand-write them."""
    tier = profile.get("tier", "standard") if profile else "standard"
    arpu = float(profile.get("arpu", 0.0)) if profile else 0.0
    reason = event.get("reason") or ""
    wants_agent = bool(event.get("requested_agent")) or event["type"].endswith("escalated")
    target, priority = "agent_queue", 30
    queue: str | None = "general"
    if (
        not wants_agent
        and event["channel"] != "email"
        and (
            reason == "password_reset"
            or (tier == "standard" and reason in ("billing", "payment") and arpu < 100.0)
            or (reason == "delivery" and tier in ("standard", "silver"))
            or (reason == "outage" and tier != "vip")
        )
    ):
        target = "ivr" if event["channel"] == "voice" else "self_service"
        queue, priority = None, 0
    elif tier == "vip":
        queue, priority = "priority", 90
    elif tier == "gold":
        queue, priority = "priority", 70
    elif reason == "cancellation":
        queue, priority = "retention", 60
    elif reason in ("technical_fault", "outage"):
        queue, priority = "technical", 40
    elif reason in ("new_service", "plan_change"):
        queue = "sales"
    elif reason in ("billing", "payment"):
        queue = "billing"
    elif reason == "complaint":
        priority = 50
    return {
        "id": f"d:{event['id']}",
        "cause_id": event["id"],
        "interaction_id": event["interaction_id"],
        "customer_id": event["customer_id"],
        "channel": event["channel"],
        "target": target,
        "queue": queue,
        "priority": priority,
    }


def main() -> None:  # pragma: no cover - runs in the Quix interpreter's subprocess
    import redis  # noqa: PLC0415 - only in the Quix interpreter
    from quixstreams import Application  # type: ignore[import-not-found]  # noqa: PLC0415

    broker, redis_host, redis_port, source, sink, group, state_dir, wait_ms = sys.argv[1:9]
    app = Application(
        broker_address=broker,
        consumer_group=group,
        auto_offset_reset="earliest",
        state_dir=state_dir,
        loglevel="WARNING",
        consumer_extra_config={"fetch.wait.max.ms": int(wait_ms)},
    )
    store = redis.Redis(host=redis_host, port=int(redis_port))
    events = app.topic(source, value_deserializer="json")
    decisions = app.topic(sink, value_serializer="json")

    def route(event: dict[str, Any]) -> dict[str, Any]:
        stored = store.get(f"cust:{event['customer_id']}")
        return decide(event, json.loads(stored) if stored else None)

    frame = app.dataframe(events)
    frame = frame.filter(lambda event: event.get("type") in ROUTABLE)
    frame = frame.apply(route)
    # Quix keeps the input's timestamp on what it produces; the bench times a drain by
    # its outputs' timestamps, so they carry the moment of routing, as the others' do.
    frame = frame.set_timestamp(lambda value, key, timestamp, headers: int(time.time() * 1000))
    frame.to_topic(decisions, key=lambda decision: decision["customer_id"])
    app.run()


if __name__ == "__main__":
    main()
