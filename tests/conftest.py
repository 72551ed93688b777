"""Shared test fixtures: an isolated cfn-lint configuration and the corpus location."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import cfnlint.decode
import pytest
from cfnlint.config import ManualArgs
from hypothesis import HealthCheck, settings

from tests import packaged_resources

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
FIXTURES = Path(__file__).resolve().parent / "templates"
CORPUS = Path(os.environ.get("CFNLINT_EKS_SG_CORPUS", ROOT.parent / "shared" / "corpus"))
# What a copy of the working tree leaves out (one that is built, installed or used as a clone): caches and build output.
JUNK = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".venv")


# Property tests: `ci` (the default) for CI, `dev` for fewer examples, `deep` for a long local search,
# `mutation` for mutmut.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile("deep", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Mutation testing (`[tool.mutmut]`): the same examples on every run, so a score is reproducible.
settings.register_profile("mutation", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SUMMARY: list[str] = []


def require(*modules: str, programs: tuple[str, ...] = ()) -> None:
    """Tests that run real tools: CI must run them (a missing tool fails them there); elsewhere they skip."""
    missing = [module for module in modules if importlib.util.find_spec(module) is None]
    missing += [program for program in programs if shutil.which(program) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (pip install -e '.[test]'; git from the system)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set, so this test must run")
        pytest.skip(message)

# cfn-lint's packaged JSON, read once per session (`tests/packaged_resources.py`); set the variable to measure
# the suite without it.
RESOURCE_CACHE = not os.environ.get("CFNLINT_EKS_SG_NO_RESOURCE_CACHE")
if RESOURCE_CACHE:
    packaged_resources.install()


def summary(line: str) -> None:
    """A line for the end of the test run (corpus counts, mutation scores): shown even when tests pass."""
    SUMMARY.append(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    changed = packaged_resources.changed_resources() if RESOURCE_CACHE else []
    if changed:
        summary(f"cfn-lint changed cached packaged resources, so the test cache is not neutral: {changed}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("cfnlint-eks-sg summary")
        for line in SUMMARY:
            terminalreporter.write_line(line)


def cfg(**overrides: object) -> ManualArgs:
    """A cfn-lint configuration that loads this plugin (and shows informational findings)."""
    base: dict[str, object] = {
        "append_rules": ["cfnlint_eks_sg"],
        "include_checks": ["I"],
        "regions": ["us-east-1"],
    }
    base.update(overrides)
    return ManualArgs(**base)  # type: ignore[typeddict-item,no-any-return]


def isolate_cfnlint_config(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cfn-lint reads ./.cfnlintrc and ~/.cfnlintrc even through its API: both are `directory`, which is empty."""
    monkeypatch.chdir(directory)
    monkeypatch.setenv("HOME", str(directory))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_REGION", raising=False)


@pytest.fixture(autouse=True)
def isolated_cfnlint_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolate_cfnlint_config(tmp_path, monkeypatch)
    yield


def corpus_or_skip() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set CFNLINT_EKS_SG_CORPUS); .ci/run requires it")
    return CORPUS


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts cfn-lint's decoder is given, in order (the companion loader decodes each content once)."""
    calls: list[str] = []
    real = cfnlint.decode.decode_str

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(cfnlint.decode, "decode_str", counting)
    return calls

