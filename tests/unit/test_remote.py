"""EKS Hybrid Nodes: RemoteNetworkConfig blocks as peers, and the control plane's egress to them (EK4002, WK4004)."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.cli._fix import suggest
from cfnlint_eks_sg.core._cidrs import Addresses, Block
from cfnlint_eks_sg.core._ports import PortSet
from cfnlint_eks_sg.flows._requirements import Channel
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Direction
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    field,
    findings,
    getatt,
    if_,
    ref,
    res,
    sg,
    tcp,
)

NODES = "10.200.0.0/16"
PODS = "10.201.0.0/16"


def hybrid(ingress: list[Json] | None = None, egress: list[Json] | None = None, nodes: object = NODES,
           pods: object = PODS, **resources: Json) -> Json:
    """Cluster Cl with additional group CpSG (`ingress`, `egress` inline) and remote node and pod networks."""
    group: Json = {}
    if ingress is not None:
        group["SecurityGroupIngress"] = ingress
    if egress is not None:
        group["SecurityGroupEgress"] = egress
    remote: Json = {"RemoteNodeNetworks": [{"Cidrs": [nodes]}]}
    if pods is not None:
        remote["RemotePodNetworks"] = [{"Cidrs": [pods]}]
    cluster = eks_cluster(ref("CpSG"))
    cluster["Properties"]["RemoteNetworkConfig"] = remote  # type: ignore[index]
    return {
        "Parameters": {"NodeCidr": {"Type": "String"}, "PodCidr": {"Type": "String"},
                       "OtherCidr": {"Type": "String"}},
        "Conditions": {"Hybrid": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},  # not fixed here
        "Resources": {"CpSG": sg(**group), "Cl": cluster, **resources},
    }


# --- the model ------------------------------------------------------------------------------------


def test_remote_networks_are_read_with_their_kind_and_place() -> None:
    (cluster,) = build_model(hybrid()).clusters
    assert [(n.kind, n.cidr, str(n.network)) for n in cluster.remote] == [("node", NODES, NODES), ("pod", PODS, PODS)]
    assert cluster.remote[0].path == ("Resources", "Cl", "Properties", "RemoteNetworkConfig", "RemoteNodeNetworks", 0,
                                      "Cidrs", 0)


def test_a_parameter_block_is_kept_as_its_expression() -> None:
    (cluster,) = build_model(hybrid(nodes=ref("NodeCidr"))).clusters
    node = cluster.remote[0]
    assert (node.network, node.shown) == (None, "!Ref NodeCidr")


def test_cdk_cluster_spells_it_in_camel_case() -> None:
    template: Json = {"Resources": {"Cl": res("Custom::AWSCDK-EKS-Cluster", Config={
        "resourcesVpcConfig": {"subnetIds": ["subnet-1"]},
        "remoteNetworkConfig": {"remoteNodeNetworks": [{"cidrs": [NODES]}]},
    })}}
    (cluster,) = build_model(template).clusters
    assert [n.cidr for n in cluster.remote] == [NODES]


# --- the flows: egress of the control plane's groups to the remote blocks ---------------------------


STRIP: Json = res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"), IpProtocol="tcp",
                  FromPort=443, ToPort=443, CidrIp="10.226.0.0/16")  # the EKS cluster group keeps only this


def restricted(*egress: Json, nodes: object = NODES, pods: object = PODS) -> Json:
    """CpSG and the EKS cluster group with their allow-all egress replaced by `egress` (and 443 to the VPC)."""
    return hybrid(egress=[tcp(443, 443, CidrIp="10.226.0.0/16"), *egress], nodes=nodes, pods=pods, Strip=STRIP)


def test_default_egress_reaches_the_kubelets_and_webhooks() -> None:
    analysis = analyse(hybrid())
    assert analysis.findings_for("EK4002") == [] and analysis.findings_for("WK4004") == []


def test_restricted_egress_misses_the_kubelets() -> None:
    (found,) = findings(restricted(tcp(443, 443, CidrIp=PODS), tcp(1025, 65535, CidrIp=PODS)), "EK4002")
    assert found.path == ("Resources", "CpSG")
    assert field(found, "responder") == f"remote node network {NODES}"
    assert field(found, "fix") == f"an egress rule on CpSG allowing TCP 10250 to {NODES} (CidrIp)"


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "0.0.0.0/0", NODES])
def test_a_range_that_holds_the_block_reaches_it(cidr: str) -> None:
    assert findings(restricted(tcp(10250, 10250, CidrIp=cidr)), "EK4002") == []


def test_a_range_that_only_overlaps_the_block_is_not_enough() -> None:
    assert len(findings(restricted(tcp(10250, 10250, CidrIp="10.200.0.0/17")), "EK4002")) == 1


def test_a_rule_on_another_port_or_to_a_group_is_not_enough() -> None:
    template = restricted(tcp(10249, 10249, CidrIp=NODES), tcp(10250, 10250, DestinationSecurityGroupId=ref("CpSG")))
    assert len(findings(template, "EK4002")) == 1


def test_webhook_ports_to_the_pods() -> None:
    analysis = analyse(restricted(tcp(10250, 10250, CidrIp=NODES), tcp(443, 443, CidrIp=PODS)))
    (webhooks,) = analysis.findings_for("WK4004")
    assert field(webhooks, "traffic") == "TCP 1025-65535"
    assert "9443 (AWS Load Balancer Controller webhook)" in field(webhooks, "impact")
    assert analysis.findings_for("WK4004", PortSet.span(443, 443)) == []  # webhook_ports: [443]


def test_no_pod_network_no_webhook_check() -> None:
    assert findings(restricted(tcp(10250, 10250, CidrIp=NODES), pods=None), "WK4004") == []


def test_the_same_parameter_covers_the_block_and_the_other_kind_never_does() -> None:
    template = restricted(tcp(0, 65535, CidrIp=ref("PodCidr")), nodes=ref("NodeCidr"), pods=ref("PodCidr"))
    analysis = analyse(template)
    assert analysis.findings_for("WK4004") == []
    assert len(analysis.findings_for("EK4002")) == 1  # the pod network's rule never covers the node network
    # Issue 23, defect 11: blocks given by parameters cannot be checked against EKS's requirements here.
    assert {f.message_fields()["kind"] for f in analysis.findings_for("IK0001")} == {"remote_network"}


def test_a_rule_on_another_parameter_is_undecidable() -> None:
    analysis = analyse(restricted(tcp(10250, 10250, CidrIp=ref("OtherCidr")), nodes=ref("NodeCidr"), pods=None))
    assert analysis.findings_for("EK4002") == []
    (found,) = [f for f in analysis.findings_for("IK0001") if "flows" in f.message_fields()]
    assert ("EK4002 (the control plane of cluster Cl -> remote node network !Ref NodeCidr, TCP 10250)"
            in field(found, "flows"))


def test_a_conditional_network_is_checked_when_it_exists() -> None:
    template = restricted(nodes=if_("Hybrid", NODES), pods=None)
    assert len(findings(template, "EK4002", StubConditions(["Hybrid"]))) == 1
    assert findings(template, "EK4002", StubConditions(["Hybrid"], lambda s: not s["Hybrid"])) == []


def test_fix_writes_the_rule_as_the_template_names_the_block() -> None:
    template = restricted(tcp(0, 65535, CidrIp=ref("PodCidr")), nodes=ref("NodeCidr"), pods=ref("PodCidr"))
    (rule,) = suggest(analyse(template)).resources.values()
    assert rule["Properties"] == {
        "GroupId": {"Ref": "CpSG"}, "IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250,
        "CidrIp": {"Ref": "NodeCidr"}, "Description": "Added for cfnlint-eks-sg EK4002",
    }


# --- EK4005: blocks EKS refuses -------------------------------------------------------------------


def refused(template: Json) -> list[str]:
    return [field(f, "why") for f in findings(template, "EK4005")]


def with_vpc(**network: object) -> Json:
    """hybrid() whose cluster sits in subnet 10.226.1.0/24 of VPC 10.226.0.0/16 (created here)."""
    template = hybrid(**network)  # type: ignore[arg-type]
    template["Resources"].update({  # type: ignore[attr-defined]
        "Vpc": res("AWS::EC2::VPC", CidrBlock="10.226.0.0/16"),
        "Subnet": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.226.1.0/24"),
    })
    template["Resources"]["Cl"]["Properties"]["ResourcesVpcConfig"]["SubnetIds"] = [ref("Subnet")]  # type: ignore[index]
    return template


def test_blocks_as_the_guide_writes_them_are_accepted() -> None:
    assert refused(with_vpc()) == []
    assert [f for f in findings(with_vpc(), "IK0001")] == []


@pytest.mark.parametrize(("nodes", "why"), [
    ("100.64.0.0/16", "it is not inside an RFC 1918 range"),
    ("52.94.0.0/16", "it is not inside an RFC 1918 range"),
    ("10.226.200.0/24", "it overlaps CIDR block 10.226.0.0/16 of VPC Vpc"),
    ("10.201.5.0/24", f"it overlaps remote node network {PODS}"),  # listed as the pod block, after the nodes
    ("fd00::/8", "it is an IPv6 block"),
])
def test_a_block_eks_refuses(nodes: str, why: str) -> None:
    (found,) = refused(with_vpc(nodes=nodes, pods=None) if "remote" not in why else with_vpc(nodes=PODS, pods=nodes))
    assert found.startswith(why)


def test_subnets_stand_for_a_vpc_the_template_does_not_create() -> None:
    template = hybrid(nodes="10.226.1.128/25", pods=None)
    template["Resources"]["Cl"]["Properties"]["ResourcesVpcConfig"]["SubnetIds"] = ["subnet-1"]  # type: ignore[index]
    template["Resources"]["Subnet"] = res("AWS::EC2::Subnet", VpcId="vpc-1", CidrBlock="10.226.1.0/24")  # type: ignore[index]
    template["Resources"]["Cl"]["Properties"]["ResourcesVpcConfig"]["SubnetIds"] = [ref("Subnet")]  # type: ignore[index]
    assert refused(template) == ["it overlaps the cluster's subnet 10.226.1.0/24"]


def test_the_service_range_written_or_picked_by_eks() -> None:
    written = hybrid(nodes="172.16.5.0/24", pods=None)
    written["Resources"]["Cl"]["Properties"]["KubernetesNetworkConfig"] = {  # type: ignore[index]
        "ServiceIpv4Cidr": "172.16.0.0/16"}
    assert refused(written)[0].startswith("it overlaps the Kubernetes service range 172.16.0.0/16")
    picked = hybrid(nodes="10.100.0.0/24", pods=None)
    assert refused(picked) == []
    (maybe,) = findings(picked, "IK0001")
    assert field(maybe, "why").startswith("it overlaps 10.100.0.0/16, one of the two ranges EKS picks")


def test_an_ipv6_cluster_refuses_remote_networks() -> None:
    template = hybrid(pods=None)
    template["Resources"]["Cl"]["Properties"]["KubernetesNetworkConfig"] = {"IpFamily": "ipv6"}  # type: ignore[index]
    assert refused(template) == ["the cluster's IpFamily is ipv6, and hybrid nodes join IPv4 clusters only"]


def test_a_conditional_block_says_when() -> None:
    template = hybrid(nodes=if_("Hybrid", "100.64.0.0/16", NODES), pods=None)
    (found,) = findings(template, "EK4005", StubConditions(["Hybrid"]))
    assert field(found, "when") == " when Hybrid is true"


def test_a_parameter_block_is_left_to_eks() -> None:
    assert refused(hybrid(nodes=ref("NodeCidr"), pods=ref("PodCidr"))) == []


def test_the_links_to_remote_networks_name_and_place_both_ends() -> None:
    template = hybrid(nodes=ref("NodeCidr"))
    template["Resources"]["Cl"]["Properties"]["ResourcesVpcConfig"]["SubnetIds"] = [  # type: ignore[index]
        ref("Subnet")]
    template["Resources"]["Subnet"] = res("AWS::EC2::Subnet", CidrBlock="10.226.1.0/24", VpcId="vpc-1")  # type: ignore[index]
    links = [r.link for r in analyse(template).links if r.link.channel in (
        Channel.CONTROL_PLANE_TO_REMOTE_NODES, Channel.CONTROL_PLANE_TO_REMOTE_PODS)]
    shown = [(link.channel, link.halves, link.initiator.label, link.initiator.path,
              [str(b.network) for b in link.initiator.addresses.blocks], link.responder.label, link.responder.path,
              link.responder.members_known, link.responder.addresses) for link in links]
    remote = ("Resources", "Cl", "Properties", "RemoteNetworkConfig")
    assert shown == [
        (Channel.CONTROL_PLANE_TO_REMOTE_NODES, (Direction.EGRESS,), "the control plane of cluster Cl",
         ("Resources", "Cl"), ["10.226.1.0/24"], "remote node network !Ref NodeCidr",
         (*remote, "RemoteNodeNetworks", 0, "Cidrs", 0), True,
         Addresses((Block(None, expression="{Ref:'NodeCidr'}", apart=(PODS,)),), True)),
        (Channel.CONTROL_PLANE_TO_REMOTE_PODS, (Direction.EGRESS,), "the control plane of cluster Cl",
         ("Resources", "Cl"), ["10.226.1.0/24"], f"remote pod network {PODS}",
         (*remote, "RemotePodNetworks", 0, "Cidrs", 0), True,
         Addresses((Block(ipaddress.ip_network(PODS), apart=("{Ref:'NodeCidr'}",)),), True)),
    ]


def test_a_rule_to_a_range_not_fixed_here_is_the_cause_named() -> None:
    """The remote network has no group: what leaves EK4002 open is the control plane's rule to another parameter."""
    analysis = analyse(restricted(tcp(10250, 10250, CidrIp=ref("OtherCidr")), nodes=ref("NodeCidr"), pods=None))
    (found,) = [f for f in analysis.findings_for("IK0001") if f.message_fields().get("kind") == "undecided"]
    assert found.path == ("Resources", "CpSG", "Properties", "SecurityGroupEgress", 1)
    assert field(found, "causes") == ("the egress rule CpSG.SecurityGroupEgress[1]: its peer (CidrIp !Ref OtherCidr) "
                                      "is not known here")
