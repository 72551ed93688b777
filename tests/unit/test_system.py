"""`combine`: companions renamed into one template, imports replaced by what companions export."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from cfnlint_eks_sg.core._resolve import MAX_DEPTH
from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.core._stacks import is_companion_path
from cfnlint_eks_sg.load._companions import Loaded
from cfnlint_eks_sg.load._system import (
    _renamed,
    combine,
    fixed_values,
    inline,
    parameter_values,
    with_fixed_values,
    with_parameters,
)
from tests.unit.pieces import Json, getatt, ref, sg


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


# -- names: prefixes, labels and where a path lives ----------------------------------------------------------

def _one_companion(template: Json, label: str = "cluster", stack_name: str | None = None,
                   parameters: tuple[tuple[str, str], ...] = ()) -> Loaded:
    return Loaded(Companion("c.yaml", stack_name, ("Metadata",), parameters), label, template)


@pytest.mark.parametrize("label, number, prefix", [
    ("cluster", 0, "cluster"),
    ("Prod-Cluster_2", 0, "Prod-Cluster_2"),
    ("prod cluster (eu)", 0, "prodclustereu"),  # a stack name may hold what a logical id may not
    ("cluster.v2", 0, "cluster_v2"),  # a dot would split `GetAtt Label::Name.Attr` wrongly
    ("!!!", 0, "companion1"),
    ("", 2, "companion3"),
])
def test_a_companions_names_are_prefixed_with_its_cleaned_label(label: str, number: int, prefix: str) -> None:
    """Each companion's names become `LABEL::Name`; the label keeps only letters, digits, `_` and `-`."""
    companions = [_one_companion({"Resources": {}}, f"skip{n}") for n in range(number)]
    companions.append(_one_companion({"Resources": {"Cp": sg()}}, label))
    assert set(combine({}, companions)["Resources"]) == {f"{prefix}::Cp"}


@pytest.mark.parametrize("path, inside", [
    (("Resources", "cluster::Cp", "Properties"), True),
    (("Resources", "cluster::Cp"), True),
    (("FedParameters", "cluster::Env"), True),
    (("Outputs", "cluster::Sg", "Value"), True),
    (("Resources", "Cp", "Properties"), False),
    (("Metadata", "cfnlint-eks-sg::x"), False),
    (("Resources",), False),
    ((), False),
])
def test_a_path_into_a_companion_is_told_by_its_prefixed_name(path: tuple[str, ...], inside: bool) -> None:
    assert is_companion_path(path) is inside


def test_every_section_of_a_companion_is_merged_and_the_linted_sections_kept() -> None:
    linted: Json = {"AWSTemplateFormatVersion": "2010-09-09", "Metadata": {"m": 1},
                    "Parameters": {"Vpc": {"Type": "String"}}, "Resources": {"Own": sg()},
                    "Conditions": {"Own": {"Fn::Equals": ["a", "b"]}}}
    companion = _one_companion({
        "Parameters": {"Env": {"Type": "String"}}, "Conditions": {"Prod": {"Fn::Equals": [ref("Env"), "prod"]}},
        "Mappings": {"Vpcs": {"a": {"b": "c"}}}, "Resources": {"Cp": sg()},
        "Outputs": {"Sg": {"Value": ref("Cp")}}, "Metadata": {"ignored": True}, "Rules": {"R": {}}})
    system = combine(linted, [companion])
    assert system["AWSTemplateFormatVersion"] == "2010-09-09" and system["Metadata"] == {"m": 1}
    assert system["Parameters"] == {"Vpc": {"Type": "String"}, "cluster::Env": {"Type": "String"}}
    assert system["Resources"] == {"Own": sg(), "cluster::Cp": sg()}
    assert system["Conditions"] == {"Own": {"Fn::Equals": ["a", "b"]},
                                    "cluster::Prod": {"Fn::Equals": [ref("cluster::Env"), "prod"]}}
    assert system["Mappings"] == {"cluster::Vpcs": {"a": {"b": "c"}}}
    assert system["Outputs"] == {"cluster::Sg": {"Value": ref("cluster::Cp")}}
    assert "Rules" not in system and "FedParameters" not in system  # nothing to add: no empty section
    assert linted["Parameters"] == {"Vpc": {"Type": "String"}}  # the linted template is not changed


# -- references rewritten into the companion's names ----------------------------------------------------------

NAMES = {"Cp": "c::Cp", "Env": "c::Env", "Vpcs": "c::Vpcs", "AWS::StackName": "c::AWS::StackName"}
CONDITIONS = {"Prod": "c::Prod"}


@pytest.mark.parametrize("value, renamed", [
    (ref("Cp"), ref("c::Cp")),
    (ref("AWS::Region"), ref("AWS::Region")),  # pseudo parameters are everyone's
    (ref("Other"), ref("Other")),
    ({"Ref": ["Cp"]}, {"Ref": ["Cp"]}),
    ({"Condition": "Prod"}, {"Condition": "c::Prod"}),
    ({"Condition": "Unknown"}, {"Condition": "Unknown"}),
    (getatt("Cp", "GroupId"), getatt("c::Cp", "GroupId")),
    ({"Fn::GetAtt": "Cp.GroupId"}, getatt("c::Cp", "GroupId")),
    ({"Fn::GetAtt": "Stack.Outputs.Sg"}, getatt("Stack", "Outputs.Sg")),  # the attribute may hold dots
    ({"Fn::GetAtt": "Cp"}, {"Fn::GetAtt": "Cp"}),
    ({"Fn::GetAtt": 5}, {"Fn::GetAtt": 5}),
    ({"Fn::GetAtt": [ref("Cp"), "GroupId"]}, {"Fn::GetAtt": [ref("Cp"), "GroupId"]}),
    ({"Fn::If": ["Prod", ref("Cp"), ref("AWS::NoValue")]}, {"Fn::If": ["c::Prod", ref("c::Cp"), ref("AWS::NoValue")]}),
    ({"Fn::If": [ref("Cp")]}, {"Fn::If": [ref("c::Cp")]}),
    ({"Fn::FindInMap": ["Vpcs", ref("Env"), "id"]}, {"Fn::FindInMap": ["c::Vpcs", ref("c::Env"), "id"]}),
    ({"Fn::FindInMap": [ref("Cp"), "a", "b"]}, {"Fn::FindInMap": [ref("c::Cp"), "a", "b"]}),
    ({"Fn::Select": [0, [ref("Cp"), getatt("Cp", "VpcId")]]},
     {"Fn::Select": [0, [ref("c::Cp"), getatt("c::Cp", "VpcId")]]}),
    ({"Type": "T", "Condition": "Prod", "DependsOn": ["Cp"], "Properties": {"G": ref("Cp")}},
     {"Type": "T", "Condition": "c::Prod", "DependsOn": ["Cp"], "Properties": {"G": ref("c::Cp")}}),
    ({"Condition": {"Fn::Equals": [ref("Env"), "x"]}, "Other": 1},
     {"Condition": {"Fn::Equals": [ref("c::Env"), "x"]}, "Other": 1}),
    ("Cp", "Cp"),
    (7, 7),
])
def test_every_kind_of_reference_follows_the_rename(value: object, renamed: object) -> None:
    """Ref, GetAtt (both forms), Condition, If, FindInMap and nested values all name the renamed entries."""
    assert _renamed(value, NAMES, CONDITIONS, 0) == renamed


