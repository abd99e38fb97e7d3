"""Erlang A (M/M/n+M) computed exactly here, as the oracle the simulator is
checked against: no library at hand implements it, and it must not share code
with the simulator.

Stationary distribution of the birth-death chain (birth λ, death
min(k, n)·μ + max(k - n, 0)·θ), abandonment from Little's law on the queue, and
the probability of being answered within t from the tagged customer's position
chain (phase i = i customers ahead; it moves on at rate n·μ + i·θ, the customer
leaves at rate θ), solved by uniformization. Textbook: Garnett, Mandelbaum and
Reiman (2002), "Designing a call center with impatient customers".
"""

from __future__ import annotations

import math

from pyworkforce.queuing import ErlangC


def _stationary(rate: float, mu: float, theta: float, agents: int) -> list[float]:
    weights = [1.0]
    k = 0
    while True:
        k += 1
        death = min(k, agents) * mu + max(k - agents, 0) * theta
        weights.append(weights[-1] * rate / death)
        if k > agents and weights[-1] < 1e-16 * sum(weights):
            break
    total = sum(weights)
    return [w / total for w in weights]


def erlang_a(
    arrivals_per_hour: float,
    aht_seconds: float,
    agents: int,
    patience_seconds: float,
    target_seconds: float,
) -> tuple[float, float]:
    """(abandon rate, share answered within the target) of an M/M/n+M queue."""
    rate = arrivals_per_hour / 3600.0
    mu = 1.0 / aht_seconds
    theta = 1.0 / patience_seconds
    states = _stationary(rate, mu, theta, agents)
    queued = sum(p * (k - agents) for k, p in enumerate(states) if k > agents)
    abandon = theta * queued / rate
    immediate = sum(states[:agents])
    phases = states[agents:]
    advance = [agents * mu + i * theta for i in range(len(phases))]
    uniform = max(advance) + theta
    mass = list(phases)
    served = 0.0
    steps = uniform * target_seconds
    weight = math.exp(-steps)
    answered_by_t = 0.0
    m = 0
    while m < steps + 12.0 * math.sqrt(steps + 1.0) + 30.0:
        answered_by_t += weight * served
        moved = [mass[i] * advance[i] / uniform for i in range(len(mass))]
        stay = [mass[i] * (1.0 - (advance[i] + theta) / uniform) for i in range(len(mass))]
        served += moved[0]
        mass = [stay[i] + (moved[i + 1] if i + 1 < len(mass) else 0.0) for i in range(len(mass))]
        m += 1
        weight *= steps / m
    return abandon, immediate + answered_by_t


def pyworkforce_erlang_c(
    arrivals_per_hour: float, agents: int, aht_seconds: float, target_seconds: float
) -> tuple[float, float]:
    """(service level, ASA seconds) of M/M/n from pyworkforce, which works in minutes:
    the independent Erlang C the simulator is held to."""
    model = ErlangC(
        transactions=arrivals_per_hour, aht=aht_seconds / 60, asa=target_seconds / 60, interval=60
    )
    traffic = arrivals_per_hour * aht_seconds / 3600
    asa = model.waiting_probability(agents) * aht_seconds / (agents - traffic)
    return float(model.service_level(agents)), float(asa)
