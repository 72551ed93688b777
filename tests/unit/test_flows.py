"""Node-to-node links: one half per class of alike peers, so work and findings grow linearly."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.core._guards import TRUE, Guard, Scenarios
from cfnlint_eks_sg.core._ports import NO_PORTS, TCP, PortSet
from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.flows._flows import Endpoint, Family, Link, evaluate, family_in
from cfnlint_eks_sg.flows._reach import Doubt, Opening, PermissionIndex, Reach
from cfnlint_eks_sg.flows._requirements import Channel
from cfnlint_eks_sg.flows._roles import ClusterRole
from cfnlint_eks_sg.load._companions import Loaded
from cfnlint_eks_sg.load._system import combine
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Direction, GroupKey, Member, Origin, Truth
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    field,
    if_,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
    tcp,
)


def _node_groups(count: int, **rules: object) -> Json:
    """`count` managed node groups, each on its own group, with `rules` on the first group."""
    resources: Json = {"Cp": sg(), "Cl": eks_cluster(ref("Cp"))}
    for index in range(count):
        resources[f"Sg{index}"] = sg(**rules) if index == 0 else sg()
        resources[f"Lt{index}"] = launch_template(ref(f"Sg{index}"))
        resources[f"Ng{index}"] = managed_nodegroup(lt=f"Lt{index}")
    return {"Resources": resources}


def test_strangers_share_one_verdict_and_one_finding() -> None:
    analysis = analyse(_node_groups(30))
    node_links = [r for r in analysis.links if r.link.channel is Channel.NODES_TO_NODES]
    # Per node group: ingress from itself and from the 29 others; egress likewise.
    assert len(node_links) == 30 * 4
    ingress = [f for f in analysis.findings_for("EK1005") if f.path == ("Resources", "Sg0")]
    assert sorted(field(f, "initiator") for f in ingress) == [
        "Node groups Ng1, Ng2, Ng3 and 26 more", "Nodes of node group Ng0",
    ]
    assert "from the security groups of node groups Ng1, Ng2, Ng3 and 26 more" in field(
        next(f for f in ingress if f.message_fields()["responder"] == "node group Ng0"), "fix")


def test_a_named_peer_is_judged_on_its_own() -> None:
    allowed = tcp(53, 53, SourceSecurityGroupId=ref("Sg7"))
    udp = {**allowed, "IpProtocol": "udp"}
    analysis = analyse(_node_groups(12, SecurityGroupIngress=[allowed, udp]))
    ingress = [f for f in analysis.findings_for("EK1005") if f.path == ("Resources", "Sg0")]
    initiators = sorted(field(f, "initiator") for f in ingress)
    assert initiators == ["Node groups Ng1, Ng2, Ng3 and 7 more", "Nodes of node group Ng0"]  # not Ng7


def _ipv4_egress_only(family: object, egress: list[Json] | None = None) -> Json:
    """Nodes admit everything from themselves and the control plane, the control plane admits the nodes on 443,
    and the nodes may send to 0.0.0.0/0 only (their one egress rule replaces EC2's default), or by `egress`."""
    template = _node_groups(1, SecurityGroupIngress=[
        {"IpProtocol": "-1", "SourceSecurityGroupId": ref("Sg0")},
        {"IpProtocol": "-1", "SourceSecurityGroupId": ref("Cp")},
    ], SecurityGroupEgress=egress or [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}])
    resources = template["Resources"]
    assert isinstance(resources, dict)
    resources["Cp"] = sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("Sg0"))])
    if family:
        resources["Cl"] = res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("Cp")]},
                              KubernetesNetworkConfig={"IpFamily": family})
    return template


def test_an_ipv4_egress_rule_sends_nothing_on_an_ipv6_cluster() -> None:
    def errors(family: object) -> list[tuple[str, tuple[str | int, ...]]]:
        every = analyse(_ipv4_egress_only(family)).all_findings()
        return sorted({(f.rule_id, f.path) for found in every.values() for f in found if f.rule_id[0] == "E"})

    assert errors("") == []
    assert errors("ipv6") == [("EK1001", ("Resources", "Sg0")), ("EK1005", ("Resources", "Sg0"))]


