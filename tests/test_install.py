"""The install recipes of the README and docs/, run as written on a clone of this repository.

The Quick start (`pip install .`), the SARIF extra, `pipx inject cfn-lint ./cfnlint-eks-sg` with a `repo: local`
pre-commit hook, and the CI workflows' install line each get a fresh environment built from the package index (the
versions `.ci/constraints.txt` pins, through `PIP_CONSTRAINT`). `pre-commit try-repo` runs in tests/test_precommit.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import JUNK, ROOT, TEMPLATES, require, summary

CLONE_NAME = "cfnlint-eks-sg"  # the folder name the recipes use for a clone: ./cfnlint-eks-sg
BROKEN = TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"
CLEAN = TEMPLATES / "seed-style-cluster.yaml"


def blocks(document: Path, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", document.read_text(), flags=re.DOTALL)


def block_with(document: Path, lang: str, *words: str) -> str:
    """The one `lang` block of `document` that holds every word."""
    (found,) = [body for body in blocks(document, lang) if all(word in body for word in words)]
    return found


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a clone (`cfnlint-eks-sg/`: the working tree, without caches or build output)."""
    folder = tmp_path_factory.mktemp("work")
    shutil.copytree(ROOT, folder / CLONE_NAME, ignore=JUNK)
    return folder


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pip pinned as CI pins it; pipx and pre-commit kept to temporary folders; this suite's tools on PATH."""
    home = tmp_path_factory.mktemp("home")
    # PIP_CONSTRAINT reaches the isolated build environment too: leave its setuptools to pyproject.toml.
    pins = (ROOT / ".ci" / "constraints.txt").read_text().splitlines()
    constraints = home / "constraints.txt"
    constraints.write_text("".join(f"{pin}\n" for pin in pins if not pin.startswith("setuptools==")))
    real_home = Path.home()
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("PIPX_", "PRE_COMMIT", "GIT_", "VIRTUAL_ENV", "PYTHONHOME"))}
    base.setdefault("XDG_CONFIG_HOME", str(real_home / ".config"))  # pip.conf, e.g. a package mirror
    base.setdefault("XDG_CACHE_HOME", str(real_home / ".cache"))  # pip's download cache
    base.update(
        HOME=str(home),
        PIP_CONSTRAINT=str(constraints),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIPX_HOME=str(home / "pipx"),
        PIPX_BIN_DIR=str(home / "bin"),
        PIPX_MAN_DIR=str(home / "man"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "/usr/bin:/bin")]),
        AWS_DEFAULT_REGION="us-east-1",
        GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.invalid",
    )
    base.pop("AWS_REGION", None)
    return base


