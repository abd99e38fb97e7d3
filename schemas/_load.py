"""Pool load and wait estimates: what the assigner publishes so routers and front ends
can see how busy a pool is without calling it (``omniroute.pool-load``, compacted,
key: pool; ``omniroute.wait-estimates``, key: customer id)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._common import CustomerId, Envelope, Integer, InteractionId, Number, QueueName

__all__ = ["PoolLoad", "QueueLoad", "WaitEstimate"]


class QueueLoad(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    queue: QueueName
    queued: Integer = Field(ge=0)
    longest_wait_seconds: Number = Field(ge=0)
    estimated_wait_seconds: Number = Field(ge=0)


class PoolLoad(Envelope):
    """A pool's load right now; the latest per pool is all that matters (compacted)."""

    type: Literal["omniroute.pool_load"] = "omniroute.pool_load"
    pool: QueueName
    queued: Integer = Field(ge=0)
    longest_wait_seconds: Number = Field(ge=0)
    agents_logged_in: Integer = Field(ge=0)
    agents_ready: Integer = Field(ge=0, description="Logged in, ready, with spare capacity.")
    occupancy: Number = Field(ge=0, le=1, description="Capacity in use over capacity offered.")
    estimated_wait_seconds: Number = Field(ge=0)
    queues: tuple[QueueLoad, ...] = ()


class WaitEstimate(Envelope):
    """How long one queued contact should expect to wait: announce it or offer a callback."""

    type: Literal["omniroute.wait_estimate"] = "omniroute.wait_estimate"
    interaction_id: InteractionId
    customer_id: CustomerId
    queue: QueueName
    position: Integer = Field(ge=1)
    estimated_wait_seconds: Number = Field(ge=0)