@pytest.mark.parametrize(("egress", "opener"), [
    ([{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}], "IPv4"),
    ([{"IpProtocol": "-1", "CidrIpv6": "::/0"}], "IPv6"),
    ([tcp(443, 443, CidrIp="0.0.0.0/0"), tcp(53, 53, CidrIpv6="::/0"), {"IpProtocol": "udp", "FromPort": 53,
                                                                         "ToPort": 53, "CidrIp": "0.0.0.0/0"}],
     "IPv4 for some ports and IPv6 for others"),
])
def test_an_ip_family_the_template_does_not_fix_makes_a_one_family_rule_undecidable(egress: list[Json],
                                                                                     opener: str) -> None:
    template = _ipv4_egress_only({"Ref": "Family"}, egress)
    template["Parameters"] = {"Family": {"Type": "String", "AllowedValues": ["ipv4", "ipv6"]}}
    every = analyse(template).all_findings()
    assert not [f for found in every.values() for f in found if f.rule_id[0] == "E"]
    setting = ("Resources", "Cl", "Properties", "KubernetesNetworkConfig", "IpFamily")
    [unknown] = [f for f in every["IK0001"] if f.path == setting and field(f, "flows").startswith("EK1001")]
    assert field(unknown, "flows").startswith("EK1001 (node group Ng0 -> the control plane of cluster Cl, TCP 443)")
    assert field(unknown, "causes") == (f"the cluster's IpFamily: it is given by !Ref Family, which this template "
                                        f"does not fix, and the flow is open only if the cluster is {opener}")


def _guessed_control_plane(node_group: Json) -> Json:
    """A node-only stack whose node group `node_group` talks to sg-0api, which only a 443 rule from the nodes
    suggests is the control plane's group."""
    nodes_tag = {"Key": {"Fn::Sub": "kubernetes.io/cluster/${ClusterName}"}, "Value": "owned",
                 "PropagateAtLaunch": True}
    return {"Parameters": {"ClusterName": {"Type": "String"}}, "Resources": {
        "NodeSG": node_group,
        "Lt": launch_template(ref("NodeSG")),
        "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                     Tags=[nodes_tag]),
        "ApiIn": res("AWS::EC2::SecurityGroupIngress", GroupId="sg-0api", SourceSecurityGroupId=ref("NodeSG"),
                     IpProtocol="tcp", FromPort=443, ToPort=443),
    }}


def test_a_control_plane_group_guessed_from_its_rules_never_makes_a_flow_allowed() -> None:
    """The nodes admit every TCP port from sg-0api: explain says the flow hangs on the guess, and where it comes
    from."""
    template = _guessed_control_plane(sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId="sg-0api")]))
    [kubelet] = [r for r in analyse(template).links if r.link.channel is Channel.CONTROL_PLANE_TO_NODES]
    [state] = kubelet.states
    opening = state.ingress[TCP]
    verdict = opening.verdict(Direction.INGRESS, PortSet.span(10250, 10250))
    assert verdict.reach is Reach.UNKNOWN
    assert verdict.why == ("the role of sg-0api may allow it: only the shape of its rules suggests it is the control "
                           "plane's group")
    [doubt] = opening.unsure(PortSet.span(10250, 10250))
    assert (doubt.label, doubt.path, doubt.ports) == (
        "the role of sg-0api", ("Resources", "ApiIn", "Properties", "SourceSecurityGroupId"), PortSet.span(0, 65535))


def test_a_class_of_node_groups_names_a_few_and_stands_for_all_of_them() -> None:
    links = [r.link for r in analyse(_node_groups(5)).links if r.link.channel is Channel.NODES_TO_NODES]
    shown = [(link.halves, link.initiator_label, link.responder_label, link.total,
              [p.label for p in link.all_peers()]) for link in links
             if "Ng0" in (link.initiator.node_groups + link.responder.node_groups)][:4]
    others = ["node group Ng1", "node group Ng2", "node group Ng3", "node group Ng4"]
    assert shown == [
        ((Direction.INGRESS,), "node group Ng0", "node group Ng0", 1, ["node group Ng0"]),
        ((Direction.INGRESS,), "node groups Ng1, Ng2, Ng3 and 1 more", "node group Ng0", 4, others),
        ((Direction.EGRESS,), "node group Ng0", "node group Ng0", 1, ["node group Ng0"]),
        ((Direction.EGRESS,), "node group Ng0", "node groups Ng1, Ng2, Ng3 and 1 more", 4, others),
    ]


