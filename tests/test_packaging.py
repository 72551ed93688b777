"""The release artifacts: sdist and wheel pass `twine check --strict` and carry typing marker, rules and URLs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import JUNK, ROOT, require, summary


def version() -> str:
    """Read from the file, not the import: the single source setup.cfg points at."""
    text = (ROOT / "cfnlint_eks_sg" / "_version.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"$', text, flags=re.MULTILINE)
    assert match, text
    return match.group(1)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Built from a copy: setuptools writes build/ and *.egg-info next to the sources."""
    require("build", "twine")
    source = tmp_path_factory.mktemp("source") / "cfnlint-eks-sg"
    shutil.copytree(ROOT, source, ignore=JUNK)
    out = tmp_path_factory.mktemp("dist")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(source)],
                            capture_output=True, text=True, check=False, timeout=900)
    summary(f"python -m build --sdist --wheel: {time.perf_counter() - start:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    return out, source


def artifacts(out: Path) -> tuple[Path, Path]:
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(out.iterdir())
    return sdists[0], wheels[0]


def metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def test_both_artifacts_carry_the_version(dist: tuple[Path, Path]) -> None:
    sdist, wheel = artifacts(dist[0])
    assert sdist.name == f"cfnlint_eks_sg-{version()}.tar.gz"
    assert wheel.name == f"cfnlint_eks_sg-{version()}-py3-none-any.whl"


def test_twine_check_strict_passes(dist: tuple[Path, Path]) -> None:
    """A package index rejects what this rejects, e.g. a README that does not render."""
    command = [sys.executable, "-m", "twine", "--no-color", "check", "--strict", *map(str, artifacts(dist[0]))]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_holds_the_package_its_typing_marker_and_every_rule(dist: tuple[Path, Path]) -> None:
    out, source = dist
    with zipfile.ZipFile(artifacts(out)[1]) as archive:
        names = set(archive.namelist())
    assert "cfnlint_eks_sg/py.typed" in names
    rules = {f"cfnlint_eks_sg/rules/{path.name}" for path in (source / "cfnlint_eks_sg" / "rules").glob("*.py")}
    assert len(rules) >= 19
    assert rules <= names, sorted(rules - names)
    package = source / "cfnlint_eks_sg"
    modules = {f"cfnlint_eks_sg/{path.relative_to(package).as_posix()}" for path in package.rglob("*.py")}
    assert len(modules) >= 60 and modules <= names, sorted(modules - names)  # every stage's modules
    assert {name.split("/")[0] for name in names} == {"cfnlint_eks_sg", f"cfnlint_eks_sg-{version()}.dist-info"}


def test_wheel_metadata_has_the_version_and_no_link_that_points_nowhere(dist: tuple[Path, Path]) -> None:
    """The project has no public repository yet: no Project-URL or Home-page until it has (docs/releasing.md)."""
    meta = metadata(artifacts(dist[0])[1])
    assert meta["Name"] == "cfnlint-eks-sg"
    assert meta["Version"] == version()
    assert meta.get_all("Project-URL") is None and meta["Home-page"] is None
    assert "https://" not in meta["Summary"]


def test_wheel_metadata_supports_the_cfn_lint_floor_and_offers_sarif(dist: tuple[Path, Path]) -> None:
    """`pip install 'cfnlint-eks-sg[sarif]'` brings what `--format sarif` needs; the floor is the one CI tests."""
    meta = metadata(artifacts(dist[0])[1])
    requires = [entry.replace(" ", "") for entry in meta.get_all("Requires-Dist") or []]
    assert "cfn-lint<2,>=1.38.1" in requires, requires
    assert 'cfn-lint[sarif]<2,>=1.38.1;extra=="sarif"' in requires, requires
    assert "sarif" in (meta.get_all("Provides-Extra") or [])
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "tests/unit tests/rules tests/test_loading.py tests/test_cli.py" in ci  # the floor run reads setup.cfg


def test_the_release_steps_build_and_check_as_this_test_does() -> None:
    """docs/releasing.md: the build and check commands are the ones this module runs on every CI run."""
    steps = (Path(__file__).resolve().parent.parent / "docs" / "releasing.md").read_text()
    assert "python -m build --sdist --wheel" in steps
    assert "python -m twine check --strict dist/*" in steps
    assert "cfnlint_eks_sg/_version.py" in steps and "## [Unreleased]" in steps


def test_ci_fails_when_the_readme_test_command_fails() -> None:
    """.ci/run runs the README's test command and exits on its failure: `set -e` ignores a failure inside an `&&`
    list, so without the exit a failing ruff would skip the tests and CI would pass."""
    root = Path(__file__).resolve().parent.parent
    command = "ruff check . && mypy && lint-imports && python -m pytest"
    assert command in (root / "README.md").read_text()
    assert f"\n{command} || exit $?\n" in (root / ".ci" / "run").read_text()
    shape = "set -euo pipefail; {} && true || exit $?; echo went-on"
    assert subprocess.run(["bash", "-c", shape.format("false")], capture_output=True, text=True).stdout == ""
    assert subprocess.run(["bash", "-c", shape.format("true")], capture_output=True, text=True).stdout == "went-on\n"
    unguarded = subprocess.run(["bash", "-c", "set -euo pipefail; false && true; echo went-on"], capture_output=True,
                               text=True)
    assert unguarded.stdout == "went-on\n"  # why the exit is needed
