"""Edge cases of companions and nested stacks found in review: each once broke the plugin or its verdict."""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

from cfnlint.api import lint_file

from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.load._companions import Loaded
from cfnlint_eks_sg.load._system import combine, inline
from tests.conftest import cfg
from tests.unit.pieces import Json

OURS = ("EK", "WK", "IK", "E0002")


def _ours(path: Path) -> list[tuple[str, str]]:
    return [(m.rule.id, m.message) for m in lint_file(path, cfg()) if m.rule.id.startswith(OURS)]


def _stack(url: str) -> Json:
    return {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}


def _write(path: Path, template: Json) -> Path:
    path.write_text(json.dumps(template))
    return path


def test_a_tree_that_nests_one_file_many_times_stays_bounded(tmp_path: Path) -> None:
    names = "abcdef"
    for name, child in itertools.pairwise(names):
        resources = {f"S{i}": _stack(f"{child}.json") for i in range(20)}
        resources["G"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": name}}
        _write(tmp_path / f"{name}.json", {"Metadata": {"cfnlint-eks-sg": {"nested_stacks": True}},
                                           "Resources": resources})
    _write(tmp_path / "f.json", {"Resources": {"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}}}})
    started = time.perf_counter()
    found = _ours(tmp_path / "a.json")
    assert time.perf_counter() - started < 60  # 20 ** 5 copies without the cap; a wide margin for slow machines
    assert any("more than 50 nested stacks" in message for _, message in found)
    assert "E0002" not in {rule for rule, _ in found}


def test_a_template_that_nests_itself_is_refused_at_once(tmp_path: Path) -> None:
    parent = {"Metadata": {"cfnlint-eks-sg": {"nested_stacks": True}},
              "Resources": {"Me": _stack("parent.json"),
                            "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}}}}
    found = _ours(_write(tmp_path / "parent.json", parent))
    assert [m for _, m in found if "includes itself" in m]


def test_unusable_paths_and_manifests_give_a_finding_never_an_exception(tmp_path: Path) -> None:
    out = tmp_path / "root"
    out.mkdir()
    (tmp_path / "outside.json").write_text(json.dumps({"Resources": {}}))
    os.symlink(tmp_path / "outside.assets.json", out / "link.assets.json")
    (tmp_path / "outside.assets.json").write_text(json.dumps({"files": {"h": {
        "source": {"path": "../outside.json"}, "destinations": {"d": {"objectKey": "h.json"}}}}}))
    template = {"Metadata": {"cfnlint-eks-sg": {"nested_stacks": True, "companions": ["clu\0ster.json", "x" * 300]}},
                "Resources": {"Cdk": _stack("unused"),
                              "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}}}}
    template["Resources"]["Cdk"]["Properties"]["TemplateURL"] = {"Fn::Join": ["", ["https://s3/", "h.json"]]}  # type: ignore[index]
    found = _ours(_write(out / "t.json", template))
    assert "E0002" not in {rule for rule, _ in found}
    assert sum("cannot be used" in message for _, message in found) == 2
    assert any("Nested stack template" in message for _, message in found)  # the manifest out of the root is ignored


def _loaded(label: str, template: Json, stack_name: str | None = None) -> Loaded:
    return Loaded(Companion(f"{label}.yaml", stack_name, ("Metadata",)), label, template)


def _exporting(name: object, group: str) -> Json:
    return {"Resources": {group: {"Type": "AWS::EC2::SecurityGroup", "Properties": {}}},
            "Outputs": {"Out": {"Value": {"Ref": group}, "Export": {"Name": name}}}}


def test_the_surest_export_wins_and_equally_sure_ones_resolve_nothing() -> None:
    linted: Json = {"Resources": {"R": {"Type": "T", "Properties": {"A": {"Fn::ImportValue": "prod-cp"}}}}}
    pattern = _loaded("vpc", _exporting({"Fn::Sub": "${AWS::StackName}-cp"}, "Vpc"))
    literal = _loaded("cluster", _exporting("prod-cp", "Cp"))
    resolved = combine(linted, [pattern, literal])["Resources"]["R"]["Properties"]["A"]
    assert resolved == {"Ref": "cluster::Cp"}  # the literal name, not the pattern listed first
    twice = combine(linted, [literal, _loaded("other", _exporting("prod-cp", "Other"))])
    assert twice["Resources"]["R"]["Properties"]["A"] == {"Fn::ImportValue": "prod-cp"}


def test_a_companion_imports_what_the_linted_template_exports() -> None:
    linted = _exporting("prod-cp", "Cp")
    nodes = _loaded("nodes", {"Resources": {"R": {"Type": "T", "Properties": {"A": {"Fn::ImportValue": "prod-cp"}}}}})
    assert combine(linted, [nodes])["Resources"]["nodes::R"]["Properties"]["A"] == {"Ref": "Cp"}


def test_values_handed_to_a_nested_stack_survive_in_sub_and_outputs_pass_through() -> None:
    parent: Json = {"Resources": {
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {}},
        "Nodes": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": "nodes.yaml", "Parameters": {"Name": {"Ref": "Cluster"}}}},
        "Rule": {"Type": "T", "Properties": {"G": {"Fn::GetAtt": ["Nodes", "Outputs.Passed"]}}}}}
    nodes = _loaded("Nodes", {
        "Parameters": {"Name": {"Type": "String"}},
        "Resources": {"Tag": {"Type": "T", "Properties": {"Key": {"Fn::Sub": "kubernetes.io/cluster/${Name}"}}}},
        "Outputs": {"Passed": {"Value": {"Ref": "Name"}}}})
    system = inline(parent, [nodes])
    assert system["Resources"]["Nodes::Tag"]["Properties"]["Key"] == {
        "Fn::Sub": ["kubernetes.io/cluster/${Name}", {"Name": {"Ref": "Cluster"}}]}
    assert system["Resources"]["Rule"]["Properties"]["G"] == {"Ref": "Cluster"}


def test_rules_a_nested_stack_adds_to_the_parents_groups_are_reported_on_the_parent(tmp_path: Path) -> None:
    _write(tmp_path / "nodes.json", {
        "Parameters": {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {"Rule": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "Cp"}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}}}})
    parent = {"Metadata": {"cfnlint-eks-sg": {"nested_stacks": True}},
              "Parameters": {"ClusterControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"}},
              "Resources": {"Nodes": {"Type": "AWS::CloudFormation::Stack", "Properties": {
                  "TemplateURL": "nodes.json", "Parameters": {"Cp": {"Ref": "ClusterControlPlaneSecurityGroup"}}}}}}
    found = _ours(_write(tmp_path / "parent.json", parent))
    assert [rule for rule, _ in found] == ["IK0002"]


def test_two_cluster_tagged_groups_one_from_a_companion_are_reported_here(tmp_path: Path) -> None:
    tag = [{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]
    _write(tmp_path / "cluster.json", {
        "Resources": {"Shared": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "s",
                                                                                  "Tags": tag}},
                      "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"Name": "prod"}}},
        "Outputs": {"Shared": {"Value": {"Ref": "Shared"}, "Export": {"Name": "prod-shared"}}}})
    nodes = {"Metadata": {"cfnlint-eks-sg": {"companions": ["cluster.json"]}}, "Resources": {
        "NodeSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "n", "Tags": tag}},
        "Nodes": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1", "Tags": tag, "SecurityGroupIds": [
            {"Ref": "NodeSecurityGroup"}, {"Fn::ImportValue": "prod-shared"}]}}}}
    assert "WK2003" in {rule for rule, _ in _ours(_write(tmp_path / "nodes.json", nodes))}


def test_a_companions_conditions_keep_their_relations(tmp_path: Path) -> None:
    """IsDev is not IsProd: the control plane accepts 443 in either case, never in neither."""
    def ingress(condition: str) -> Json:
        return {"Type": "AWS::EC2::SecurityGroupIngress", "Condition": condition, "Properties": {
            "GroupId": {"Ref": "Cp"}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}}

    _write(tmp_path / "cluster.json", {
        "Parameters": {"Env": {"Type": "String"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                       "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]}},
        "Resources": {"Cp": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "cp"}},
                      "ProdIn": ingress("IsProd"), "DevIn": ingress("IsDev"),
                      "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
                          "Name": "prod", "ResourcesVpcConfig": {"SecurityGroupIds": [{"Ref": "Cp"}]}}}},
        "Outputs": {"Cp": {"Value": {"Ref": "Cp"}, "Export": {"Name": "prod-cp"}}}})
    nodes = {"Metadata": {"cfnlint-eks-sg": {"companions": ["cluster.json"]}}, "Resources": {
        "Nodes": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "n", "SecurityGroupIngress": [
            {"IpProtocol": "-1", "SourceSecurityGroupId": {"Fn::ImportValue": "prod-cp"}}]}},
        "Self": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "Nodes"}, "SourceSecurityGroupId": {"Ref": "Nodes"}, "IpProtocol": "-1"}},
        "Instance": {"Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": "ami-1", "SecurityGroupIds": [{"Ref": "Nodes"}],
            "Tags": [{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]}}}}
    assert "EK1001" not in {rule for rule, _ in _ours(_write(tmp_path / "nodes.json", nodes))}


