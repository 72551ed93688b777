"""What `explain` (text, JSON, mermaid) and `fix` print for every template of the project, byte for byte.

The golden files under `tests/golden/` hold, per template, each command's exit code, standard output and
standard error. A refactoring that changes none of them changes nothing a user sees; a change that should
show regenerates them (`CFNLINT_EKS_SG_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`) and the diff
is reviewed with the change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cfnlint_eks_sg.cli._main import main
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
SUFFIXES = (".yaml", ".yml", ".json", ".template")
COMMANDS = (("explain",), ("explain", "--format", "json"), ("explain", "--format", "mermaid"), ("fix",))
UPDATE = bool(os.environ.get("CFNLINT_EKS_SG_UPDATE_GOLDEN"))


def _templates() -> list[Path]:
    found = [path.relative_to(ROOT) for folder in (ROOT / "templates", ROOT / "tests" / "templates")
             for path in folder.rglob("*") if path.suffix in SUFFIXES and path.is_file()]
    return sorted(path for path in found if not any(part.startswith(".") for part in path.parts))


TEMPLATES = _templates()


def _printed(template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """Every command's exit code and output, run from the repository root on the relative path."""
    sections = []
    for command in COMMANDS:
        code = main([*command, str(template)])
        out, err = capsys.readouterr()
        sections.append(f"$ cfn-lint-eks-sg {' '.join(command)} {template}\nexit {code}\n--- stdout\n{out}"
                        f"--- stderr\n{err}")
    return "\n".join(sections)


def test_every_template_is_covered() -> None:
    assert len(TEMPLATES) >= 100
    expected = {GOLDEN / f"{template}.txt" for template in TEMPLATES}
    if not UPDATE:
        assert set(GOLDEN.rglob("*.txt")) == expected  # no golden file without its template


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_explain_and_fix_print_what_they_printed(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cfnlintrc of the developer's
    printed = _printed(template, monkeypatch, capsys)
    golden = GOLDEN / f"{template}.txt"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(printed, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == printed
