"""The department SDK: ask before contacting a customer, and read the answer.

with DepartmentClient("kafka:9092", department="collections") as dept:
    ask = dept.request("cust-42", kind="collections", channel=Channel.VOICE)
    verdict = dept.verdict_for(ask.request_id, timeout=5)
    if verdict.verdict == "approved":
        ...  # place the call
    else:
        print(verdict.reason, verdict.detail, verdict.retry_after)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from omniroute.schemas import (
    Channel,
    Compression,
    OutboundKind,
    OutboundRequest,
    OutboundVerdict,
    new_event_id,
    topic,
)

from ._client import ClientSession

__all__ = ["DepartmentClient"]

REQUESTS = topic("omniroute.outbound-requests")
VERDICTS = topic("omniroute.outbound-decisions")


class DepartmentClient(ClientSession):
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        department: str,
        compression: Compression = Compression.LZ4,
        kafka_config: Mapping[str, Any] | None = None,
    ) -> None:
        """``kafka_config``: kafka-python options, e.g. SASL and TLS for the department's
        own login (see ClientSession and docs/security.md)."""
        self.department = department
        super().__init__(
            bootstrap_servers, VERDICTS, None, compression=compression, kafka_config=kafka_config
        )
        self._seen: dict[str, OutboundVerdict] = {}

    def request(
        self,
        customer_id: str,
        *,
        kind: OutboundKind,
        channel: Channel,
        pool: str | None = None,
        reason: str | None = None,
    ) -> OutboundRequest:
        """Ask to contact ``customer_id``; the answer comes by ``request_id``."""
        ask = OutboundRequest(
            id=new_event_id(),
            source=f"/departments/{self.department}",
            request_id=f"ob-{uuid.uuid4().hex}",
            customer_id=customer_id,
            department=self.department,
            kind=kind,
            channel=channel,
            pool=pool,
            reason=reason,
        )
        self._producer.send(REQUESTS.name, customer_id, ask)
        return ask

    def verdict_for(self, request_id: str, *, timeout: float = 10.0) -> OutboundVerdict:
        """omniroute's answer to a request of this client; TimeoutError if none came."""
        if request_id in self._seen:
            return self._seen.pop(request_id)
        for verdict in self._reader.messages(timeout=timeout):
            if verdict.request_id == request_id:
                return verdict  # type: ignore[no-any-return]
            if verdict.department == self.department:
                self._seen[verdict.request_id] = verdict
        raise TimeoutError(f"no verdict for {request_id} in {timeout} s")