@pytest.mark.parametrize("arg, renamed", [
    ("${Cp.GroupId} in ${Env} at ${AWS::Region}, ${!Literal}",
     "${c::Cp.GroupId} in ${c::Env} at ${AWS::Region}, ${!Literal}"),
    ("${AWS::StackName}-sg", "${c::AWS::StackName}-sg"),
    (["${Cp}-${Name}", {"Name": ref("Env")}], ["${c::Cp}-${Name}", {"Name": ref("c::Env")}]),
    (["${Cp}"], ["${c::Cp}", {}]),
    (["${Name}", {"Name": "literal"}], ["${Name}", {"Name": "literal"}]),
    ([ref("Cp")], [ref("Cp")]),
    ({"Fn::Join": ["", ["${Cp}"]]}, {"Fn::Join": ["", ["${Cp}"]]}),
    ([], []),
])
def test_sub_text_and_its_variables_follow_the_rename(arg: object, renamed: object) -> None:
    """Names in `${...}` are renamed, except the Sub's own variables, pseudo parameters and `${!Escaped}` text."""
    assert _renamed({"Fn::Sub": arg}, NAMES, CONDITIONS, 0) == {"Fn::Sub": renamed}


@pytest.mark.parametrize("value, given", [
    (ref("Name"), ref("Cluster")),
    (ref("Text"), "prod"),
    ({"Fn::Sub": "cluster/${Text}"}, {"Fn::Sub": "cluster/prod"}),
    ({"Fn::Sub": "cluster/${Name}"}, {"Fn::Sub": ["cluster/${Name}", {"Name": ref("Cluster")}]}),
    ({"Fn::Sub": ["${Name}-${Own}", {"Own": ref("Env")}]},
     {"Fn::Sub": ["${Name}-${Own}", {"Own": ref("c::Env"), "Name": ref("Cluster")}]}),
    ({"Fn::Sub": ["${Name}", {"Name": "mine"}]}, {"Fn::Sub": ["${Name}", {"Name": "mine"}]}),  # its own variable
    ({"Fn::Sub": "${Name.Arn}"}, {"Fn::Sub": "${Name.Arn}"}),  # an attribute of a parameter is no value
    ({"Fn::Sub": "${Env}"}, {"Fn::Sub": "${c::Env}"}),
])
def test_values_handed_to_a_stack_replace_its_parameter_references(value: object, given: object) -> None:
    """A literal is written into the Sub text; an expression stays a Sub variable of the parent's value."""
    values = {"Name": ref("Cluster"), "Text": "prod"}
    assert _renamed(value, NAMES, CONDITIONS, 0, values) == given


def _nested_list(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth, renamed", [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_renaming_stops_at_the_depth_bound(depth: int, renamed: bool) -> None:
    """Work is bounded: a reference nested deeper than MAX_DEPTH levels is left as written."""
    expected = _nested_list(depth, ref("c::Cp" if renamed else "Cp"))
    assert _renamed(_nested_list(depth, ref("Cp")), NAMES, CONDITIONS, 0) == expected


def test_a_companions_stack_name_is_written_in_and_without_one_stays_its_own() -> None:
    template: Json = {"Resources": {"Cp": sg(GroupName=ref("AWS::StackName"),
                                             GroupDescription={"Fn::Sub": "${AWS::StackName} control plane"})}}
    named = combine({}, [_one_companion(copy.deepcopy(template), stack_name="prod-cluster")])
    assert named["Resources"]["cluster::Cp"]["Properties"] == {
        "GroupName": "prod-cluster", "GroupDescription": {"Fn::Sub": "prod-cluster control plane"}}
    unnamed = combine({}, [_one_companion(copy.deepcopy(template))])
    assert unnamed["Resources"]["cluster::Cp"]["Properties"] == {
        "GroupName": ref("cluster::AWS::StackName"),
        "GroupDescription": {"Fn::Sub": "${cluster::AWS::StackName} control plane"}}


# -- imports resolved against exports ------------------------------------------------------------------------

def _exporting(name: object, group: str = "Cp", parameters: Json | None = None) -> Json:
    return {"Parameters": parameters or {}, "Resources": {group: sg()},
            "Outputs": {"Out": {"Value": ref(group), "Export": {"Name": name}}}}


def _imported(name: object, *companions: Loaded, linted: Json | None = None) -> object:
    template: Json = {**(linted or {}),
                      "Resources": {"R": {"Type": "T", "Properties": {"A": {"Fn::ImportValue": name}}}}}
    return combine(template, list(companions))["Resources"]["R"]["Properties"]["A"]


@pytest.mark.parametrize("export, imported, resolved", [
    ("prod-cp", "prod-cp", True),
    ("prod-cp", "prod-cp2", False),
    ("prod.cp+1", "prod.cp+1", True),  # literal text, not a pattern
    ("prod.cp+1", "prodXcp+1", False),
    ("prod.cp+1", "prod.cpp1", False),
    ("cp{1}", "cp{1}", True),
    ("prod-cp", {"Fn::Sub": "prod-cp"}, True),
    ({"Fn::Sub": "${AWS::Region}-cp"}, {"Fn::Sub": "${AWS::Region}-cp"}, True),  # one region for the whole system
    ({"Fn::Sub": "${AWS::AccountId}-cp"}, {"Fn::Sub": "${AWS::Region}-cp"}, False),
    ({"Fn::Sub": "${Env}-cp"}, {"Fn::Sub": "${Env}-cp"}, True),  # the same parameter: the same value taken
    ({"Fn::Sub": "${Env}-cp"}, {"Fn::Sub": "${Other}-cp"}, False),
    ({"Fn::Sub": "${Env}-cp"}, "prod-cp", False),  # a value given to one stack is not known for the other
    ({"Fn::Sub": "${Cp.GroupId}-cp"}, {"Fn::Sub": "${Cp.GroupId}-cp"}, False),  # a resource's id: unknown here
    ({"Fn::Sub": "${Undeclared}-cp"}, {"Fn::Sub": "${Undeclared}-cp"}, False),
    (ref("Env"), ref("Env"), True),
    ({"Fn::GetAtt": ["Cp", "GroupId"]}, "sg-1", False),
])
def test_an_import_takes_the_value_exported_under_the_same_name(export: object, imported: object,
                                                                 resolved: bool) -> None:
    companion = _one_companion(_exporting(export, parameters={"Env": {"Type": "String"}}))
    expected = ref("cluster::Cp") if resolved else {"Fn::ImportValue": imported}
    assert _imported(imported, companion) == expected


@pytest.mark.parametrize("export, imported, resolved", [
    ({"Fn::Sub": "${AWS::StackName}-cp"}, "prod-cluster-cp", True),
    ({"Fn::Sub": "${AWS::StackName}-cp"}, "other-cp", False),
    ({"Fn::Sub": "${AWS::StackName}-${Env}"}, {"Fn::Sub": "prod-cluster-${Env}"}, True),
    ({"Fn::Sub": "${AWS::StackName}-${Env}"}, {"Fn::Sub": "other-${Env}"}, False),
    ({"Fn::Join": ["-", [ref("AWS::StackName"), "cp"]]}, "prod-cluster-cp", True),
    ({"Fn::Sub": "prod.cluster-cp"}, "prodXcluster-cp", False),
])
def test_a_given_stack_name_is_the_exports_stack_name(export: object, imported: object, resolved: bool) -> None:
    companion = _one_companion(_exporting(export, parameters={"Env": {"Type": "String"}}), stack_name="prod-cluster")
    expected = ref("cluster::Cp") if resolved else {"Fn::ImportValue": imported}
    assert _imported(imported, companion) == expected


def test_a_stack_name_with_pattern_characters_is_matched_literally() -> None:
    companion = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}), stack_name="prod.c+")
    assert _imported("prod.c+-cp", companion) == ref("cluster::Cp")
    assert _imported("prodxcc-cp", companion) == {"Fn::ImportValue": "prodxcc-cp"}


