"""Seeding Redis with simulated customers: profiles and, when asked, a settled
history of recent contacts each, through the routing stage's own store."""

from __future__ import annotations

import asyncio

from omniroute.router.runtime import Settings
from omniroute.router.stages.routing import RedisCustomerStore, connect_redis
from omniroute.schemas import CustomerProfile, utc_now

from ._traffic import generate_customers, past_contacts

__all__ = ["seed_customers"]


async def _seed(settings: Settings, profiles: list[CustomerProfile], history_lines: int) -> int:
    client = connect_redis(settings.redis)
    try:
        store = RedisCustomerStore(
            client,
            recent_ttl_seconds=settings.router.recent_contacts_ttl_seconds,
            timeout=settings.redis.timeout_seconds,
        )
        saved = await store.save_profiles(profiles)
        now = utc_now()
        for start in range(0, len(profiles) if history_lines else 0, 500):
            chunk = profiles[start : start + 500]
            await store.save_recent(
                {p.customer_id: past_contacts(p.customer_id, history_lines, now) for p in chunk}
            )
        return saved
    finally:
        await client.aclose()


def seed_customers(settings: Settings, count: int, seed: int = 7, *, history_lines: int = 0) -> int:
    """``count`` profiles in Redis and, with ``history_lines``, a settled history each."""
    profiles = list(generate_customers(count, seed))
    return asyncio.run(_seed(settings, profiles, history_lines))
