"""Unit tests for the values stage: every way of writing a value reduced to one form (issue 23, defects 2-4)."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.core._resolve import MAX_DEPTH
from cfnlint_eks_sg.model._values import Reducer, fixed_conditions
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
SG = {"Ref": "Sg"}


def reducer(conditions: Json | None = None, mappings: object = MAPPINGS) -> Reducer:
    """A fresh reducer (it caches conditions it decided: a shared one would answer from an earlier test)."""
    return Reducer(TYPES, mappings, CONDITIONS if conditions is None else conditions)


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
    assert reducer().reduce(written) == SG


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
    assert reducer().reduce(written) == value


@pytest.mark.parametrize("kept", [
    {"Fn::If": ["Open", {"Ref": "Sg"}, {"Ref": "Other"}]},
    {"Fn::GetAtt": ["Cluster", "Arn"]},
    {"Fn::ImportValue": "network-Sg"},
    {"Fn::Select": [3, [{"Ref": "Sg"}]]},
    {"Fn::Join": ["", [{"Fn::If": ["Open", "a", "b"]}]]},  # never lifts an Fn::If out of where it is written
])
def test_what_the_template_does_not_fix_stays_as_written(kept: object) -> None:
    assert reducer().reduce(kept) == kept


def test_containers_are_rebuilt_only_where_something_changed() -> None:
    unchanged: Json = {"A": [1, "x", {"B": "y"}]}
    assert reducer().reduce(unchanged) is unchanged
    several: Json = {"A": [{"Fn::GetAtt": ["Sg", "GroupId"]}, "x", {"Fn::GetAtt": ["Vpc", "VpcId"]}],
                     "B": {"Fn::GetAtt": ["Subnet", "SubnetId"]}, "C": {"Fn::GetAtt": ["Lt", "LaunchTemplateId"]}}
    assert reducer().reduce(several) == {"A": [SG, "x", {"Ref": "Vpc"}], "B": {"Ref": "Subnet"}, "C": {"Ref": "Lt"}}
    changed: Json = {"A": [1, {"Fn::GetAtt": ["Sg", "GroupId"]}], "C": {"D": "e"}}
    reduced = reducer().reduce(changed)
    assert reduced == {"A": [1, SG], "C": {"D": "e"}}
    assert reduced is not changed and isinstance(reduced, dict) and reduced["C"] is changed["C"]


@pytest.mark.parametrize(("name", "value"), [
    ("Always", True), ("Never", False), ("SameRegion", True), ("Open", None), ("NotNever", True),
    ("Both", None), ("Either", True), ("Loop", None), ("Missing", None),
])
def test_conditions_the_template_fixes(name: str, value: bool | None) -> None:
    assert reducer().condition(name) is value


def test_a_resource_id_is_never_empty() -> None:
    # A nested stack's `!Equals [!Ref Existing, ""]` after its parent handed it `!GetAtt Sg.GroupId`.
    template: Json = {
        "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup"}},
        "Conditions": {"MakeOwn": {"Fn::Equals": [{"Fn::GetAtt": ["Sg", "GroupId"]}, ""]}},
    }
    assert fixed_conditions(template) == {"MakeOwn": False}
    template["Conditions"] = {"MakeOwn": {"Fn::Equals": [{"Ref": "Parameter"}, ""]}}
    assert fixed_conditions(template) == {}


def nested(value: object, levels: int) -> object:
    """`value` inside `levels` lists."""
    for _ in range(levels):
        value = [value]
    return value


SG_ID = {"Fn::GetAtt": ["Sg", "GroupId"]}


@pytest.mark.parametrize(("written", "value"), [
    # `Fn::GetAtt`: the dotted form is the list form cut at the first dot.
    ({"Fn::GetAtt": "Stack.Outputs.SgId"}, {"Fn::GetAtt": ["Stack", "Outputs.SgId"]}),
    ({"Fn::GetAtt": "Cluster.Arn"}, {"Fn::GetAtt": ["Cluster", "Arn"]}),
    ({"Fn::GetAtt": "Vpc.CidrBlock"}, {"Fn::GetAtt": ["Vpc", "CidrBlock"]}),
    # `Fn::Sub`: one whole variable, with or without a variable map.
    ({"Fn::Sub": ["${Sg}"]}, SG),
    ({"Fn::Sub": "${ Sg }"}, SG),
    ({"Fn::Sub": "${Stack.Outputs.SgId}"}, {"Fn::GetAtt": ["Stack", "Outputs.SgId"]}),
    ({"Fn::Sub": ["${Id}", {"Id": {"Ref": "Param"}}]}, {"Ref": "Param"}),
    # Partly resolved: the literal variables are inlined, the rest stays a Sub with its variables.
    ({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "P"}}]}, {"Fn::Sub": ["x-${B}", {"A": "x", "B": {"Ref": "P"}}]}),
    ({"Fn::Sub": ["${!A}-${B}", {"B": 2}]}, "${A}-2"),
    ({"Fn::Sub": ["port ${P}", {"P": 443}]}, "port 443"),
    ({"Fn::Sub": ["x-${A}", {"A": "${B}"}]}, "x-${B}"),  # a variable's value is inserted as is, never substituted
    ({"Fn::Sub": "plain text"}, "plain text"),
    # `Fn::Join`
    ({"Fn::Join": ["-", ["a", 1, 2.5]]}, "a-1-2.5"),
    ({"Fn::Join": [",", []]}, ""),
    ({"Fn::Join": [",", [{"Ref": "P"}]]}, {"Ref": "P"}),  # one item: the delimiter never shows
    # `Fn::Select`
    ({"Fn::Select": [" 1 ", ["a", "b"]]}, "b"),
    ({"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", [{"Ref": "A"}, {"Ref": "B"}]]}]}]}, {"Ref": "A"}),
    ({"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Join": [",", [{"Fn::GetAtt": ["Cluster", "Arn"]}, SG]]}]}]}, SG),
    ({"Fn::Select": [0, {"Fn::Split": [",", ""]}]}, ""),  # splitting "" gives [""]
    ({"Fn::Split": ["|", "a|b"]}, ["a", "b"]),
    # `Fn::FindInMap`: a top-level key the template does not fix, on a map with one entry, is that entry.
    ({"Fn::FindInMap": ["One", {"Ref": "AWS::Region"}, "port"]}, 443),
    # `Fn::If`: a fixed condition picks its branch, even when the branch is itself an undecided Fn::If.
    ({"Fn::If": ["Always", {"Fn::If": ["Open", "a", "b"]}, "c"]}, {"Fn::If": ["Open", "a", "b"]}),
    ({"Fn::If": ["Never", "c", {"Fn::If": ["Open", "a", "b"]}]}, {"Fn::If": ["Open", "a", "b"]}),
])
def test_more_spellings_reduce_to_one_form(written: object, value: object) -> None:
    """Each spelling reduces to the value CloudFormation gives it, in the one form the readers read."""
    mappings: Json = {**MAPPINGS, "One": {"us-east-1": {"port": 443}}}
    assert reducer(mappings=mappings).reduce(written) == value


@pytest.mark.parametrize("kept", [
    {"Fn::GetAtt": "Sg"},  # no attribute
    {"Fn::GetAtt": ["Sg", "GroupId", "Extra"]},
    {"Fn::GetAtt": ["Sg", {"Ref": "AttributeName"}]},  # an attribute chosen by a parameter
    {"Fn::GetAtt": [{"Ref": "Name"}, "GroupId"]},
    {"Fn::Sub": "${AWS::NoValue}"},  # never turned into `Ref AWS::NoValue`, which would remove the property
    {"Fn::Sub": "${AWS::Region}"},
    {"Fn::Sub": [{"Ref": "Text"}]},
    {"Fn::Sub": [{"Ref": "Text"}, {"A": "x"}]},
    {"Fn::Sub": ["${A}", ["x"]]},  # variables must be a map
    {"Fn::Sub": "sg-${Suffix}"},
    {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "P"}, "B": True}]},  # booleans render differently: left alone
    {"Fn::Join": ","},
    {"Fn::Join": [",", "a"]},
    {"Fn::Join": [1, ["a", "b"]]},
    {"Fn::Join": ["", [{"Ref": "A"}, "b"]]},
    {"Fn::Select": [0, ["a"], "extra"]},
    {"Fn::Select": "ab"},
    {"Fn::Select": ["x", ["a", "b"]]},
    {"Fn::Select": [True, ["a", "b"]]},
    {"Fn::Select": [-1, ["a", "b"]]},
    {"Fn::Select": [1, ["a"]]},
    {"Fn::Select": [0, "a,b"]},
    {"Fn::Select": [0, {"Ref": "ListParam"}]},
    {"Fn::Select": [0, {"Fn::Split": [",", 5]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", "a,b", "extra"]}]},
    {"Fn::Select": [0, {"Fn::Split": ["", {"Fn::Join": ["", [{"Ref": "A"}, {"Ref": "B"}]]}]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [";", [{"Ref": "A"}, {"Ref": "B"}]]}]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [","]}]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", {"Ref": "List"}]}]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Sub": "${A},${B}"}]}]},
    # A literal item holding the delimiter is cut in two by Split: item 0 of "a,b" and X is "a", not "a,b".
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", ["a,b", {"Ref": "X"}]]}]}]},
    {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", [["a"], {"Ref": "X"}]]}]}]},
    {"Fn::Select": [0, {"Fn::Join": [",", {"Fn::Join": [",", [{"Ref": "A"}, {"Ref": "B"}]]}]}]},  # a string
    {"Fn::Select": [0, [{"Fn::If": ["Open", "a", "b"]}]]},  # never lifts an Fn::If out of where it is written
    {"Fn::Select": [0, [[{"Fn::If": ["Open", "a", "b"]}]]]},
    {"Fn::Sub": ["${A}", {"A": {"Fn::If": ["Open", "a", "b"]}}]},
    {"Fn::Select": [0, [{"Key": {"Value": {"Fn::If": ["Open", "a", "b"]}}}]]},
    {"Fn::Split": ["", "ab"]},  # CloudFormation rejects an empty delimiter
    {"Fn::Split": [",", {"Ref": "P"}]},
    {"Fn::FindInMap": ["Ports", "kubelet"]},
    {"Fn::FindInMap": "PXY"},  # not a list (a mapping named P would otherwise be read)
    {"Fn::FindInMap": ["Missing", "kubelet", "port"]},
    {"Fn::FindInMap": ["Ports", "missing", "port"]},
    {"Fn::FindInMap": ["Ports", "kubelet", {"Ref": "Key"}]},
    {"Fn::FindInMap": ["Lists", "a", "ids"]},  # a list: its items have no path in the written template
    {"Fn::FindInMap": ["Lists", {"Ref": "AWS::Region"}, "ids"]},
    {"Fn::FindInMap": ["Flat", {"Ref": "AWS::Region"}, "port"]},
    {"Fn::FindInMap": ["Empty", {"Ref": "AWS::Region"}, "port"]},
    {"Fn::If": ["Open", "a"]},
    {"Fn::If": [{"Ref": "C"}, "a", "a"]},
])
def test_malformed_or_unfixed_expressions_stay_as_written(kept: object) -> None:
    """What the template does not pin down, or spells in a way CloudFormation rejects, is never given a value."""
    mappings: Json = {**MAPPINGS, "Lists": {"a": {"ids": ["x", "y"]}, "b": {"ids": ["x", "y"]}},
                      "Flat": {"a": "x", "b": "x"}, "Empty": {}, "P": {"X": {"Y": "found"}}}
    assert reducer(mappings=mappings).reduce(kept) == kept


def test_what_stays_keeps_its_identity() -> None:
    """An expression that stays is the written object itself; one whose argument changed is rebuilt around it."""
    sub: Json = {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "P"}}]}
    assert reducer().reduce(sub) is sub
    encoded: Json = {"Fn::Base64": {"Fn::GetAtt": ["Sg", "GroupId"]}}
    assert reducer().reduce(encoded) == {"Fn::Base64": SG}
    other: Json = {"Fn::GetAtt": ["Cluster", "Arn"]}
    assert reducer().reduce(other) is other
    kept: Json = {"Fn::Select": [0, [{"Fn::If": ["Open", {"Fn::GetAtt": ["Sg", "GroupId"]}, "b"]}]]}
    assert reducer().reduce(kept) == {"Fn::Select": [0, [{"Fn::If": ["Open", SG, "b"]}]]}


def test_without_mappings_or_conditions_nothing_is_looked_up() -> None:
    """A template without (or with broken) Mappings and Conditions fixes no lookup and no condition."""
    bare = Reducer(TYPES, None, ["not", "a", "map"])
    found: Json = {"Fn::FindInMap": ["Ports", "kubelet", "port"]}
    assert bare.reduce(found) == found
    assert bare.condition("Always") is None
    assert bare.reduce({"Fn::If": ["Always", "a", "b"]}) == {"Fn::If": ["Always", "a", "b"]}


def test_reading_stops_past_the_depth_cap() -> None:
    """Expressions nested up to MAX_DEPTH levels are reduced; deeper ones (and what they hold) are left alone."""
    assert reducer().reduce(nested(SG_ID, MAX_DEPTH)) == nested(SG, MAX_DEPTH)
    too_deep = nested(SG_ID, MAX_DEPTH + 1)
    assert reducer().reduce(too_deep) is too_deep
    assert reducer().reduce(mapped(SG_ID, MAX_DEPTH)) == mapped(SG, MAX_DEPTH)
    too_deep = mapped(SG_ID, MAX_DEPTH + 1)
    assert reducer().reduce(too_deep) is too_deep
    assert reducer().reduce(encoded(SG_ID, MAX_DEPTH)) == encoded(SG, MAX_DEPTH)
    too_deep = encoded(SG_ID, MAX_DEPTH + 1)
    assert reducer().reduce(too_deep) is too_deep
    # A reduced form is returned only when it is known to hold no Fn::If: past the cap, that is not known.
    shallow: Json = {"Fn::Select": [0, [nested("x", MAX_DEPTH)]]}
    assert reducer().reduce(shallow) == nested("x", MAX_DEPTH)
    deep: Json = {"Fn::Select": [0, [nested("x", MAX_DEPTH + 1)]]}
    assert reducer().reduce(deep) is deep
    assert reducer().reduce({"Fn::Select": [0, [mapped("x", MAX_DEPTH)]]}) == mapped("x", MAX_DEPTH)
    deep_map: Json = {"Fn::Select": [0, [mapped("x", MAX_DEPTH + 1)]]}
    assert reducer().reduce(deep_map) is deep_map


def encoded(value: object, levels: int) -> object:
    """`value` inside `levels` functions that stay as written (`Fn::Base64`)."""
    for _ in range(levels):
        value = {"Fn::Base64": value}
    return value


def mapped(value: object, levels: int) -> object:
    """`value` inside `levels` maps."""
    for _ in range(levels):
        value = {"Key": value}
    return value


@pytest.mark.parametrize(("condition", "value"), [
    ({"Fn::Equals": [443, "443"]}, True),  # CloudFormation compares the rendered strings
    ({"Fn::Equals": ["a", "b"]}, False),
    ({"Fn::Equals": [{"Ref": "P"}, "a"]}, None),
    ({"Fn::Equals": [{"Ref": "P"}, {"Ref": "P"}]}, True),
    ({"Fn::Equals": [{"Fn::FindInMap": ["Ports", "api", "port"]}, 443]}, True),
    ({"Fn::Equals": [{"Fn::Join": ["", ["a", "b"]]}, "ab"]}, True),
    ({"Fn::Equals": ["", {"Ref": "Sg"}]}, False),  # a resource's id is never empty
    ({"Fn::Equals": [{"Fn::GetAtt": ["Cluster", "Arn"]}, ""]}, False),
    ({"Fn::Equals": [{"Fn::GetAtt": "Cluster.Arn"}, ""]}, False),
    ({"Fn::Equals": [{"Fn::GetAtt": "Sg"}, ""]}, False),
    ({"Fn::Equals": [{"Ref": "AWS::Region"}, ""]}, None),
    ({"Fn::Equals": [{"Ref": "Param"}, ""]}, None),
    ({"Fn::Equals": [{"Fn::GetAtt": ["Other", "Arn"]}, ""]}, None),
    ({"Fn::Equals": [{"Fn::GetAtt": []}, ""]}, None),
    ({"Fn::Equals": [{"Fn::GetAtt": [5, "Arn"]}, ""]}, None),
    ({"Fn::Equals": [{"Fn::ImportValue": "Sg"}, ""]}, None),
    ({"Fn::Equals": [{"Ref": "Sg"}, "sg-1"]}, None),  # only the empty string is never an id
    ({"Fn::Equals": [{"Ref": "Sg"}, {"Ref": "Param"}]}, None),
    ({"Fn::Equals": ["a", "a", "a"]}, None),
    ({"Fn::Equals": ["a"]}, None),
    ({"Fn::Equals": "a"}, None),
    ({"Fn::Not": [{"Condition": "Always"}]}, False),
    ({"Fn::Not": [{"Condition": "Open"}]}, None),
    ({"Fn::Not": [{"Condition": "Always"}, {"Condition": "Never"}]}, None),
    ({"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}, True),
    ({"Fn::And": [{"Condition": "Always"}, {"Condition": "Always"}]}, True),
    ({"Fn::And": [{"Condition": "Open"}, {"Condition": "Never"}]}, False),  # false and unknown is false
    ({"Fn::And": [{"Condition": "Always"}, {"Condition": "Open"}]}, None),
    ({"Fn::And": []}, None),
    ({"Fn::Or": [{"Condition": "Never"}, {"Condition": "Never"}]}, False),
    ({"Fn::Or": [{"Condition": "Open"}, {"Condition": "Always"}]}, True),  # true or unknown is true
    ({"Fn::Or": [{"Condition": "Never"}, {"Condition": "Open"}]}, None),
    ({"Fn::Or": []}, None),
    ({"Fn::Other": [{"Condition": "Always"}]}, None),
    ({"Condition": "Never"}, False),
    ({"Condition": ["Never"]}, None),
    ({"Fn::Not": {"Condition": "Never"}}, None),
    ({"Fn::Not": "Always"}, None),  # a condition is named only by `Condition`
    ({"Fn::Equals": "Always"}, None),
    ("a", None),
])
def test_conditions_follow_kleene_logic_over_what_the_template_fixes(condition: Json, value: bool | None) -> None:
    """Equal literals, resource ids that are never empty, and Not/And/Or over them; the rest is unknown."""
    conditions: Json = {**CONDITIONS, "Tested": condition}
    assert reducer(conditions).condition("Tested") is value


@pytest.mark.parametrize("loop", [
    {"Loop": {"Fn::Not": [{"Condition": "Loop"}]}},
    {"Loop": {"Fn::And": [{"Condition": "Other"}]}, "Other": {"Fn::Not": [{"Condition": "Loop"}]}},
    {"Loop": {"Fn::Or": [{"Fn::Not": [{"Condition": "Loop"}]}]}},
])
def test_a_condition_that_names_itself_decides_nothing(loop: Json) -> None:
    """A cycle of conditions is CloudFormation's error to report; here it is simply not fixed."""
    assert reducer(loop).condition("Loop") is None


