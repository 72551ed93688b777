"""Reading a template: resources by type, parameters, and which security group an expression names."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._resolve import short_form
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.model._reader import TemplateReader
from cfnlint_eks_sg.model._types import GroupKey, Member, Origin
from tests.unit.pieces import Json, getatt, ref, res, sg

RESOURCES: Json = {
    "Sg": sg(GroupName="nodes"),
    "Cl": res("AWS::EKS::Cluster"),
    "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
    "Stack": res("AWS::CloudFormation::Stack"),
    "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName="workers"),
}
PARAMETERS: Json = {
    "Param": {"Type": "AWS::EC2::SecurityGroup::Id", "Default": "sg-0default"},
    "ListParam": {"Type": "List<AWS::EC2::SecurityGroup::Id>"},
    "Listed": {"Type": "String", "Default": ["sg-1"]},
    "Mapped": {"Type": "String", "Default": {"a": 1}},
    "Zero": {"Type": "Number", "Default": 0},
    "Allowed": {"Type": "String", "AllowedValues": [" 0.0.0.0/0 ", "10.0.0.0/8"]},
    "Pattern": {"Type": "String", "AllowedPattern": "10\\..*"},
    "BadPattern": {"Type": "String", "AllowedPattern": "("},
    "Both": {"Type": "String", "AllowedValues": ["a", "b"], "AllowedPattern": "a"},
    "Broken": "not a map",
}


def reader(resources: Json | None = None, **template: object) -> TemplateReader:
    return TemplateReader({"Resources": RESOURCES if resources is None else resources, "Parameters": PARAMETERS,
                           **template}, Settings())


def opaque(value: object) -> GroupKey:
    """A group the expression names but the template does not pin down, labelled as written."""
    return GroupKey.make(Origin.OPAQUE, short_form(value))


SELECT_SG = {"Fn::Select": [0, ref("Sg")]}
SELECT_THREE = {"Fn::Select": [0, ref("ListParam"), "extra"]}
SELECT_BY_REF = {"Fn::Select": [ref("Index"), ref("ListParam")]}
SELECT_IMPORT = {"Fn::Select": [0, {"Fn::ImportValue": "ListParam"}]}
SELECT_TEXT = {"Fn::Select": [0, "sg-1"]}
SELECT_JOIN = {"Fn::Select": [0, {"Fn::Join": [",", ref("ListParam")]}]}
SELECT_AZS = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


@pytest.mark.parametrize(("value", "key"), [
    ("sg-0123", GroupKey.make(Origin.LITERAL, "sg-0123")),
    (" sg-0123 ", GroupKey.make(Origin.LITERAL, "sg-0123")),
    ("nodes", GroupKey.make(Origin.RESOURCE, "Sg")),  # the GroupName of a group of this template
    ("web", GroupKey.make(Origin.LITERAL, "web")),
    (ref("Sg"), GroupKey.make(Origin.RESOURCE, "Sg")),
    (getatt("Sg", "GroupId"), GroupKey.make(Origin.RESOURCE, "Sg")),
    ({"Fn::GetAtt": "Sg.GroupId"}, GroupKey.make(Origin.RESOURCE, "Sg")),
    (getatt("Sg", "Id"), GroupKey.make(Origin.RESOURCE, "Sg")),
    (ref("Param"), GroupKey.make(Origin.PARAMETER, "Param")),
    (getatt("Cl", "ClusterSecurityGroupId"), GroupKey.make(Origin.CLUSTER, "Cl")),
    (getatt("Vpc", "DefaultSecurityGroup"), GroupKey.make(Origin.VPC_DEFAULT, "Vpc")),
    (getatt("Stack", "Outputs.SgId"), GroupKey.make(Origin.NESTED, "Stack.SgId")),
    ({"Fn::GetAtt": "Stack.Outputs.SgId"}, GroupKey.make(Origin.NESTED, "Stack.SgId")),
    ({"Fn::ImportValue": "network-Sg"}, GroupKey.make(Origin.IMPORT, "network-Sg")),
    ({"Fn::ImportValue": {"Fn::Sub": "${Env}-Sg"}}, GroupKey.make(Origin.IMPORT, "${Env}-Sg")),
    ({"Fn::ImportValue": getatt("Stack", "Outputs.Name")}, GroupKey.make(Origin.IMPORT, "!GetAtt Stack.Outputs.Name")),
    ({"Fn::Select": [0, ref("ListParam")]}, GroupKey.make(Origin.PARAMETER_ITEM, "ListParam[0]")),
    ({"Fn::Select": ["1", {"Fn::Split": [",", ref("Param")]}]}, GroupKey.make(Origin.PARAMETER_ITEM, "Param[1]")),
    # What the template does not pin down may be any group.
    (ref("Vpc"), opaque(ref("Vpc"))),
    (ref("Unknown"), opaque(ref("Unknown"))),
    (getatt("Sg", "VpcId"), opaque(getatt("Sg", "VpcId"))),
    (getatt("Cl", "DefaultSecurityGroup"), opaque(getatt("Cl", "DefaultSecurityGroup"))),
    (getatt("Sg", "Outputs.Id"), opaque(getatt("Sg", "Outputs.Id"))),
    (getatt("Vpc", "ClusterSecurityGroupId"), opaque(getatt("Vpc", "ClusterSecurityGroupId"))),
    ({"Fn::GetAtt": "Sg"}, opaque({"Fn::GetAtt": "Sg"})),
    ({"Fn::GetAtt": ["Sg"]}, opaque({"Fn::GetAtt": ["Sg"]})),
    ({"Fn::GetAtt": ["Sg", "GroupId", "x"]}, opaque({"Fn::GetAtt": ["Sg", "GroupId", "x"]})),
    ({"Fn::GetAtt": ["Sg", ref("Attribute")]}, opaque({"Fn::GetAtt": ["Sg", ref("Attribute")]})),
    ({"Fn::GetAtt": 5}, opaque({"Fn::GetAtt": 5})),
    (SELECT_SG, opaque(SELECT_SG)),
    (SELECT_THREE, opaque(SELECT_THREE)),
    (SELECT_BY_REF, opaque(SELECT_BY_REF)),
    (SELECT_IMPORT, opaque(SELECT_IMPORT)),
    (SELECT_TEXT, opaque(SELECT_TEXT)),
    (SELECT_JOIN, opaque(SELECT_JOIN)),
    (SELECT_AZS, opaque(SELECT_AZS)),
    ({"Fn::Select": "x"}, opaque({"Fn::Select": "x"})),
    ({"Fn::Sub": "${Prefix}-sg"}, opaque({"Fn::Sub": "${Prefix}-sg"})),
    (5, opaque(5)),
    (["sg-1"], opaque(["sg-1"])),
    ({"Key": "sg-1", "Other": 1}, opaque({"Key": "sg-1", "Other": 1})),
])
def test_the_group_an_expression_names(value: object, key: GroupKey) -> None:
    """Ref and GetAtt .GroupId of one group are that group; parameters, imports, nested outputs and cluster
    groups are what they are; anything else is an opaque group labelled as written."""
    found = reader().group_key(value)
    assert found == key
    assert found is not None and found.origin is key.origin


def test_a_group_name_nobody_here_carries_is_a_name_only_where_names_are_expected() -> None:
    """`SecurityGroups: [web]` names a group by name; `SecurityGroupIds: [web]` is a (bad) literal id."""
    assert reader().group_key("web", by_name=True) == GroupKey.make(Origin.NAME, "web")
    assert reader().group_key("nodes", by_name=True) == GroupKey.make(Origin.RESOURCE, "Sg")
    assert reader().group_key("sg-1", by_name=True) == GroupKey.make(Origin.LITERAL, "sg-1")


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_string_names_no_group(empty: str) -> None:
    assert reader().group_key(empty) is None


@pytest.mark.parametrize(("value", "given"), [
    (ref("Param"), ("Param", "sg-0default")),
    (ref("Zero"), ("Zero", 0)),
    (ref("ListParam"), None),  # no Default
    (ref("Listed"), None),  # a list or map is no single value to assume
    (ref("Mapped"), None),
    (ref("Sg"), None),  # a resource, not a parameter
    ({"Fn::ImportValue": "Param"}, None),
    (getatt("Param", "Value"), None),
    ({"Ref": ["Param"]}, None),
    ("Param", None),
])
def test_the_default_a_parameter_reference_would_take(value: object, given: tuple[str, object] | None) -> None:
    assert reader().parameter_default(value) == given


@pytest.mark.parametrize(("parameter", "value", "allowed"), [
    ("Allowed", "0.0.0.0/0", True),  # AllowedValues compare without surrounding spaces
    ("Allowed", "10.0.0.0/16", False),
    ("Pattern", "10.1.0.0/16", True),
    ("Pattern", "192.168.0.0/16", False),
    ("Pattern", "110.0.0.0/8", False),  # the whole value must match
    ("BadPattern", "anything", True),  # cfn-lint reports a pattern that is not one
    ("Both", "a", True),
    ("Both", "b", False),  # allowed, but not by the pattern
    ("Both", "c", False),
    ("Param", "anything", True),
    ("Missing", "anything", True),
])
def test_what_values_a_parameter_may_take(parameter: str, value: str, allowed: bool) -> None:
    assert reader().may_take(parameter, value) is allowed


def test_vpc_named_is_a_vpc_of_this_template_only() -> None:
    assert reader().vpc_named(ref("Vpc")) == "Vpc"
    assert reader().vpc_named(ref("Sg")) is None
    assert reader().vpc_named(ref("VpcParam")) is None
    assert reader().vpc_named("vpc-123") is None
    assert reader().vpc_named(getatt("Vpc", "VpcId")) is None  # the reader sees it reduced to `!Ref Vpc`


GUARD = Guard.when("WithGroups", True)
PATH = ("Resources", "Lt", "Properties", "SecurityGroupIds")


def members(value: object, by_name: bool = False, template: TemplateReader | None = None) -> list[Member]:
    found = template if template is not None else reader()
    return list(found.group_members(value, PATH, GUARD, by_name))


def test_a_null_item_is_an_unknown_group_not_an_absent_one() -> None:
    """A null item (a stubbed import) stands for a group that is meant to be there: opaque, at its own place."""
    null_key = GroupKey.make(Origin.OPAQUE, "null at Resources/Lt/Properties/SecurityGroupIds/0")
    assert members([None, ref("Sg")]) == [
        Member(null_key, GUARD, (*PATH, 0)),
        Member(GroupKey.make(Origin.RESOURCE, "Sg"), GUARD, (*PATH, 1)),
    ]


def test_members_note_where_each_group_is_used() -> None:
    template = reader()
    imported = GroupKey.make(Origin.IMPORT, "network-Sg")
    found = members([ref("Sg"), {"Fn::ImportValue": "network-Sg"}], template=template)
    assert [m.key for m in found] == [GroupKey.make(Origin.RESOURCE, "Sg"), imported]
    assert template.model.places[GroupKey.make(Origin.RESOURCE, "Sg")] == [(*PATH, 0)]
    assert template.model.places[imported] == [(*PATH, 1)]
    assert template.model.value_stacks[imported] == {""}


def _keys(found: list[Member]) -> list[GroupKey]:
    assert all(m.guard == GUARD and m.path == PATH for m in found)
    return [m.key for m in found]


SG_KEY = GroupKey.make(Origin.RESOURCE, "Sg")
LITERAL_1 = GroupKey.make(Origin.LITERAL, "sg-1")


@pytest.mark.parametrize(("value", "keys"), [
    # The 2019 node template: `!Split [",", !Sub "${Sg},${Extra}"]` and friends.
    ({"Fn::Split": [",", {"Fn::Sub": "${Sg},sg-1"}]}, [SG_KEY, LITERAL_1]),
    ({"Fn::Split": [",", {"Fn::Sub": ["${Sg},sg-1"]}]}, [SG_KEY, LITERAL_1]),
    ({"Fn::Split": [",", {"Fn::Sub": ["sg-1,${A}", {"A": ref("Sg")}]}]}, [LITERAL_1, SG_KEY]),
    ({"Fn::Split": [",", {"Fn::Sub": ["${A}", {"A": {"Fn::Join": [",", ["sg-1", ref("Sg")]]}}]}]},
     [LITERAL_1, SG_KEY]),
    ({"Fn::Split": [",", {"Fn::Sub": [" ${A} ,, ", {"A": "sg-1"}]}]}, [LITERAL_1]),  # blank pieces name nothing
    ({"Fn::Split": [",", {"Fn::Join": [",", [ref("Sg"), "sg-1"]]}]}, [SG_KEY, LITERAL_1]),
    ({"Fn::Split": [",", {"Fn::Join": [",", ref("ListParam")]}]}, [GroupKey.make(Origin.PARAMETER, "ListParam")]),
    ({"Fn::Split": [",", ref("Param")]}, [GroupKey.make(Origin.PARAMETER, "Param")]),
    # Pieces that cannot be cut out: the whole expression is one opaque group.
    ({"Fn::Split": ["", ref("Param")]}, [opaque({"Fn::Split": ["", ref("Param")]})]),  # CloudFormation rejects ""
    ({"Fn::Split": [5, ref("Param")]}, [opaque({"Fn::Split": [5, ref("Param")]})]),
    ({"Fn::Split": [",", {"Fn::Join": [";", [ref("Sg"), "sg-1"]]}]},
     [opaque({"Fn::Split": [",", {"Fn::Join": [";", [ref("Sg"), "sg-1"]]}]})]),
    ({"Fn::Split": [",", {"Fn::Join": [","]}]}, [opaque({"Fn::Split": [",", {"Fn::Join": [","]}]})]),
    ({"Fn::Split": [",", getatt("Stack", "Outputs.Groups")]},
     [opaque({"Fn::Split": [",", getatt("Stack", "Outputs.Groups")]})]),
    ({"Fn::Split": [",", {"Fn::Select": [",", ["sg-1", "sg-2"]]}]},  # only a Join is taken apart
     [opaque({"Fn::Split": [",", {"Fn::Select": [",", ["sg-1", "sg-2"]]}]})]),
    ({"Fn::Split": [",", ["sg-1"]]}, [opaque({"Fn::Split": [",", ["sg-1"]]})]),
    ({"Fn::Split": [",", {"Fn::Sub": [ref("Text")]}]}, [opaque({"Fn::Split": [",", {"Fn::Sub": [ref("Text")]}]})]),
    ({"Fn::Split": ","}, [opaque({"Fn::Split": ","})]),
])
def test_groups_cut_out_of_a_split(value: object, keys: list[GroupKey]) -> None:
    assert _keys(members(value)) == keys


def test_pieces_of_a_split_listing_group_names_are_names() -> None:
    """`SecurityGroups: !Split [",", !Join [",", [web, !Ref Sg]]]` names groups by name."""
    value = {"Fn::Split": [",", {"Fn::Join": [",", ["web", ref("Sg")]]}]}
    assert _keys(members(value, by_name=True)) == [GroupKey.make(Origin.NAME, "web"), SG_KEY]


def _nested_subs(levels: int) -> object:
    """`levels` Subs, each one variable `A` holding the next; the innermost holds `!Ref Sg`."""
    value: object = ref("Sg")
    for _ in range(levels):
        value = {"Fn::Sub": ["${A}", {"A": value}]}
    return value


def test_subs_nested_in_sub_variables_are_followed_to_a_bounded_depth() -> None:
    """Hostile nesting: nine Subs deep is read; past that, the rest is one opaque group."""
    assert _keys(members({"Fn::Split": [",", _nested_subs(9)]})) == [SG_KEY]
    deep = _nested_subs(10)
    innermost = deep
    for _ in range(9):
        assert isinstance(innermost, dict)
        innermost = innermost["Fn::Sub"][1]["A"]
    assert _keys(members({"Fn::Split": [",", deep]})) == [opaque(innermost)]


def test_tags_and_the_clusters_they_name() -> None:
    """Every tag key as a name token, and `kubernetes.io/cluster/NAME` keys as the clusters they tag."""
    tags = [
        {"Key": "kubernetes.io/cluster/prod", "Value": "owned"},
        {"Key": getatt("Cl", "Arn")},  # no name token: left out, the rest still read
        {"Key": "Name", "Value": "nodes"},
        {"Key": ref("ClusterTag")},
        {"Key": "kubernetes.io/cluster/"},  # no cluster name
        {"Key": {"Fn::Sub": "kubernetes.io/cluster/${ClusterName}"}},
        {"Key": {"Fn::If": ["Dev", getatt("Cl", "Arn"), "kubernetes.io/cluster/dev"]}},  # each branch on its own
    ]
    keys, clusters = reader()._tags(tags, ("Resources", "Sg", "Properties", "Tags"), GUARD)
    assert keys == ("kubernetes.io/cluster/prod", "Name", "${ClusterTag}", "kubernetes.io/cluster/",
                    "kubernetes.io/cluster/${ClusterName}", "kubernetes.io/cluster/dev")
    assert clusters == (("prod", GUARD), ("${ClusterName}", GUARD), ("dev", GUARD & Guard.when("Dev", False)))


def test_resources_are_indexed_by_type_with_their_expressions_reduced() -> None:
    """Only well-formed resources are read; the ones the model reads are reduced, the rest kept as written."""
    resources: Json = {
        "Role": res("AWS::IAM::Role", Path=getatt("Vpc", "VpcId")),
        "Sg": sg(GroupName="nodes", VpcId=getatt("Vpc", "VpcId")),
        "Vpc": res("AWS::EC2::VPC"),
        "NoType": {"Properties": {}},
        "BadType": {"Type": 5},
        "NotAMap": "x",
    }
    template = reader(resources, Outputs={"Id": {"Value": getatt("Sg", "GroupId")}})
    assert sorted(template.resources) == ["Role", "Sg", "Vpc"]
    assert template.by_type == {"AWS::EC2::SecurityGroup": ["Sg"], "AWS::EC2::VPC": ["Vpc"],
                                "AWS::IAM::Role": ["Role"]}
    assert template.resources["Sg"]["Properties"] == {"GroupName": "nodes", "VpcId": ref("Vpc")}
    assert template.resources["Role"] is resources["Role"]
    assert template.outputs == {"Id": {"Value": ref("Sg")}}
    assert template.group_names == {"nodes": "Sg"}


def test_parameters_and_launch_template_names_are_indexed() -> None:
    template = reader()
    assert template.parameters["Broken"] == {}  # a parameter that is not a map declares nothing
    assert template.parameters["Param"] == PARAMETERS["Param"]
    assert template.lt_names == {"workers": "Lt"}
    named = reader({"Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName={"Fn::Sub": "${Env}-nodes"}),
                    "Bare": res("AWS::EC2::LaunchTemplate"), "Sg": sg(GroupName=ref("Name"))})
    assert named.lt_names == {"${Env}-nodes": "Lt"}
    assert named.group_names == {}


def test_guard_of_a_resource_is_its_condition() -> None:
    template = reader({"Sg": {**sg(), "Condition": "Make"}, "Other": sg()})
    assert template._guard("Sg") == Guard.when("Make", True)
    assert template._guard("Other") == TRUE


def test_values_a_parent_stack_feeds_are_the_groups_they_name() -> None:
    """A nested stack's parameters as its parent sets them (`FedParameters`): declaration and the groups."""
    fed: Json = {
        "Groups": {"Declaration": {"Type": "List<AWS::EC2::SecurityGroup::Id>"},
                   "Value": [getatt("Sg", "GroupId"), "sg-1", ""]},
        "One": {"Declaration": "broken", "Value": {"Fn::ImportValue": "network-Sg"}},
    }
    template = reader(FedParameters=fed)
    assert template.model.fed == {
        "Groups": ({"Type": "List<AWS::EC2::SecurityGroup::Id>"}, (SG_KEY, LITERAL_1)),
        "One": ({}, (GroupKey.make(Origin.IMPORT, "network-Sg"),)),
    }


def test_the_template_mappings_and_conditions_reduce_what_the_model_reads() -> None:
    """`!FindInMap` with literal keys and `!If` on a condition the template fixes are read as their values."""
    resources: Json = {"Sg": sg(GroupDescription={"Fn::FindInMap": ["Names", "nodes", "text"]},
                                VpcId={"Fn::If": ["Always", ref("Vpc"), ref("Other")]}),
                       "Vpc": res("AWS::EC2::VPC")}
    template = reader(resources, Mappings={"Names": {"nodes": {"text": "node group"}}},
                      Conditions={"Always": {"Fn::Equals": ["a", "a"]}})
    assert template.resources["Sg"]["Properties"] == {"GroupDescription": "node group", "VpcId": ref("Vpc")}
