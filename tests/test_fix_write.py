"""`fix --write` puts the rules into the template file, every other byte kept, and `--diff` shows
that change: on every broken example (YAML, and its JSON twin) the file only gains text, the
findings fix said it closes are gone when cfn-lint lints the written file again, and nothing new
appears. Files it cannot edit safely are refused, untouched.
"""

from __future__ import annotations

import builtins
import difflib
import json
from pathlib import Path

import pytest
import yaml
from cfn_flip import to_json

from cfnlint_eks_sg._analysis import BLOCKING_RULES
from cfnlint_eks_sg.cli._lintrun import lint
from cfnlint_eks_sg.cli._main import main
from tests.conftest import FIXTURES, TEMPLATES

BROKEN = sorted((TEMPLATES / "broken").glob("*.yaml"))
KUBELET = TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"


def _closed(err: str) -> set[str]:
    return {line.split()[2] for line in err.splitlines() if line.split()[1:2] == ["closes"]}


def _findings(path: Path) -> set[tuple[str, str]]:
    """cfn-lint's run of this plugin's rules on the file (what `cfn-lint --append-rules` shows of them)."""
    return {(rule_id, "/".join(map(str, where))) for rule_id, where in lint(str(path), []).lines()}


def _only_gains(before: str, after: str) -> bool:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return all(tag in ("equal", "insert") for tag, *_ in matcher.get_opcodes())


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("source", BROKEN, ids=lambda p: p.stem)
def test_write_closes_what_fix_says_and_keeps_every_byte(source: Path, fmt: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{source.stem}.{fmt}"
    before = source.read_text() if fmt == "yaml" else to_json(source.read_text())
    path.write_text(before)
    found_before = _findings(path)
    assert main(["fix", str(path), "--diff"]) in (0, 1)
    diff, err = capsys.readouterr()
    assert path.read_text() == before  # --diff alone changes nothing
    code = main(["fix", str(path), "--write"])
    _, err = capsys.readouterr()
    after = path.read_text()
    closed = _closed(err)
    if code == 0:  # only when the CLI shows nothing fix is for, or fix says why it leaves each one
        assert after == before and not closed and diff == ""
        assert not {rule_id for rule_id, _ in found_before} & set(BLOCKING_RULES) or " leaves " in err, err
        return
    assert code == 1 and closed and after != before, err
    assert _only_gains(before, after)
    assert diff == "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                str(path), str(path)))
    found_after = _findings(path)
    assert not {rule_id for rule_id, _ in found_after} & closed, found_after
    assert found_after - found_before <= {(r, p) for r, p in found_after if r[0] == "I"}, found_after - found_before


def test_write_keeps_comments_quoting_and_a_four_space_indent(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    text = yaml.safe_dump(json.loads(to_json(KUBELET.read_text())), indent=4, sort_keys=False)  # 4-space levels
    text = text.replace("Resources:\n", "Resources:  # the stack\n") + "# trailing comment, kept last\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    assert main(["fix", str(path), "--write"]) == 1
    after = path.read_text()
    assert _only_gains(text, after) and after.endswith("# trailing comment, kept last\n")
    assert "\n    NodeSecurityGroupTcp1025IngressFromControlPlaneSecurityGroup:\n        Type: " in after
    assert "EK1002" not in {rule_id for rule_id, _ in _findings(path)}


ONLY_HTTP = """  OnlyHttp:
    Type: AWS::EC2::SecurityGroupEgress
    Condition: Restrict
    Properties:
      GroupId: !Ref NodeSecurityGroup
      IpProtocol: tcp
      FromPort: 80
      ToPort: 80
      CidrIp: 0.0.0.0/0
"""


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_new_condition_joins_the_conditions_section(fmt: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # Under Restrict a standalone egress rule strips the nodes' allow-all, so the rule fix adds for
    # it restates that allow-all only where it exists: under a new condition, Fn::Not Restrict.
    text = KUBELET.read_text().replace("Parameters:\n", "Parameters:\n  Env:\n    Type: String\n", 1)
    text = text.replace("Resources:\n", "Conditions:\n  Restrict: !Equals [!Ref Env, prod]  # kept\nResources:\n"
                        + ONLY_HTTP, 1)
    before = text if fmt == "yaml" else to_json(text)
    path = tmp_path / f"conditional.{fmt}"
    path.write_text(before)
    found_before = _findings(path)
    assert "EK1001" in {rule_id for rule_id, _ in found_before}
    assert main(["fix", str(path), "--write"]) == 1
    capsys.readouterr()
    after = path.read_text()
    assert _only_gains(before, after) and "CfnLintEksSgFix" in after
    assert not {rule_id for rule_id, _ in _findings(path)} & {"EK1001", "EK1002", "WK1003"}


def test_write_on_every_failing_fixture_only_adds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written = 0
    for source in sorted(FIXTURES.glob("*.fail.yaml")):
        for fmt in ("yaml", "json"):
            path = tmp_path / f"{source.stem}.{fmt}"
            before = source.read_text() if fmt == "yaml" else to_json(source.read_text())
            path.write_text(before)
            code = main(["fix", str(path), "--write"])
            _, err = capsys.readouterr()
            assert code in (0, 1), err
            if code == 1:
                written += 1
                assert _only_gains(before, path.read_text()), source
                assert not {rule_id for rule_id, _ in _findings(path)} & _closed(err), source
    assert written > 20


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_windows_line_endings_stay(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = KUBELET.read_text() if fmt == "yaml" else to_json(KUBELET.read_text())
    path = tmp_path / f"crlf.{fmt}"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    assert main(["fix", str(path), "--write"]) == 1
    written = path.read_bytes()
    assert written.count(b"\n") == written.count(b"\r\n") > text.count("\n")


def test_an_unwritable_file_is_refused_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text(KUBELET.read_text())
    real_open = builtins.open

    def refusing_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if file == path and "w" in mode:
            raise PermissionError(13, "Permission denied")
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing_open)
    assert main(["fix", str(path), "--write"]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert "not written: Permission denied" in err and path.read_text() == KUBELET.read_text(), err


def test_refuses_what_it_cannot_edit_safely(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = json.loads(to_json(KUBELET.read_text()))
    resources = json.dumps(template.pop("Resources"))  # JSON is YAML flow style
    odd = yaml.safe_dump(template, sort_keys=False) + f"Resources: {resources}\n"
    path = tmp_path / "flow.yaml"
    path.write_text(odd)
    code = main(["fix", str(path), "--write"])
    out, err = capsys.readouterr()
    assert code == 2 and path.read_text() == odd and out == "", err
    assert "not changed: Resources is written in flow style" in err
    assert main(["fix", str(path)]) == 1  # printing what to add still works
