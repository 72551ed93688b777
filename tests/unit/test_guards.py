"""Unit tests for condition guards (DNF formulas) and scenario enumeration."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import pytest

from cfnlint_eks_sg.core._guards import (
    FALSE,
    MAX_SCENARIOS,
    MAX_TERMS,
    TRUE,
    Guard,
    Scenarios,
    describe,
)

A = Guard.when("A", True)
NOT_A = Guard.when("A", False)
B = Guard.when("B", True)
NOT_B = Guard.when("B", False)
C = Guard.when("C", True)


def terms(*groups: tuple[tuple[str, bool], ...]) -> frozenset[frozenset[tuple[str, bool]]]:
    return frozenset(frozenset(group) for group in groups)


def truth_table(guard: Guard, names: tuple[str, ...]) -> list[bool]:
    rows = itertools.product((True, False), repeat=len(names))
    return [guard.holds(dict(zip(names, values, strict=True))) for values in rows]


# --- construction and predicates --------------------------------------------------------------


def test_when() -> None:
    assert A.terms == terms((("A", True),))
    assert NOT_A.terms == terms((("A", False),))
    assert A != NOT_A


def test_true_and_false() -> None:
    assert TRUE.is_true and not TRUE.is_false
    assert FALSE.is_false and not FALSE.is_true
    assert not A.is_true and not A.is_false


def test_names() -> None:
    assert TRUE.names() == frozenset()
    assert FALSE.names() == frozenset()
    assert (A & NOT_B | C).names() == frozenset({"A", "B", "C"})


# --- and ----------------------------------------------------------------------------------------


def test_and_identity_and_annihilator() -> None:
    assert TRUE & A == A
    assert A & TRUE == A
    assert (A & FALSE).is_false
    assert (FALSE & A).is_false
    assert (TRUE & TRUE).is_true


def test_and_conjoins_literals() -> None:
    assert (A & NOT_B).terms == terms((("A", True), ("B", False)))


def test_and_idempotent() -> None:
    assert A & A == A


def test_and_removes_contradiction() -> None:
    assert (A & NOT_A).is_false
    assert ((A & B) & NOT_A).is_false


def test_and_distributes_and_drops_contradictory_terms() -> None:
    # (A | B) & ~A == ~A & B
    assert ((A | B) & NOT_A).terms == terms((("A", False), ("B", True)))


# --- or -----------------------------------------------------------------------------------------


def test_or_identity_and_annihilator() -> None:
    assert FALSE | A == A
    assert A | FALSE == A
    assert (A | TRUE).is_true
    assert (TRUE | A).is_true
    assert (FALSE | FALSE).is_false


def test_or_collects_terms() -> None:
    assert (A | B).terms == terms((("A", True),), (("B", True),))


def test_or_subsumption() -> None:
    assert A | (A & B) == A
    assert (A & B) | A == A
    assert (A & B & C) | (A & B) == A & B


def test_or_subsumption_among_many_terms() -> None:
    """Each subsumed term goes, whatever the order the terms meet in: findings print the guard."""
    big = (A & B & C) | (B & C) | NOT_A | (NOT_A & C) | (A & NOT_B) | (B & C & NOT_A)
    assert big == (B & C) | NOT_A | (A & NOT_B)
    assert str(big) == str((A & NOT_B) | NOT_A | (B & C))


@pytest.mark.parametrize("suffix", [str(n) for n in range(60)])
def test_or_drops_a_subsumed_term_whatever_the_names(suffix: str) -> None:
    """`(a and d) or (b and c) or a` is `a or (b and c)`: the order a set hands the terms over in follows the
    names' hashes, and no order may leave the longer term in a finding's text."""
    a, b, c, d = (Guard.when(f"{letter}{suffix}", True) for letter in "abcd")
    assert (a & d) | (b & c) | a == a | (b & c)
    assert str((a & d) | (b & c) | a) == f"a{suffix} is true or b{suffix} is true and c{suffix} is true"


def test_or_keeps_unrelated_terms() -> None:
    assert ((A & B) | (NOT_A & C)).terms == terms((("A", True), ("B", True)), (("A", False), ("C", True)))


def test_complementary_disjunction_holds_everywhere() -> None:
    # No resolution is done, so A | ~A is not recognised as TRUE syntactically, but it holds in every scenario.
    either = A | NOT_A
    assert not either.is_false
    assert truth_table(either, ("A",)) == [True, True]


def test_term_cap_over_approximates_to_true(caplog: pytest.LogCaptureFixture) -> None:
    big = TRUE
    with caplog.at_level(logging.DEBUG, logger="cfnlint_eks_sg.core._guards"):
        for i in range(7):  # 2**7 = 128 terms > MAX_TERMS
            big = big & (Guard.when(f"X{i}", True) | Guard.when(f"Y{i}", True))
    assert MAX_TERMS < 2**7
    assert big.is_true
    # cfn-lint --debug says so: a finding may then name fewer scenarios
    assert [r.getMessage() for r in caplog.records] == ["guard with 128 terms truncated"]


def test_term_cap_not_hit_below_limit() -> None:
    g = TRUE
    for i in range(6):  # 2**6 = 64 terms == MAX_TERMS: kept
        g = g & (Guard.when(f"X{i}", True) | Guard.when(f"Y{i}", True))
    assert len(g.terms) == 64
    assert not g.is_true


# --- invert -------------------------------------------------------------------------------------


def test_invert_constants() -> None:
    assert (~TRUE).is_false
    assert (~FALSE).is_true


def test_invert_literal() -> None:
    assert ~A == NOT_A
    assert ~NOT_A == A


def test_invert_de_morgan() -> None:
    assert ~(A & B) == NOT_A | NOT_B
    assert ~(A | B) == NOT_A & NOT_B


def test_invert_truth_table() -> None:
    names = ("A", "B", "C")
    g = (A & NOT_B) | (B & C)
    assert truth_table(~g, names) == [not v for v in truth_table(g, names)]
    assert truth_table(~~g, names) == truth_table(g, names)


# --- holds --------------------------------------------------------------------------------------


def test_holds() -> None:
    g = (A & NOT_B) | C
    assert g.holds({"A": True, "B": False, "C": False})
    assert g.holds({"A": False, "B": True, "C": True})
    assert not g.holds({"A": True, "B": True, "C": False})
    assert not g.holds({"A": False, "B": False, "C": False})


def test_holds_constants() -> None:
    assert TRUE.holds({})
    assert TRUE.holds({"A": False})
    assert not FALSE.holds({})
    assert not FALSE.holds({"A": True})


def test_holds_missing_names_do_not_constrain() -> None:
    g = A & NOT_B
    assert g.holds({})
    assert g.holds({"A": True})
    assert not g.holds({"B": True})


# --- describe and str ---------------------------------------------------------------------------


def test_describe() -> None:
    assert describe({"KubeletOpen": False, "IsProd": True}) == "IsProd is true and KubeletOpen is false"
    assert describe({}) == ""


def test_str() -> None:
    assert str(TRUE) == "always"
    assert str(FALSE) == "never"
    assert str(NOT_B & A) == "A is true and B is false"
    assert str(B | A) == "A is true or B is true"


# --- Scenarios ----------------------------------------------------------------------------------


class StubSource:
    """Knows conditions A and B, which are mutually exclusive; records every call."""

    def __init__(self, scenarios: list[dict[str, bool]] | None = None) -> None:
        self.calls: list[dict[str, set[bool]]] = []
        self.scenarios = scenarios

    def build_scenarios(self, conditions: dict[str, set[bool]]) -> Iterator[dict[str, bool]]:
        self.calls.append(conditions)
        if self.scenarios is not None:
            yield from self.scenarios
            return
        names = sorted(conditions)
        for values in itertools.product((True, False), repeat=len(names)):
            scenario = dict(zip(names, values, strict=True))
            if not (scenario.get("A") and scenario.get("B")):
                yield scenario


def test_over_empty_names_gives_one_empty_scenario() -> None:
    source = StubSource()
    assert Scenarios(source, ["A", "B"]).over(frozenset()) == ({},)
    assert source.calls == []


def test_over_free_names_enumerated() -> None:
    source = StubSource()
    result = Scenarios(source, ["A", "B"]).over(frozenset({"X", "Y"}))
    assert result == (
        {"X": True, "Y": True},
        {"X": True, "Y": False},
        {"X": False, "Y": True},
        {"X": False, "Y": False},
    )
    assert source.calls == []


def test_over_known_names_come_from_source() -> None:
    source = StubSource()
    result = Scenarios(source, ["A", "B"]).over(frozenset({"A", "B"}))
    assert source.calls == [{"A": {True, False}, "B": {True, False}}]
    assert {"A": True, "B": True} not in result
    assert sorted(tuple(sorted(s.items())) for s in result) == sorted(
        [
            (("A", True), ("B", False)),
            (("A", False), ("B", True)),
            (("A", False), ("B", False)),
        ]
    )


def test_over_only_asks_source_about_requested_known_names() -> None:
    source = StubSource()
    result = Scenarios(source, ["A", "B"]).over(frozenset({"A"}))
    assert source.calls == [{"A": {True, False}}]
    assert result == ({"A": True}, {"A": False})


def test_over_mixes_known_and_free() -> None:
    source = StubSource()
    result = Scenarios(source, ["A", "B"]).over(frozenset({"A", "B", "X"}))
    assert source.calls == [{"A": {True, False}, "B": {True, False}}]
    assert len(result) == 3 * 2
    assert all(set(s) == {"A", "B", "X"} for s in result)
    assert not any(s["A"] and s["B"] for s in result)
    for x in (True, False):
        assert sum(1 for s in result if s["X"] is x) == 3


def test_over_without_source_treats_known_as_free() -> None:
    result = Scenarios(None, ["A", "B"]).over(frozenset({"A", "B"}))
    assert len(result) == 4
    assert {"A": True, "B": True} in result


def test_over_source_without_scenarios_falls_back_to_free_only() -> None:
    source = StubSource(scenarios=[])
    result = Scenarios(source, ["A"]).over(frozenset({"A", "X"}))
    assert result == ({"X": True}, {"X": False})


def test_over_is_cached_per_name_set() -> None:
    source = StubSource()
    scenarios = Scenarios(source, ["A", "B"])
    first = scenarios.over(frozenset({"A"}))
    second = scenarios.over(frozenset({"A"}))
    assert first is second
    assert len(source.calls) == 1
    scenarios.over(frozenset({"B"}))
    assert len(source.calls) == 2


def test_over_caps_free_enumeration() -> None:
    names = frozenset(f"F{i}" for i in range(8))  # 2**8 = 256 scenarios
    result = Scenarios(None, []).over(names)
    assert len(result) == MAX_SCENARIOS
    assert len({tuple(sorted(s.items())) for s in result}) == MAX_SCENARIOS


def test_over_caps_source_scenarios() -> None:
    many = [{"A": i % 2 == 0} for i in range(MAX_SCENARIOS * 3)]
    result = Scenarios(StubSource(scenarios=many), ["A"]).over(frozenset({"A", "X"}))
    assert len(result) == MAX_SCENARIOS


def test_guard_evaluated_over_scenarios() -> None:
    g = A & B
    every = Scenarios(StubSource(), ["A", "B"]).over(g.names())
    assert [s for s in every if g.holds(s)] == []
    h = A | B
    assert len([s for s in every if h.holds(s)]) == 2
