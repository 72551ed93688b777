"""Unit tests for what lives outside the template: IK0001 (unverifiable flows), IK0002 (rules on foreign groups)."""

from __future__ import annotations

import re

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.checks._outside import foreign_rules, unreadable_companions, unverifiable_flows
from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.load._companions import Loaded, Refused
from cfnlint_eks_sg.load._system import combine
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import GroupKey, Origin
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
    count = int(field(found, "total"))
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
    assert field(two[0], "total") == field(one[0], "total")
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
    assert field(found, "total") == "3"


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
    assert (field(found, "resources"), field(found, "total"), field(found, "group")) == (
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
    assert [(f.path[1], field(f, "resources"), field(f, "total")) for f in found] == [
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
    assert field(found[0], "total") == "7"  # and the node <-> node checks, both halves of EK1005 and WK1009


def test_causes_of_the_same_checks_share_one_finding() -> None:
    kubelet = {"IpProtocol": ref("Proto"), "FromPort": 10250, "ToPort": 10250, "SourceSecurityGroupId": FROM_CP}
    other = {"IpProtocol": ref("Proto"), "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": FROM_CP}
    (found,) = ik0001(own_node_group(kubelet, other))
    assert field(found, "causes").count("; the ingress rule NodeSG.SecurityGroupIngress[1]: ") == 1


# --- IK0001: which halves and protocols count ------------------------------------------------------------


def test_a_flow_one_half_blocks_is_left_to_its_own_rule() -> None:
    """CpSG admits nothing: EK1001 is blocked (EK1001 reports it), whatever the node group's hidden egress."""
    template = node_group_elsewhere(CpSG=sg())
    (found,) = ik0001(template)
    assert "EK1001" not in checks(found)
    assert {"EK1002", "WK1003", "WK1004"} <= checks(found)
    assert analyse(template).findings_for("EK1001") != []


def test_each_protocol_of_a_flow_is_judged() -> None:
    """TCP 53 is open, UDP 53 hangs on a rule whose protocol is a parameter: only UDP is unverified."""
    udp = {"IpProtocol": ref("Proto"), "FromPort": 53, "ToPort": 53, "SourceSecurityGroupId": ref("NodeSG")}
    template = own_node_group(tcp(53, 53, SourceSecurityGroupId=ref("NodeSG")), udp,
                              {"IpProtocol": "-1", "SourceSecurityGroupId": FROM_CP})
    (found,) = ik0001(template)
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 1)
    assert field(found, "flows") == ("EK1005 (node group Ng -> node group Ng, UDP 53); WK1009 (node group Ng -> node "
                                     "group Ng, all traffic)")
    assert field(found, "total") == "2"


def test_a_rule_from_a_group_that_may_be_the_control_planes() -> None:
    """NodeSG admits parameter Other, which may be the control plane's parameter group: Other decides it."""
    template: Json = {
        "Parameters": {"ControlPlaneSG": PARAMETERS["ClusterControlPlaneSecurityGroup"],
                       "Other": PARAMETERS["ClusterControlPlaneSecurityGroup"]},
        "Resources": {
            "CpSG": sg(), "Cl": eks_cluster(ref("CpSG"), ref("ControlPlaneSG")),
            "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId=ref("Other"))]),
            "Lt": launch_template(ref("NodeSG")), "Ng": managed_nodegroup(),
        },
    }
    other = next(f for f in ik0001(template) if field(f, "group") == "parameter Other")
    assert other.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "SourceSecurityGroupId")
    assert checks(other) == {"EK1002", "WK1003", "WK1004"}


def test_an_untrusted_cluster_group_decides_the_flows() -> None:
    """With cluster_security_group_defaults off, the EKS cluster group's rules are not visible."""
    template: Json = {"Metadata": {"cfnlint-eks-sg": {"cluster_security_group_defaults": False}},
                      "Resources": {"Cl": eks_cluster(), "Ng": managed_nodegroup(lt=None)}}
    (found,) = ik0001(template)
    assert field(found, "group") == "the EKS cluster security group of Cl"
    assert {"EK1001", "EK1002", "WK1003", "WK1004"} <= checks(found)


# --- IK0001: what of this template leaves a flow open ------------------------------------------------------


ASG_TAGS = [{"Key": "kubernetes.io/cluster/Cl", "Value": "owned", "PropagateAtLaunch": True}]


