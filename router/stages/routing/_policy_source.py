"""Where the router's policy comes from, and hot reload: the file is watched and a
new version swapped in whole; a bad edit is logged, counted and ignored, so the
router keeps routing with the last good policy."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from prometheus_client import Counter

from omniroute.router.core import RoutingPolicy
from omniroute.router.policy import default_policy, load_policy

from ._stage import PolicyHolder

__all__ = ["PolicyWatcher", "initial_policy"]

log = logging.getLogger("omniroute.policy")


def initial_policy(path: Path | None) -> RoutingPolicy:
    """The policy to start with. A bad file at start-up is fatal: there is no last
    good policy yet, and routing by a policy nobody wrote is worse than not starting.
    It raises ``PolicyError`` naming the file and the problem; the worker command
    prints it and exits 2, without a traceback."""
    return load_policy(path) if path else default_policy()


class PolicyWatcher:
    def __init__(
        self, path: Path, holder: PolicyHolder, reloads: Counter, interval: float = 2.0
    ) -> None:
        self._path = path
        self._holder = holder
        self._interval = interval
        self._seen = self._stamp()
        self.reloads = reloads

    def _stamp(self) -> tuple[float, int] | None:
        try:
            stat = self._path.stat()
        except OSError:
            return None
        return (stat.st_mtime, stat.st_size)

    def check(self) -> bool:
        """Reload if the file changed; True if a new policy is in force."""
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return False
        self._seen = stamp
        try:
            policy = load_policy(self._path)
        except Exception as error:
            # PolicyError is every failure load_policy knows of; anything else is a
            # bug in it, and still must not stop routing with the last good policy.
            self.reloads.labels("error").inc()
            log.error(
                "policy not reloaded, keeping %s: %s",
                self._holder.current.version,
                error,
                extra={"policy_version": self._holder.current.version},
            )
            return False
        if policy.version == self._holder.current.version:
            return False
        self._holder.swap(policy)
        self.reloads.labels("ok").inc()
        log.info("policy reloaded", extra={"policy_version": policy.version})
        return True

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            await asyncio.sleep(self._interval)
            self.check()
