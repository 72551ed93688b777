"""Every rule template, YAML and its cfn-flip JSON twin: rule IDs and lines through cfnlint.api."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfn_flip import to_json
from cfnlint.api import lint, lint_file

from cfnlint_eks_sg import __all__ as exported
from tests.conftest import FIXTURES, TEMPLATES, cfg

EXPECT = re.compile(r"#\s*expect:\s*([EWI]K\d{4}(?:\s*,\s*[EWI]K\d{4})*)")
RULE_IDS = sorted(getattr(__import__("cfnlint_eks_sg"), name).id for name in exported if name != "__version__")
CASES = sorted([*FIXTURES.glob("*.yaml"), *TEMPLATES.rglob("*.yaml")])


def _ours(matches: list) -> list:  # type: ignore[type-arg]
    return [m for m in matches if m.rule.id[1:2] == "K" or m.rule.id == "E0002"]


def _expected(text: str) -> list[tuple[str, int]]:
    return sorted(
        (rule_id.strip(), n)
        for n, line in enumerate(text.splitlines(), 1)
        for m in EXPECT.finditer(line)
        for rule_id in m[1].split(",")
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_yaml_findings_and_lines(path: Path) -> None:
    text = path.read_text()
    got = sorted((m.rule.id, m.linenumber) for m in _ours(lint(text, config=cfg())))
    assert got == _expected(text)


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_json_twin_same_findings_at_its_own_lines(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    yaml_matches = _ours(lint(text, config=cfg()))
    twin = tmp_path / (path.stem + ".json")
    twin.write_text(to_json(text))
    json_matches = _ours(lint_file(twin, config=cfg()))
    assert sorted((m.rule.id, tuple(m.path)) for m in json_matches) == sorted(
        (m.rule.id, tuple(m.path)) for m in yaml_matches
    )
    lines = twin.read_text().splitlines()
    for match in json_matches:
        tail = match.path[-1]
        line = lines[match.linenumber - 1]
        if isinstance(tail, str):
            assert f'"{tail}"' in line, (match, line)
        else:
            assert line.strip() not in ("", "[", "],", "]"), (match, line)


def test_every_rule_has_a_failing_and_a_passing_fixture() -> None:
    failing = {rid for p in CASES for rid, _ in _expected(p.read_text())}
    passing = {rid for p in FIXTURES.glob("*.pass.yaml") for rid in RULE_IDS if p.name.lower().startswith(rid.lower())}
    assert set(RULE_IDS) <= failing
    assert set(RULE_IDS) <= passing