def test_node_groups_carrying_the_same_groups_are_one_endpoint_that_has_each_group_when_any_does() -> None:
    resources: Json = {
        "Cp": sg(), "Cl": eks_cluster(ref("Cp")), "Sg": sg(),
        "Lt1": launch_template(if_("A", ref("Sg"), "sg-0other")),
        "Lt2": launch_template(if_("B", ref("Sg"), "sg-0other")),
        "Ng1": managed_nodegroup(lt="Lt1"), "Ng2": managed_nodegroup(lt="Lt2"),
    }
    template: Json = {"Parameters": {"P": {"Type": "String"}}, "Resources": resources, "Conditions": {
        "A": {"Fn::Equals": [ref("P"), "a"]}, "B": {"Fn::Equals": [ref("P"), "b"]}}}
    [link] = [r.link for r in analyse(template, StubConditions(["A", "B"])).links
              if r.link.channel is Channel.CONTROL_PLANE_TO_NODES]
    nodes = link.responder
    assert (nodes.label, nodes.node_groups) == ("node groups Ng1, Ng2", ("Ng1", "Ng2"))
    assert nodes.path == ("Resources", "Ng1")
    either = Guard.when("A", True) | Guard.when("B", True)
    neither = Guard.when("A", False) | Guard.when("B", False)
    entry = ("Resources", "Lt1", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0, "Fn::If")
    assert [(m.key, m.guard, m.path) for m in nodes.members] == [
        (GroupKey.make(Origin.RESOURCE, "Sg"), either, (*entry, 1)),
        (GroupKey.make(Origin.LITERAL, "sg-0other"), neither, (*entry, 2)),
    ]


def test_every_scenario_where_both_ends_exist_is_checked_whatever_the_order() -> None:
    resources: Json = {
        "Cp": sg(), "Cl": eks_cluster(ref("Cp")), "SgA": sg(), "SgB": sg(),
        "Lt": launch_template(if_("A", ref("SgA"), ref("SgB"))),
        "Ng": {**managed_nodegroup(lt="Lt"), "Condition": "Z"},
    }
    template: Json = {"Parameters": {"P": {"Type": "String"}}, "Resources": resources, "Conditions": {
        "A": {"Fn::Equals": [ref("P"), "a"]}, "Z": {"Fn::Equals": [ref("P"), "z"]}}}
    [kubelet] = [r for r in analyse(template, StubConditions(["A", "Z"])).links
                 if r.link.channel is Channel.CONTROL_PLANE_TO_NODES]
    assert [(s.scenario, s.into) for s in kubelet.states] == [
        ({"A": True, "Z": True}, [GroupKey.make(Origin.RESOURCE, "SgA")]),
        ({"A": False, "Z": True}, [GroupKey.make(Origin.RESOURCE, "SgB")]),
    ]


def test_a_guessed_control_plane_leaves_the_nodes_egress_half_undecided_too() -> None:
    template = _guessed_control_plane(sg(SecurityGroupEgress=[tcp(443, 443, DestinationSecurityGroupId="sg-0api")]))
    [join] = [r for r in analyse(template).links if r.link.channel is Channel.NODES_TO_CONTROL_PLANE]
    verdict = join.states[0].egress[TCP].verdict(Direction.EGRESS, PortSet.span(443, 443))
    assert (verdict.reach, verdict.why) == (Reach.UNKNOWN, "the role of sg-0api may allow it: only the shape of its "
                                                           "rules suggests it is the control plane's group")


def test_a_class_shown_whole_says_no_more() -> None:
    links = [r.link for r in analyse(_node_groups(4)).links if r.link.channel is Channel.NODES_TO_NODES]
    labels = {link.initiator_label for link in links if link.total == 3}
    assert "node groups Ng1, Ng2, Ng3" in labels and not any("more" in label for label in labels)