def bash(script: str, cwd: Path, env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    start = time.perf_counter()
    result = subprocess.run(["bash", "-ec", script], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                            timeout=900)
    summary(f"install recipe, {what}: {time.perf_counter() - start:.1f} s")
    return result


def linted_with_errors(code: int) -> bool:
    """cfn-lint's exit code: the error bit (2), maybe warnings (4) and informational ones (8); 1 means it failed."""
    return code in range(2, 15, 2) and bool(code & 2)


def test_quick_start_then_the_sarif_extra_from_a_clone(place: Path, env: dict[str, str]) -> None:
    """README: the Quick start block as written, in the clone; its SARIF command needs the extra it shows."""
    clone = place / CLONE_NAME
    quick_start = block_with(ROOT / "README.md", "bash", "pip install .", "cfn-lint ")
    result = bash(quick_start, clone, env, "README Quick start (pip install .)")
    assert linted_with_errors(result.returncode), result.stdout + result.stderr
    assert re.search(r"^EK1002 ", result.stdout, flags=re.MULTILINE), result.stdout
    install, lint = block_with(ROOT / "README.md", "bash", "[sarif]", "--format sarif").strip().splitlines()
    activate = ". .venv/bin/activate\n"
    without = bash(activate + lint, clone, env, "SARIF without the extra")
    assert without.returncode != 0 and "Missing optional dependencies sarif" in without.stdout + without.stderr
    result = bash(activate + install + "\n" + lint, clone, env, "README pip install '.[sarif]'")
    assert linted_with_errors(result.returncode), result.stdout + result.stderr
    report = json.loads((clone / "cfn-lint.sarif").read_text())
    assert "EK1002" in {result["ruleId"] for result in report["runs"][0]["results"]}


def test_pipx_inject_from_a_clone_runs_a_local_pre_commit_hook(place: Path, env: dict[str, str]) -> None:
    """docs/editors.md's pipx lines from the clone's parent folder, then the README's `repo: local` hook with the
    cfn-lint pipx installed: a broken template fails the commit, a compliant one passes."""
    require("pipx", "pre_commit")
    pipx_lines = [line for line in block_with(ROOT / "docs" / "editors.md", "bash", "pipx inject").splitlines()
                  if line.startswith("pipx ")]
    assert pipx_lines == ["pipx install cfn-lint", f"pipx inject cfn-lint ./{CLONE_NAME}"]
    result = bash("\n".join(pipx_lines), place, env, "pipx install cfn-lint, pipx inject from the clone")
    assert result.returncode == 0, result.stdout + result.stderr
    env = {**env, "PATH": os.pathsep.join([env["PIPX_BIN_DIR"], env["PATH"]])}  # pipx's bin folder, as users set
    config = block_with(ROOT / "README.md", "yaml", "repo: local")
    (hook,) = yaml.safe_load(config)["repos"][0]["hooks"]
    manifest = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}[hook["id"]]
    for key in ("entry", "files", "exclude", "name"):
        assert hook[key] == manifest[key], key  # the local hook runs what the repository's hook runs
    project = place / "project"
    (project / "templates").mkdir(parents=True)
    (project / ".pre-commit-config.yaml").write_text(config)
    shutil.copy(CLEAN, project / "templates" / CLEAN.name)
    (project / "k8s").mkdir()
    (project / "k8s" / "deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")  # not linted
    git = "git -c init.defaultBranch=main -c commit.gpgsign=false"
    run = "python -m pre_commit run --all-files --color=never"
    passed = bash(f"{git} init -q\n{git} add -A\n{run}", project, env, "local pre-commit hook, compliant")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^cfn-lint with EKS security-group rules\.+Passed$", passed.stdout, flags=re.MULTILINE)
    shutil.copy(BROKEN, project / "templates" / BROKEN.name)
    failed = bash(f"{git} add -A\n{run}", project, env, "local pre-commit hook, broken")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"^EK1002 ", failed.stdout, flags=re.MULTILINE), failed.stdout
    assert f"templates/{BROKEN.name}:" in failed.stdout and "deployment.yaml" not in failed.stdout


def test_the_ci_workflows_install_line(place: Path, env: dict[str, str]) -> None:
    """docs/ci.md: the plugin from `tools/cfnlint-eks-sg` in the linted repository, in a fresh environment."""
    lines = {line.strip().removeprefix("run: ") for body in blocks(ROOT / "docs" / "ci.md", "yaml")
             for line in body.splitlines() if "pip install" in line}
    assert lines == {'python -m pip install "cfn-lint[sarif]==1.58.0" ./tools/cfnlint-eks-sg',
                     'python -m pip install "cfn-lint==1.58.0" ./tools/cfnlint-eks-sg'}
    pinned = re.search(r"^cfn-lint==(\S+)$", (ROOT / ".ci" / "constraints.txt").read_text(), flags=re.MULTILINE)
    assert pinned and all(f"=={pinned.group(1)}\"" in line for line in lines)  # the version CI tests
    repository = place / "repository"
    (repository / "tools").mkdir(parents=True)
    (repository / "tools" / CLONE_NAME).symlink_to(place / CLONE_NAME, target_is_directory=True)
    (repository / "templates").mkdir()
    shutil.copy(BROKEN, repository / "templates" / BROKEN.name)
    install = next(line for line in lines if "[sarif]" in line)
    lint = "cfn-lint --append-rules=cfnlint_eks_sg --format sarif --output-file cfn-lint.sarif -- 'templates/**/*.yaml'"
    result = bash(f"python3 -m venv .ci-venv\n. .ci-venv/bin/activate\n{install}\n{lint}",
                  repository, env, "docs/ci.md install line")
    assert linted_with_errors(result.returncode), result.stdout + result.stderr
    report = json.loads((repository / "cfn-lint.sarif").read_text())
    assert "EK1002" in {result["ruleId"] for result in report["runs"][0]["results"]}
