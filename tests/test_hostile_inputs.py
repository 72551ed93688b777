"""Property-based hostile inputs (tests/hostile.py): real EKS templates mutated where the plugin reads.

CI runs a fixed-seed slice; `python -m tests.hostile --cases 10000` runs the long search.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile
from tests.conftest import corpus_or_skip, summary

T = TypeVar("T")
CI_CASES = 250
STATS = {"cases": 0, "seconds": 0.0}


class DrawChooser:
    """A `hostile.Chooser` over hypothesis' interactive draws, so a failing case shrinks."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: Sequence[T]) -> T:
        return options[self.data.draw(st.integers(0, len(options) - 1))]

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


@pytest.fixture(scope="module", autouse=True)
def _seeds_and_summary() -> object:
    corpus_or_skip()
    assert len(hostile.seeds()) > 80  # the corpus' EKS templates and ours
    yield
    summary(f"hostile inputs: {STATS['cases']} cases in {STATS['seconds']:.1f}s, none raised")


@settings(max_examples=CI_CASES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_no_hostile_input_makes_our_rules_or_commands_fail(data: st.DataObject) -> None:
    case = hostile.make_case(DrawChooser(data))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        outcome = hostile.run_case(case, Path(work))
    STATS["cases"] += 1
    STATS["seconds"] += time.perf_counter() - started
    assert not outcome.problems, hostile.report(outcome)


def _seed(name: str) -> hostile.Case:
    return hostile.Case(name, json.loads(dict(hostile.seeds())[name]))


class Always:
    """A chooser that takes the first option: the heavy mutations at their documented sizes."""

    def choice(self, options: Sequence[T]) -> T:
        return options[0]

    def integer(self, low: int, high: int) -> int:
        return low


@pytest.mark.parametrize("mutation", hostile.HEAVY, ids=lambda m: m.__name__)
def test_heavy_mutations_lint_in_time(mutation: hostile.Mutation, tmp_path: Path) -> None:
    case = _seed("templates/seed-style-cluster.yaml")
    case.mutations.append(mutation(case.template, Always()))
    outcome = hostile.run_case(case, tmp_path)
    assert "2000 rules" in case.mutations[0] or "x200" in case.mutations[0]
    assert not outcome.problems, hostile.report(outcome)


def test_a_crash_in_our_rules_is_a_failed_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the suite: an exception in the analysis comes back as a problem, not as silence."""
    from cfnlint_eks_sg import _analysis

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("unhashable type: 'dict_node'")

    monkeypatch.setattr(_analysis, "get_analysis", broken)
    outcome = hostile.run_case(_seed("templates/seed-style-cluster.yaml"), tmp_path, commands=False)
    assert any("E0002" in problem for problem in outcome.problems)