def test_an_unnamed_stack_takes_the_name_its_imports_imply_and_every_occurrence_agrees() -> None:
    twice = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}::${AWS::StackName}"}))
    assert _imported("c1::c1", twice) == ref("cluster::Cp")
    assert _imported("c1::c2", twice) == {"Fn::ImportValue": "c1::c2"}


def test_imports_infer_one_stack_name_per_companion() -> None:
    """Once an import says the unnamed stack is `a`, an import saying `b` resolves nothing; another companion
    may still be `b`."""
    template: Json = {"Resources": {"R": {"Type": "T", "Properties": {
        "First": {"Fn::ImportValue": "a-cp"}, "Second": {"Fn::ImportValue": "b-cp"},
        "Third": {"Fn::ImportValue": "a-vpc"}, "Fourth": {"Fn::ImportValue": "b-vpc"}}}}}
    cluster = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}))
    vpc = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-vpc"}, group="Vpc"), label="vpc")
    props = combine(template, [cluster, vpc])["Resources"]["R"]["Properties"]
    assert props == {"First": ref("cluster::Cp"), "Second": {"Fn::ImportValue": "b-cp"},
                     "Third": ref("vpc::Vpc"), "Fourth": {"Fn::ImportValue": "b-vpc"}}


@pytest.mark.parametrize("first, second, expected", [
    ("prod-cp", {"Fn::Sub": "${AWS::StackName}-cp"}, ref("one::Cp")),  # a literal name over an inferred stack
    ({"Fn::Sub": "${AWS::StackName}-cp"}, "prod-cp", ref("two::Cp")),
    ({"Fn::Sub": "${Env}-cp"}, {"Fn::Sub": "${AWS::StackName}-cp"}, ref("one::Cp")),  # parameters over inferred
    ({"Fn::Sub": "${AWS::StackName}-cp"}, {"Fn::Sub": "${AWS::StackName}-cp"}, {"Fn::ImportValue": "prod-cp"}),
    ("prod-cp", "prod-cp", {"Fn::ImportValue": "prod-cp"}),
])
def test_the_surest_export_wins_and_two_equally_sure_resolve_nothing(first: object, second: object,
                                                                      expected: object) -> None:
    imported = {"Fn::Sub": "${Env}-cp"} if "Fn::Sub" in str(first) and "Env" in str(first) else "prod-cp"
    one = _one_companion(_exporting(first, parameters={"Env": {"Type": "String"}}), label="one")
    two = _one_companion(_exporting(second), label="two")
    if isinstance(expected, dict) and "Fn::ImportValue" in expected:
        expected = {"Fn::ImportValue": imported}
    assert _imported(imported, one, two) == expected


def test_a_stack_name_given_is_as_sure_as_shared_parameters() -> None:
    named = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}), label="named", stack_name="prod")
    inferred = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}), label="inferred")
    assert _imported("prod-cp", inferred, named) == ref("named::Cp")


def test_an_export_without_a_value_or_a_name_is_no_export() -> None:
    companion = _one_companion({"Resources": {"Cp": sg()}, "Outputs": {
        "NoValue": {"Export": {"Name": "prod-cp"}},
        "NoName": {"Value": ref("Cp"), "Export": {}},
        "NoExport": {"Value": ref("Cp")},
        "Listed": ["x"]}})
    assert _imported("prod-cp", companion) == {"Fn::ImportValue": "prod-cp"}
    assert _imported("prod-cp", _one_companion({"Outputs": ["x"]})) == {"Fn::ImportValue": "prod-cp"}


def test_the_exported_value_names_the_companions_entries_and_its_stack() -> None:
    template: Json = {"Parameters": {"Env": {"Type": "String"}},
                      "Conditions": {"Prod": {"Fn::Equals": [ref("Env"), "p"]}},
                      "Resources": {"Cp": sg()}, "Outputs": {"Out": {
                          "Value": {"Fn::If": ["Prod", getatt("Cp", "GroupId"), {"Fn::Sub": "${AWS::StackName}-sg"}]},
                          "Export": {"Name": "prod-cp"}}}}
    assert _imported("prod-cp", _one_companion(template, stack_name="stack")) == {
        "Fn::If": ["cluster::Prod", getatt("cluster::Cp", "GroupId"), {"Fn::Sub": "stack-sg"}]}
    assert _imported("prod-cp", _one_companion(template)) == {
        "Fn::If": ["cluster::Prod", getatt("cluster::Cp", "GroupId"), {"Fn::Sub": "${cluster::AWS::StackName}-sg"}]}


