"""What a flood of bad records may cost: a budget on full dead letters.

Every rejected record still gets its dead letter (its position, reason and the SHA-256
of its value), so nothing is dropped unexplained. But a dead letter normally carries
a copy of the original (up to 64 KiB) and a log line: a producer sending junk as fast
as it can would fill the dead-letter topic and the logs with copies. Past the budget,
per key (the customer or agent the record claims) and per worker, the letter goes out
in its minimal form (a few hundred bytes, no copy, see ``minimal_dead_letter``) and the
log says how many once a window instead of once a letter.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ._poison import minimal_dead_letter
from ._settings import Settings

__all__ = ["DeadLetterBudget", "dead_letter_budget"]

log = logging.getLogger("omniroute.poison")
_KEYS_KEPT = 10_000
"""Keys tracked at once: a flood of fresh keys forgets the oldest, the total still holds."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


def dead_letter_budget(settings: Settings, stage: str) -> DeadLetterBudget:
    """The budget ``settings.kafka`` describes, for one stage's loop."""
    return DeadLetterBudget(
        per_key_per_minute=settings.kafka.dead_letters_full_per_key_per_minute,
        per_second=settings.kafka.dead_letters_full_per_second,
        stage=stage,
    )


class DeadLetterBudget:
    """Token buckets: ``per_key_per_minute`` full letters per original key and
    ``per_second`` for the whole worker (bursts up to a minute's and a second's worth)."""

    def __init__(self, *, per_key_per_minute: int, per_second: int, stage: str) -> None:
        self._per_key = per_key_per_minute / 60.0
        self._key_burst = float(per_key_per_minute)
        self._total = _Bucket(float(per_second), 0.0)
        self._per_second = float(per_second)
        self._keys: OrderedDict[bytes | None, _Bucket] = OrderedDict()
        self._stage = stage
        self.shrunk = 0
        self._shrunk_since_log = 0
        self._logged_at = 0.0

    def _take(self, bucket: _Bucket, rate: float, burst: float, now: float) -> bool:
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def admit(
        self, letters: Sequence[tuple[bytes | None, bytes]], now: float
    ) -> list[tuple[bytes | None, bytes]]:
        """``letters`` (key, dead letter) as they may go out: in full within the
        budget, minimal past it. ``now``: a monotonic clock, in seconds."""
        admitted: list[tuple[bytes | None, bytes]] = []
        for key, value in letters:
            bucket = self._keys.get(key)
            if bucket is None:
                bucket = self._keys[key] = _Bucket(self._key_burst, now)
                if len(self._keys) > _KEYS_KEPT:
                    self._keys.popitem(last=False)
            else:
                self._keys.move_to_end(key)
            within_key = self._take(bucket, self._per_key, self._key_burst, now)
            if within_key and self._take(self._total, self._per_second, self._per_second, now):
                admitted.append((key, value))
                continue
            admitted.append((key, minimal_dead_letter(value) or value))
            self.shrunk += 1
            self._shrunk_since_log += 1
        if self._shrunk_since_log and now - self._logged_at >= 10.0:
            log.warning(
                "dead-letter budget exceeded: %d letter(s) written without the original",
                self._shrunk_since_log,
                extra={"stage": self._stage},
            )
            self._shrunk_since_log, self._logged_at = 0, now
        return admitted
