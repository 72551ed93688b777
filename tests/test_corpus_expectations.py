"""Every EKS template of ../shared/corpus against tests/corpus_expectations.yaml: our findings, by rule and resource.

The expectations were written from the corpus notes and the EKS guidance before the plugin ran on the corpus; the
run's deviations are resolved in the YAML itself (`deviation:` notes, `withdrawn:` entries, the `disputed:` list).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_like import lint_path
from tests.conftest import corpus_or_skip

EXPECTATIONS = Path(__file__).resolve().parent / "corpus_expectations.yaml"
MIN_TEMPLATES_WITH_FINDINGS = 20

Finding = tuple[str, str]  # (rule ID, resource: the second element of the finding's path)
Lint = Callable[[str], Counter[Finding]]


def _load() -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    raw = yaml.safe_load(EXPECTATIONS.read_text())
    disputed: list[dict[str, Any]] = raw.pop("disputed", None) or []
    return raw, disputed


EXPECTED, DISPUTED = _load()
DISPUTED_PAIRS: dict[str, set[Finding]] = {}
for _entry in DISPUTED:
    DISPUTED_PAIRS.setdefault(_entry["template"], set()).add((_entry["rule"], _entry["resource"]))


def _expected(template: str) -> Counter[Finding]:
    """The findings the template must produce (entries withdrawn after the run are not compared)."""
    return Counter((e["rule"], e["resource"]) for e in EXPECTED[template] if not e.get("withdrawn"))


def _resource(path: list[Any]) -> str:
    if len(path) < 2:
        return str(path[0]) if path else ""
    if path[0] == "Parameters":
        return f"Parameters:{path[1]}"
    if path[0] == "Metadata":
        return "Metadata"
    return str(path[1])


def _known_cfn_lint_failures(corpus: Path) -> set[str]:
    """Templates on which cfn-lint itself fails before any rule runs (CFN_LINT_BASELINE.tsv, internal_error)."""
    rows = (corpus / "CFN_LINT_BASELINE.tsv").read_text().splitlines()[1:]
    return {row.split("\t")[0] for row in rows if row.count("\t") >= 3 and row.split("\t")[3]}


@pytest.fixture(scope="module")
def found_cache() -> dict[str, Counter[Finding]]:
    return {}


@pytest.fixture
def found(found_cache: dict[str, Counter[Finding]]) -> Lint:
    """Our findings on one corpus template, linted once per module as the CLI lints it (tests/cli_like.py)."""

    def lint(name: str) -> Counter[Finding]:
        hit = found_cache.get(name)
        if hit is not None:
            return hit
        corpus = corpus_or_skip()
        path = corpus / name
        assert path.is_file(), f"{name} is listed in {EXPECTATIONS.name} but missing from the corpus"
        try:
            matches = lint_path(path)
        except Exception as error:
            if name in _known_cfn_lint_failures(corpus):
                pytest.skip(f"cfn-lint itself fails on {name} before any rule runs: {error!r}")
            raise
        result = Counter((m.rule.id, _resource(list(getattr(m, "path", None) or [])))
                         for m in matches if m.rule.id[1:2] == "K" or m.rule.id == "E0002")  # ours, and crashes
        found_cache[name] = result
        return result

    return lint


@pytest.mark.parametrize("template", sorted(EXPECTED))
def test_template_gives_the_expected_findings(template: str, found: Lint) -> None:
    disputed = DISPUTED_PAIRS.get(template, set())
    got = Counter({pair: n for pair, n in found(template).items() if pair not in disputed})
    want = Counter({pair: n for pair, n in _expected(template).items() if pair not in disputed})
    assert sorted(got.elements()) == sorted(want.elements())


@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, marks=pytest.mark.xfail(reason=e["reason"], strict=True)) for e in DISPUTED],
    ids=[f"{e['template']}:{e['rule']}:{e['resource']}" for e in DISPUTED],
)
def test_disputed_finding_matches_the_expectation(entry: dict[str, Any], found: Lint) -> None:
    pair = (entry["rule"], entry["resource"])
    assert found(entry["template"])[pair] == _expected(entry["template"])[pair]


def test_expectations_cover_every_eks_template() -> None:
    corpus = corpus_or_skip()
    on_disk = {str(p.relative_to(corpus)) for p in (corpus / "eks").rglob("*") if p.is_file()}
    assert set(EXPECTED) == on_disk
    assert len(EXPECTED) == 104


def test_disputed_entries_name_listed_templates() -> None:
    for entry in DISPUTED:
        assert entry["template"] in EXPECTED
        assert entry["reason"].strip()


def test_enough_templates_carry_positive_findings() -> None:
    positive = [name for name in EXPECTED if _expected(name)]
    assert len(positive) >= MIN_TEMPLATES_WITH_FINDINGS


def test_every_expected_finding_says_why() -> None:
    for name, entries in EXPECTED.items():
        assert isinstance(entries, list), name
        for entry in entries:
            assert {"rule", "resource", "why"} <= set(entry), (name, entry)
            assert entry["rule"][1:2] == "K", (name, entry)
            if entry.get("withdrawn"):
                assert entry.get("deviation"), (name, entry)  # a withdrawn expectation says why