def test_companions_import_from_each_other_and_from_the_linted_template() -> None:
    cluster = _one_companion(_exporting("prod-cp"))
    nodes = _one_companion({"Parameters": {"Env": {"Type": "String"}}, "Resources": {"R": {"Type": "T", "Properties": {
        "A": {"Fn::ImportValue": "prod-cp"}, "B": {"Fn::ImportValue": "linted-vpc"},
        "C": {"Fn::ImportValue": {"Fn::Sub": "${Env}-shared"}}}}},
        "Outputs": {"O": {"Value": {"Fn::ImportValue": "prod-cp"}}}}, label="nodes")
    linted: Json = {"Parameters": {"Env": {"Type": "String"}}, "Resources": {"Vpc": sg(), "Shared": sg()}, "Outputs": {
        "V": {"Value": ref("Vpc"), "Export": {"Name": "linted-vpc"}},
        "S": {"Value": ref("Shared"), "Export": {"Name": {"Fn::Sub": "${Env}-shared"}}}}}
    system = combine(linted, [cluster, nodes])
    assert system["Resources"]["nodes::R"]["Properties"] == {"A": ref("cluster::Cp"), "B": ref("Vpc"),
                                                             "C": ref("Shared")}
    assert system["Outputs"]["nodes::O"] == {"Value": ref("cluster::Cp")}


def test_imports_are_resolved_in_resources_and_outputs_at_any_depth() -> None:
    companion = _one_companion(_exporting("prod-cp"))
    linted: Json = {"Resources": {"R": {"Type": "T", "Properties": {"L": [
        {"Fn::ImportValue": "prod-cp"}, {"Fn::If": ["C", {"Fn::ImportValue": "prod-cp"}, "x"]}]}}},
        "Outputs": {"O": {"Value": {"Fn::ImportValue": "prod-cp"}}}}
    system = combine(linted, [companion])
    assert system["Resources"]["R"]["Properties"] == {
        "L": [ref("cluster::Cp"), {"Fn::If": ["C", ref("cluster::Cp"), "x"]}]}
    assert system["Outputs"]["O"] == {"Value": ref("cluster::Cp")}
    for depth, expected in ((MAX_DEPTH, ref("cluster::Cp")), (MAX_DEPTH + 1, {"Fn::ImportValue": "prod-cp"})):
        deep = _nested_list(depth - 2, {"Fn::ImportValue": "prod-cp"})
        resolved = combine({"Resources": {"R": {"Properties": {"L": deep}}}}, [companion])
        assert resolved["Resources"]["R"] == {"Properties": {"L": _nested_list(depth - 2, expected)}}  # bounded


# -- outputs of a companion feeding the linted template's parameters ----------------------------------------

@pytest.mark.parametrize("output, fed", [
    (ref("Cp"), ref("vpc::Cp")),
    ({"Fn::Join": [",", [ref("Cp")]]}, ref("vpc::Cp")),  # one group written as a list, as the EKS sample VPC does
    ({"Fn::Join": [",", [ref("Cp"), ref("Cp")]]}, {"Fn::Join": [",", [ref("vpc::Cp"), ref("vpc::Cp")]]}),
    ({"Fn::Join": [",", ref("Cp")]}, {"Fn::Join": [",", ref("vpc::Cp")]}),
    ({"Fn::Join": [","]}, {"Fn::Join": [","]}),
    ({"Fn::Select": [0, [ref("Cp")]]}, {"Fn::Select": [0, [ref("vpc::Cp")]]}),
    ({"Fn::Sub": "${AWS::StackName}-x"}, {"Fn::Sub": "vpc-stack-x"}),
])
def test_a_companion_output_feeds_a_linted_parameter(output: object, fed: object) -> None:
    """Metadata `parameters: {P: Output}`: P takes the output's value; P leaves Parameters for FedParameters."""
    vpc = _one_companion({"Resources": {"Cp": sg()}, "Outputs": {"SecurityGroups": {"Value": output}}}, label="vpc",
                         stack_name="vpc-stack", parameters=(("ControlPlaneSg", "SecurityGroups"), ("Missing", "Nope")))
    declaration: Json = {"Type": "List<AWS::EC2::SecurityGroup::Id>"}
    linted: Json = {"Parameters": {"ControlPlaneSg": declaration, "Missing": {"Type": "String"}},
                    "Resources": {"Nodes": {"Type": "T", "Properties": {"Groups": ref("ControlPlaneSg")}}}}
    system = combine(linted, [vpc])
    assert system["Resources"]["Nodes"]["Properties"] == {"Groups": fed}
    assert system["Parameters"] == {"Missing": {"Type": "String"}}
    assert system["FedParameters"] == {"ControlPlaneSg": {"Declaration": declaration, "Value": fed}}


def test_an_output_without_a_value_feeds_nothing() -> None:
    vpc = _one_companion({"Outputs": {"SecurityGroups": {"Description": "none"}}},
                         parameters=(("P", "SecurityGroups"),))
    linted: Json = {"Parameters": {"P": {"Type": "String"}},
                    "Resources": {"R": {"Type": "T", "Properties": {"G": ref("P")}}}}
    system = combine(linted, [vpc])
    assert system["Resources"]["R"]["Properties"] == {"G": ref("P")}
    assert system["Parameters"] == {"P": {"Type": "String"}}
    assert "FedParameters" not in system


def test_a_companions_parameter_fixed_by_its_allowed_values_is_that_value() -> None:
    companion = _one_companion({"Parameters": {"Env": {"Type": "String", "AllowedValues": ["prod"]}},
                                "Resources": {"Cp": sg(GroupName={"Fn::Sub": "${Env}-cp"}, Tag=ref("Env"))}})
    system = combine({}, [companion])
    assert system["Resources"]["cluster::Cp"]["Properties"] == {"GroupName": {"Fn::Sub": "prod-cp"}, "Tag": "prod"}
    assert system["FedParameters"] == {"cluster::Env": {"Declaration": {"Type": "String", "AllowedValues": ["prod"]},
                                                        "Value": "prod"}}
    assert "Parameters" not in system


# -- parameters with values: given by cfn-lint, fixed by the template ---------------------------------------

