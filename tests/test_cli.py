"""The `cfn-lint-eks-sg` command: `explain` shows what was inferred, `fix` closes the flow gaps.

The round trip applies `fix`'s suggestions to every broken example and to every mutant of the
mutation sources, analyses again, and requires that the fixed rules go quiet and that no error or
warning appears that was not there before.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfn_flip import to_json

from cfnlint_eks_sg._analysis import BLOCKING_RULES, analyse
from cfnlint_eks_sg.cli._fix import as_template_fragment, suggest
from cfnlint_eks_sg.cli._main import main
from tests.conftest import FIXTURES, TEMPLATES, summary
from tests.test_mutation import SOURCES, load, mutants
from tests.unit.pieces import Json

BROKEN = sorted((TEMPLATES / "broken").glob("*.yaml")) + sorted(FIXTURES.glob("*.fail.yaml"))


def _run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_names_roles_with_their_lines_and_every_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run("explain", str(TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"), capsys=capsys)
    assert code == 0
    assert out.startswith("Clusters\n")
    assert "the EKS cluster security group of Cluster: created by EKS for the cluster" in out
    assert "listed in ResourcesVpcConfig.SecurityGroupIds, line " in out
    assert "\nNode groups\n" in out and "NodeGroup: auto scaling group of cluster Cluster, line 67" in out
    assert "EK1002 control plane -> nodes, TCP 10250" in out
    assert "BLOCKED: no rule allows TCP 10250" in out
    assert "ALLOWED" in out
    assert out.rstrip().splitlines()[-1].startswith("Findings: EK1002 x")


def test_explain_reads_json_and_reports_unknown_halves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = TEMPLATES / "broken" / "ik0001-node-group-defined-elsewhere.yaml"
    twin = tmp_path / "twin.json"
    twin.write_text(to_json(source.read_text()))
    code, out, _ = _run("explain", str(twin), capsys=capsys)
    assert code == 0
    assert "egress  UNKNOWN: the rules of parameter NodeSecurityGroupId are defined outside this template" in out
    assert "Nodes: managed node group of cluster Cluster, line " in out


def test_explain_shows_the_path_to_the_aws_apis(capsys: pytest.CaptureFixture[str]) -> None:
    _, unknown, _ = _run("explain", str(FIXTURES / "ik0001-wk1006-range-elsewhere.yaml"), capsys=capsys)
    _, blocked, _ = _run("explain", str(FIXTURES / "wk1006-vpc-without-endpoints.fail.yaml"), capsys=capsys)
    _, allowed, _ = _run("explain", str(TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"), capsys=capsys)
    for out in (unknown, blocked, allowed):
        assert "\n  WK1006 nodes -> the AWS APIs, TCP 443 to 0.0.0.0/0 or to VPC endpoints" in out
    assert ("    node group Nodes of cluster Cluster\n      egress  UNKNOWN: their egress on TCP 443 goes only to "
            "10.255.255.0/24, which may hold VPC endpoints") in unknown
    assert "      egress  BLOCKED: their egress on TCP 443 goes only to the CIDR block of Vpc (10.0.0.0/16)" in blocked
    assert "    node group NodeGroup of cluster Cluster\n      egress  ALLOWED\n" in allowed


def test_explain_names_the_rule_an_unknown_half_hangs_on(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run("explain", str(FIXTURES / "ik0001-rule-values-elsewhere.yaml"), capsys=capsys)
    kubelet = out[out.index("\n  EK1002 "):out.index("\n  WK1004 ")]
    assert ("ingress UNKNOWN: the ingress rule KubeletFromCluster may allow it: its IpProtocol or ports are not "
            "fixed here") in kubelet
    _, out, _ = _run("explain", str(FIXTURES / "ik0001-launch-template-elsewhere.yaml"), capsys=capsys)
    assert "ingress UNKNOWN: the groups of a launch template defined elsewhere" in out


def test_unreadable_templates_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [unclosed\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    listed = tmp_path / "list.yaml"
    listed.write_text("- Resources\n")
    duplicated = tmp_path / "duplicated.yaml"
    duplicated.write_text("Resources: {}\nResources: {}\nResources: {}\n")
    for path in (broken, binary, listed, duplicated, tmp_path / "missing.yaml", tmp_path):
        for command in ("explain", "fix"):
            code, out, err = _run(command, str(path), capsys=capsys)
            assert (code, out) == (2, "")
            assert err.startswith(f"cfn-lint-eks-sg: {path}: ")
            assert len(err.splitlines()) == 1, err  # cfn-lint's log lines are not repeated
            assert "{filename}" not in err


def test_fix_prints_in_the_templates_own_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = TEMPLATES / "broken" / "ek1005-two-node-groups.yaml"
    code, out, _ = _run("fix", str(source), capsys=capsys)
    assert code == 1  # it printed rules to add
    assert "GroupId: !Ref 'BlueSecurityGroup'" in out and "SourceSecurityGroupId: !Ref 'GreenSecurityGroup'" in out
    twin = tmp_path / "twin.json"
    twin.write_text(to_json(source.read_text()))
    code, out, _ = _run("fix", str(twin), capsys=capsys)
    assert json.loads(out)["Resources"]["BlueSecurityGroupAllIngressFromGreenSecurityGroup"]["Properties"] == {
        "GroupId": {"Ref": "BlueSecurityGroup"}, "IpProtocol": "-1",
        "SourceSecurityGroupId": {"Ref": "GreenSecurityGroup"},
        "Description": "Added for cfnlint-eks-sg EK1005, WK1009",
    }


def test_console_script_and_module_run() -> None:
    result = subprocess.run([sys.executable, "-m", "cfnlint_eks_sg", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout.startswith("cfn-lint-eks-sg ")
    script = Path(sys.executable).parent / "cfn-lint-eks-sg"
    result = subprocess.run([str(script), "fix", str(TEMPLATES / "seed-style-cluster.yaml")], capture_output=True,
                            text=True, check=False)
    assert (result.returncode, result.stdout) == (0, "")
    assert "no flow gap that a rule closes" in result.stderr


def _errors_and_warnings(template: Json) -> set[tuple[str, str]]:
    found = analyse(template).all_findings()
    return {(rule_id, "/".join(map(str, f.path))) for rule_id, items in found.items() for f in items
            if rule_id[0] in "EW"}


def _round_trip(template: Json) -> tuple[int, set[str]]:
    """Apply the suggestion; return how many rules it added and which fixed rules still fire."""
    analysis = analyse(template)
    suggestion = suggest(analysis, template.get("Resources", {}))  # type: ignore[arg-type]
    fixed = dict(template)
    for section, entries in as_template_fragment(suggestion).items():
        fixed[section] = {**(fixed.get(section) or {}), **entries}  # type: ignore[dict-item]
    before, after = _errors_and_warnings(template), _errors_and_warnings(fixed)
    new = {item for item in after - before}
    assert not new, new
    unfixed = {rule_id for rule_id, _ in after if rule_id in BLOCKING_RULES}
    explained = {sentence.split(":")[0] for sentence in suggestion.sentences}
    assert unfixed <= explained, (unfixed, suggestion.sentences)
    return len(suggestion.resources), unfixed


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_fix_closes_the_gaps_of_every_broken_example(path: Path) -> None:
    _round_trip(load(path))


def test_fix_closes_the_gaps_of_every_mutant() -> None:
    added = checked = 0
    for source in SOURCES:
        if not source.path.is_file():
            continue
        for _, mutant in mutants(load(source.path), source):
            count, _ = _round_trip(mutant)
            added, checked = added + count, checked + 1
    assert checked > 50
    summary(f"fix round trip: {checked} mutants, {added} rules suggested, every flow gap closed, nothing new")


def test_exit_codes_say_whether_there_is_something_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    broken, clean = TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml", TEMPLATES / "seed-style-cluster.yaml"
    assert _run("fix", str(broken), capsys=capsys)[0] == 1
    code, out, err = _run("fix", str(clean), capsys=capsys)
    assert (code, out) == (0, "") and "no flow gap" in err
    assert _run("explain", str(broken), capsys=capsys)[0] == 0  # without --check, a report only
    assert _run("explain", "--check", str(broken), capsys=capsys)[0] == 1
    assert _run("explain", "--check", str(clean), capsys=capsys)[0] == 0
    # the nodes' path to the AWS APIs is the only BLOCKED line here; UNKNOWN alone does not fail the check
    assert _run("explain", "--check", str(FIXTURES / "wk1006-vpc-without-endpoints.fail.yaml"), capsys=capsys)[0] == 1
    assert _run("explain", "--check", str(FIXTURES / "ik0001-wk1006-range-elsewhere.yaml"), capsys=capsys)[0] == 0
    assert _run("explain", "--check", str(TEMPLATES / "no-such-file.yaml"), capsys=capsys)[0] == 2


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "fix 0 when there is nothing to add, 1 when it printed (or wrote) rules to add" in out.replace("`", "")
    assert "with --check when a required flow is BLOCKED" in out.replace("`", "")


@pytest.mark.parametrize("nodes, written", [
    ({"Fn::Select": [0, {"Ref": "NodeGroups"}]},
     "SourceSecurityGroupId: !Select\n        - 0\n        - !Ref 'NodeGroups'"),
    ({"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}, "SourceSecurityGroupId: !GetAtt 'Vpc.DefaultSecurityGroup'"),
], ids=["list-parameter-item", "vpc-default-group"])
def test_fix_names_parameter_items_and_the_vpc_default_group(nodes: Json, written: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    template = {
        "Parameters": {"NodeGroups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}},
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Cp": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "cp"}},
            "Cl": {"Type": "AWS::EKS::Cluster", "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/r",
                   "ResourcesVpcConfig": {"SecurityGroupIds": [{"Ref": "Cp"}], "SubnetIds": ["subnet-1"]}}},
            "Lt": {"Type": "AWS::EC2::LaunchTemplate",
                   "Properties": {"LaunchTemplateData": {"SecurityGroupIds": [nodes]}}},
            "Ng": {"Type": "AWS::EKS::Nodegroup", "Properties": {
                "ClusterName": {"Ref": "Cl"}, "NodeRole": "arn:aws:iam::123456789012:role/n", "Subnets": ["subnet-1"],
                "LaunchTemplate": {"Id": {"Ref": "Lt"}}}},
        },
    }
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(template))
    code, out, err = _run("fix", str(path), capsys=capsys)
    assert code == 1 and "cannot name" not in err and "closes EK1001 at line " in err, err
    assert written in out


MERMAID_LINE = re.compile(r'  (n\d+\["[^"\[\]|]+"\]'  # a node
                          r'|n\d+ -(->|\.->)\|"[^"\[\]|]+"\| n\d+'  # an edge, plain or dotted
                          r'|linkStyle [\d,]+ stroke:#d00,color:#d00)')  # blocked edges in red


def test_explain_draws_the_flows_for_a_pull_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run("explain", str(TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml"), "--format", "mermaid",
                        capsys=capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "flowchart LR"
    assert all(MERMAID_LINE.fullmatch(line) for line in lines[1:]), lines
    declared = {line.split("[")[0].strip() for line in lines if '["' in line}
    edges = [line for line in lines if "->" in line]
    assert {end for line in edges for end in (line.split()[0], line.split()[-1])} <= declared
    blocked = [i for i, line in enumerate(edges) if "BLOCKED" in line]
    assert any("EK1002 BLOCKED: ingress misses TCP 10250" in edges[i] for i in blocked)
    assert lines[-1] == f"  linkStyle {','.join(map(str, blocked))} stroke:#d00,color:#d00"
    code, out, _ = _run("explain", str(TEMPLATES / "seed-style-cluster.yaml"), "--format", "mermaid", capsys=capsys)
    assert "BLOCKED" not in out and "linkStyle" not in out and " -->|" in out


@pytest.mark.parametrize("path", sorted((TEMPLATES / "broken").glob("*.yaml")), ids=lambda p: p.name)
def test_explain_json_agrees_with_the_check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run("explain", str(path), "--format", "json", capsys=capsys)
    data = json.loads(out)
    assert code == 0 and set(data) == {"clusters", "node_groups", "flows"}
    assert data["flows"] or not data["node_groups"]  # every node group has its flows to check
    blocked = [flow for flow in data["flows"] if flow["verdict"] == "BLOCKED"]
    assert all(flow["missing"] and flow["half"] in ("egress", "ingress") for flow in blocked)
    assert _run("explain", "--check", str(path), capsys=capsys)[0] == (1 if blocked else 0)


def test_explain_json_checks_the_configured_ports(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "broken" / "ek1002-kubelet-closed.yaml")
    _, out, _ = _run("explain", path, "--format", "json", "-x", "WK1003:webhook_ports=9443", capsys=capsys)
    (webhooks,) = [flow for flow in json.loads(out)["flows"] if flow["rule"] == "WK1003"]
    assert (webhooks["traffic"], webhooks["verdict"], webhooks["missing"]) == ("TCP 9443", "BLOCKED", "TCP 9443")
