"""Metamorphic tests (tests/metamorphic.py): rewrites that change nothing a deployed stack allows keep the findings.

CI runs a fixed slice of run 1 (a few cases also through `cfnlint.api`, as users lint);
`python -m tests.metamorphic --cases 6000 --seed 1` runs the long search. The unit tests check the
transformations themselves: each changes the template and leaves it valid for cfn-lint, and the
comparison maps renamed and moved findings back.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator

import pytest

from cfnlint_eks_sg.checks._findings import Finding, OrphanedGroup
from tests import metamorphic as mm
from tests.conftest import corpus_or_skip, summary

RUN = 1
CI_CASES = 1000
CHUNK = 100
CROSS_EVERY = 40  # 25 cases of the slice also run through cfnlint.api
OUTCOMES: list[mm.Outcome] = []
PREPARE = {"merge_port_ranges": mm.split_port_range}  # few seeds have adjacent ranges: make two first


@pytest.fixture(scope="module", autouse=True)
def _seeds_and_summary() -> Iterator[None]:
    corpus_or_skip()
    assert len(mm.seeds()) > 80  # the corpus' EKS templates and ours
    yield
    if OUTCOMES:
        failed = sum(o.failed for o in OUTCOMES)
        moved = sum(o.moved and not o.failed for o in OUTCOMES)
        summary(f"metamorphic: {len(OUTCOMES)} cases, {failed} with a problem, {moved} moved to IK0001 "
                f"(literal_to_parameter), {sum(o.checked for o in OUTCOMES)} cross-checked through cfnlint.api")


@pytest.mark.parametrize("start", range(0, CI_CASES, CHUNK), ids=lambda start: f"cases-{start}")
def test_rewrites_keep_the_findings(start: int) -> None:
    outcomes = [mm.run_case(mm.case_number(RUN, n), cross_check=n % CROSS_EVERY == 0)
                for n in range(start, start + CHUNK)]
    OUTCOMES.extend(outcomes)
    failed = [o for o in outcomes if o.failed]
    assert not failed, f"{len(failed)} of {len(outcomes)} cases:\n" + "\n".join(o.report() for o in failed)


def test_the_slice_draws_every_transformation() -> None:
    used = {step.name for n in range(CI_CASES) for step in mm.case_number(RUN, n).steps}
    assert used >= set(mm.BY_NAME) - {"merge_port_ranges"}


def _applied(transform: mm.Transform, wanted: int = 2) -> list[tuple[str, object, object, mm.Change]]:
    """(seed, template before, after, change) for the first seeds it applies to, ours before the corpus'."""
    found: list[tuple[str, object, object, mm.Change]] = []
    ordered = sorted(mm.seeds(), key=lambda seed: (not seed.name.startswith(("templates/", "tests/")), seed.name))
    for seed in ordered:
        template = json.loads(seed.text)
        rng = random.Random(f"unit:{transform.__name__}:{seed.name}")
        prepare = PREPARE.get(transform.__name__)
        if prepare is not None and prepare(template, rng) is None:
            continue
        before = copy.deepcopy(template)
        change = transform(template, rng)
        if change is not None:
            found.append((seed.name, before, template, change))
        if len(found) == wanted:
            break
    return found


@pytest.mark.parametrize("transform", mm.TRANSFORMS, ids=lambda t: t.__name__)
def test_each_transformation_changes_the_template_and_keeps_it_valid(transform: mm.Transform) -> None:
    applied = _applied(transform)
    assert applied, f"{transform.__name__} applies to no seed"
    for seed, before, after, change in applied:
        old, new = mm.render(before, "json"), mm.render(after, change.fmt or "json")
        assert new != old, f"{transform.__name__} left {seed} as it was"
        assert mm.findings_of(new) is not None, f"cfn-lint cannot decode {seed} after {change.detail}"
        errors = mm.lint_text(new).errors - mm.lint_text(old).errors
        assert not errors, f"{transform.__name__} on {seed} ({change.detail}): new cfn-lint errors {sorted(errors)}"


def _finding(rule: str, *path: str | int) -> Finding:
    return Finding(rule, path, OrphanedGroup("G", ""))


def test_renamed_and_moved_findings_map_back() -> None:
    renamed = mm.Change("renamed", back=mm._renames_back({"Resources": {"New": "Old"}}), exact=True)
    assert mm.compare([_finding("EK1001", "Resources", "Old", "Properties")],
                      [_finding("EK1001", "Resources", "New", "Properties")], [renamed]).same
    moved = mm.Change("reordered", back=mm._list_back(("Resources", "G", "Properties", "SecurityGroupIngress"), [1, 0]),
                      exact=True)
    before = [_finding("WK3001", "Resources", "G", "Properties", "SecurityGroupIngress", 0, "CidrIp")]
    assert mm.compare(before, [_finding("WK3001", "Resources", "G", "Properties", "SecurityGroupIngress", 1,
                                        "CidrIp")], [moved]).same
    assert not mm.compare(before, [_finding("WK3001", "Resources", "G", "Properties", "SecurityGroupIngress", 0,
                                            "CidrIp")], [moved]).same


def test_a_parameter_may_only_turn_findings_into_ik0001() -> None:
    relaxed = [mm.Change("parameter", relaxed=True)]
    before = [_finding("EK1001", "Resources", "G")]
    assert mm.compare(before, [_finding("IK0001", "Resources", "R")], relaxed).moved
    assert not mm.compare(before, [], relaxed).ok  # a gap that silently disappears
    assert not mm.compare(before, [_finding("IK0001", "Resources", "R"), _finding("WK1003", "Resources", "G")],
                          relaxed).ok
    assert not mm.compare(before, [_finding("IK0001", "Resources", "R")], [mm.Change("join")]).ok


def test_the_suite_sees_an_order_dependent_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the suite: findings anchored on whichever resource comes first are a mismatch."""
    def first_resource(text: str) -> list[Finding]:
        template = json.loads(mm.render(json.loads(text) if text.lstrip().startswith("{") else {}, "json"))
        return [_finding("IK0001", "Resources", next(iter(template.get("Resources") or {"-": None})))]

    monkeypatch.setattr(mm, "findings_of", first_resource)
    seed = next(s for s in mm.seeds() if s.name == "templates/seed-style-cluster.yaml")
    case = mm.Case(0, seed.name)
    template = json.loads(seed.text)
    change = mm.reorder_resources(template, random.Random(3))
    assert change is not None
    case.steps.append(mm.Step("reorder_resources", change, template, "json"))
    monkeypatch.setattr(mm, "seed_findings", lambda name: tuple(first_resource(seed.text)))
    outcome = mm.run_case(case)
    assert outcome.problem == "mismatch" and outcome.culprit == "reorder_resources"