@pytest.mark.parametrize("declared, fixed", [
    ({"Type": "String", "AllowedValues": ["prod"]}, "prod"),
    ({"AllowedValues": ["prod"]}, "prod"),
    ({"Type": "Number", "AllowedValues": [443]}, "443"),
    ({"Type": "Number", "AllowedValues": [1.5]}, "1.5"),
    ({"Type": "AWS::EC2::SecurityGroup::Id", "AllowedValues": ["sg-0123"]}, "sg-0123"),
    ({"Type": "String", "AllowedValues": ["prod", "dev"]}, None),
    ({"Type": "String", "AllowedValues": []}, None),
    ({"Type": "String", "AllowedValues": "prod"}, None),
    ({"Type": "String", "AllowedValues": [True]}, None),
    ({"Type": "String", "AllowedValues": [["prod"]]}, None),
    ({"Type": "String", "AllowedValues": [None]}, None),
    ({"Type": "List<AWS::EC2::SecurityGroup::Id>", "AllowedValues": ["sg-1"]}, None),  # a list, not that text
    ({"Type": "CommaDelimitedList", "AllowedValues": ["a"]}, None),
    ({"Type": "String"}, None),
    (["not", "a", "declaration"], None),
])
def test_a_parameter_with_one_allowed_value_is_that_value(declared: object, fixed: str | None) -> None:
    """CloudFormation refuses any other value, so the parameter is that value (as text, as Ref gives it)."""
    assert fixed_values({"Parameters": {"P": declared, "Q": {"Type": "String"}}}) == ({"P": fixed} if fixed else {})


def test_with_fixed_values_leaves_a_template_without_them_untouched() -> None:
    template: Json = {"Parameters": {"P": {"Type": "String"}},
                      "Resources": {"R": {"Type": "T", "Properties": {"A": ref("P")}}}}
    assert with_fixed_values(template) is template
    fixed: Json = {"Parameters": {"P": {"Type": "String", "AllowedValues": ["x"]}},
                   "Resources": {"R": {"Type": "T", "Properties": {"A": ref("P")}}}}
    assert with_fixed_values(fixed)["Resources"] == {"R": {"Type": "T", "Properties": {"A": "x"}}}


def test_given_values_replace_references_and_move_the_parameters_to_fed_parameters() -> None:
    template: Json = {
        "Parameters": {"Sg": {"Type": "String"}, "Cidr": {"Type": "String"}, "Free": {"Type": "String"}},
        "Conditions": {"C": {"Fn::Equals": [ref("Free"), "x"]}},
        "FedParameters": {"Old": {"Declaration": {}, "Value": "v"}},
        "Resources": {"R": {"Type": "T", "Properties": {
            "G": ref("Sg"), "C": {"Fn::Sub": "${Cidr}/16"}, "F": ref("Free"), "E": {"Fn::Sub": "${Sg}-x"}}}},
        "Outputs": {"O": {"Value": ref("Sg")}}}
    given = with_parameters(template, {"Sg": getatt("Cp", "GroupId"), "Cidr": "10.0.0.0", "Undeclared": "u"})
    assert given["Resources"]["R"]["Properties"] == {
        "G": getatt("Cp", "GroupId"), "C": {"Fn::Sub": "10.0.0.0/16"}, "F": ref("Free"),
        "E": {"Fn::Sub": ["${Sg}-x", {"Sg": getatt("Cp", "GroupId")}]}}
    assert given["Outputs"] == {"O": {"Value": getatt("Cp", "GroupId")}}
    assert given["Parameters"] == {"Free": {"Type": "String"}}
    assert given["FedParameters"] == {"Old": {"Declaration": {}, "Value": "v"},
                                      "Sg": {"Declaration": {"Type": "String"}, "Value": getatt("Cp", "GroupId")},
                                      "Cidr": {"Declaration": {"Type": "String"}, "Value": "10.0.0.0"}}
    assert given["Conditions"] == template["Conditions"]
    assert template["Parameters"] == {"Sg": {"Type": "String"}, "Cidr": {"Type": "String"}, "Free": {"Type": "String"}}


def test_values_for_parameters_a_template_does_not_declare_change_nothing() -> None:
    template: Json = {"Resources": {"R": {"Type": "T", "Properties": {"G": ref("Sg")}}}}
    assert with_parameters(template, {"Sg": "sg-1"}) == {"Resources": {"R": {"Type": "T", "Properties": {"G": "sg-1"}}}}
    declared: Json = {"Parameters": {"Other": {"Type": "String"}}}
    assert with_parameters(declared, {"Sg": "sg-1"}) == declared


class _Set:
    def __init__(self, parameters: object) -> None:
        self.parameters = parameters


DECLARED: Json = {"Parameters": {"Env": {"Type": "String"}, "Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"},
                                 "Cidrs": {"Type": "CommaDelimitedList"}, "Port": {"Type": "Number"}}}


@pytest.mark.parametrize("sets, values", [
    ([_Set({"Env": "prod"})], {"Env": "prod"}),
    ([_Set({"Groups": "sg-1, sg-2", "Cidrs": "10.0.0.0/8,10.1.0.0/16"})],
     {"Groups": ["sg-1", "sg-2"], "Cidrs": ["10.0.0.0/8", "10.1.0.0/16"]}),
    ([_Set({"Env": "a,b"})], {"Env": "a,b"}),  # a String is one value, commas and all
    ([_Set({"Groups": ["sg-1", "sg-2"]})], {"Groups": ["sg-1", "sg-2"]}),
    ([_Set({"Groups": ["sg-1", 2]})], {}),
    ([_Set({"Port": 443})], {}),
    ([_Set({"Undeclared": "x", "Env": "prod"})], {"Env": "prod"}),
    ([_Set({"Env": "prod", "Port": "443"}), _Set({"Env": "prod", "Port": "80"})], {"Env": "prod"}),  # agreed only
    ([_Set({"Env": "prod"}), _Set({"Port": "80"})], {}),
    ([_Set({"Env": "prod"}), _Set(None)], {}),
    ([_Set(["Env"])], {}),
    ([object()], {}),
    ([], {}),
    (_Set({"Env": "prod"}), {}),
    (None, {}),
])
def test_parameter_values_are_those_every_parameter_set_agrees_on(sets: object, values: Json) -> None:
    """cfn-lint's `--parameters` and deployment files; a list-typed parameter's text is its comma-separated items."""
    assert parameter_values(sets, DECLARED) == values


