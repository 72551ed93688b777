"""The pre-commit hook, run for real: the README's `pre-commit try-repo` installs this repository and lints a project
with it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cfnlint.api import lint_all

from tests.conftest import JUNK, ROOT, TEMPLATES, require, summary

HOOK_ID = "cfn-lint-eks-sg"
README = (ROOT / "README.md").read_text()
BROKEN = "templates/ek1001-nodes-cannot-reach-api.yaml"
COMPLIANT = "templates/seed-style-cluster.yaml"
# Not CloudFormation: cfn-lint reports each as an error, so each must stay out of the hook's default `files`.
DECOYS = {
    ".github/workflows/x.yaml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n",
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    "charts/web/templates/deployment.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    "stacks/compose.yaml": "services:\n  web:\n    image: nginx\n",
}


def manifest() -> dict[str, str]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = (hook for hook in hooks if hook["id"] == HOOK_ID)
    return dict(hook)


def environment(home: Path, pre_commit_home: Path) -> dict[str, str]:
    """Isolated from the developer's pre-commit store, ~/.cfnlintrc and git settings; pip keeps its configuration."""
    real_home = Path.home()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.setdefault("XDG_CONFIG_HOME", str(real_home / ".config"))  # pip.conf, e.g. a package mirror
    env.setdefault("XDG_CACHE_HOME", str(real_home / ".cache"))  # pip's download cache
    env.pop("AWS_REGION", None)
    env.update(
        HOME=str(home),
        PRE_COMMIT_HOME=str(pre_commit_home),
        AWS_DEFAULT_REGION="us-east-1",
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
    )
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


def snapshot(destination: Path, env: dict[str, str]) -> Path:
    """The working tree as one commit: try-repo would leave out untracked files (it only adds tracked changes)."""
    shutil.copytree(ROOT, destination, ignore=JUNK)
    git(destination, env, "init", "-q")
    git(destination, env, "add", "-A")  # the copied .gitignore keeps ignored files out, as in a clone
    git(destination, env, "commit", "-q", "-m", "snapshot of the working tree")
    return destination


@pytest.fixture(scope="session")
def hook_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One `try-repo` run for all tests: each one builds a fresh hook environment, whatever PRE_COMMIT_HOME says."""
    require("pre_commit", programs=("git",))
    env = environment(tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("pre-commit-home"))
    source = snapshot(tmp_path_factory.mktemp("source") / "cfnlint-eks-sg", env)
    project = tmp_path_factory.mktemp("project")
    for name, text in {BROKEN: (TEMPLATES / "broken" / Path(BROKEN).name).read_text(),
                       COMPLIANT: (TEMPLATES / Path(COMPLIANT).name).read_text(), **DECOYS}.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    git(project, env, "init", "-q")
    git(project, env, "add", "-A")  # --all-files lists the files git knows
    (line,) = [line for line in README.splitlines() if line.startswith("pre-commit try-repo ")]
    _, *args = shlex.split(line)  # the README's command, with this snapshot for the clone it names
    assert args[:3] == ["try-repo", "../cfnlint-eks-sg", HOOK_ID], line
    command = [sys.executable, "-m", "pre_commit", args[0], str(source), *args[2:], "--color=never"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=1200)
    summary(f"pre-commit try-repo (hook environment build + run): {time.perf_counter() - start:.1f} s")
    return result


def test_manifest_is_valid() -> None:
    require("pre_commit", programs=("git",))
    command = [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_entry_keeps_filenames_and_args_apart() -> None:
    """`-a X` or `--append-rules X` would eat the file names; a trailing `--` would turn users' `args` into files."""
    entry = manifest()["entry"].split()
    assert entry == ["cfn-lint", "--append-rules=cfnlint_eks_sg"]


@pytest.mark.parametrize(("path", "linted"), [
    ("templates/cluster.yaml", True),
    ("template/cluster.yml", True),
    ("cloudformation/network/vpc.json", True),
    ("infra/cfn/eks.template", True),
    ("deploy/stacks/eks.yaml", True),
    ("templates/README.md", False),
    ("cluster.yaml", False),
    (".github/workflows/x.yaml", False),
    (".github/workflows/templates/x.yaml", False),
    (".github/ISSUE_TEMPLATE/bug.yml", False),
    ("k8s/deployment.yaml", False),
    ("charts/web/templates/deployment.yaml", False),
    ("helm/web/templates/service.yaml", False),
    ("docker-compose.yml", False),
    ("stacks/compose.yaml", False),
    ("stacks/docker-compose.prod.yml", False),
    ("mytemplates/x.yaml", False),
])
def test_default_files_pick_cloudformation_directories_only(path: str, linted: bool) -> None:
    """pre-commit's own test: `files` and `exclude` are searched (re.search) in the path from the repository root."""
    hook = manifest()
    assert bool(re.search(hook["files"], path) and not re.search(hook["exclude"], path)) is linted


@pytest.mark.parametrize("name", sorted(DECOYS))
def test_decoys_would_fail_if_linted(name: str) -> None:
    """Otherwise their absence from the hook's output would prove nothing."""
    assert any(match.rule.id.startswith("E") for match in lint_all(DECOYS[name]))


def test_broken_template_fails_the_hook_with_ek1001(hook_run: subprocess.CompletedProcess[str]) -> None:
    output = hook_run.stdout + hook_run.stderr
    assert hook_run.returncode != 0, output
    assert re.search(r"^cfn-lint with EKS security-group rules\.+Failed$", output, flags=re.MULTILINE), output
    assert re.search(r"^EK1001 ", output, flags=re.MULTILINE), output
    assert f"{BROKEN}:" in output, output


def test_compliant_template_has_no_finding(hook_run: subprocess.CompletedProcess[str]) -> None:
    """cfn-lint prints the file of every finding; the compliant template must have none."""
    output = hook_run.stdout + hook_run.stderr
    assert "EK1001" in output, output  # the hook ran on the templates
    assert Path(COMPLIANT).name not in output, output


def test_non_cloudformation_files_are_not_passed(hook_run: subprocess.CompletedProcess[str]) -> None:
    output = hook_run.stdout + hook_run.stderr
    assert not re.search(r"^E0000 |^E1001 ", output, flags=re.MULTILINE), output
    for name in DECOYS:
        assert name not in output, output
