"""The random draws of a simulated floor, each from the simulator's one seeded
``random.Random``: the same seed, the same day.

A contact center's handle times are right-skewed (most calls short, a long
tail of hard ones), which a lognormal with a mean and a coefficient of
variation describes with two numbers a manager knows; patience is exponential,
the assumption behind Erlang A.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Constant", "Exponential", "Lognormal", "Sampler", "draw_weighted"]


class Sampler(Protocol):
    """Seconds drawn from a distribution with the given generator."""

    @property
    def mean_seconds(self) -> float: ...

    def draw(self, rng: random.Random) -> float: ...


@dataclass(frozen=True, slots=True)
class Constant:
    seconds: float

    @property
    def mean_seconds(self) -> float:
        return self.seconds

    def draw(self, rng: random.Random) -> float:
        return self.seconds


@dataclass(frozen=True, slots=True)
class Exponential:
    mean: float

    @property
    def mean_seconds(self) -> float:
        return self.mean

    def draw(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean) if self.mean > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Lognormal:
    """Lognormal with the given mean and coefficient of variation (sd / mean)."""

    mean: float
    cv: float

    @property
    def mean_seconds(self) -> float:
        return self.mean

    def draw(self, rng: random.Random) -> float:
        if self.mean <= 0:
            return 0.0
        sigma2 = math.log(1.0 + self.cv * self.cv)
        return rng.lognormvariate(math.log(self.mean) - sigma2 / 2.0, math.sqrt(sigma2))


def draw_weighted(rng: random.Random, names: tuple[str, ...], cumulative: tuple[float, ...]) -> str:
    """One name drawn by weight; ``cumulative`` are the running sums of the weights."""
    return rng.choices(names, cum_weights=cumulative, k=1)[0]