def _chain(links: int, last: Json) -> Json:
    """C0 names C1, which names C2, ... for `links` links; the last one is `last`."""
    conditions: Json = {f"C{i}": {"Condition": f"C{i + 1}"} for i in range(links)}
    conditions[f"C{links}"] = last
    return conditions


def test_a_chain_of_conditions_is_followed_up_to_the_depth_cap() -> None:
    """Each condition in a chain is a level of depth: up to MAX_DEPTH are followed, then nothing is fixed."""
    never_empty: Json = {"Fn::Equals": [{"Fn::GetAtt": "Sg.GroupId"}, ""]}
    assert reducer(_chain(MAX_DEPTH, never_empty)).condition("C0") is False
    assert reducer(_chain(MAX_DEPTH + 1, never_empty)).condition("C0") is None
    assert reducer(_chain(MAX_DEPTH, {"Fn::Equals": ["a", "a"]})).condition("C0") is True
    two_spellings: Json = {"Fn::Equals": [{"Fn::GetAtt": ["Sg", "GroupId"]}, {"Ref": "Sg"}]}
    assert reducer(_chain(MAX_DEPTH - 1, two_spellings)).condition("C0") is True
    assert reducer(_chain(MAX_DEPTH, two_spellings)).condition("C0") is None  # its sides are past the cap
    not_chain: Json = _chain(MAX_DEPTH - 1, {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]})
    assert reducer(not_chain).condition("C0") is True
    assert reducer(_chain(MAX_DEPTH, {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]})).condition("C0") is None


