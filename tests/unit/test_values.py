"""Unit tests for the values stage: every way of writing a value reduced to one form (issue 23, defects 2-4)."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._values import Reducer, fixed_conditions
from tests.unit.pieces import Json

TYPES = {"Sg": "AWS::EC2::SecurityGroup", "Vpc": "AWS::EC2::VPC", "Subnet": "AWS::EC2::Subnet",
         "Cluster": "AWS::EKS::Cluster", "Lt": "AWS::EC2::LaunchTemplate"}
MAPPINGS: Json = {
    "Ports": {"kubelet": {"port": 10250}, "api": {"port": 443}},
    "Cidrs": {"us-east-1": {"vpc": "10.0.0.0/16"}, "eu-west-1": {"vpc": "10.0.0.0/16"}},
    "Mixed": {"us-east-1": {"vpc": "10.0.0.0/16"}, "eu-west-1": {"vpc": "10.1.0.0/16"}},
}
CONDITIONS: Json = {
    "Always": {"Fn::Equals": ["a", "a"]},
    "Never": {"Fn::Equals": ["a", "b"]},
    "SameRegion": {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "AWS::Region"}]},
    "Open": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
    "NotNever": {"Fn::Not": [{"Condition": "Never"}]},
    "Both": {"Fn::And": [{"Condition": "Always"}, {"Condition": "Open"}]},
    "Either": {"Fn::Or": [{"Condition": "Always"}, {"Condition": "Open"}]},
    "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
}
REDUCER = Reducer(TYPES, MAPPINGS, CONDITIONS)
SG = {"Ref": "Sg"}


@pytest.mark.parametrize("written", [
    {"Fn::GetAtt": ["Sg", "GroupId"]},
    {"Fn::GetAtt": "Sg.GroupId"},
    {"Fn::Sub": "${Sg}"},
    {"Fn::Sub": "${Sg.GroupId}"},
    {"Fn::Sub": ["${Id}", {"Id": {"Fn::GetAtt": ["Sg", "GroupId"]}}]},
    {"Fn::Join": ["", [{"Ref": "Sg"}]]},
    {"Fn::Join": [",", [{"Fn::Sub": "${Sg.GroupId}"}]]},
    {"Fn::Select": [0, [{"Ref": "Sg"}, {"Ref": "Other"}]]},
    {"Fn::Select": ["1", [{"Ref": "Other"}, {"Fn::GetAtt": ["Sg", "GroupId"]}]]},
    {"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Join": [",", [{"Ref": "Other"}, {"Ref": "Sg"}]]}]}]},
    {"Fn::If": ["Always", {"Ref": "Sg"}, {"Ref": "Other"}]},
    {"Fn::If": ["Never", {"Ref": "Other"}, {"Ref": "Sg"}]},
    {"Fn::If": ["Open", {"Ref": "Sg"}, {"Fn::GetAtt": ["Sg", "GroupId"]}]},  # both branches name it
])
def test_every_way_of_naming_a_group_is_its_ref(written: object) -> None:
    assert REDUCER.reduce(written) == SG


@pytest.mark.parametrize(("written", "value"), [
    ({"Fn::GetAtt": ["Vpc", "VpcId"]}, {"Ref": "Vpc"}),
    ({"Fn::GetAtt": "Subnet.SubnetId"}, {"Ref": "Subnet"}),
    ({"Fn::GetAtt": ["Lt", "LaunchTemplateId"]}, {"Ref": "Lt"}),
    ({"Fn::Sub": "${Cluster.ClusterSecurityGroupId}"}, {"Fn::GetAtt": ["Cluster", "ClusterSecurityGroupId"]}),
    ({"Fn::Join": ["/", ["10.0.0.0", "16"]]}, "10.0.0.0/16"),
    ({"Fn::Sub": "10.0.${Third}.0/24"}, {"Fn::Sub": "10.0.${Third}.0/24"}),  # a parameter: stays
    ({"Fn::Sub": ["10.0.${Third}.0/24", {"Third": 5}]}, "10.0.5.0/24"),
    ({"Fn::Sub": "${!Literal} text"}, "${Literal} text"),
    ({"Fn::FindInMap": ["Ports", "kubelet", "port"]}, 10250),
    ({"Fn::FindInMap": ["Cidrs", {"Ref": "AWS::Region"}, "vpc"]}, "10.0.0.0/16"),  # every region agrees
    ({"Fn::FindInMap": ["Mixed", {"Ref": "AWS::Region"}, "vpc"]},
     {"Fn::FindInMap": ["Mixed", {"Ref": "AWS::Region"}, "vpc"]}),  # they do not: unknown
    ({"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}, "a"),
    ({"Fn::If": ["Always", None, None]}, None),  # a null item stays a null item (a stubbed value)
    ({"Fn::If": ["Never", "x", {"Ref": "AWS::NoValue"}]}, {"Ref": "AWS::NoValue"}),
])
def test_values_reduce_to_what_they_are(written: object, value: object) -> None:
    assert REDUCER.reduce(written) == value


@pytest.mark.parametrize("kept", [
    {"Fn::If": ["Open", {"Ref": "Sg"}, {"Ref": "Other"}]},
    {"Fn::GetAtt": ["Cluster", "Arn"]},
    {"Fn::ImportValue": "network-Sg"},
    {"Fn::Select": [3, [{"Ref": "Sg"}]]},
    {"Fn::Join": ["", [{"Fn::If": ["Open", "a", "b"]}]]},  # never lifts an Fn::If out of where it is written
])
def test_what_the_template_does_not_fix_stays_as_written(kept: object) -> None:
    assert REDUCER.reduce(kept) == kept


def test_containers_are_rebuilt_only_where_something_changed() -> None:
    unchanged: Json = {"A": [1, "x", {"B": "y"}]}
    assert REDUCER.reduce(unchanged) is unchanged
    changed: Json = {"A": [1, {"Fn::GetAtt": ["Sg", "GroupId"]}], "C": {"D": "e"}}
    reduced = REDUCER.reduce(changed)
    assert reduced == {"A": [1, SG], "C": {"D": "e"}}
    assert reduced is not changed and isinstance(reduced, dict) and reduced["C"] is changed["C"]


@pytest.mark.parametrize(("name", "value"), [
    ("Always", True), ("Never", False), ("SameRegion", True), ("Open", None), ("NotNever", True),
    ("Both", None), ("Either", True), ("Loop", None), ("Missing", None),
])
def test_conditions_the_template_fixes(name: str, value: bool | None) -> None:
    assert REDUCER.condition(name) is value


def test_a_resource_id_is_never_empty() -> None:
    # A nested stack's `!Equals [!Ref Existing, ""]` after its parent handed it `!GetAtt Sg.GroupId`.
    template: Json = {
        "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup"}},
        "Conditions": {"MakeOwn": {"Fn::Equals": [{"Fn::GetAtt": ["Sg", "GroupId"]}, ""]}},
    }
    assert fixed_conditions(template) == {"MakeOwn": False}
    template["Conditions"] = {"MakeOwn": {"Fn::Equals": [{"Ref": "Parameter"}, ""]}}
    assert fixed_conditions(template) == {}
