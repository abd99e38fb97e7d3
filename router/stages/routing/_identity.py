"""One customer across channels: the identity index in Redis (``idx:<scheme>:<hmac>``
-> customer id) and the router's use of it.

- An event that names a customer *and* carries a contact address teaches the index
  that address (kept by events; ``omniroute identity link`` keeps it by command).
- An event that carries only a contact address is resolved to its customer (a new
  address gets a new id, derived from its hash, and is indexed) and re-published
  keyed by that customer, without the address: from then on it is routed like any
  other event of that customer, in order with them, with their record and history.

Addresses never reach a log line, a metric label or a Kafka key; the index holds
only their keyed hashes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry
from redis.exceptions import RedisError

from omniroute.router.codec import InboundRecord
from omniroute.router.core import address_key, provisional_customer_id
from omniroute.router.runtime import MetricFactory
from omniroute.schemas import InteractionEvent

__all__ = ["IdentityIndex", "IdentityResolver", "Resolved"]

log = logging.getLogger("omniroute.identity")

_GET_OR_SET = """
local out = {}
for i, key in ipairs(KEYS) do
  local found = redis.call('GET', key)
  if not found then
    redis.call('SET', key, ARGV[i])
    found = ARGV[i]
  end
  out[i] = found
end
return out
"""

Resolved = tuple[InboundRecord, InteractionEvent]
"""An event resolved to its customer (its original record, for headers)."""


class IdentityIndex:
    """The index's Redis side, for the router and the ``omniroute identity`` command."""

    def __init__(self, client: aioredis.Redis, pepper: bytes, *, timeout: float) -> None:
        self._client = client
        self._pepper = pepper
        self._timeout = timeout
        self._get_or_set = client.register_script(_GET_OR_SET)

    def key(self, address: str) -> str:
        return address_key(address, self._pepper)

    def provisional(self, address: str) -> str:
        return provisional_customer_id(address, self._pepper)

    async def resolve(self, addresses: Sequence[str]) -> list[str]:
        """The customer of each address; a new address is given its provisional id."""
        keys = [self.key(a) for a in addresses]
        minted = [self.provisional(a) for a in addresses]
        async with asyncio.timeout(self._timeout * 4):
            found = await self._get_or_set(keys=keys, args=minted)
        return [v.decode() if isinstance(v, bytes) else str(v) for v in found]

    async def link(self, links: Sequence[tuple[str, str]]) -> None:
        """(address, customer id) pairs: the address now names that customer."""
        if not links:
            return
        async with asyncio.timeout(self._timeout * 4):
            await self._client.mset({self.key(address): cid for address, cid in links})

    async def lookup(self, address: str) -> str | None:
        async with asyncio.timeout(self._timeout * 4):
            value = await self._client.get(self.key(address))
        return value.decode() if isinstance(value, bytes) else value

    async def forget(self, address: str) -> bool:
        async with asyncio.timeout(self._timeout * 4):
            return bool(await self._client.delete(self.key(address)))


class IdentityResolver:
    """The router's hook: called only for the events of a batch that carry an address."""

    def __init__(self, index: IdentityIndex, registry: CollectorRegistry) -> None:
        self._index = index
        self.results = MetricFactory(registry).counter(
            "omniroute_identity_events_total",
            "Events carrying a contact address, by what the index did: linked (the event "
            "named its customer), resolved (address only), unresolvable (bad address), "
            "unavailable (Redis down: routed by the address's provisional id).",
            ["result"],
        )
        for result in ("linked", "resolved", "unresolvable", "unavailable"):
            self.results.labels(result)

    async def handle(
        self, events: Sequence[tuple[InboundRecord, InteractionEvent]]
    ) -> tuple[list[Resolved], list[InboundRecord]]:
        """Link the addresses of events that name their customer; resolve the others.
        Returns the resolved events (to re-publish) and the records whose address is
        not one (to dead-letter)."""
        links: list[tuple[str, str]] = []
        pending: list[tuple[InboundRecord, InteractionEvent, str]] = []
        bad: list[InboundRecord] = []
        for record, event in events:
            address = event.contact
            if address is None:
                continue
            try:
                self._index.key(address)
            except ValueError:
                bad.append(record)
                continue
            if event.customer_id:
                links.append((address, event.customer_id))
            else:
                pending.append((record, event, address))
        self.results.labels("unresolvable").inc(len(bad))
        try:
            await self._index.link(links)
            self.results.labels("linked").inc(len(links))
            customers = await self._index.resolve([address for *_, address in pending])
            self.results.labels("resolved").inc(len(pending))
        except (RedisError, TimeoutError, OSError) as error:
            log.warning("identity index unavailable: %s", type(error).__name__)
            customers = [self._index.provisional(address) for *_, address in pending]
            self.results.labels("unavailable").inc(len(pending))
        resolved = [
            (record, event.model_copy(update={"customer_id": customer, "contact": None}))
            for (record, event, _), customer in zip(pending, customers, strict=True)
        ]
        return resolved, bad
