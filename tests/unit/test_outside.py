"""Unit tests for what lives outside the template: IK0001 (unverifiable flows), IK0002 (rules on foreign groups)."""

from __future__ import annotations

import re

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._model import build_model
from cfnlint_eks_sg._outside import foreign_rules, unverifiable_flows
from tests.unit.pieces import (
    Json,
    eks_cluster,
    field,
    getatt,
    if_,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
    sub,
    tcp,
    with_condition,
)


def checks(found: Finding) -> set[str]:
    """The rule IDs a finding's `flows` field names."""
    return set(re.findall(r"\b[EWI]K\d{4}\b", field(found, "flows")))


def ik0001(template: Json) -> list[Finding]:
    return analyse(template).findings_for("IK0001")


# --- IK0001: required flows that depend on a group defined elsewhere --------------------------------------


PARAMETERS: Json = {
    "ClusterName": {"Type": "String"},
    "ClusterControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"},
    "NodeSecurityGroupId": {"Type": "AWS::EC2::SecurityGroup::Id"},
}


def node_group_elsewhere(node_group: object = None, **resources: Json) -> Json:
    """Cluster Cl (CpSG lets the node group in on 443); managed node group Ng on Lt, which lists `node_group`."""
    node = node_group if node_group is not None else ref("NodeSecurityGroupId")
    out: Json = {
        "CpSG": sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=node)]),
        "Cl": eks_cluster(ref("CpSG")),
        "Lt": launch_template(node),
        "Ng": managed_nodegroup(),
    }
    out.update(resources)
    return {"Parameters": PARAMETERS, "Resources": out}


LT_ENTRY = ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)


def test_node_group_from_a_parameter() -> None:
    (found,) = ik0001(node_group_elsewhere())
    assert found.rule_id == "IK0001"
    assert found.path == LT_ENTRY  # where the template first attaches it, not the peer use in CpSG
    assert field(found, "group") == "parameter NodeSecurityGroupId"
    assert {"EK1001", "EK1002", "WK1003", "WK1004"} <= checks(found)
    assert field(found, "flows").startswith("EK1001 (node group Ng -> the control plane of cluster Cl, TCP 443)")


def test_flows_beyond_four_are_counted_not_listed() -> None:
    (found,) = ik0001(node_group_elsewhere())
    count = int(field(found, "count"))
    assert count > 4
    assert field(found, "flows").endswith(f"; and {count - 4} more")
    assert len(checks(found)) == 4


@pytest.mark.parametrize(("node_group", "label"), [
    ({"Fn::ImportValue": "nodes-SecurityGroup"}, "imported nodes-SecurityGroup"),
    ("sg-0nodes", "sg-0nodes"),
])
def test_node_group_from_an_import_or_a_literal_id(node_group: object, label: str) -> None:
    (found,) = ik0001(node_group_elsewhere(node_group))
    assert (found.path, field(found, "group")) == (LT_ENTRY, label)


def test_one_finding_per_group_for_several_node_groups() -> None:
    one = ik0001(node_group_elsewhere())
    two = ik0001(node_group_elsewhere(Ng2=managed_nodegroup()))
    assert len(two) == 1
    assert two[0].path == LT_ENTRY
    # Node groups that carry the same groups are checked, and listed, together.
    assert field(two[0], "count") == field(one[0], "count")
    assert "node groups Ng, Ng2" in field(two[0], "flows")


def test_nothing_when_every_group_is_in_the_template() -> None:
    template = node_group_elsewhere(ref("NodeSG"), NodeSG=sg())
    assert ik0001(template) == []
    assert analyse(template).findings_for("EK1002") != []  # decided (blocked), not unknown


def node_only(*drop: str) -> Json:
    """A node-only stack: control-plane group and cluster name are parameters; its own rules on both sides."""
    resources: Json = {
        "NodeSG": sg(Tags=[{"Key": sub("kubernetes.io/cluster/${ClusterName}"), "Value": "owned"}]),
        "NodeFromItself": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"),
                              SourceSecurityGroupId=ref("NodeSG"), IpProtocol="-1"),
        "NodeFromCp": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=443,
                          ToPort=65535, SourceSecurityGroupId=ref("ClusterControlPlaneSecurityGroup")),
        "CpFromNodes": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("ClusterControlPlaneSecurityGroup"),
                           IpProtocol="tcp", FromPort=443, ToPort=443, SourceSecurityGroupId=ref("NodeSG")),
        "CpToNodes": res("AWS::EC2::SecurityGroupEgress", GroupId=ref("ClusterControlPlaneSecurityGroup"),
                         IpProtocol="tcp", FromPort=443, ToPort=65535, DestinationSecurityGroupId=ref("NodeSG")),
        "Lt": launch_template(ref("NodeSG")),
        "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                     Tags=[{"Key": sub("kubernetes.io/cluster/${ClusterName}"), "Value": "owned",
                            "PropagateAtLaunch": True}]),
    }
    for name in drop:
        del resources[name]
    return {"Parameters": PARAMETERS, "Resources": resources}


