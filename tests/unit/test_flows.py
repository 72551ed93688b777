"""Node-to-node links: one half per class of alike peers, so work and findings grow linearly."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg._guards import Guard
from cfnlint_eks_sg._model import Direction, GroupKey, Origin
from cfnlint_eks_sg._ports import TCP, PortSet
from cfnlint_eks_sg._reach import Reach
from cfnlint_eks_sg._requirements import Channel
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
