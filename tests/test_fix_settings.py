"""`fix` and `explain` read cfn-lint's settings as the rules do: the real `cfn-lint` command and
`cfn-lint-eks-sg fix`, on the same templates with the same settings (command line, `.cfnlintrc`,
template and resource Metadata, parameters), agree on every finding fix is for.

fix names each finding it addresses on standard error ("closes EK1002 at line 38", or "leaves ...:
why"); cfn-lint's JSON output gives the rule and line of each finding it shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from cfnlint_eks_sg._analysis import BLOCKING_RULES
from cfnlint_eks_sg.cli._main import main
from tests.conftest import FIXTURES, TEMPLATES

BROKEN = sorted((TEMPLATES / "broken").glob("*.yaml"))
KUBELET = TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"
TWO_GROUPS = TEMPLATES / "broken" / "ek1005-two-node-groups.yaml"
Found = set[tuple[str, str, int]]  # (template, rule ID, line)


def _cfn_lint(templates: Sequence[Path], *settings: str, cwd: Path) -> Found:
    """What the cfn-lint command shows for the rules fix is for."""
    command = [str(Path(sys.executable).parent / "cfn-lint"), "--append-rules", "cfnlint_eks_sg", "--format", "json",
               *settings, "--", *map(str, templates)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False,
                            env={**os.environ, "HOME": str(cwd)})
    assert result.returncode in (0, 2, 4, 6, 8, 10, 12, 14), result.stderr
    return {(Path(m["Filename"]).name, m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"])
            for m in json.loads(result.stdout) if m["Rule"]["Id"] in BLOCKING_RULES}


def _fix(template: Path, *settings: str, cwd: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> tuple[Found, str]:
    """What fix says it closes or leaves, and the rules it prints."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(cwd))
    code = main(["fix", str(template), *settings])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    found = set()
    for line in err.splitlines():
        words = line.split()
        if len(words) >= 6 and words[1] in ("closes", "leaves") and words[3:5] == ["at", "line"]:
            found.add((template.name, words[2], int(words[5].rstrip(":"))))
    return found, out


def test_every_broken_example_without_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    shown = _cfn_lint(BROKEN, cwd=tmp_path)
    fixed: Found = set()
    for template in BROKEN:
        fixed |= _fix(template, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0]
    assert fixed == shown
    assert {rule_id for _, rule_id, _ in shown} >= {"EK1001", "EK1002", "WK1003", "EK1005", "WK1006", "EK4002"}