def test_node_groups_sharing_a_launch_template_elsewhere() -> None:
    template: Json = {"Parameters": {"LtId": {"Type": "String"}}, "Resources": {
        "CpSG": sg(), "Cl": eks_cluster(ref("CpSG")),
        "Ng": managed_nodegroup(lt=None, LaunchTemplate={"Id": ref("LtId")}),
        "Ng2": managed_nodegroup(lt=None, LaunchTemplate={"Id": ref("LtId")}),
    }}
    (found,) = [f for f in ik0001(template) if field(f, "kind") == "undecided"]
    assert found.path == ("Resources", "Ng")
    assert field(found, "causes") == ("which groups node groups Ng, Ng2 carry is not visible here (its launch "
                                      "template is defined elsewhere)")


def test_a_launch_configuration_elsewhere_is_named_once() -> None:
    """The node group's label already says what is defined elsewhere."""
    template: Json = {"Resources": {
        "CpSG": sg(), "NodeSG": sg(), "Cl": eks_cluster(ref("CpSG")), "Lt": launch_template(ref("NodeSG")),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                   LaunchConfigurationName="old-lc", Tags=ASG_TAGS),
    }}
    (found,) = [f for f in ik0001(template) if field(f, "kind") == "undecided"]
    assert field(found, "causes") == ("which groups node group Asg (a launch configuration defined elsewhere) carries "
                                      "is not visible here")


def test_a_node_group_without_a_group_points_at_itself() -> None:
    template: Json = {"Resources": {
        "CpSG": sg(), "Cl": eks_cluster(ref("CpSG")),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"ImageId": "ami-0abc"}),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}, Tags=ASG_TAGS),
    }}
    (found,) = [f for f in ik0001(template) if field(f, "kind") == "undecided"]
    assert found.path == ("Resources", "Asg")
    assert field(found, "causes") == ("node group Asg: no security group is visible on it (EC2 then uses the VPC "
                                      "default group)")
    assert {"EK1001", "EK1002"} <= checks(found)


def undecided_rules(first: str, second: str) -> Json:
    """Two standalone rules on NodeSG from the cluster group whose protocol is a parameter: `first` on 10250,
    `second` on 443."""
    def rule(port: int) -> Json:
        return res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"), IpProtocol=ref("Proto"), FromPort=port,
                   ToPort=port, SourceSecurityGroupId=FROM_CP)
    template = own_node_group()
    template["Resources"].update({first: rule(10250), second: rule(443)})  # type: ignore[attr-defined]
    return template


def test_the_place_of_shared_causes_does_not_follow_the_names() -> None:
    """Renaming the rules (swapping their names) leaves the finding on the same rule."""
    one = ik0001(undecided_rules("A", "B"))
    two = ik0001(undecided_rules("B", "A"))
    assert len(one) == len(two) == 1
    assert {one[0].path, two[0].path} == {("Resources", "A"), ("Resources", "B")}
    held = [build_model(t).resources[str(f.path[1])] for t, f in ((undecided_rules("A", "B"), one[0]),
                                                                  (undecided_rules("B", "A"), two[0]))]
    assert held[0] == held[1]


# --- IK0001: flows other checks hang on a group (WK1006) -----------------------------------------------------


def test_flows_of_other_checks_are_listed_on_their_group() -> None:
    model = build_model(node_group_elsewhere(ref("NodeSG"), NodeSG=sg()))
    a, b = GroupKey.make(Origin.LITERAL, "sg-0a"), GroupKey.make(Origin.LITERAL, "sg-0b")
    found = list(unverifiable_flows(model, [], more=[(b, "WK1006 (node group Ng -> the AWS APIs, TCP 443)"),
                                                     (a, "WK1006 (node group Ng2 -> the AWS APIs, TCP 443)")]))
    assert sorted((field(f, "group"), field(f, "flows"), field(f, "total")) for f in found) == [
        ("sg-0a", "WK1006 (node group Ng2 -> the AWS APIs, TCP 443)", "1"),
        ("sg-0b", "WK1006 (node group Ng -> the AWS APIs, TCP 443)", "1"),
    ]
    assert all(f.path[:1] != ("Parameters",) for f in found)  # literal ids are no parameters


