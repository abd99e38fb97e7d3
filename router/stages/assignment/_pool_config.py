"""How the assigner configures a pool from its settings (the floor plans use the
same function, so a plan runs the pool the worker runs)."""

from __future__ import annotations

from omniroute.agents import PoolConfig, QueueConfig
from omniroute.router.runtime import AssignerSettings

__all__ = ["pool_config"]


def pool_config(pool: str, settings: AssignerSettings) -> PoolConfig:
    """A pool as the assigner configures it; the floor plans use the same one, so a
    plan runs the pool the worker runs."""
    return PoolConfig(
        name=pool,
        default_queue=QueueConfig(
            aging_per_second=settings.aging_per_second,
            max_wait_seconds=settings.max_wait_seconds,
            relax_after_seconds=settings.relax_after_seconds,
            any_agent_after_seconds=settings.any_agent_after_seconds,
            sticky_seconds=settings.sticky_seconds,
        ),
        offer_timeout_seconds=settings.offer_timeout_seconds,
        misses_before_not_ready=settings.misses_before_not_ready,
        transfer_hold_seconds=settings.transfer_hold_seconds,
        takeover_grace_seconds=settings.takeover_grace_seconds,
    )