@pytest.mark.parametrize("settings", [
    ("--ignore-checks", "WK1003"),
    ("-i", "EK1002", "WK1003"),
    ("-x", "WK1003:webhook_ports=9443"),
    ("--regions", "eu-west-1", "--include-checks", "I"),
], ids=" ".join)
def test_command_line_settings(settings: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    for template in (KUBELET, TWO_GROUPS):
        fixed, out = _fix(template, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert fixed == _cfn_lint([template], *settings, cwd=tmp_path)
    ignored = {s for s in settings[1:] if s[0] in "EW"} if settings[0] in ("-i", "--ignore-checks") else set()
    fixed, out = _fix(KUBELET, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert {rule_id for _, rule_id, _ in fixed} == {"EK1002", "WK1003"} - ignored
    if "WK1003:webhook_ports=9443" in settings:  # the rule fix writes opens the configured port, not 1025-65535
        assert "FromPort: 9443" in out and "FromPort: 1025\n" not in out


def test_a_cfnlintrc_and_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    settings = {"ignore_checks": ["WK1009"], "configure_rules": {"WK1003": {"webhook_ports": [8443]}}}
    (tmp_path / ".cfnlintrc").write_text(yaml.safe_dump(settings))
    for template in (KUBELET, TWO_GROUPS):
        assert _fix(template, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0] == _cfn_lint(
            [template], cwd=tmp_path)
    fixed, out = _fix(TWO_GROUPS, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert fixed and "WK1009" not in {rule_id for _, rule_id, _ in fixed}
    elsewhere = tmp_path / "settings"
    elsewhere.mkdir()
    (tmp_path / ".cfnlintrc").rename(elsewhere / "lint.yaml")
    config = ("--config-file", str(elsewhere / "lint.yaml"))
    fixed, out = _fix(KUBELET, *config, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert fixed == _cfn_lint([KUBELET], *config, cwd=tmp_path)
    assert "FromPort: 8443" in out and "FromPort: 1025\n" not in out


def test_template_and_resource_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = KUBELET.read_text()
    on_resource = tmp_path / "resource.yaml"
    on_resource.write_text(text.replace("  NodeSecurityGroup:  # expect: EK1002, WK1003\n", (
        "  NodeSecurityGroup:\n    Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [EK1002]\n")))
    on_template = tmp_path / "template.yaml"
    on_template.write_text("Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [WK1003]\n" + text)
    for template, left in ((on_resource, {"WK1003"}), (on_template, {"EK1002"})):
        fixed = _fix(template, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0]
        assert fixed == _cfn_lint([template], cwd=tmp_path)
        assert {rule_id for _, rule_id, _ in fixed} == left
    # mandatory checks override what the Metadata switches off, in both
    fixed = _fix(on_resource, "-m", "EK1002", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0]
    assert fixed == _cfn_lint([on_resource], "-m", "EK1002", cwd=tmp_path)
    assert {rule_id for _, rule_id, _ in fixed} == {"EK1002", "WK1003"}


def _port_parameter(tmp_path: Path) -> Path:
    """The kubelet example with a control-plane rule whose port is a parameter."""
    text = KUBELET.read_text().replace("  NodeImageId:\n    Type: AWS::EC2::Image::Id\n", (
        "  NodeImageId:\n    Type: AWS::EC2::Image::Id\n  KubeletPort:\n    Type: Number\n"))
    text = text.replace("  NodeIngressFromNodes:\n", (
        "  NodeIngressFromControlPlane:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n"
        "      GroupId: !Ref NodeSecurityGroup\n      SourceSecurityGroupId: !Ref ControlPlaneSecurityGroup\n"
        "      IpProtocol: tcp\n      FromPort: !Ref KubeletPort\n      ToPort: !Ref KubeletPort\n"
        "  NodeIngressFromNodes:\n"))
    path = tmp_path / "port-parameter.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("port, expected", [("10250", {"WK1003"}), ("22", {"EK1002", "WK1003"})])
def test_parameter_values(port: str, expected: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    template = _port_parameter(tmp_path)
    given = ("--parameters", f"KubeletPort={port}")
    fixed = _fix(template, *given, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0]
    assert fixed == _cfn_lint([template], *given, cwd=tmp_path)
    assert {rule_id for _, rule_id, _ in fixed} == expected
    values = tmp_path / "values.json"
    values.write_text(json.dumps([{"ParameterKey": "KubeletPort", "ParameterValue": port}]))
    from_file = ("--parameter-files", str(values))
    fixed = _fix(template, *from_file, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0]
    assert fixed == _cfn_lint([template], *from_file, cwd=tmp_path)


def test_explain_counts_what_the_command_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["explain", str(KUBELET), "-i", "WK1003"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Findings: EK1002 x1 (") and "WK1003" not in last
    assert main(["explain", str(KUBELET), "-x", "WK1003:webhook_ports=9443"]) == 0
    assert "WK1003 control plane -> nodes, TCP 9443 " in capsys.readouterr().out


def test_settings_cfn_lint_refuses_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for settings in (["-x", "bogus"], ["--parameters", "NoValue"], ["--regions", "xx-nowhere-1"]):
        assert main(["fix", str(KUBELET), *settings]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.splitlines()) == 1 and "cfn-lint settings: " in err, err
    (tmp_path / ".cfnlintrc").write_text("ignore_checks: [\n")
    assert main(["explain", str(KUBELET)]) == 2
    assert "cfn-lint settings: " in capsys.readouterr().err


def _check(template: Path, *settings: str, cwd: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> int:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(cwd))
    code = main(["explain", "--check", str(template), *settings])
    capsys.readouterr()
    return code


def _suppressed(tmp_path: Path, form: str, rules: list[str]) -> tuple[Path, tuple[str, ...]]:
    """The kubelet example with `rules` suppressed the way `form` names: the template, and the settings to pass."""
    text = KUBELET.read_text()
    template = tmp_path / f"{form}.yaml"
    if form == "resource":
        text = text.replace("  NodeSecurityGroup:  # expect: EK1002, WK1003\n", (
            "  NodeSecurityGroup:\n    Metadata:\n      cfn-lint:\n        config:\n"
            f"          ignore_checks: [{', '.join(rules)}]\n"))
    if form == "template":
        text = f"Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [{', '.join(rules)}]\n" + text
    if form == "cfnlintrc":
        (tmp_path / ".cfnlintrc").write_text(yaml.safe_dump({"ignore_checks": rules}))
    template.write_text(text)
    return template, (("-i", *rules) if form == "command line" else ())


@pytest.mark.parametrize("form", ["command line", "resource", "template", "cfnlintrc"])
@pytest.mark.parametrize("rules", [["EK1002", "WK1003"], ["WK1003"]], ids=",".join)
def test_explain_check_fails_exactly_when_the_command_shows_a_blocked_flow(
        form: str, rules: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A BLOCKED flow whose finding is suppressed the cfn-lint way fails neither cfn-lint nor `--check`."""
    template, settings = _suppressed(tmp_path, form, rules)
    shown = _cfn_lint([template], *settings, cwd=tmp_path)
    assert {rule_id for _, rule_id, _ in shown} == {"EK1002", "WK1003"} - set(rules)
    expected = 1 if shown else 0
    assert _check(template, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys) == expected
    plain = tmp_path / "plain"
    plain.mkdir()
    assert _check(KUBELET, cwd=plain, monkeypatch=monkeypatch, capsys=capsys) == 1  # nothing suppressed



def _explained(template: Path, *settings: str, cwd: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, object]], str]:
    """explain's text, its JSON flows and its mermaid graph, with the same settings."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(cwd))
    outputs = []
    for form in ("text", "json", "mermaid"):
        assert main(["explain", "--format", form, str(template), *settings]) == 0
        outputs.append(capsys.readouterr().out)
    return outputs[0], json.loads(outputs[1])["flows"], outputs[2]


@pytest.mark.parametrize("form", ["command line", "resource", "template", "cfnlintrc"])
@pytest.mark.parametrize("rules", [["EK1002", "WK1003"], ["WK1003"], ["EK1001"]], ids=",".join)
def test_explain_shows_a_blocked_flow_whose_findings_are_suppressed_as_suppressed(
        form: str, rules: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Text, JSON and mermaid mark exactly the BLOCKED flows whose findings the cfn-lint command does not show."""
    template, settings = _suppressed(tmp_path, form, rules)
    shown = {rule_id for _, rule_id, _ in _cfn_lint([template], *settings, cwd=tmp_path)}
    text, flows, mermaid = _explained(template, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    blocked = {str(flow["rule"]): flow["suppressed"] for flow in flows if flow["verdict"] == "BLOCKED"}
    assert blocked == {"EK1002": "EK1002" not in shown, "WK1003": "WK1003" not in shown}
    assert all(flow["suppressed"] is False for flow in flows if flow["verdict"] != "BLOCKED")
    heading = {line.split()[0]: number for number, line in enumerate(text.splitlines()) if line.startswith("  ")
               and not line.startswith("   ")}
    for rule_id, suppressed in blocked.items():
        (verdict,) = [line.split(":")[0].split(maxsplit=1)[1] for line in text.splitlines()[heading[rule_id]:]
                      if "BLOCKED" in line][:1]
        assert verdict == ("BLOCKED (suppressed)" if suppressed else "BLOCKED"), text
        edge = next(line for line in mermaid.splitlines() if f'"{rule_id} BLOCKED' in line)
        assert ("(suppressed)" in edge) is suppressed, mermaid
    red = mermaid.splitlines()[-1]
    assert red.startswith("  linkStyle ") is bool(shown & {"EK1002", "WK1003"}), mermaid


def test_explain_marks_a_suppressed_path_to_the_aws_apis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    template = FIXTURES / "wk1006-vpc-without-endpoints.fail.yaml"
    for settings, suppressed in (((), False), (("-i", "WK1006"), True)):
        text, flows, _ = _explained(template, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        (apis,) = [flow for flow in flows if flow["rule"] == "WK1006"]
        assert (apis["verdict"], apis["suppressed"]) == ("BLOCKED", suppressed)
        egress = [line for line in text.splitlines() if line.startswith("      egress  BLOCKED")]
        assert egress and all(("BLOCKED (suppressed):" in line) is suppressed for line in egress), text


def test_an_opt_in_rule_switched_on_is_fixed_and_checked_as_the_command_shows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """IK1008 is off by default; switched on, cfn-lint shows it, so `fix` closes it and `--check` counts it (one list
    of the rules whose findings are BLOCKED verdicts serves both)."""
    settings = ("-x", "IK1008:enabled=true", "--include-checks", "I")
    fixed, out = _fix(KUBELET, *settings, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert fixed == _cfn_lint([KUBELET], *settings, cwd=tmp_path)
    assert {rule_id for _, rule_id, _ in fixed} == {"EK1002", "WK1003", "IK1008"}
    assert "FromPort: 0\n" in out and "Description: Added for cfnlint-eks-sg EK1002, WK1003, IK1008" in out
    default, _ = _fix(KUBELET, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "IK1008" not in {rule_id for _, rule_id, _ in default}
    only_ik1008 = ("-i", "EK1002", "WK1003", *settings)
    assert _check(KUBELET, *only_ik1008, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys) == 1