def test_groups_with_the_same_flows_share_a_finding() -> None:
    model = build_model(node_group_elsewhere(ref("NodeSG"), NodeSG=sg()))
    flow = "WK1006 (node group Ng -> the AWS APIs, TCP 443)"
    a, b, c = (GroupKey.make(Origin.LITERAL, name) for name in ("sg-0a", "sg-0b", "sg-0c"))
    (found,) = unverifiable_flows(model, [], more=[(a, flow), (b, flow), (c, flow)])
    assert field(found, "group") == "sg-0a, sg-0b and sg-0c"


# --- IK0001: groups only companions name ---------------------------------------------------------------------


def companion(template: Json, label: str = "cluster", number: int = 0) -> Loaded:
    return Loaded(Companion(f"{label}.yaml", None, ("Metadata", "cfnlint-eks-sg", "companions", number)), label,
                  template)


CLUSTER_STACK: Json = {
    "Parameters": {"ControlPlaneSG": PARAMETERS["ClusterControlPlaneSecurityGroup"]},
    "Resources": {"Cl": eks_cluster(ref("ControlPlaneSG"))},
    "Outputs": {"Name": {"Value": ref("Cl"), "Export": {"Name": "cluster-Name"}},
                "ClusterSG": {"Value": getatt("Cl", "ClusterSecurityGroupId"),
                              "Export": {"Name": "cluster-ClusterSG"}}},
}
NODE_STACK: Json = {"Resources": {
    "NodeSG": sg(SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": {"Fn::ImportValue":
                                                                                       "cluster-ClusterSG"}}]),
    "Lt": launch_template(ref("NodeSG")),
    "Ng": res("AWS::EKS::Nodegroup", ClusterName={"Fn::ImportValue": "cluster-Name"}, LaunchTemplate={"Id": ref("Lt")}),
}}


def test_a_group_only_a_companion_names_is_placed_where_its_flows_touch_this_template() -> None:
    (found,) = ik0001(combine(NODE_STACK, [companion(CLUSTER_STACK)]))
    assert found.path == ("Resources", "Ng")
    assert field(found, "group") == "parameter cluster::ControlPlaneSG"
    assert field(found, "flows") == "EK1001 (node group Ng -> the control plane of cluster cluster::Cl, TCP 443)"


def test_a_group_a_companion_and_this_template_name_is_placed_here() -> None:
    """The node stack also names the companion's parameter (through an import): the finding goes there."""
    cluster = {**CLUSTER_STACK, "Outputs": {**CLUSTER_STACK["Outputs"],  # type: ignore[dict-item]
                                            "Cp": {"Value": ref("ControlPlaneSG"), "Export": {"Name": "cluster-Cp"}}}}
    nodes = {"Resources": {**NODE_STACK["Resources"],  # type: ignore[dict-item]
                           "Peer": sg(SecurityGroupEgress=[tcp(443, 443, DestinationSecurityGroupId={
                               "Fn::ImportValue": "cluster-Cp"})])}}
    found = [f for f in ik0001(combine(nodes, [companion(cluster)]))
             if field(f, "group") == "parameter cluster::ControlPlaneSG"]
    assert [f.path for f in found] == [("Resources", "Peer", "Properties", "SecurityGroupEgress", 0,
                                        "DestinationSecurityGroupId")]


# --- IK0001: companions that were not read ----------------------------------------------------------------------


METADATA = ("Metadata", "cfnlint-eks-sg", "companions", 0)
TEMPLATE_URL = ("Resources", "Net", "Properties", "TemplateURL")


def refused(path: str, where: tuple[str | int, ...], reason: str = "missing") -> Refused:
    return Refused(Companion(path, None, where), reason)


def test_an_unread_companion_and_nested_stack() -> None:
    found = list(unreadable_companions([refused("cluster.yaml", METADATA), refused("net.yaml", TEMPLATE_URL,
                                                                                     "not decodable")]))
    assert [(f.rule_id, f.path, f.message_fields()) for f in found] == [
        ("IK0001", METADATA, {"kind": "companion", "companion": "cluster.yaml", "reason": "missing"}),
        ("IK0001", TEMPLATE_URL, {"kind": "nested", "companion": "net.yaml", "reason": "not decodable"}),
    ]


def test_an_unread_companion_is_reported_once_per_reason() -> None:
    items = [refused("cluster.yaml", METADATA), refused("cluster.yaml", METADATA),
             refused("cluster.yaml", METADATA, "outside the root")]
    assert [field(f, "reason") for f in unreadable_companions(items)] == ["missing", "outside the root"]