def test_a_class_that_holds_this_templates_node_group_is_reported_whatever_comes_first(tmp_path: Path) -> None:
    def asg(group: str, ref: object) -> Json:
        return {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "MinSize": "1", "MaxSize": "1", "LaunchTemplate": {"LaunchTemplateId": {"Ref": f"{group}Lt"}},
            "Tags": [{"Key": "kubernetes.io/cluster/prod", "Value": "owned", "PropagateAtLaunch": True}]}}

    def nodes(name: str) -> Json:
        return {f"{name}Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": name}},
                f"{name}Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
                    "SecurityGroupIds": [{"Ref": f"{name}Sg"}]}}},
                name: asg(name, None)}

    _write(tmp_path / "companion.json", {"Resources": {
        **nodes("Ca"), **nodes("Cb"),
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"Name": "prod"}}}})
    linted = {"Metadata": {"cfnlint-eks-sg": {"companions": ["companion.json"]}}, "Resources": {
        "LnSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "l"}},
        "LnNode": {"Type": "AWS::EC2::Instance", "Properties": {  # after the companion's groups in any order
            "ImageId": "ami-1", "SecurityGroupIds": [{"Ref": "LnSg"}],
            "Tags": [{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]}}}}
    found = _ours(_write(tmp_path / "linted.json", linted))
    assert any(rule == "EK1005" and "companion::CaSg" in message and "LnNode" in message for rule, message in found)
