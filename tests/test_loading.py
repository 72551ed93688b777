"""The plugin loads the same rules, once each, in module, directory and .cfnlintrc mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.config import _DEFAULT_RULESDIR
from cfnlint.rules import Rules

import cfnlint_eks_sg
from tests.conftest import ROOT, TEMPLATES

PACKAGE = Path(cfnlint_eks_sg.__file__).resolve().parent
EXPECTED_IDS = sorted(getattr(cfnlint_eks_sg, name).id for name in cfnlint_eks_sg.__all__ if name != "__version__")
BROKEN = sorted(TEMPLATES.glob("broken/*.yaml"))
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")  # the console script of this environment


def _ids(rules: Rules) -> list[str]:
    return sorted(rules.data)


def test_module_mode_registers_every_rule_once_and_no_base_class() -> None:
    rules = Rules.create_from_module("cfnlint_eks_sg")
    assert _ids(rules) == EXPECTED_IDS
    assert "" not in rules.data


@pytest.mark.parametrize("directory", [PACKAGE / "rules", PACKAGE], ids=["rules-folder", "package-folder"])
def test_directory_mode_gives_the_same_rules(directory: Path) -> None:
    assert _ids(Rules.create_from_directory(str(directory))) == EXPECTED_IDS


def test_no_collision_with_built_in_rules() -> None:
    rules = Rules.create_from_directory(_DEFAULT_RULESDIR)
    plugin = Rules.create_from_module("cfnlint_eks_sg")
    rules.update(plugin)  # raises DuplicateRuleError on a collision
    assert all(rule_id[0] in "EWI" and rule_id[1] == "K" for rule_id in plugin.data)


def _cfn_lint(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION",)}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    env["HOME"] = str(cwd)
    command = [CFN_LINT, "--format", "parseable", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _findings(output: str) -> list[str]:
    lines = []
    for line in output.splitlines():
        parts = line.split(":")
        if len(parts) > 6 and parts[5][1:2] == "K":
            lines.append(":".join([Path(parts[0]).name, *parts[1:]]))
    return sorted(lines)


@pytest.fixture(scope="module")
def module_mode() -> list[str]:
    result = _cfn_lint(["-c", "I", "--append-rules=cfnlint_eks_sg", "--", *map(str, BROKEN)], cwd=ROOT / "docs")
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr
    return _findings(result.stdout)


def test_module_mode_reports_each_broken_example(module_mode: list[str]) -> None:
    found = {(line.split(":")[0], line.split(":")[5]) for line in module_mode}
    expected = {(path.name, rule_id) for path in BROKEN for rule_id in re.findall(r"[EWI]K\d{4}", _marks(path))}
    assert found == expected
    assert {rule_id for _, rule_id in found} == set(EXPECTED_IDS)  # one broken example per rule


def _marks(path: Path) -> str:
    return " ".join(line.split("expect:")[1] for line in path.read_text().splitlines() if "# expect:" in line)


def test_directory_mode_on_the_rules_folder_matches(module_mode: list[str], tmp_path: Path) -> None:
    result = _cfn_lint(["-c", "I", f"--append-rules={PACKAGE / 'rules'}", "--", *map(str, BROKEN)], cwd=tmp_path)
    assert _findings(result.stdout) == module_mode, result.stderr


def test_package_folder_from_the_repository_root_matches(module_mode: list[str]) -> None:
    # From the root, `cfnlint_eks_sg` is an existing folder: cfn-lint switches to directory mode over it.
    result = _cfn_lint(["-c", "I", "--append-rules=cfnlint_eks_sg", "--", *map(str, BROKEN)], cwd=ROOT)
    assert _findings(result.stdout) == module_mode, result.stderr


def test_cfnlintrc_matches(module_mode: list[str], tmp_path: Path) -> None:
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - cfnlint_eks_sg\ninclude_checks:\n  - I\n")
    result = _cfn_lint(["--", *map(str, BROKEN)], cwd=tmp_path)
    assert _findings(result.stdout) == module_mode, result.stderr


def test_json_output_is_pure_json(tmp_path: Path) -> None:
    command = [CFN_LINT, "--format", "json", "--append-rules=cfnlint_eks_sg", "--", str(BROKEN[0])]
    raw = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    findings = json.loads(raw.stdout)
    assert [f["Rule"]["Id"] for f in findings if f["Rule"]["Id"][1] == "K"] == ["EK1001"]
