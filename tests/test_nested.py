"""Nested stacks: a parent, its cluster stack and its node stack analysed as one system.

Fixtures: tests/templates/nested/ (parent.yaml nests cluster.yaml and nodes.yaml and passes the
cluster's outputs to the nodes). Mutants are made on copies in a temporary directory.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cfn_flip import to_json
from cfnlint.api import lint_file

from tests.conftest import FIXTURES, cfg

NESTED = FIXTURES / "nested"
OURS = ("EK", "WK", "IK")


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(NESTED, root)
    return root


def _ours(path: Path) -> list[tuple[str, int, str]]:
    return sorted((m.rule.id, m.linenumber, m.message) for m in lint_file(path, cfg()) if m.rule.id.startswith(OURS))


def _edit(path: Path, change: Callable[[Any], object]) -> None:
    """Change a copied fixture; it is written back as JSON (which YAML reads too)."""
    template = json.loads(to_json(path.read_text()))
    change(template)
    path.write_text(json.dumps(template, indent=1))


def _line(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_tree_is_one_system_with_nothing_to_report(tmp_path: Path) -> None:
    assert _ours(_tree(tmp_path) / "parent.yaml") == []


def test_alone_the_node_stack_cannot_verify_its_flows() -> None:
    assert "IK0001" in {rule for rule, _, _ in _ours(NESTED / "nodes.yaml")}


def test_a_rule_deleted_in_a_nested_stack_is_reported_on_the_parent(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _edit(root / "nodes.yaml", lambda t: t["Resources"].pop("ControlPlaneFromNodes"))
    found = _ours(root / "parent.yaml")
    assert [rule for rule, _, _ in found] == ["EK1001"]
    _, line, message = found[0]
    assert "ClusterStack::ControlPlaneSecurityGroup" in message
    assert line == _line(root / "parent.yaml", "TemplateURL: cluster.yaml")  # the stack that holds that group


def test_nothing_is_followed_unless_asked(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _edit(root / "nodes.yaml", lambda t: t["Resources"].pop("ControlPlaneFromNodes"))
    _edit(root / "parent.yaml", lambda t: t.pop("Metadata"))
    assert _ours(root / "parent.yaml") == []


def test_a_template_url_outside_the_tree_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    shutil.copy(root / "cluster.yaml", tmp_path / "cluster.yaml")
    _edit(root / "parent.yaml",
          lambda t: t["Resources"]["ClusterStack"]["Properties"].update(TemplateURL="../cluster.yaml"))
    found = _ours(root / "parent.yaml")
    refused = [f for f in found if f[0] == "IK0001" and "Nested stack template ../cluster.yaml" in f[2]]
    assert refused and "outside" in refused[0][2]
    assert refused[0][1] == _line(root / "parent.yaml", '"TemplateURL": "../cluster.yaml"')


@pytest.mark.parametrize("url, mapping", [
    ("https://s3.amazonaws.com/bucket/prefix/templates/cluster.yaml", None),
    ("https://${QSS3BucketName}.s3.${AWS::URLSuffix}/${QSS3KeyPrefix}templates/cluster.yaml",
     {"https://${QSS3BucketName}.s3.${AWS::URLSuffix}/${QSS3KeyPrefix}templates/": "."}),
])
def test_urls_are_followed_only_through_the_configured_mapping(tmp_path: Path, url: str,
                                                                mapping: dict[str, str] | None) -> None:
    root = _tree(tmp_path)

    def point(template: Any) -> None:
        template["Resources"]["ClusterStack"]["Properties"]["TemplateURL"] = {"Fn::Sub": url}
        if mapping:
            template["Metadata"]["cfnlint-eks-sg"]["nested_stack_urls"] = mapping

    _edit(root / "parent.yaml", point)
    found = _ours(root / "parent.yaml")
    if mapping:
        assert found == []
    else:
        assert any(rule == "IK0001" and "neither a relative path" in message for rule, _, message in found)


@pytest.mark.parametrize("written", [
    {"Fn::Sub": "https://${Bucket}.s3.amazonaws.com/templates/cluster.yaml"},
    {"Fn::Join": ["", ["https://", {"Ref": "Bucket"}, ".s3.amazonaws.com/templates/cluster.yaml"]]},
    {"Fn::Join": ["/", ["https://${Bucket}.s3.amazonaws.com", "templates", "cluster.yaml"]]},
])
def test_a_url_written_with_join_is_the_same_url(tmp_path: Path, written: object) -> None:
    # Issue 23 (trial): older Quick Starts build TemplateURL with Fn::Join; it maps as the Fn::Sub text does.
    root = _tree(tmp_path)

    def point(template: Any) -> None:
        template.setdefault("Parameters", {})["Bucket"] = {"Type": "String"}
        template["Resources"]["ClusterStack"]["Properties"]["TemplateURL"] = written
        template["Metadata"]["cfnlint-eks-sg"]["nested_stack_urls"] = {"https://${Bucket}.s3.amazonaws.com/templates/":
                                                                       "."}

    _edit(root / "parent.yaml", point)
    assert _ours(root / "parent.yaml") == []


def test_a_url_not_followed_is_named_in_the_finding(tmp_path: Path) -> None:
    root = _tree(tmp_path)

    def point(template: Any) -> None:
        template["Resources"]["ClusterStack"]["Properties"]["TemplateURL"] = {"Fn::Join": ["", [
            "https://", {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}, "/cluster.yaml"]]}

    _edit(root / "parent.yaml", point)
    (message,) = [m for rule, _, m in _ours(root / "parent.yaml") if rule == "IK0001"]
    assert "!Join" in message and "!GetAtt Bucket.RegionalDomainName" in message


def test_a_condition_on_a_group_the_parent_hands_in_is_decided(tmp_path: Path) -> None:
    # Issue 23 (trial): `!Equals [!Ref Existing, ""]` in a nested stack whose parent hands it `!GetAtt ....GroupId`
    # is false: a resource's id is never empty, so a group made only when none is handed in never exists.
    root = _tree(tmp_path)

    def own_group_unless_given(template: Any) -> None:
        template["Parameters"]["ExistingNodeSecurityGroup"] = {"Type": "String", "Default": ""}
        template["Conditions"] = {"MakeOwn": {"Fn::Equals": [{"Ref": "ExistingNodeSecurityGroup"}, ""]}}
        template["Resources"]["OwnNodeSecurityGroup"] = {
            "Type": "AWS::EC2::SecurityGroup", "Condition": "MakeOwn",
            "Properties": {"GroupDescription": "made when none is given", "VpcId": "vpc-0123456789abcdef0",
                           "Tags": [{"Key": {"Fn::Sub": "kubernetes.io/cluster/${ClusterName}"}, "Value": "owned"}]}}

    def hand_in(template: Any) -> None:
        template["Resources"]["NodesStack"]["Properties"]["Parameters"]["ExistingNodeSecurityGroup"] = {
            "Fn::GetAtt": ["ClusterStack", "Outputs.ControlPlaneSecurityGroup"]}

    _edit(root / "nodes.yaml", own_group_unless_given)
    assert [rule for rule, _, _ in _ours(root / "parent.yaml")] == ["WK2005"]  # nothing handed in: it exists
    _edit(root / "parent.yaml", hand_in)
    assert _ours(root / "parent.yaml") == []


def test_a_stack_that_nests_itself_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _edit(root / "cluster.yaml", lambda t: t["Resources"].update(
        Loop={"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "cluster.yaml"}}))
    found = _ours(root / "parent.yaml")
    assert any(rule == "IK0001" and "includes itself" in message for rule, _, message in found)


HASH = "3f0e2a7c9b1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7"


def _cdk_out(tmp_path: Path) -> Path:
    """A synthesized CDK app: the parent defines the cluster, the nodes are a nested stack asset."""
    out = tmp_path / "cdk.out"
    out.mkdir()
    cluster = json.loads(to_json((NESTED / "cluster.yaml").read_text()))
    parent = {
        "Metadata": {"cfnlint-eks-sg": {"nested_stacks": True}},
        "Resources": {**cluster["Resources"], "NodesNestedStack": {
            "Type": "AWS::CloudFormation::Stack", "Properties": {
                "TemplateURL": {"Fn::Join": ["", [
                    "https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/",
                    {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, f"/{HASH}.json"]]},
                "Parameters": {"ClusterName": {"Ref": "Cluster"},
                               "ControlPlaneSecurityGroup": {"Ref": "ControlPlaneSecurityGroup"}}}}},
    }
    (out / "Parent.template.json").write_text(json.dumps(parent, indent=1))
    (out / "ParentNodes.nested.template.json").write_text(to_json((NESTED / "nodes.yaml").read_text()))
    (out / "Parent.assets.json").write_text(json.dumps({"version": "36.0.0", "files": {HASH: {
        "source": {"path": "ParentNodes.nested.template.json", "packaging": "file"},
        "destinations": {"current_account-current_region": {
            "bucketName": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}", "objectKey": f"{HASH}.json"}}}}}))
    return out / "Parent.template.json"


def test_a_cdk_nested_stack_is_followed_through_its_asset_manifest(tmp_path: Path) -> None:
    parent = _cdk_out(tmp_path)
    assert _ours(parent) == []
    _edit(parent.parent / "ParentNodes.nested.template.json", lambda t: t["Resources"].pop("ControlPlaneFromNodes"))
    found = _ours(parent)
    assert [rule for rule, _, _ in found] == ["EK1001"]
    assert found[0][1] == _line(parent, '"ControlPlaneSecurityGroup": {')  # the parent's own group


def test_a_cdk_asset_without_a_manifest_is_refused(tmp_path: Path) -> None:
    parent = _cdk_out(tmp_path)
    (parent.parent / "Parent.assets.json").unlink()
    assert any(rule == "IK0001" and "Nested stack template" in message for rule, _, message in _ours(parent))
