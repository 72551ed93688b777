"""What an editor underlines: the real cfn-lint, run with the VS Code extension's argv, on YAML and JSON twins.

The extension spawns `cfn-lint --format json --include-checks I --append-rules <entry> -- <file>` (no cwd of its
own) and turns each finding into the range Start..End, both minus 1. These tests run the same argv (all templates
of one format in one run, to keep the suite fast) and check that range against the token an independent parser
(PyYAML's composer, which reads JSON too) finds at the finding's `Location.Path`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfn_flip import to_json

from tests.conftest import TEMPLATES

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")  # the console script of this environment
BROKEN = sorted(TEMPLATES.glob("broken/*.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*([EWI]K\d{4}(?:\s*,\s*[EWI]K\d{4})*)")

Finding = dict[str, Any]


def editor_argv(*files: Path) -> list[str]:
    """The VS Code extension's argv (cfnValidation.ts), with `cfnLint.appendRules: ["cfnlint_eks_sg"]`."""
    return [CFN_LINT, "--format", "json", "--include-checks", "I", "--append-rules", "cfnlint_eks_sg", "--"] + [
        str(f) for f in files
    ]


def run_like_the_editor(files: list[Path], cwd: Path, rc: int = 2 | 4 | 8) -> dict[str, list[Finding]]:
    """Our findings by file name. cwd and HOME are empty folders: no .cfnlintrc steers the run."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_REGION"}
    env.update(HOME=str(cwd), AWS_DEFAULT_REGION="us-east-1")
    result = subprocess.run(
        editor_argv(*files), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    # Exit code = error 2 | warning 4 | informational 8; 1 would be cfn-lint failing (bad option, module missing).
    assert result.returncode == rc, result.stderr
    assert result.stderr == ""  # the extension shows every stderr chunk as a warning at the top of the file
    by_file: dict[str, list[Finding]] = {Path(f).name: [] for f in files}
    for finding in json.loads(result.stdout):  # stdout must be pure JSON
        if finding["Rule"]["Id"][1:2] == "K":
            by_file[Path(finding["Filename"]).name].append(finding)
    return by_file


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("editor")


@pytest.fixture(scope="module")
def twins(workdir: Path) -> dict[str, Path]:
    """The cfn-flip JSON twin of each broken template, by YAML file name."""
    folder = workdir / "json"
    folder.mkdir()
    out = {}
    for path in BROKEN:
        twin = folder / (path.stem + ".json")
        twin.write_text(to_json(path.read_text()))
        out[path.name] = twin
    return out


@pytest.fixture(scope="module")
def yaml_findings(workdir: Path) -> dict[str, list[Finding]]:
    return run_like_the_editor(BROKEN, workdir)


@pytest.fixture(scope="module")
def json_findings(workdir: Path, twins: dict[str, Path]) -> dict[str, list[Finding]]:
    by_twin = run_like_the_editor(list(twins.values()), workdir)
    return {name: by_twin[twin.name] for name, twin in twins.items()}


def expected_lines(text: str) -> list[tuple[str, int]]:
    return sorted(
        (rule_id.strip(), n)
        for n, line in enumerate(text.splitlines(), 1)
        for m in EXPECT.finditer(line)
        for rule_id in m[1].split(",")
    )


def token_at(text: str, path: list[str | int]) -> yaml.Node:
    """The node cfn-lint should point at: the last key of the path, or the list item for an integer tail."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for n, step in enumerate(path, 1):
        if isinstance(step, int):
            assert isinstance(node, yaml.SequenceNode), (path, step)
            node = node.value[step]
            continue
        assert isinstance(node, yaml.MappingNode), (path, step)
        key, value = next((k, v) for k, v in node.value if k.value == step)
        node = key if n == len(path) else value
    return node


def span(finding: Finding) -> tuple[int, int, int, int]:
    """Start and end as 0-based (line, column) pairs: the LSP range the extension builds (1-based JSON minus 1)."""
    start, end = finding["Location"]["Start"], finding["Location"]["End"]
    return start["LineNumber"] - 1, start["ColumnNumber"] - 1, end["LineNumber"] - 1, end["ColumnNumber"] - 1


