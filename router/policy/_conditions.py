"""CEL conditions, compiled once at load and checked against the fact sheet, so a
typo or a type error is a load error naming the rule, not a routing failure.

Evaluation passes only the facts a condition references, and remembers results
by those facts' values (CEL has no side effects, so that is exact): with discrete
facts (tier, reason, segment...) most contacts never reach the CEL runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cel

from ._facts import FACTS, UNHASHABLE_FACTS, FactSheet

__all__ = ["Condition", "ConditionError", "PolicyError"]

_CACHE_LIMIT = 8192


class PolicyError(ValueError):
    """A policy file cannot be used; the message names the rule and the field."""


class ConditionError(RuntimeError):
    """A condition could not be evaluated for one contact (e.g. a null in arithmetic)."""


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]


class Condition:
    __slots__ = ("_cache", "_cacheable", "_program", "expression", "variables", "where")

    def __init__(
        self, where: str, expression: str, *, forbidden: frozenset[str] = frozenset()
    ) -> None:
        self.where = where
        self.expression = expression
        try:
            self._program = cel.compile(expression)
        except ValueError as error:
            raise PolicyError(f"{where}.when: {_first_line(error)}") from error
        variables = set(self._program.references()["variables"])
        unknown = sorted(variables - set(FACTS))
        if unknown:
            raise PolicyError(
                f"{where}.when: unknown fact {', '.join(map(repr, unknown))}; "
                f"known facts: {', '.join(sorted(FACTS))}"
            )
        banned = sorted(variables & forbidden)
        if banned:
            raise PolicyError(
                f"{where}.when: routing rules cannot use {', '.join(map(repr, banned))}: queue and "
                f"priority must not depend on the channel; handle channels in automation rules "
                f"or in a queue's channels"
            )
        self.variables = tuple(sorted(variables))
        self._cacheable = not (variables & UNHASHABLE_FACTS)
        self._cache: dict[tuple[Any, ...], bool] = {}

    def check(self, sample: Mapping[str, Any]) -> None:
        """Evaluate against typical facts: a type error surfaces at load time."""
        try:
            result = self._program.execute({v: sample[v] for v in self.variables})
        except (TypeError, RuntimeError, ValueError, KeyError) as error:
            raise PolicyError(f"{self.where}.when: {_first_line(error)}") from error
        if not isinstance(result, bool):
            raise PolicyError(
                f"{self.where}.when: must be true or false, got {type(result).__name__}"
            )

    def __call__(self, facts: FactSheet) -> bool:
        values = tuple(map(facts.__getitem__, self.variables))
        if self._cacheable:
            known = self._cache.get(values)
            if known is not None:
                return known
        try:
            result = self._program.execute(dict(zip(self.variables, values, strict=True)))
        except (TypeError, RuntimeError, ValueError, KeyError) as error:
            raise ConditionError(f"{self.where}: {_first_line(error)}") from error
        matched = result is True
        if self._cacheable:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[values] = matched
        return matched
