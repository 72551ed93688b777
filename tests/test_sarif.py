"""SARIF for code scanning: our rules carry their documentation link, results their level and `# expect:` line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.rules import Rules

from tests.conftest import TEMPLATES

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")  # the console script of this environment
EXPECT = re.compile(r"#\s*expect:\s*([EWI]K\d{4}(?:\s*,\s*[EWI]K\d{4})*)")
# EK1002 + WK1003 on one key, IK0002 (informational), WK3001 twice (a key and a second resource).
PICKED = ["ek1002-kubelet-closed.yaml", "ik0002-rule-on-another-stacks-group.yaml", "wk3001-ssh-open-to-the-world.yaml"]
RULES = Rules.create_from_module("cfnlint_eks_sg").data

# cfn-lint's SARIF formatter needs its `sarif` extra (in this package's `test` extra); without it every run
# exits 1 ("Missing optional dependencies").
LEVELS = {"E": "error", "W": "warning", "I": "note"}


@pytest.fixture(scope="module")
def sarif(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The docs/ci.md command (plus --include-checks I), from the repository root, on a quoted glob cfn-lint expands."""
    root = tmp_path_factory.mktemp("repo")
    (root / "templates").mkdir()
    for name in PICKED:
        shutil.copy(TEMPLATES / "broken" / name, root / "templates" / name)
    result = _sarif_run(root, "--include-checks", "I", "--", "templates/**/*.yaml")
    assert result.returncode == 2 | 4 | 8, result.stderr  # error | warning | informational findings, no failure
    assert result.stdout == ""  # everything went to the file
    data: dict[str, Any] = json.loads((root / "cfn-lint.sarif").read_text())
    return data


def _sarif_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_REGION"}
    env.update(HOME=str(cwd), AWS_DEFAULT_REGION="us-east-1")
    command = [CFN_LINT, "--append-rules=cfnlint_eks_sg", "--format", "sarif", "--output-file", "cfn-lint.sarif", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _expected() -> list[tuple[str, str, int]]:
    return sorted(
        (rule_id.strip(), f"templates/{name}", n)
        for name in PICKED
        for n, line in enumerate((TEMPLATES / "broken" / name).read_text().splitlines(), 1)
        for m in EXPECT.finditer(line)
        for rule_id in m[1].split(",")
    )


def test_sarif_2_1_0_from_cfn_lint(sarif: dict[str, Any]) -> None:
    """Code scanning accepts SARIF 2.1.0 only; one run, by cfn-lint."""
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(sarif["runs"]) == 1
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "cfn-lint"


def test_driver_rules_describe_ours_and_link_their_aws_source(sarif: dict[str, Any]) -> None:
    """Code scanning shows shortDescription as the alert title, fullDescription and helpUri in the rule help."""
    described = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert len(described) == len(sarif["runs"][0]["tool"]["driver"]["rules"])  # each rule once
    assert set(described) == {"EK1002", "WK1003", "IK0002", "WK3001"}  # only rules with results are listed
    for rule_id, entry in described.items():
        rule = RULES[rule_id]
        assert entry["shortDescription"]["text"] == rule.shortdesc
        assert entry["fullDescription"]["text"] == rule.description
        assert entry["helpUri"] == rule.source_url
        assert entry["helpUri"].startswith("https://docs.aws.amazon.com/eks/latest/")


def test_results_rule_level_and_line(sarif: dict[str, Any]) -> None:
    """Each result names a listed rule, maps E/W/I to error/warning/note, and starts on the `# expect:` line."""
    run = sarif["runs"][0]
    described = {r["id"] for r in run["tool"]["driver"]["rules"]}
    got = []
    for result in run["results"]:
        rule_id = result["ruleId"]
        assert rule_id in described
        # SARIF's default level is "warning": cfn-lint's serializer leaves it out.
        assert result.get("level", "warning") == LEVELS[rule_id[0]]
        assert ("level" in result) == (rule_id[0] != "W")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        # Relative to the directory cfn-lint ran in: the repository root in CI, as code scanning expects.
        assert physical["artifactLocation"]["uriBaseId"] == "EXECUTIONROOT"
        region = physical["region"]
        assert region["startLine"] == region["endLine"]  # these findings are on a key
        assert 1 <= region["startColumn"] < region["endColumn"]
        got.append((rule_id, physical["artifactLocation"]["uri"], region["startLine"]))
    assert sorted(got) == _expected()
    assert "EXECUTIONROOT" in run["originalUriBaseIds"]


def test_a_pattern_that_matches_nothing_is_one_e0003_error(tmp_path: Path) -> None:
    """docs/ci.md greps for E0003: cfn-lint then lints nothing, not even what the other patterns match, and exits 2."""
    (tmp_path / "templates").mkdir()
    shutil.copy(TEMPLATES / "broken" / PICKED[0], tmp_path / "templates" / PICKED[0])
    result = _sarif_run(tmp_path, "--", "templates/*.yaml", "cfn/**/*.yaml")
    assert result.returncode == 2, result.stderr
    text = (tmp_path / "cfn-lint.sarif").read_text()
    assert '"ruleId": "E0003"' in text  # the exact text the workflow's grep looks for
    (only,) = json.loads(text)["runs"][0]["results"]
    assert only["ruleId"] == "E0003"
    assert "could not be processed by glob.glob" in only["message"]["text"]
    assert "uri" not in only["locations"][0]["physicalLocation"]["artifactLocation"]
