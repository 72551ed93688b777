"""`combine`: companions renamed into one template, imports replaced by what companions export."""

from __future__ import annotations

import copy

from cfnlint_eks_sg._companions import Loaded
from cfnlint_eks_sg._groups import Companion
from cfnlint_eks_sg._system import combine, is_companion_path
from tests.unit.pieces import Json, ref, sg


def _companion(template: Json, stack_name: str | None = None, label: str = "cluster") -> Loaded:
    return Loaded(Companion("cluster.yaml", stack_name, ("Metadata", "cfnlint-eks-sg", "companions", 0)), label,
                  template)


CLUSTER: Json = {
    "Parameters": {"Env": {"Type": "String"}},
    "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
    "Resources": {
        "Cp": sg(GroupDescription={"Fn::Sub": "${AWS::StackName} ${Env} ${Cp.GroupId} ${x}"}),
        "Extra": {"Type": "AWS::EC2::SecurityGroup", "Condition": "Prod", "Properties": {
            "Tags": {"Fn::If": ["Prod", [{"Key": "k", "Value": {"Fn::GetAtt": "Cp.GroupId"}}], []]},
            "VpcId": {"Fn::FindInMap": ["Vpcs", {"Ref": "AWS::Region"}, "id"]}}},
    },
    "Mappings": {"Vpcs": {}},
    "Outputs": {
        "Sg": {"Value": ref("Cp"), "Export": {"Name": {"Fn::Sub": "${AWS::StackName}::SecurityGroup"}}},
        "Literal": {"Value": {"Fn::GetAtt": ["Extra", "GroupId"]}, "Export": {"Name": "shared-extra"}},
    },
}


def test_companion_names_are_prefixed_and_every_reference_follows() -> None:
    system = combine({"Resources": {}}, [_companion(copy.deepcopy(CLUSTER))])
    resources = system["Resources"]
    assert set(resources) == {"cluster::Cp", "cluster::Extra"}
    assert resources["cluster::Cp"]["Properties"]["GroupDescription"] == {
        "Fn::Sub": "${cluster::AWS::StackName} ${cluster::Env} ${cluster::Cp.GroupId} ${x}"}  # its own stack name
    extra = resources["cluster::Extra"]
    assert extra["Condition"] == "cluster::Prod"
    assert extra["Properties"]["Tags"]["Fn::If"][0] == "cluster::Prod"
    assert extra["Properties"]["Tags"]["Fn::If"][1][0]["Value"] == {"Fn::GetAtt": ["cluster::Cp", "GroupId"]}
    assert extra["Properties"]["VpcId"] == {"Fn::FindInMap": ["cluster::Vpcs", {"Ref": "AWS::Region"}, "id"]}
    assert set(system["Conditions"]) == {"cluster::Prod"}
    assert system["Conditions"]["cluster::Prod"] == {"Fn::Equals": [{"Ref": "cluster::Env"}, "prod"]}
    assert is_companion_path(("Resources", "cluster::Cp", "Properties")) and not is_companion_path(("Resources", "Cp"))


def test_imports_take_the_exported_value() -> None:
    linted: Json = {"Resources": {"Rule": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": {"Fn::ImportValue": "prod-cluster::SecurityGroup"},
        "SourceSecurityGroupId": {"Fn::ImportValue": "shared-extra"},
        "Other": {"Fn::ImportValue": "unknown::SecurityGroup"}}}}}
    original = copy.deepcopy(linted)
    system = combine(linted, [_companion(copy.deepcopy(CLUSTER), stack_name="prod-cluster")])
    props = system["Resources"]["Rule"]["Properties"]
    assert props["GroupId"] == {"Ref": "cluster::Cp"}
    assert props["SourceSecurityGroupId"] == {"Fn::GetAtt": ["cluster::Extra", "GroupId"]}
    assert props["Other"] == {"Fn::ImportValue": "unknown::SecurityGroup"}  # the stack name says it is not ours
    assert linted == original  # the linted template itself is never changed
    description = system["Resources"]["cluster::Cp"]["Properties"]["GroupDescription"]["Fn::Sub"]
    assert description.startswith("prod-cluster ${cluster::Env}")  # a known stack name is written in


def test_without_a_stack_name_the_imports_imply_one_and_must_agree() -> None:
    linted: Json = {"Resources": {"A": {"Type": "T", "Properties": {
        "First": {"Fn::ImportValue": "eksctl-c-cluster::SecurityGroup"},
        "Second": {"Fn::ImportValue": "eksctl-other-cluster::SecurityGroup"}}}}}
    props = combine(linted, [_companion(copy.deepcopy(CLUSTER))])["Resources"]["A"]["Properties"]
    assert props["First"] == {"Ref": "cluster::Cp"}
    assert props["Second"] == {"Fn::ImportValue": "eksctl-other-cluster::SecurityGroup"}  # one stack, one name