def test_parameter_values_of_a_template_without_parameters_are_none() -> None:
    assert parameter_values([_Set({"Env": "prod"})], {"Resources": {}}) == {}


# -- nested stacks inlined into their parent -----------------------------------------------------------------

def _child(template: Json, stack: str = "Nodes") -> Loaded:
    return Loaded(Companion(f"{stack}.yaml", stack, ("Resources", stack, "Properties", "TemplateURL")), stack, template)


def _parent(parameters: Json | None = None, **resources: Json) -> Json:
    return {"Resources": {"Nodes": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "nodes.yaml", "Parameters": parameters or {}}}, **resources}}


def test_a_nested_stacks_names_are_prefixed_with_its_logical_id() -> None:
    child = _child({
        "Parameters": {"Env": {"Type": "String"}, "Fixed": {"Type": "String", "AllowedValues": ["x"]}},
        "Conditions": {"Prod": {"Fn::Equals": [ref("Env"), "prod"]}},
        "Mappings": {"M": {"a": {"b": "c"}}},
        "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Condition": "Prod", "Properties": {
            "VpcId": {"Fn::FindInMap": ["M", "a", "b"]}, "GroupName": ref("Fixed")}}},
        "Outputs": {"Sg": {"Value": ref("Sg")}}})
    system = inline(_parent(), [child])
    assert system["Parameters"] == {"Nodes::Env": {"Type": "String"}}
    assert system["Conditions"] == {"Nodes::Prod": {"Fn::Equals": [ref("Nodes::Env"), "prod"]}}
    assert system["Mappings"] == {"Nodes::M": {"a": {"b": "c"}}}
    assert system["Resources"]["Nodes::Sg"] == {"Type": "AWS::EC2::SecurityGroup", "Condition": "Nodes::Prod",
                                                "Properties": {"VpcId": {"Fn::FindInMap": ["Nodes::M", "a", "b"]},
                                                               "GroupName": "x"}}
    assert system["Outputs"] == {"Nodes::Sg": {"Value": ref("Nodes::Sg")}}
    assert system["FedParameters"] == {"Nodes::Fixed": {"Declaration": {"Type": "String", "AllowedValues": ["x"]},
                                                        "Value": "x"}}
    assert set(system["Resources"]) == {"Nodes", "Nodes::Sg"}


def test_what_the_parent_passes_replaces_the_nested_parameters() -> None:
    child = _child({"Parameters": {"Cp": {"Type": "String"}, "Env": {"Type": "String"},
                                   "StackName": {"Type": "String"}},
                    "Resources": {"Rule": {"Type": "T", "Properties": {
                        "G": ref("Cp"), "E": {"Fn::Sub": "${Env}-${AWS::StackName}"}, "N": ref("AWS::StackName")}}}})
    parent = _parent({"Cp": ref("ControlPlane"), "Env": "prod"}, ControlPlane=sg())
    system = inline(parent, [child])
    assert system["Resources"]["Nodes::Rule"]["Properties"] == {
        "G": ref("ControlPlane"), "E": {"Fn::Sub": "prod-${Nodes::AWS::StackName}"}, "N": ref("Nodes::AWS::StackName")}
    assert system["Parameters"] == {"Nodes::StackName": {"Type": "String"}}  # only what the parent leaves open


def test_a_nested_stacks_outputs_replace_getatt_in_the_parent() -> None:
    child = _child({"Parameters": {"Cluster": {"Type": "String"}}, "Resources": {"Sg": sg()}, "Outputs": {
        "Sg": {"Value": getatt("Sg", "GroupId")}, "Passed": {"Value": ref("Cluster")},
        "Nothing": {"Description": "x"}}})
    parent = _parent({"Cluster": ref("Cluster")}, Cluster={"Type": "AWS::EKS::Cluster", "Properties": {}}, Rule={
        "Type": "T", "Properties": {"A": getatt("Nodes", "Outputs.Sg"), "B": {"Fn::GetAtt": "Nodes.Outputs.Sg"},
                                    "C": [getatt("Nodes", "Outputs.Passed")], "D": getatt("Nodes", "Outputs.Missing"),
                                    "E": getatt("Other", "Outputs.Sg"), "F": getatt("Nodes", "Sg"),
                                    "G": {"Fn::GetAtt": ["Nodes", "Outputs.Sg", "x"]},
                                    "H": {"Fn::GetAtt": ["Nodes", 5]}}})
    parent["Outputs"] = {"Out": {"Value": getatt("Nodes", "Outputs.Sg")}}
    system = inline(parent, [child])
    assert system["Resources"]["Rule"]["Properties"] == {
        "A": getatt("Nodes::Sg", "GroupId"), "B": getatt("Nodes::Sg", "GroupId"), "C": [ref("Cluster")],
        "D": getatt("Nodes", "Outputs.Missing"), "E": getatt("Other", "Outputs.Sg"), "F": getatt("Nodes", "Sg"),
        "G": {"Fn::GetAtt": ["Nodes", "Outputs.Sg", "x"]}, "H": {"Fn::GetAtt": ["Nodes", 5]}}
    assert system["Outputs"]["Out"] == {"Value": getatt("Nodes::Sg", "GroupId")}


def test_an_output_passing_on_another_stacks_output_is_followed() -> None:
    cluster = _child({"Resources": {"Cp": sg()}, "Outputs": {"Cp": {"Value": ref("Cp")}}}, stack="Cluster")
    nodes = _child({"Parameters": {"Cp": {"Type": "String"}}, "Outputs": {"Cp": {"Value": ref("Cp")}}})
    parent = _parent({"Cp": getatt("Cluster", "Outputs.Cp")},
                     Rule={"Type": "T", "Properties": {"G": getatt("Nodes", "Outputs.Cp")}})
    assert inline(parent, [cluster, nodes])["Resources"]["Rule"]["Properties"] == {"G": ref("Cluster::Cp")}


def test_outputs_are_resolved_to_the_depth_bound() -> None:
    child = _child({"Resources": {"Sg": sg()}, "Outputs": {"Sg": {"Value": ref("Sg")}}})
    for depth, expected in ((MAX_DEPTH, ref("Nodes::Sg")), (MAX_DEPTH + 1, getatt("Nodes", "Outputs.Sg"))):
        parent = _parent(Rule={"Type": "T", "Properties": _nested_list(depth - 1, getatt("Nodes", "Outputs.Sg"))})
        rule = inline(parent, [child])["Resources"]["Rule"]
        assert rule == {"Type": "T", "Properties": _nested_list(depth - 1, expected)}


