"""Systems of stacks checked together (`companions`): every directory of tests/templates/systems holds one.

The linted stack is the file whose Metadata names companions; its `# expect: RULE` markers give the rule
IDs and lines cfn-lint must report. The JSON twin of the whole system (every file flipped by cfn-flip, the
companion paths renamed) must give the same findings at the same template paths.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cfn_flip import to_json
from cfnlint.api import lint_file

from tests.conftest import FIXTURES, cfg
from tests.rules.test_templates import _expected, _ours

SYSTEMS = sorted(p for p in (FIXTURES / "systems").iterdir() if p.is_dir())


def _linted(directory: Path) -> Path:
    (linted,) = [p for p in directory.glob("*.yaml") if "companions:" in p.read_text()]
    return linted


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda p: p.name)
def test_yaml_system_findings_and_lines(system: Path, tmp_path: Path) -> None:
    copy = tmp_path / system.name
    shutil.copytree(system, copy)
    linted = _linted(copy)
    got = sorted((m.rule.id, m.linenumber) for m in _ours(lint_file(linted, config=cfg())))
    assert got == _expected(linted.read_text())


def _as_json(value: object) -> object:
    """Companion paths of the YAML system, renamed to their JSON twins."""
    if isinstance(value, str):
        return value.removesuffix(".yaml") + ".json" if value.endswith(".yaml") else value
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda p: p.name)
def test_json_twin_of_the_system_gives_the_same_findings(system: Path, tmp_path: Path) -> None:
    yaml_copy, json_copy = tmp_path / "yaml", tmp_path / "json"
    shutil.copytree(system, yaml_copy)
    json_copy.mkdir()
    for path in system.glob("*.yaml"):
        template = json.loads(to_json(path.read_text()))
        settings = template.get("Metadata", {}).get("cfnlint-eks-sg")
        if settings is not None:
            template["Metadata"]["cfnlint-eks-sg"] = _as_json(settings)
        (json_copy / (path.stem + ".json")).write_text(json.dumps(template, indent=2))
    yaml_found = _ours(lint_file(_linted(yaml_copy), config=cfg()))
    json_linted = json_copy / (_linted(yaml_copy).stem + ".json")
    json_found = _ours(lint_file(json_linted, config=cfg()))
    assert sorted((m.rule.id, tuple(m.path)) for m in json_found) == sorted(
        (m.rule.id, tuple(m.path)) for m in yaml_found)
    assert yaml_found  # every system here has something to say
