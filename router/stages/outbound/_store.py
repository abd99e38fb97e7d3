"""What the outbound coordinator reads and writes in Redis: the customer's recent
inbound contacts (``recent:{id}``, which the router keeps) and the outbound
contacts approved for them (``outbound:{id}``), one ``MGET`` and one write a batch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError

from omniroute.router.runtime import RedisSettings, redis_options
from omniroute.schemas import RecentContacts

__all__ = ["OutboundHistory", "OutboundStore", "connect", "outbound_key"]

OutboundHistory = tuple[tuple[datetime, str], ...]
"""(when, department) of approved outbound contacts, oldest first."""


def outbound_key(customer_id: str) -> str:
    return f"outbound:{customer_id}"


def connect(settings: RedisSettings) -> aioredis.Redis:
    # Its own ACL user and TLS, from the settings, as the router connects.
    return aioredis.Redis(
        **redis_options(settings),
        socket_timeout=settings.timeout_seconds,
        socket_connect_timeout=settings.timeout_seconds,
    )


def _inbound(raw: bytes | str | None) -> tuple[datetime, ...]:
    if raw is None:
        return ()
    try:
        return tuple(line.at for line in RecentContacts.model_validate_json(raw).contacts)
    except ValidationError:
        return ()


def _outbound(raw: bytes | str | None) -> OutboundHistory:
    if raw is None:
        return ()
    try:
        return tuple((datetime.fromisoformat(at), dept) for at, dept in json.loads(raw))
    except (ValueError, TypeError):
        return ()


class OutboundStore:
    def __init__(self, client: aioredis.Redis, *, timeout: float, keep_seconds: int) -> None:
        self._client = client
        self._timeout = timeout
        self._keep = keep_seconds

    async def fetch(
        self, customer_ids: Sequence[str]
    ) -> dict[str, tuple[tuple[datetime, ...], OutboundHistory]]:
        """Per customer: when their recent inbound contacts began, and the outbound
        contacts approved for them. Raises ``RedisError``/``TimeoutError``."""
        ids = list(dict.fromkeys(customer_ids))
        keys = [k for cid in ids for k in (f"recent:{cid}", outbound_key(cid))]
        async with asyncio.timeout(self._timeout):
            values = await self._client.mget(keys) if keys else []
        return {
            cid: (_inbound(values[2 * i]), _outbound(values[2 * i + 1]))
            for i, cid in enumerate(ids)
        }

    async def save(self, approved: Mapping[str, OutboundHistory]) -> None:
        if not approved:
            return
        async with asyncio.timeout(self._timeout * 4), self._client.pipeline() as pipe:
            for customer_id, history in approved.items():
                value = json.dumps([[at.isoformat(), dept] for at, dept in history])
                pipe.set(outbound_key(customer_id), value, ex=self._keep)
            await pipe.execute()


StoreError = (RedisError, TimeoutError, OSError)