def test_variants_of_one_node_group_resource_are_named_once() -> None:
    resources: Json = {
        "Cp": sg(), "Cl": res("AWS::EKS::Cluster", Name="prod", ResourcesVpcConfig={"SecurityGroupIds": [ref("Cp")]}),
        "Sg": sg(), "LtA": launch_template(ref("Sg")), "LtB": launch_template(ref("Sg")),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup",
                   Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned", "PropagateAtLaunch": True}],
                   MixedInstancesPolicy={"LaunchTemplate": {
                       "LaunchTemplateSpecification": {"LaunchTemplateId": ref("LtA")},
                       "Overrides": [{"LaunchTemplateSpecification": {"LaunchTemplateId": ref("LtB")}}]}}),
    }
    [link] = [r.link for r in analyse({"Resources": resources}).links
              if r.link.channel is Channel.CONTROL_PLANE_TO_NODES]
    assert (link.responder.label, link.responder.node_groups) == ("node group Asg", ("Asg",))


# --- what the flows stage hands on: endpoints, labels and the doubts of a half (issue 24) ---------------------


def test_cidr_rules_towards_the_nodes_are_judged_against_the_subnets_of_the_node_group() -> None:
    """The control plane admits 10.0.0.0/16 and the node group runs in 10.0.1.0/24: TCP 443 is allowed."""
    template = _node_groups(1, SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": ref("Cp")}])
    resources = template["Resources"]
    assert isinstance(resources, dict)
    resources["Cp"] = sg(SecurityGroupIngress=[tcp(443, 443, CidrIp="10.0.0.0/16")])
    resources["Subnet"] = res("AWS::EC2::Subnet", CidrBlock="10.0.1.0/24", VpcId="vpc-1")
    resources["Ng0"] = managed_nodegroup(lt="Lt0", Subnets=[ref("Subnet")])
    [join] = [r for r in analyse(template).links if r.link.channel is Channel.NODES_TO_CONTROL_PLANE]
    [state] = join.states
    assert state.ingress[TCP].verdict(Direction.INGRESS, PortSet.span(443, 443)).reach is Reach.ALLOWED


def test_a_verdict_that_hangs_on_several_guessed_groups_names_each_of_them() -> None:
    template = _guessed_control_plane(sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId="sg-0api")]))
    resources = template["Resources"]
    assert isinstance(resources, dict)
    resources["ApiIn2"] = res("AWS::EC2::SecurityGroupIngress", GroupId="sg-0api2", IpProtocol="tcp", FromPort=443,
                              ToPort=443, SourceSecurityGroupId=ref("NodeSG"))
    [kubelet] = [r for r in analyse(template).links if r.link.channel is Channel.CONTROL_PLANE_TO_NODES]
    [doubt] = kubelet.states[0].ingress[TCP].unsure(PortSet.span(10250, 10250))
    assert doubt.label == "the role of sg-0api, sg-0api2"


def test_a_one_half_link_without_a_list_of_peers_is_labelled_by_the_other_side_itself() -> None:
    cluster = ClusterRole("Cl", "Cl", True, (), GroupKey.make(Origin.CLUSTER, "Cl"), TRUE, ("Resources", "Cl"), ())
    nodes = Endpoint("node group Ng", (), True, TRUE, ("Resources", "Ng"), ("Ng",))
    other = Endpoint("node group Other", (), True, TRUE, ("Resources", "Other"), ("Other",))
    into = Link(Channel.NODES_TO_NODES, cluster, other, nodes, (Direction.INGRESS,))
    assert (into.initiator_label, into.responder_label, into.all_peers()) == ("node group Other", "node group Ng",
                                                                            (other,))
    out = Link(Channel.NODES_TO_NODES, cluster, nodes, other, (Direction.EGRESS,))
    assert (out.initiator_label, out.responder_label, out.all_peers()) == ("node group Ng", "node group Other",
                                                                          (other,))


def test_an_ip_family_no_setting_explains_is_said_to_be_not_fixed_here() -> None:
    """Scenarios that leave the family's condition open (no scenario the condition engine accepts): the doubt
    says the family is not fixed, and names no place."""
    https = PortSet.span(443, 443)
    opening = Family(Truth.UNKNOWN).opening(lambda ipv6: Opening(NO_PORTS if ipv6 else https, NO_PORTS))
    assert opening.verdict(Direction.EGRESS, https).reach is Reach.UNKNOWN
    assert opening.unsure(https) == (Doubt(None, https, "it is not fixed here, and the flow is open only if the "
                                                        "cluster is IPv4", (), "the cluster's IpFamily"),)