def test_a_parent_without_nested_stacks_is_copied_unchanged() -> None:
    parent: Json = {"Parameters": {"P": {"Type": "String"}}, "Resources": {"R": {"Type": "T", "Properties": {
        "A": getatt("Nodes", "Outputs.Sg")}}}}
    assert inline(parent, []) == parent
    assert inline(parent, [_child({})]) == parent
    assert inline({}, [_child({"Resources": {"Sg": sg()}})]) == {"Resources": {"Nodes::Sg": sg()}}


# -- conditions and handed values reach every nested value --------------------------------------------------

@pytest.mark.parametrize("value, renamed", [
    ([{"Condition": "Prod"}, ref("Cp")], [{"Condition": "c::Prod"}, ref("c::Cp")]),
    ({"Fn::If": ["Unknown", ref("Cp"), "x"]}, {"Fn::If": ["Unknown", ref("c::Cp"), "x"]}),
    ({"Fn::If": ["Prod", {"Fn::If": ["Prod", "a", "b"]}, "x"]},
     {"Fn::If": ["c::Prod", {"Fn::If": ["c::Prod", "a", "b"]}, "x"]}),
    ({"Fn::FindInMap": ["Vpcs", {"Fn::If": ["Prod", "a", "b"]}, "id"]},
     {"Fn::FindInMap": ["c::Vpcs", {"Fn::If": ["c::Prod", "a", "b"]}, "id"]}),
    ({"Fn::Sub": ["${V}", {"V": {"Fn::If": ["Prod", ref("Cp"), "x"]}}]},
     {"Fn::Sub": ["${V}", {"V": {"Fn::If": ["c::Prod", ref("c::Cp"), "x"]}}]}),
    ({"Fn::Sub": ["${Cp}", ["Cp"]]}, {"Fn::Sub": ["${c::Cp}", {}]}),  # variables that are no map declare none
    ({"Fn::Sub": ["${Cp}", [{"V": 1}]]}, {"Fn::Sub": ["${c::Cp}", {}]}),
])
def test_conditions_are_renamed_wherever_they_are_nested(value: object, renamed: object) -> None:
    """Lists, If branches, FindInMap keys and Sub variables all name the renamed conditions and entries."""
    assert _renamed(value, NAMES, CONDITIONS, 0) == renamed


@pytest.mark.parametrize("value, given", [
    ([ref("Name"), ref("Env")], [ref("Cluster"), ref("c::Env")]),
    ({"Fn::FindInMap": ["Vpcs", ref("Name"), "id"]}, {"Fn::FindInMap": ["c::Vpcs", ref("Cluster"), "id"]}),
    ({"Fn::If": ["Prod", ref("Name"), "x"]}, {"Fn::If": ["c::Prod", ref("Cluster"), "x"]}),
    ({"Fn::Sub": ["${Own}", {"Own": ref("Name")}]}, {"Fn::Sub": ["${Own}", {"Own": ref("Cluster")}]}),
])
def test_handed_values_reach_every_nested_reference(value: object, given: object) -> None:
    assert _renamed(value, NAMES, CONDITIONS, 0, {"Name": ref("Cluster")}) == given


def test_conditions_in_exported_fed_and_output_values_are_kept() -> None:
    """An exported value, an output feeding a parameter and a nested stack's output may each hold an `Fn::If`."""
    chosen = {"Fn::If": ["Prod", ref("Cp"), ref("AWS::NoValue")]}
    companion = _one_companion({"Conditions": {"Prod": {"Fn::Equals": ["a", "a"]}}, "Resources": {"Cp": sg()},
                                "Outputs": {"Out": {"Value": chosen}, "Exported": {"Value": chosen, "Export": {
                                    "Name": "cp"}}}}, parameters=(("P", "Out"),))
    linted: Json = {"Parameters": {"P": {"Type": "String"}}, "Conditions": {"Mine": {"Fn::Equals": ["a", "a"]}},
                    "Resources": {"Own": sg(), "R": {"Type": "T", "Properties": {"A": ref("P"),
                                                                                 "B": {"Fn::ImportValue": "cp"}}}},
                    "Outputs": {"Mine": {"Value": {"Fn::If": ["Mine", ref("Own"), "x"]}, "Export": {"Name": "own"}}}}
    nodes = _one_companion({"Resources": {"N": {"Type": "T", "Properties": {"I": {"Fn::ImportValue": "own"}}}}},
                           label="nodes")
    system = combine(linted, [companion, nodes])
    renamed = {"Fn::If": ["cluster::Prod", ref("cluster::Cp"), ref("AWS::NoValue")]}
    assert system["Resources"]["R"]["Properties"] == {"A": renamed, "B": renamed}
    assert system["Resources"]["nodes::N"]["Properties"] == {"I": {"Fn::If": ["Mine", ref("Own"), "x"]}}
    child = _child({"Conditions": {"Prod": {"Fn::Equals": ["a", "a"]}}, "Resources": {"Sg": sg()},
                    "Outputs": {"Sg": {"Value": {"Fn::If": ["Prod", ref("Sg"), "x"]}}}})
    parent = _parent(Rule={"Type": "T", "Properties": {"G": getatt("Nodes", "Outputs.Sg")}})
    assert inline(parent, [child])["Resources"]["Rule"]["Properties"] == {
        "G": {"Fn::If": ["Nodes::Prod", ref("Nodes::Sg"), "x"]}}


def test_the_linted_templates_own_values_keep_their_spelling() -> None:
    """Findings locate lines through the linted template's own paths, so its values are not rewritten."""
    linted: Json = {"Resources": {"R": {"Type": "T", "Properties": {
        "G": {"Fn::GetAtt": "Own.GroupId"}, "S": {"Fn::Sub": ["${Own}"]}}}, "Own": sg()}}
    system = combine(copy.deepcopy(linted), [_one_companion({"Resources": {"Cp": sg()}})])
    assert system["Resources"]["R"] == linted["Resources"]["R"]  # type: ignore[index]


# -- which companion an inferred stack name belongs to ------------------------------------------------------