def test_an_unread_companions_name_is_shown_printable_and_short() -> None:
    (odd,) = unreadable_companions([refused("a\x00b\nc.yaml", METADATA)])
    assert field(odd, "companion") == "a?b?c.yaml"
    (long,) = unreadable_companions([refused("x" * 300, METADATA)])
    assert field(long, "companion") == "x" * 200


# --- IK0002: companions and nested stacks -----------------------------------------------------------------------

FOREIGN_PARAMETERS: Json = {"Shared": PARAMETERS["ClusterControlPlaneSecurityGroup"]}
OWN_RULE: Json = res("AWS::EC2::SecurityGroupIngress", GroupId=ref("Shared"), IpProtocol="tcp", FromPort=443,
                     ToPort=443, CidrIp="10.0.0.0/16")


def stacks() -> Json:
    """This template adds a rule to companion a's group Cp; companions a and b each add one to their parameter."""
    a: Json = {"Parameters": FOREIGN_PARAMETERS, "Resources": {"Cp": sg(), "Rule": OWN_RULE},
               "Outputs": {"Cp": {"Value": ref("Cp"), "Export": {"Name": "a-Cp"}}}}
    b: Json = {"Parameters": FOREIGN_PARAMETERS, "Resources": {"Rule": OWN_RULE}}
    linted: Json = {"Resources": {"OnCp": res("AWS::EC2::SecurityGroupIngress", GroupId={"Fn::ImportValue": "a-Cp"},
                                              IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.1.0.0/16")}}
    return combine(linted, [companion(a, "a", 0), companion(b, "b", 1)])


@pytest.mark.parametrize(("nested", "reported"), [
    ((), ["Cp"]),  # a companion's rules are its own lint run's to report; its group is another stack's
    (("b",), ["Cp", "b::Shared"]),  # a nested stack's rules deploy with this one
    (("a",), ["a::Shared"]),  # a nested stack's group goes with this stack
])
def test_companions_and_nested_stacks(nested: tuple[str, ...], reported: list[str]) -> None:
    found = list(foreign_rules(build_model(stacks()), nested))
    assert sorted(field(f, "group").removeprefix("parameter ") for f in found) == sorted(
        r if "::" in r else f"a::{r}" for r in reported)


def test_a_rule_on_a_group_this_template_cannot_pin_down_is_not_reported() -> None:
    """A custom resource's attribute may be any group: IK0002 names only groups another stack surely owns."""
    template: Json = {"Resources": {
        "Lookup": res("Custom::GroupLookup", ServiceToken="arn:aws:lambda:us-east-1:111111111111:function:lookup"),
        "R": rule("Ingress", getatt("Lookup", "GroupId")), "Own": sg(),
    }}
    assert list(foreign_rules(build_model(template))) == []


def test_several_egress_rules_are_named_together() -> None:
    (found,) = foreign(A=rule("Egress", ref("ControlPlaneSG")),
                       B=rule("Egress", ref("ControlPlaneSG"), Description="b"),
                       C=rule("Ingress", ref("ControlPlaneSG")))
    assert field(found, "total") == "3"
    extra = "; the standalone egress rules {} also remove that group's default allow-all egress (eksctl#6455)"
    assert field(found, "extra") in (extra.format("A, B"), extra.format("B, A"))  # ordered by what they hold


def test_one_egress_rule_is_named_alone() -> None:
    (found,) = foreign(A=rule("Egress", ref("ControlPlaneSG")), C=rule("Ingress", ref("ControlPlaneSG")))
    assert field(found, "extra").startswith("; the standalone egress rule A also ")


def test_a_group_only_companions_name_in_flows_from_their_control_plane() -> None:
    """The companion's cluster group keeps only 443 out and this template lets the nodes in: only the flows from
    the control plane (a companion's end) hang on the parameter, and the finding still goes to this template's end."""
    cluster = {**CLUSTER_STACK, "Resources": {
        **CLUSTER_STACK["Resources"],  # type: ignore[dict-item]
        "Strip": res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"),
                     IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0"),
    }}
    nodes = {"Resources": {
        **NODE_STACK["Resources"],  # type: ignore[dict-item]
        "CpFromNodes": res("AWS::EC2::SecurityGroupIngress", GroupId={"Fn::ImportValue": "cluster-ClusterSG"},
                           IpProtocol="tcp", FromPort=443, ToPort=443, SourceSecurityGroupId=ref("NodeSG")),
    }}
    (found,) = ik0001(combine(nodes, [companion(cluster)]))
    assert (found.path, field(found, "group")) == (("Resources", "Ng"), "parameter cluster::ControlPlaneSG")
    assert checks(found) == {"EK1002", "WK1003"}


def test_flows_between_companions_are_theirs() -> None:
    system = combine({"Resources": {}}, [companion(CLUSTER_STACK), companion(NODE_STACK, "nodes", 1)])
    assert ik0001(system) == []


def test_a_null_group_item_is_named_where_it_is_written() -> None:
    """A null in a group list (a stubbed import) is a group this template cannot see."""
    template = node_group_elsewhere(ref("NodeSG"), NodeSG=sg(), Lt=launch_template(ref("NodeSG"), None))
    (found,) = ik0001(template)
    assert found.path == (*LT_ENTRY[:-1], 1)
    assert field(found, "group") == "the group null at Resources/Lt/Properties/LaunchTemplateData/SecurityGroupIds/1"


def test_four_flows_are_all_listed() -> None:
    template: Json = {
        "Parameters": {"ControlPlaneSG": PARAMETERS["ClusterControlPlaneSecurityGroup"],
                       "Other": PARAMETERS["ClusterControlPlaneSecurityGroup"]},
        "Resources": {"CpSG": sg(), "Cl": eks_cluster(ref("CpSG"), ref("ControlPlaneSG")),
                      "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId=ref("Other"))]),
                      "Lt": launch_template(ref("NodeSG")), "Ng": managed_nodegroup()},
    }
    (found,) = [f for f in ik0001(template) if field(f, "group") == "parameter ControlPlaneSG"]
    assert field(found, "total") == "4"
    assert field(found, "flows") == (
        "EK1001 (node group Ng -> the control plane of cluster Cl, TCP 443); EK1002 (the control plane of cluster Cl "
        "-> node group Ng, TCP 10250); WK1004 (the control plane of cluster Cl -> node group Ng, TCP 443); WK1003 (the "
        "control plane of cluster Cl -> node group Ng, TCP 1025-10249, 10251-65535)")


def peer_rule_place(first: str, second: str) -> object:
    """The FromPort of the egress rule where IK0001 names the companion's parameter, when groups `first` (443)
    and `second` (8443) of this template both name it."""
    cluster = {**CLUSTER_STACK, "Outputs": {**CLUSTER_STACK["Outputs"],  # type: ignore[dict-item]
                                            "Cp": {"Value": ref("ControlPlaneSG"), "Export": {"Name": "cluster-Cp"}}}}
    to_cp = {"Fn::ImportValue": "cluster-Cp"}
    nodes = {"Resources": {**NODE_STACK["Resources"],  # type: ignore[dict-item]
                           first: sg(SecurityGroupEgress=[tcp(443, 443, DestinationSecurityGroupId=to_cp)]),
                           second: sg(SecurityGroupEgress=[tcp(8443, 8443, DestinationSecurityGroupId=to_cp)])}}
    (found,) = [f for f in ik0001(combine(nodes, [companion(cluster)]))
                if field(f, "group") == "parameter cluster::ControlPlaneSG"]
    assert found.path[2:] == ("Properties", "SecurityGroupEgress", 0, "DestinationSecurityGroupId")
    return nodes["Resources"][str(found.path[1])]["Properties"]["SecurityGroupEgress"][0]["FromPort"]  # type: ignore[index]


def test_the_place_in_this_template_does_not_follow_the_names() -> None:
    """Two groups here name the companion's parameter: the finding goes to the same rule whatever their names."""
    assert peer_rule_place("PeerA", "PeerB") == peer_rule_place("PeerB", "PeerA")


def test_a_rule_on_a_group_a_companions_custom_resource_returns_is_not_reported() -> None:
    lookup = res("Custom::GroupLookup", ServiceToken="arn:aws:lambda:us-east-1:111111111111:function:lookup")
    a: Json = {"Resources": {"Lookup": lookup},
               "Outputs": {"G": {"Value": getatt("Lookup", "GroupId"), "Export": {"Name": "a-Lookup"}}}}
    linted: Json = {"Resources": {"Own": sg(), "R": rule("Ingress", {"Fn::ImportValue": "a-Lookup"})}}
    assert list(foreign_rules(build_model(combine(linted, [companion(a, "a")])))) == []
