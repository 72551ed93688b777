"""The README's snippets work as written: its commands print what it shows, its YAML is valid.

What cannot run here is the install source (the package index and the project's public
repository); the pre-commit hook itself is run for real in tests/test_precommit.py.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfn_flip import load_yaml

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.DOTALL)
BIN = Path(sys.executable).parent


def _run(command: str) -> str:
    """A README command, run from the repository root with its globs expanded as a shell would."""
    program, *args = shlex.split(command)
    expanded = [match for arg in args
                for match in (sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(arg)) if "*" in arg else [arg])]
    result = subprocess.run([str(BIN / program), *expanded], capture_output=True, text=True, check=False, cwd=ROOT,
                            timeout=300)
    return result.stdout


def test_console_examples_print_what_the_readme_shows() -> None:
    examples = [body for _, body in BLOCKS if body.startswith("$ ")]
    assert len(examples) >= 2
    for body in examples:
        command, *shown = body.rstrip("\n").splitlines()
        actual = _run(command[2:]).splitlines()
        cursor = 0
        for line in shown:
            if line.strip() == "...":
                continue
            prefix = line.split("...")[0] if "..." in line else line
            while cursor < len(actual) and not actual[cursor].startswith(prefix):
                cursor += 1  # shown lines appear in order; "..." stands for lines left out
            assert cursor < len(actual), (command, line)
            cursor += 1


def test_the_mermaid_graph_is_what_explain_draws() -> None:
    (graph,) = [body for kind, body in BLOCKS if kind == "mermaid"]
    (command,) = [body for _, body in BLOCKS if body.startswith("$ ") and "--format mermaid" in body]
    assert _run(command.strip()[2:]) == graph


def test_quick_start_output_is_what_cfn_lint_prints() -> None:
    command = next(line for _, body in BLOCKS for line in body.splitlines() if line.startswith("cfn-lint "))
    actual = _run(command)
    shown = README.split("Typical output", 1)[1].split("```", 2)[1].strip("\n")
    for paragraph in shown.split("\n\n"):
        *message, location = paragraph.splitlines()
        assert f"{' '.join(message)}\n{location}\n" in actual, paragraph


@pytest.mark.parametrize("body", [body for lang, body in BLOCKS if lang == "yaml"], ids=lambda b: b.split("\n")[0])
def test_yaml_snippets_parse(body: str) -> None:
    assert load_yaml(body) is not None


def test_pre_commit_configurations_are_valid(tmp_path: Path) -> None:
    configs = [body for lang, body in BLOCKS if lang == "yaml" and body.startswith("repos:")]
    assert configs
    ids = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for body in configs:
        config = tmp_path / ".pre-commit-config.yaml"
        config.write_text(body)
        result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        for repo in yaml.safe_load(body)["repos"]:
            if "cfnlint-eks-sg" in repo["repo"]:
                assert {hook["id"] for hook in repo["hooks"]} <= ids