def test_fixed_conditions_of_a_template() -> None:
    """Only the conditions the template fixes by itself are handed to cfn-lint's engine."""
    template: Json = {
        "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup"}, "Broken": "not a resource"},
        "Mappings": {"Env": {"prod": {"own": "yes"}}},
        "Conditions": {
            "Own": {"Fn::Equals": [{"Fn::FindInMap": ["Env", "prod", "own"]}, "yes"]},
            "Given": {"Fn::Equals": [{"Ref": "Existing"}, ""]},
            "Made": {"Fn::Equals": [{"Ref": "Sg"}, ""]},
            "Either": {"Fn::Or": [{"Condition": "Given"}, {"Condition": "Own"}]},
            "Same": {"Fn::Equals": [{"Fn::GetAtt": ["Sg", "GroupId"]}, {"Ref": "Sg"}]},  # one group, two spellings
            "Broken": {"Fn::Equals": [{"Ref": "Broken"}, ""]},
        },
    }
    assert fixed_conditions(template) == {"Own": True, "Made": False, "Either": True, "Same": True}


@pytest.mark.parametrize("template", [
    {},
    {"Resources": ["not", "a", "map"], "Conditions": {"Made": {"Fn::Equals": [{"Ref": "Sg"}, ""]}}},
    {"Conditions": ["not", "a", "map"]},
    "not a template",
])
def test_a_template_without_readable_parts_fixes_nothing(template: object) -> None:
    assert fixed_conditions(template) == {}
