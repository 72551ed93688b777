"""Condition guards: under which template conditions a group, rule or attachment exists.

A guard is a formula in disjunctive normal form over condition literals (name, value). Guards
are built while the model is read (resource `Condition`, `Fn::If` branches) and evaluated per
permission against scenarios produced by cfn-lint's own condition engine.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, NamedTuple, Protocol

LOGGER = logging.getLogger(__name__)

Literal = tuple[str, bool]
Term = frozenset[Literal]
Scenario = Mapping[str, bool]

MAX_TERMS: Final = 64
MAX_SCENARIOS: Final = 128  # cfn-lint's own cap (cfnlint.conditions.Conditions._max_scenarios)


class Guard(NamedTuple):
    """A DNF formula: true when any term holds; a term holds when all its literals do."""

    terms: frozenset[Term]

    @classmethod
    def when(cls, name: str, value: bool) -> Guard:
        return cls(frozenset({frozenset({(name, value)})}))

    @property
    def is_true(self) -> bool:
        return frozenset() in self.terms

    @property
    def is_false(self) -> bool:
        return not self.terms

    def names(self) -> frozenset[str]:
        return frozenset(name for term in self.terms for name, _ in term)

    def __and__(self, other: Guard) -> Guard:
        if self.is_true:
            return other
        if other.is_true:
            return self
        terms = {a | b for a, b in itertools.product(self.terms, other.terms)}
        return _simplified(terms)

    def __or__(self, other: Guard) -> Guard:
        if self.is_true or other.is_false:  # shortcuts: _simplified gives the same, ten times slower
            return self
        if other.is_true or self.is_false:
            return other
        return _simplified(set(self.terms | other.terms))

    def __invert__(self) -> Guard:
        result = TRUE
        for term in self.terms:
            result = result & Guard(frozenset(frozenset({(n, not v)}) for n, v in term))
        return result

    def holds(self, scenario: Scenario) -> bool:
        """Literals whose condition is not in the scenario do not constrain it."""
        return any(all(scenario.get(n, v) == v for n, v in term) for term in self.terms)

    def __str__(self) -> str:
        if self.is_true:
            return "always"
        if self.is_false:
            return "never"
        return " or ".join(describe(dict(term)) for term in sorted(self.terms, key=sorted))


def _simplified(terms: set[Term]) -> Guard:
    """Drop contradictory terms and terms subsumed by a smaller one; cap the size."""
    consistent = [t for t in terms if len({n for n, _ in t}) == len(t)]
    consistent.sort(key=len)
    kept: list[Term] = []
    for term in consistent:
        if not any(k.issubset(term) for k in kept):
            kept.append(term)
    if len(kept) > MAX_TERMS:
        # Over-approximate (keeps the formula satisfiable where it was): a finding may then
        # name fewer scenarios, but no permission disappears.
        LOGGER.debug("guard with %d terms truncated", len(kept))
        return TRUE
    return Guard(frozenset(kept))


TRUE: Final = Guard(frozenset({frozenset()}))
FALSE: Final = Guard(frozenset())


def guard_text(guard: Guard) -> str:
    """` when X is true` for a finding that exists only under conditions ('' when always)."""
    return "" if guard.is_true else f" when {guard}"


def describe(scenario: Scenario) -> str:
    """`KubeletOpen is false and IsProd is true`."""
    return " and ".join(f"{name} is {str(value).lower()}" for name, value in sorted(scenario.items()))


class ScenarioSource(Protocol):
    """What cfn-lint's `Template.conditions` offers (kept narrow so tests can stub it)."""

    def build_scenarios(self, conditions: dict[str, set[bool]]) -> Iterator[dict[str, bool]]: ...


class Scenarios:
    """Satisfiable assignments of condition names, cached per set of names."""

    def __init__(self, source: ScenarioSource | None, known: Iterable[str]) -> None:
        self._source = source
        self._known = frozenset(known)
        self._cache: dict[frozenset[str], tuple[dict[str, bool], ...]] = {}

    def over(self, names: frozenset[str]) -> tuple[dict[str, bool], ...]:
        """Every satisfiable scenario over `names` (at most MAX_SCENARIOS); one empty one for none."""
        hit = self._cache.get(names)
        if hit is None:
            hit = self._cache[names] = tuple(itertools.islice(self._build(names), MAX_SCENARIOS))
        return hit

    def _build(self, names: frozenset[str]) -> Iterator[dict[str, bool]]:
        if not names:
            yield {}
            return
        known = sorted(names & self._known)
        free = sorted(names - self._known)  # undefined condition names: cfn-lint reports them (E8xxx)
        solved: list[dict[str, bool]] = [{}]
        if known and self._source is not None:
            solved = list(
                itertools.islice(
                    self._source.build_scenarios({n: {True, False} for n in known}), MAX_SCENARIOS
                )
            ) or [{}]
        elif known:
            free = sorted(names)
        choices = [((name, True), (name, False)) for name in free]
        for base in solved:
            for values in itertools.product(*choices):
                yield {**base, **dict(values)}