def test_node_only_stack_whose_rules_decide_everything() -> None:
    analysis = analyse(node_only())
    assert analysis.findings_for("IK0001") == []
    assert analysis.links  # the flows were evaluated, and every one was decided


def test_node_only_stack_without_egress_on_the_control_plane_group() -> None:
    # Both control-plane groups decide the same flows: one finding names them together.
    (found,) = ik0001(node_only("CpToNodes"))
    assert found.path == ("Resources", "CpFromNodes", "Properties", "GroupId")
    assert field(found, "group") == (
        "parameter ClusterControlPlaneSecurityGroup and the EKS cluster security group of cluster ${ClusterName}")
    # only control plane -> nodes depends on them (IK1008 is opt-in, never listed)
    assert checks(found) == {"EK1002", "WK1003", "WK1004"}
    assert field(found, "count") == "3"


def test_peer_use_is_the_path_when_nothing_attaches_or_changes_the_group() -> None:
    found = ik0001(node_only("CpToNodes", "CpFromNodes"))
    parameter = next(f for f in found if field(f, "group").startswith("parameter ClusterControlPlaneSecurityGroup"))
    assert parameter.path == ("Resources", "NodeFromCp", "Properties", "SourceSecurityGroupId")
    assert "EK1001" in checks(parameter)


def test_module_function_without_links_reports_nothing() -> None:
    assert list(unverifiable_flows(build_model(node_group_elsewhere()), [])) == []


# --- IK0002: standalone rules on groups another stack owns ----------------------------------------------


def rule(kind: str, owner: object, prop: str = "GroupId", **extra: object) -> Json:
    peer = {"SourceSecurityGroupId": ref("Own")} if kind == "Ingress" else {"DestinationSecurityGroupId": ref("Own")}
    return res(f"AWS::EC2::SecurityGroup{kind}", **{prop: owner}, IpProtocol="tcp", FromPort=443, ToPort=443,
               **peer, **extra)


def foreign(**resources: Json) -> list[Finding]:
    template: Json = {
        "Parameters": {"ControlPlaneSG": {"Type": "AWS::EC2::SecurityGroup::Id"},
                       "Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}},
        "Resources": {"Own": sg(GroupName="own-group"), "Cl": eks_cluster(), **resources},
    }
    return analyse(template).findings_for("IK0002")


def test_ingress_on_a_parameter() -> None:
    (found,) = foreign(R=rule("Ingress", ref("ControlPlaneSG")))
    assert found.path == ("Resources", "R", "Properties", "GroupId")
    assert (field(found, "resources"), field(found, "count"), field(found, "group")) == (
        "R", "1", "parameter ControlPlaneSG")
    assert field(found, "extra") == ""


def test_egress_on_an_import_also_strips_its_default_egress() -> None:
    (found,) = foreign(R=rule("Egress", {"Fn::ImportValue": "cluster-ControlPlaneSG"}))
    assert field(found, "group") == "imported cluster-ControlPlaneSG"
    assert "eksctl#6455" in field(found, "extra")
    assert "R" in field(found, "extra")


@pytest.mark.parametrize(("owner", "label"), [
    ("sg-0123456789abcdef0", "sg-0123456789abcdef0"),
    ({"Fn::Sub": "sg-0123456789abcdef0"}, "sg-0123456789abcdef0"),
    ({"Fn::Select": [0, ref("Groups")]}, "parameter item Groups[0]"),
])
def test_literal_ids_and_parameter_items(owner: object, label: str) -> None:
    (found,) = foreign(R=rule("Ingress", owner))
    assert field(found, "group") == label


def test_ingress_by_the_name_of_another_stacks_group() -> None:
    (found,) = foreign(R=rule("Ingress", "shared-admin", prop="GroupName"))
    assert found.path == ("Resources", "R", "Properties", "GroupName")
    assert field(found, "group") == "group named shared-admin"


@pytest.mark.parametrize(("owner", "prop"), [
    (ref("Own"), "GroupId"),
    (getatt("Own", "GroupId"), "GroupId"),
    (getatt("Cl", "ClusterSecurityGroupId"), "GroupId"),
    ("own-group", "GroupName"),  # the GroupName of a group of this template
])
def test_not_on_groups_of_the_template(owner: object, prop: str) -> None:
    assert foreign(R=rule("Ingress", owner, prop=prop), E=rule("Egress", owner, prop="GroupId")) == []


def test_inline_rules_naming_foreign_groups_are_not_changes_to_them() -> None:
    inline = sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("ControlPlaneSG"))],
                SecurityGroupEgress=[tcp(443, 443, DestinationSecurityGroupId="sg-0abc")])
    assert foreign(Mine=inline) == []