def test_each_unnamed_companion_and_the_linted_template_infer_their_own_stack_name() -> None:
    """Imports bind each exporting stack to one name: `a` for one stack does not make every other stack `a`."""
    linted: Json = {"Resources": {"Lv": sg()}, "Outputs": {"V": {"Value": ref("Lv"), "Export": {
        "Name": {"Fn::Sub": "${AWS::StackName}-linted"}}}}}
    cluster = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}))
    vpc = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-vpc"}, group="Vpc"), label="vpc")
    nodes = _one_companion({"Resources": {"N": {"Type": "T", "Properties": {
        "Cp": {"Fn::ImportValue": "a-cp"}, "Vpc": {"Fn::ImportValue": "b-vpc"},
        "Linted": {"Fn::ImportValue": "c-linted"},
        "Again": [{"Fn::ImportValue": "a-cp"}, {"Fn::ImportValue": "b-vpc"}, {"Fn::ImportValue": "c-linted"}],
        "Other": [{"Fn::ImportValue": "b-cp"}, {"Fn::ImportValue": "a-vpc"}, {"Fn::ImportValue": "a-linted"}]}}}},
        label="nodes")
    props = combine(linted, [cluster, vpc, nodes])["Resources"]["nodes::N"]["Properties"]
    assert props == {"Cp": ref("cluster::Cp"), "Vpc": ref("vpc::Vpc"), "Linted": ref("Lv"),
                     "Again": [ref("cluster::Cp"), ref("vpc::Vpc"), ref("Lv")],
                     "Other": [{"Fn::ImportValue": "b-cp"}, {"Fn::ImportValue": "a-vpc"},
                               {"Fn::ImportValue": "a-linted"}]}


def test_a_literal_export_name_is_surer_than_a_given_stack_name() -> None:
    literal = _one_companion(_exporting("prod-cp"), label="literal")
    named = _one_companion(_exporting({"Fn::Sub": "${AWS::StackName}-cp"}), label="named", stack_name="prod")
    assert _imported("prod-cp", named, literal) == ref("literal::Cp")


def test_text_around_a_given_stack_name_is_part_of_the_export_name() -> None:
    companion = _one_companion(_exporting({"Fn::Sub": "eks-${AWS::StackName}-cp"}), stack_name="prod")
    assert _imported("eks-prod-cp", companion) == ref("cluster::Cp")
    assert _imported("prod-cp", companion) == {"Fn::ImportValue": "prod-cp"}


# -- the depth bound, counted alike everywhere --------------------------------------------------------------

WRAPS: dict[str, tuple[int, Callable[[object], object], Callable[[Any], Any]]] = {
    "list": (1, lambda v: [v], lambda v: v[0]),
    "map": (1, lambda v: {"K": v}, lambda v: v["K"]),
    "if": (1, lambda v: {"Fn::If": ["Prod", v, "x"]}, lambda v: v["Fn::If"][1]),
    "find-in-map": (1, lambda v: {"Fn::FindInMap": ["Vpcs", v, "k"]}, lambda v: v["Fn::FindInMap"][1]),
    "sub-variable": (2, lambda v: {"Fn::Sub": ["${V}", {"V": v}]}, lambda v: v["Fn::Sub"][1]["V"]),
}


@pytest.mark.parametrize("kind", WRAPS)
@pytest.mark.parametrize("extra, renamed", [(0, True), (1, False)])
def test_each_level_of_nesting_counts_toward_the_depth_bound(kind: str, extra: int, renamed: bool) -> None:
    """A map, list or function argument is one level (a Sub variable two: its map, then its value)."""
    cost, wrap, unwrap = WRAPS[kind]
    levels = MAX_DEPTH // cost + extra
    value: object = ref("Cp")
    for _ in range(levels):
        value = wrap(value)
    result: Any = _renamed(value, NAMES, CONDITIONS, 0)
    for _ in range(levels):
        result = unwrap(result)
    assert result == ref("c::Cp" if renamed else "Cp")


def _leaf(value: Any) -> Any:
    while isinstance(value, list):
        value = value[0]
    return value


@pytest.mark.parametrize("depth, reached", [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_every_entry_point_starts_counting_at_the_top(depth: int, reached: bool) -> None:
    """A resource, an output value, an exported value and a fed parameter are each level 0."""
    deep = _nested_list(depth, ref("Cp"))
    resource = {"Type": "T", "Properties": _nested_list(depth - 1, ref("Cp"))}
    outputs = {"Fed": {"Value": deep}, "Exported": {"Value": deep, "Export": {"Name": "x"}}}
    companion = _one_companion({"Resources": {"Cp": sg(), "X": resource}, "Outputs": outputs},
                               parameters=(("P", "Fed"),))
    linted: Json = {"Parameters": {"P": {"Type": "String"}},
                    "Resources": {"R": {"Type": "T", "Properties": {"I": {"Fn::ImportValue": "x"}}}}}
    system = combine(linted, [companion])
    expected = ref("cluster::Cp" if reached else "Cp")
    assert _leaf(system["Resources"]["cluster::X"]["Properties"]) == expected
    assert _leaf(system["FedParameters"]["P"]["Value"]) == expected
    assert _leaf(system["Resources"]["R"]["Properties"]["I"]) == expected
    child = _child({"Resources": {"Sg": sg(), "X": {"Type": "T", "Properties": _nested_list(depth - 1, ref("Sg"))}},
                    "Outputs": {"Sg": {"Value": _nested_list(depth, ref("Sg"))}}})
    nested = inline(_parent(Rule={"Type": "T", "Properties": {"G": getatt("Nodes", "Outputs.Sg")}}), [child])
    expected = ref("Nodes::Sg" if reached else "Sg")
    assert _leaf(nested["Resources"]["Nodes::X"]["Properties"]) == expected
    assert _leaf(nested["Resources"]["Rule"]["Properties"]["G"]) == expected
    fed: Json = {"Parameters": {"P": {}}, "Resources": {"R": {"Properties": _nested_list(depth - 1, ref("P"))}}}
    given = with_parameters(fed, {"P": "v"})
    assert _leaf(given["Resources"]["R"]["Properties"]) == ("v" if reached else ref("P"))


def test_each_output_passed_on_counts_one_level() -> None:
    cluster = _child({"Resources": {"Cp": sg()}, "Outputs": {"Cp": {"Value": ref("Cp")}}}, stack="Cluster")
    nodes = _child({"Parameters": {"Cp": {"Type": "String"}}, "Outputs": {"Cp": {"Value": ref("Cp")}}})
    for depth, expected in ((MAX_DEPTH - 1, ref("Cluster::Cp")), (MAX_DEPTH, getatt("Cluster", "Outputs.Cp"))):
        parent = _parent({"Cp": getatt("Cluster", "Outputs.Cp")},
                         Rule={"Type": "T", "Properties": _nested_list(depth - 1, getatt("Nodes", "Outputs.Cp"))})
        assert _leaf(inline(parent, [cluster, nodes])["Resources"]["Rule"]["Properties"]) == expected
