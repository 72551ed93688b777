"""`fix`: rules on the right groups, the default egress restated, conditions carried over."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.cli._fix import as_template_fragment, suggest
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    getatt,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
    tcp,
    with_condition,
)


def _cluster(**resources: Json) -> Json:
    base: Json = {
        "Cp": sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("Nodes"))],
                 SecurityGroupEgress=[tcp(0, 65535, DestinationSecurityGroupId=ref("Nodes"))]),
        "Nodes": sg(SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": ref("Nodes")},
                                          tcp(0, 65535, SourceSecurityGroupId=ref("Cp"))]),
        "Cl": eks_cluster(ref("Cp")), "Lt": launch_template(ref("Nodes")), "Ng": managed_nodegroup(),
    }
    return {"Conditions": {"Restrict": {}}, "Resources": {**base, **resources}}


def _apply(template: Json, conditions: StubConditions) -> tuple[Json, dict[str, object]]:
    fragment = as_template_fragment(suggest(analyse(template, conditions), template["Resources"]))  # type: ignore[arg-type]
    fixed = dict(template)
    for section, entries in fragment.items():
        fixed[section] = {**(fixed.get(section) or {}), **entries}  # type: ignore[dict-item]
    return fixed, dict(fragment.get("Resources", {}))  # type: ignore[call-overload]


def test_an_egress_rule_restates_the_allow_all_it_would_strip() -> None:
    # Under Restrict, a standalone egress rule strips the nodes' allow-all and 443 to the API is gone;
    # without it, the nodes rely on the default. A standalone fix rule would strip it there too.
    conditions = StubConditions(["Restrict"])
    template = _cluster(OnlyHttp=with_condition(
        res("AWS::EC2::SecurityGroupEgress", GroupId=ref("Nodes"), **tcp(80, 80, CidrIp="0.0.0.0/0")), "Restrict"))
    assert analyse(template, conditions).findings_for("EK1001")
    fixed, added = _apply(template, conditions)
    restated = [r for r in added.values() if r["Properties"].get("CidrIp") == "0.0.0.0/0"  # type: ignore[index]
                and r["Properties"]["IpProtocol"] == "-1"]  # type: ignore[index]
    assert restated, added
    # Only where the default exists: under Restrict the user's own egress rules are the intent.
    assert fixed["Conditions"][restated[0]["Condition"]] == {"Fn::Not": [{"Condition": "Restrict"}]}  # type: ignore[index]
    after = analyse(fixed, conditions).all_findings()
    assert not {rule_id for rule_id in after if rule_id[0] in "EW"}, after


def test_rules_on_a_conditional_group_carry_its_condition() -> None:
    template = _cluster()
    resources = template["Resources"]
    for name in ("Nodes", "Lt", "Ng"):  # the node group exists only under Restrict
        resources[name] = with_condition(resources[name], "Restrict")  # type: ignore[index]
    resources["Cp"]["Properties"]["SecurityGroupIngress"] = []  # type: ignore[index]
    _, added = _apply(template, StubConditions(["Restrict"]))
    (rule,) = added.values()
    assert rule["Properties"]["SourceSecurityGroupId"] == {"Ref": "Nodes"}  # type: ignore[index]
    assert rule["Condition"] == "Restrict"  # type: ignore[index]


@pytest.mark.parametrize("nodes, named", [
    ({"Fn::Select": [0, ref("NodeGroups")]}, {"Fn::Select": [0, ref("NodeGroups")]}),
    ({"Fn::Select": [1, {"Fn::Split": [",", ref("NodeCsv")]}]},
     {"Fn::Select": [1, {"Fn::Split": [",", ref("NodeCsv")]}]}),  # a string parameter is split, as written
    (getatt("Vpc", "DefaultSecurityGroup"), {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}),
], ids=["list-parameter-item", "split-string-parameter-item", "vpc-default-group"])
def test_groups_named_by_expressions_are_written_as_those_expressions(nodes: Json, named: Json) -> None:
    # The nodes carry only a group the template selects from a parameter, or the VPC's default group:
    # the control plane's rule from them names it the way the template does, and the finding goes.
    template: Json = {
        "Parameters": {"NodeGroups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}, "NodeCsv": {"Type": "String"}},
        "Resources": {"Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"), "Cp": sg(),
                      "Cl": eks_cluster(ref("Cp")), "Lt": launch_template(nodes), "Ng": managed_nodegroup()}}
    assert analyse(template).findings_for("EK1001")
    suggestion = suggest(analyse(template), template["Resources"])  # type: ignore[arg-type]
    assert not suggestion.sentences
    fixed, added = _apply(template, StubConditions([]))
    (rule,) = added.values()
    assert rule["Properties"]["SourceSecurityGroupId"] == named  # type: ignore[index]
    assert not analyse(fixed).findings_for("EK1001")
