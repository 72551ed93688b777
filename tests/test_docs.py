"""Each rule has its page, its README row and a source_url: the AWS documentation its page cites.

No link in the package, its metadata or its documentation points at a site we have not checked exists.
"""

from __future__ import annotations

import re

import pytest
from cfnlint.rules import Rules

from tests.conftest import CORPUS, ROOT

ADDED_BY_ISSUES = {"EK4002": 14, "WK4004": 14, "EK4005": 14,  # EKS Hybrid Nodes
                   "EK5001": 27, "EK5002": 27, "WK5003": 27}  # paths past the security groups
RULES = sorted(Rules.create_from_module("cfnlint_eks_sg").data.values(), key=lambda r: r.id)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_page_readme_row_and_source_url(rule: object) -> None:
    rule_id = getattr(rule, "id")  # noqa: B009
    page = ROOT / "docs" / "rules" / f"{rule_id}.md"
    assert page.read_text().startswith(f"# {rule_id}: ")
    source_url = getattr(rule, "source_url")  # noqa: B009
    # The EKS user guide, or the VPC user guide for the rules past the security groups (routes, ACLs).
    assert source_url.startswith(("https://docs.aws.amazon.com/eks/latest/",
                                  "https://docs.aws.amazon.com/vpc/latest/")), source_url
    assert f"\n\nAWS documentation: {source_url}\n\n" in page.read_text()
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


# Sites every link must start with: each was checked to exist when it was added. The project has no public
# repository yet (docs/releasing.md), so nothing may link to one.
KNOWN_SITES = (
    "https://docs.aws.amazon.com/",
    "https://github.com/aws-cloudformation/cfn-lint",
    "https://semver.org/spec/v2.0.0.html",
    "https://keepachangelog.com/en/1.1.0/",
)
PLACEHOLDER = "https://${"  # a template's own TemplateURL in an example, not a link
LINKED = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "setup.cfg", ROOT / ".pre-commit-hooks.yaml",
          *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "cfnlint_eks_sg").rglob("*.py"))]


@pytest.mark.parametrize("path", LINKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_points_at_a_known_site(path: object) -> None:
    text = getattr(path, "read_text")()  # noqa: B009
    links = re.findall(r"https?://[^\s)\"'`>\]]+", text)
    unknown = [link for link in links if not link.startswith((*KNOWN_SITES, PLACEHOLDER))]
    assert not unknown, unknown


def test_rule_urls_are_links_the_site_check_reads() -> None:
    """The check above reads the rules' modules: their source_url values are written there."""
    assert all(getattr(rule, "source_url").startswith(KNOWN_SITES) for rule in RULES)  # noqa: B009
