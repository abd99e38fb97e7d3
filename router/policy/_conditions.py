"""CEL conditions, compiled once at load and checked against the fact sheet, so a
typo or a type error is a load error naming the rule, not a routing failure.

Evaluation passes only the facts a condition references, and remembers results
by those facts' values (CEL has no side effects, so that is exact): with discrete
facts (tier, reason, segment...) most contacts never reach the CEL runtime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import cel

from ._facts import FACTS, UNHASHABLE_FACTS, FactSheet

__all__ = ["Condition", "ConditionError", "FirstMatch", "PolicyError"]

_CACHE_LIMIT = 8192


class PolicyError(ValueError):
    """A policy file cannot be used; the message names the rule and the field."""


class ConditionError(Exception):
    """A condition could not be evaluated for one contact (e.g. a null in arithmetic).
    Caught by name only, inside the policy. An ``Exception``, not a ``RuntimeError``:
    mypyc compiles classes derived from a few builtin exceptions only."""


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

    @property
    def cacheable(self) -> bool:
        """Every fact it reads is hashable, so results can be remembered by them."""
        return self._cacheable

    def check(self, sample: Mapping[str, Any]) -> None:
        """Evaluate against typical facts: a type error surfaces at load time."""
        try:
            result = self._program.execute({v: sample[v] for v in self.variables})
        except (TypeError, RuntimeError, ValueError, KeyError, ArithmeticError) as error:
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
        except (TypeError, RuntimeError, ValueError, KeyError, ArithmeticError) as error:
            raise ConditionError(f"{self.where}: {_first_line(error)}") from error
        matched = result is True
        if self._cacheable:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[values] = matched
        return matched


RuleT = TypeVar("RuleT")


class FirstMatch(Generic[RuleT]):
    """The first rule of a list whose condition holds, and the errors of the rules
    before it that could not be evaluated, remembered by the values of every fact
    the list reads (CEL has no side effects, so that is exact).

    The routing rules read discrete facts (tier, reason, segment...): a few hundred
    combinations stand for every contact, so the list is one lookup instead of a
    condition call per rule tried (~1 us each, four on average). A list that reads
    an unhashable fact (``load``, ``automation_path``) is walked every time."""

    __slots__ = ("_keyed", "_memo", "_rules", "_variables")

    def __init__(self, rules: Sequence[tuple[RuleT, Condition]]) -> None:
        self._rules = tuple(rules)
        self._variables = tuple(sorted({v for _, c in rules for v in c.variables}))
        self._keyed = all(condition.cacheable for _, condition in rules)
        self._memo: dict[tuple[Any, ...], tuple[RuleT | None, tuple[str, ...]]] = {}

    def __call__(self, facts: FactSheet) -> tuple[RuleT | None, tuple[str, ...]]:
        """(the first rule that holds or None, why each rule before it failed)."""
        if not self._keyed:
            return self._walk(facts)
        key = tuple(map(facts.__getitem__, self._variables))
        found = self._memo.get(key)
        if found is None:
            found = self._walk(facts)
            if len(self._memo) >= _CACHE_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _walk(self, facts: FactSheet) -> tuple[RuleT | None, tuple[str, ...]]:
        errors: list[str] = []
        for rule, condition in self._rules:
            try:
                if condition(facts):
                    return rule, tuple(errors)
            except ConditionError as error:
                errors.append(str(error))
        return None, tuple(errors)