def test_one_finding_per_foreign_group() -> None:
    found = foreign(A=rule("Ingress", ref("ControlPlaneSG")), B=rule("Egress", ref("ControlPlaneSG")),
                    C=rule("Ingress", ref("Own")), D=rule("Ingress", "sg-0123456789abcdef0"))
    # At the first of the rules by what they hold (an egress before an ingress), not by name or order.
    assert [(f.path[1], field(f, "resources"), field(f, "count")) for f in found] == [
        ("B", "B, A", "2"), ("D", "D", "1")]
    assert "B" in field(found[0], "extra") and "A" not in field(found[0], "extra")


def test_if_on_the_owner_follows_the_branch() -> None:
    (found,) = foreign(R=rule("Ingress", if_("Shared", ref("ControlPlaneSG"), ref("Own"))))
    assert found.path == ("Resources", "R", "Properties", "GroupId", "Fn::If", 1)
    assert field(found, "when") == " when Shared is true"


def test_module_function_on_a_conditional_rule() -> None:
    template: Json = {
        "Parameters": {"ControlPlaneSG": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {"Own": sg(), "R": with_condition(rule("Ingress", ref("ControlPlaneSG")), "AddRule")},
    }
    (found,) = foreign_rules(build_model(template))
    assert (found.rule_id, found.path) == ("IK0002", ("Resources", "R", "Properties", "GroupId"))
    assert field(found, "when") == " when AddRule is true"


# --- IK0001: flows this template leaves open (a value not fixed here, a launch template elsewhere) ----------


def own_node_group(*rules: Json, lt: object = None) -> Json:
    """node_group_elsewhere with the nodes' group NodeSG defined here, carrying `rules` as ingress."""
    nodes = managed_nodegroup() if lt is None else managed_nodegroup(lt=None, LaunchTemplate={"Id": lt})
    template = node_group_elsewhere(ref("NodeSG"), NodeSG=sg(SecurityGroupIngress=list(rules)), Ng=nodes)
    template["Parameters"] = {**PARAMETERS, "Proto": {"Type": "String"}, "LtId": {"Type": "String"}}
    return template


FROM_CP = getatt("Cl", "ClusterSecurityGroupId")


def test_a_rule_whose_protocol_is_a_parameter() -> None:
    rule = {"IpProtocol": ref("Proto"), "FromPort": 10250, "ToPort": 10250, "SourceSecurityGroupId": FROM_CP}
    (found,) = ik0001(own_node_group(rule))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0)
    assert field(found, "kind") == "undecided"
    assert field(found, "causes") == ("the ingress rule NodeSG.SecurityGroupIngress[0]: its IpProtocol or ports "
                                      "are not fixed here (a parameter, a mapping or an invalid value)")
    # A protocol not known may be -1: every check of the nodes' ingress from the control plane hangs on it.
    assert {"EK1002", "WK1003", "WK1004"} <= checks(found)


def test_the_same_rule_with_its_values_written_is_decided() -> None:
    rule = {"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250, "SourceSecurityGroupId": FROM_CP}
    analysis = analyse(own_node_group(rule))
    assert analysis.findings_for("IK0001") == []
    assert analysis.findings_for("EK1002") == [] and analysis.findings_for("WK1003") != []


def test_a_range_whose_cover_of_the_other_side_is_not_known() -> None:
    (found,) = ik0001(own_node_group(tcp(1025, 65535, CidrIp="10.0.0.0/16")))
    assert field(found, "causes") == ("the ingress rule NodeSG.SecurityGroupIngress[0]: whether the subnets of "
                                      "the control plane of cluster Cl lie inside 10.0.0.0/16 is not known here")
    assert checks(found) == {"EK1002", "WK1003"}  # 443 is outside the rule's ports: WK1004 is blocked


def test_a_launch_template_elsewhere_is_named_at_the_node_group() -> None:
    found = [f for f in ik0001(own_node_group(lt=ref("LtId"))) if field(f, "kind") == "undecided"]
    assert [f.path for f in found] == [("Resources", "Ng")]
    assert field(found[0], "causes") == ("which groups node group Ng carries is not visible here (its launch "
                                         "template is defined elsewhere)")
    assert {"EK1001", "EK1002"} <= checks(found[0])
    assert field(found[0], "count") == "7"  # and the node <-> node checks, both halves of EK1005 and WK1009


def test_causes_of_the_same_checks_share_one_finding() -> None:
    kubelet = {"IpProtocol": ref("Proto"), "FromPort": 10250, "ToPort": 10250, "SourceSecurityGroupId": FROM_CP}
    other = {"IpProtocol": ref("Proto"), "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": FROM_CP}
    (found,) = ik0001(own_node_group(kubelet, other))
    assert field(found, "causes").count("; the ingress rule NodeSG.SecurityGroupIngress[1]: ") == 1