def underlined(text: str, finding: Finding) -> str:
    """The source text inside the editor's range (end exclusive)."""
    lines = text.splitlines(keepends=True)
    l0, c0, l1, c1 = span(finding)
    return "".join(lines[l0:l1])[c0:] + lines[l1][:c1] if l1 > l0 else lines[l0][c0:c1]


def assert_on_its_token(text: str, finding: Finding) -> None:
    path = finding["Location"]["Path"]
    node = token_at(text, path)
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    assert span(finding) == marks, (finding["Rule"]["Id"], path)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_yaml_range_is_the_path_token_on_the_expect_line(path: Path, yaml_findings: dict[str, list[Finding]]) -> None:
    """YAML: on the `# expect:` line, exactly the last key of Location.Path (not its value), or the whole list item."""
    text = path.read_text()
    findings = yaml_findings[path.name]
    assert sorted((f["Rule"]["Id"], f["Location"]["Start"]["LineNumber"]) for f in findings) == expected_lines(text)
    for finding in findings:
        assert_on_its_token(text, finding)
        tail = finding["Location"]["Path"][-1]
        if isinstance(tail, str):  # a plain key: just its characters, followed by the colon
            assert underlined(text, finding) == tail
            l1, c1 = span(finding)[2:]
            assert text.splitlines()[l1][c1:].lstrip().startswith(":")
        else:  # a list item: the whole item, tag included (`!Ref X`), not the `- `
            l0, c0 = span(finding)[:2]
            assert text.splitlines()[l0][:c0].endswith("- ")
            node = token_at(text, finding["Location"]["Path"])
            assert underlined(text, finding).startswith("!") or isinstance(node, yaml.ScalarNode)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_json_twin_finding_underlines_the_same_token(
    path: Path, yaml_findings: dict[str, list[Finding]], json_findings: dict[str, list[Finding]], twins: dict[str, Path]
) -> None:
    """JSON: the same findings at the same paths; the range is the quoted key, or the whole `{...}` list item."""
    text = twins[path.name].read_text()
    findings = json_findings[path.name]

    def by_path(fs: list[Finding]) -> list[tuple[str, str]]:
        return sorted((f["Rule"]["Id"], json.dumps(f["Location"]["Path"])) for f in fs)

    assert by_path(findings) == by_path(yaml_findings[path.name])
    for finding in findings:
        assert_on_its_token(text, finding)
        tail, shown = finding["Location"]["Path"][-1], underlined(text, finding)
        if isinstance(tail, str):  # the key with its quotes
            assert shown == f'"{tail}"'
        else:  # the item: a scalar (`"10.0.0.0/8"`), or spanning lines `{` .. `}`; it parses to the item itself
            assert (shown.startswith("{") and shown.endswith("}") and "\n" in shown) or shown.startswith('"')
            item = json.loads(text)
            for step in finding["Location"]["Path"]:
                item = item[step]
            assert json.loads(shown) == item


def test_the_exact_single_file_argv_gives_the_same_ranges(
    workdir: Path, yaml_findings: dict[str, list[Finding]]
) -> None:
    """The extension lints one file per run: batching the files above must not change a range."""
    path = next(p for p in BROKEN if p.name.startswith("wk3001"))
    single = run_like_the_editor([path], workdir, rc=4)[path.name]  # warnings only
    assert [span(f) for f in single] == [span(f) for f in yaml_findings[path.name]]
    assert [f["Rule"]["Id"] for f in single] == ["WK3001", "WK3001"]


def test_runs_cover_every_level_and_both_kinds_of_path_tail(yaml_findings: dict[str, list[Finding]]) -> None:
    """Guards the tests above against passing vacuously (an empty run, or only one shape of path)."""
    findings = [f for fs in yaml_findings.values() for f in fs]
    ids = {f["Rule"]["Id"] for f in findings}
    assert {"EK1001", "EK1002", "WK3001", "WK2003", "IK0002", "IK0001", "WK2001"} <= ids
    assert {f["Level"] for f in findings} == {"Error", "Warning", "Informational"}
    tails = {type(f["Location"]["Path"][-1]) for f in findings}
    assert tails == {str, int}

