"""Each rule has its page, its README row and a source_url that points at the page."""

from __future__ import annotations

import re

import pytest
from cfnlint.rules import Rules

from tests.conftest import CORPUS, ROOT

ADDED_BY_ISSUES = {"EK4002": 14, "WK4004": 14, "EK4005": 14}  # EKS Hybrid Nodes
RULES = sorted(Rules.create_from_module("cfnlint_eks_sg").data.values(), key=lambda r: r.id)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_page_readme_row_and_source_url(rule: object) -> None:
    rule_id = getattr(rule, "id")  # noqa: B009
    page = ROOT / "docs" / "rules" / f"{rule_id}.md"
    assert page.read_text().startswith(f"# {rule_id}: ")
    assert getattr(rule, "source_url").endswith(f"docs/rules/{rule_id}.md")  # noqa: B009
    assert f"[{rule_id}](docs/rules/{rule_id}.md)" in (ROOT / "README.md").read_text()
    assert rule_id in (ROOT / "CHANGELOG.md").read_text()


def test_severity_letter_matches_the_documented_level() -> None:
    levels = {"E": "error", "W": "warning", "I": "informational"}
    for rule in RULES:
        page = (ROOT / "docs" / "rules" / f"{rule.id}.md").read_text()
        assert f"Level: {levels[rule.id[0]]}." in page, rule.id


def test_every_catalogue_id_is_registered() -> None:
    design = CORPUS.parent / "DESIGN.md"  # shared/ holds the corpus and the design
    if not design.is_file():
        pytest.skip(f"{design} not found (a clone outside the workplace)")
    catalogue = set(re.findall(r"^\| ([EWI]K\d{4}) \|", design.read_text(), flags=re.MULTILINE))
    assert len(catalogue) >= 19
    # The catalogue is the design's; IDs issues introduced since are registered on top of it, and no other.
    assert {rule.id for rule in RULES} == catalogue | set(ADDED_BY_ISSUES)