def test_the_ip_family_doubt_names_the_branch_that_holds_in_the_scenario() -> None:
    family = {"Fn::If": ["C", ref("FamilyA"), ref("FamilyB")]}
    template = _ipv4_egress_only(family)
    template["Parameters"] = {name: {"Type": "String"} for name in ("FamilyA", "FamilyB", "Env")}
    template["Conditions"] = {"C": {"Fn::Equals": [ref("Env"), "a"]}}
    cluster = analyse(template, StubConditions(["C"])).roles.clusters["Cl"]
    for value, name in ((True, "FamilyA"), (False, "FamilyB")):
        found = family_in(cluster, {"C": value})
        assert found.value is Truth.UNKNOWN and found.setting is not None
        assert found.setting.why == f"is given by !Ref {name}, which this template does not fix"


def test_a_companions_node_group_of_a_cluster_defined_elsewhere_is_left_to_its_own_lint_run() -> None:
    """Cluster prod is in neither template: what its control plane needs from the companion's nodes is theirs;
    the node groups of both templates still meet (WK1009 on the companion's group, which the linted one reaches)."""
    def node_group(number: int, rules: list[Json]) -> Json:
        return {f"Sg{number}": sg(SecurityGroupIngress=rules), f"Lt{number}": launch_template(ref(f"Sg{number}")),
                f"Ng{number}": res("AWS::EKS::Nodegroup", ClusterName="prod",
                                   LaunchTemplate={"Id": ref(f"Lt{number}")})}

    linted = {"Resources": node_group(1, [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}])}
    dns = [tcp(53, 53, CidrIp="0.0.0.0/0"), {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "CidrIp": "0.0.0.0/0"}]
    companion = Loaded(Companion("nodes.yaml", None, ("Metadata", "cfnlint-eks-sg", "companions", 0)), "nodes",
                       {"Resources": node_group(2, dns)})
    every = analyse(combine(linted, [companion])).all_findings()
    from_control_plane = [f for found in every.values() for f in found
                          if f.message_fields().get("initiator", "").startswith("The control plane")]
    assert from_control_plane == []
    assert [field(f, "responder") for f in every["WK1009"]] == ["node group nodes::Ng2"]


@pytest.mark.parametrize(("nodes_known", "reach"), [(False, Reach.UNKNOWN), (True, Reach.BLOCKED)])
def test_a_half_towards_a_side_whose_groups_are_not_all_visible_may_be_open_by_rules_naming_others(
        nodes_known: bool, reach: Reach) -> None:
    """The control plane's egress names a parameter group P, not the nodes' visible group: when the nodes may carry
    groups this template does not show (a launch template elsewhere), P may be one of them, so the half is UNKNOWN;
    when all their groups are visible, P is not the nodes' group here, so it is BLOCKED."""
    model = build_model({"Parameters": {"P": {"Type": "AWS::EC2::SecurityGroup::Id"}}, "Resources": {
        "Cp": sg(SecurityGroupEgress=[tcp(10250, 10250, DestinationSecurityGroupId=ref("P"))]),
        "NodeSG": sg()}})
    cp, node_sg = GroupKey.make(Origin.RESOURCE, "Cp"), GroupKey.make(Origin.RESOURCE, "NodeSG")
    cluster = ClusterRole("Cl", "Cl", True, (Member(cp, TRUE, ()),), GroupKey.make(Origin.CLUSTER, "Cl"), TRUE,
                          ("Resources", "Cl"), ())
    control_plane = Endpoint("the control plane of cluster Cl", cluster.control_plane, True, TRUE, cluster.path)
    nodes = Endpoint("node group Ng", (Member(node_sg, TRUE, ("Resources", "Ng")),), nodes_known, TRUE,
                     ("Resources", "Ng"), ("Ng",))
    link = Link(Channel.CONTROL_PLANE_TO_NODES, cluster, control_plane, nodes)
    [state] = evaluate(PermissionIndex(model), Scenarios(None, []), link, [TCP]).states
    assert state.egress[TCP].verdict(Direction.EGRESS, PortSet.span(10250, 10250)).reach is reach
