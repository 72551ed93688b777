"""Unit tests for WK1006: nodes reach the AWS APIs on TCP 443, through the internet or VPC endpoints."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._guards import Scenarios
from cfnlint_eks_sg._internet import aws_api_access
from cfnlint_eks_sg._model import build_model
from cfnlint_eks_sg._reach import PermissionIndex
from cfnlint_eks_sg._roles import infer_roles
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

NO_PATH = "neither to 0.0.0.0/0 nor to anything that could be a VPC endpoint"
INCOMPLETE = "the VPC endpoint path is incomplete: "


def nodes(egress: list[Json] | None = None, **resources: Json) -> Json:
    """Cluster Cl (CpSG) and managed node group Ng on NodeSG, whose inline egress is `egress` (None: default)."""
    node = sg(SecurityGroupEgress=egress) if egress is not None else sg()
    out: Json = {
        "CpSG": sg(),
        "NodeSG": node,
        "Cl": eks_cluster(ref("CpSG")),
        "Lt": launch_template(ref("NodeSG")),
        "Ng": managed_nodegroup(),
    }
    out.update(resources)
    return {"Resources": out}


def endpoint(service: str, group: str | None = "EpSG", interface: bool = True) -> Json:
    props: Json = {"VpcId": "vpc-0abc", "ServiceName": sub(f"com.amazonaws.${{AWS::Region}}.{service}")}
    if interface:
        props["VpcEndpointType"] = "Interface"
        if group is not None:
            props["SecurityGroupIds"] = [ref(group)]
    return res("AWS::EC2::VPCEndpoint", **props)


def private_network(**overrides: Json) -> dict[str, Json]:
    """Interface endpoints for ec2, ecr.api, ecr.dkr and sts on EpSG (which accepts NodeSG), S3 gateway."""
    out: dict[str, Json] = {
        "EpSG": sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("NodeSG"))]),
        "Ec2": endpoint("ec2"),
        "EcrApi": endpoint("ecr.api"),
        "EcrDkr": endpoint("ecr.dkr"),
        "Sts": endpoint("sts"),
        "S3": endpoint("s3", interface=False),
    }
    out.update(overrides)
    return out


TO_ENDPOINTS: list[Json] = [
    tcp(443, 443, DestinationSecurityGroupId=ref("EpSG")),
    tcp(443, 443, DestinationPrefixListId="pl-6da54004"),
]


def wk1006(template: Json) -> list[Finding]:
    return analyse(template).findings_for("WK1006")


def direct(template: Json) -> list[Finding]:
    model = build_model(template)
    return aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, [])).findings


def undecided(template: Json) -> str:
    """The why of the one IK0001 WK1006 gives: it cannot judge `template`."""
    (found,) = direct(template)
    assert (found.rule_id, field(found, "kind")) == ("IK0001", "aws_apis")
    assert found.path == ("Resources", "NodeSG")
    return field(found, "why")


def why(template: Json) -> str:
    (found,) = wk1006(template)
    assert found.rule_id == "WK1006"
    return field(found, "why")


# --- the internet ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("egress", [
    None,  # the default allow-all egress
    [tcp(443, 443, CidrIp="0.0.0.0/0")],
    [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}],
])
def test_egress_to_the_internet_is_fine(egress: list[Json] | None) -> None:
    assert wk1006(nodes(egress)) == []


def test_egress_only_on_port_80_is_blocked() -> None:
    (found,) = wk1006(nodes([tcp(80, 80, CidrIp="0.0.0.0/0")]))
    assert found.path == ("Resources", "NodeSG")
    assert (field(found, "node_group"), field(found, "cluster"), field(found, "when")) == ("Ng", "Cl", "")
    assert NO_PATH in field(found, "why")


def test_module_function_gives_the_same_finding() -> None:
    template = nodes([tcp(80, 80, CidrIp="0.0.0.0/0")])
    assert direct(template) == wk1006(template)


def test_stripped_cluster_group_points_at_the_node_group() -> None:
    # The nodes carry only the EKS cluster group; a standalone egress removed its allow-all egress.
    template: Json = {"Resources": {
        "Cl": eks_cluster(),
        "Ng": managed_nodegroup(lt=None),
        "Eg": res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"), IpProtocol="udp",
                  FromPort=53, ToPort=53, DestinationSecurityGroupId=getatt("Cl", "ClusterSecurityGroupId")),
    }}
    (found,) = direct(template)
    assert found.path == ("Resources", "Ng")
    assert NO_PATH in field(found, "why")


def test_conditional_internet_egress_names_the_scenario() -> None:
    egress = [if_("Online", tcp(443, 443, CidrIp="0.0.0.0/0"), tcp(80, 80, CidrIp="0.0.0.0/0"))]
    (found,) = wk1006(nodes(egress))
    assert field(found, "when") == " when Online is false"


def test_external_launch_template_is_not_judged() -> None:
    template = nodes([tcp(80, 80, CidrIp="0.0.0.0/0")], Ng=managed_nodegroup(lt=None, LaunchTemplate={"Id": "lt-0"}))
    assert wk1006(template) == []
    (found,) = direct(template)
    assert (found.rule_id, found.path) == ("IK0001", ("Resources", "Ng"))
    assert field(found, "why") == ("this template does not show all of their egress rules (the groups of a launch "
                                   "template defined elsewhere)")


# --- IPv6 clusters -----------------------------------------------------------------------------------------


def ipv6(egress: list[Json] | None) -> Json:
    cluster = res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]},
                  KubernetesNetworkConfig={"IpFamily": "ipv6"})
    return nodes(egress, Cl=cluster)


def test_ipv6_cluster_without_the_ipv6_half() -> None:
    (found,) = wk1006(ipv6([tcp(443, 443, CidrIp="0.0.0.0/0")]))
    assert found.path == ("Resources", "NodeSG")
    assert "::/0" in field(found, "why")
    assert NO_PATH not in field(found, "why")


def test_ipv6_cluster_with_both_halves() -> None:
    assert wk1006(ipv6([tcp(443, 443, CidrIp="0.0.0.0/0"), tcp(443, 443, CidrIpv6="::/0")])) == []


def test_ipv6_cluster_default_egress_is_undecided() -> None:
    # The ::/0 half of the default egress exists only if the VPC had IPv6 when the group was made.
    assert wk1006(ipv6(None)) == []
    assert "the default egress of NodeSG may or may not open it: the ::/0 half" in undecided(ipv6(None))


def test_ipv4_cluster_needs_no_ipv6_half() -> None:
    assert wk1006(nodes([tcp(443, 443, CidrIp="0.0.0.0/0")])) == []


def test_ipv6_cluster_with_only_the_ipv6_half() -> None:
    (found,) = wk1006(ipv6([tcp(443, 443, CidrIpv6="::/0")]))
    assert "0.0.0.0/0" in field(found, "why")


# --- ranges --------------------------------------------------------------------------------------------


def test_private_range_never_reaches_the_internet() -> None:
    template = nodes([tcp(443, 443, CidrIp="10.0.0.0/8")], S3=endpoint("s3", interface=False))
    text = why(template)
    assert INCOMPLETE in text
    assert "no ec2 interface endpoint" in text


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "100.64.0.0/10", "fd00::/8"])
def test_special_ranges_never_reach_the_internet(cidr: str) -> None:
    # 100.64.0.0/10 (shared address space, a common pod range) is not `is_private`, yet never the internet.
    peer = {"CidrIpv6": cidr} if ":" in cidr else {"CidrIp": cidr}
    template = nodes([tcp(443, 443, **peer)], S3=endpoint("s3", interface=False))
    assert "may or may not reach the AWS APIs" not in why(template)


def test_public_range_makes_it_undecidable() -> None:
    for template in (nodes([tcp(443, 443, CidrIp="52.0.0.0/8")], S3=endpoint("s3", interface=False)),
                     nodes([tcp(443, 443, CidrIp="52.0.0.0/8")])):
        assert wk1006(template) == []
        assert "52.0.0.0/8 (an egress rule of NodeSG) may or may not reach the AWS APIs" in undecided(template)


@pytest.mark.parametrize("peer", [
    {"DestinationSecurityGroupId": "sg-0endpoints"},
    {"DestinationSecurityGroupId": {"Fn::ImportValue": "net-EndpointSG"}},
    {"CidrIp": "10.0.0.0/8"},
    {"DestinationPrefixListId": "pl-0abc"},
])
def test_without_endpoints_here_something_elsewhere_may_be_one(peer: Json) -> None:
    text = undecided(nodes([tcp(443, 443, **peer)]))
    assert text.startswith("their egress on TCP 443 goes only to ")
    assert text.endswith(", which may hold VPC endpoints (or a path to the internet) this template does not show")


def test_unresolved_protocol_or_ports_are_undecided() -> None:
    rule = {"IpProtocol": {"Ref": "Protocol"}, "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
    assert undecided(nodes([rule])).startswith(
        "the egress rule NodeSG.SecurityGroupEgress[0] may or may not open it: its IpProtocol or ports are not fixed")
    rule = {"IpProtocol": "tcp", "FromPort": {"Ref": "Port"}, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
    assert undecided(nodes([rule])).startswith(
        "the egress rule NodeSG.SecurityGroupEgress[0] may or may not open it: its IpProtocol or ports are not fixed")


def test_without_endpoints_a_rule_on_another_port_is_no_path() -> None:
    assert NO_PATH in why(nodes([tcp(80, 80, DestinationSecurityGroupId="sg-0endpoints")]))


# --- VPC endpoints -------------------------------------------------------------------------------------


def test_complete_interface_endpoints_pass() -> None:
    assert wk1006(nodes(TO_ENDPOINTS, **private_network())) == []


def test_literal_region_in_the_service_name() -> None:
    literal = res("AWS::EC2::VPCEndpoint", ServiceName="com.amazonaws.eu-west-1.ecr.dkr",
                  VpcEndpointType="Interface", SecurityGroupIds=[ref("EpSG")])
    assert wk1006(nodes(TO_ENDPOINTS, **private_network(EcrDkr=literal))) == []


def test_interface_s3_endpoint_needs_no_prefix_list() -> None:
    assert wk1006(nodes(TO_ENDPOINTS[:1], **private_network(S3=endpoint("s3")))) == []


@pytest.mark.parametrize("missing", ["Ec2", "EcrApi", "EcrDkr", "Sts"])
def test_missing_interface_endpoint(missing: str) -> None:
    network = private_network()
    del network[missing]
    service = {"Ec2": "ec2", "EcrApi": "ecr.api", "EcrDkr": "ecr.dkr", "Sts": "sts"}[missing]
    (found,) = wk1006(nodes(TO_ENDPOINTS, **network))
    assert found.path == ("Resources", "NodeSG")
    assert field(found, "why").endswith(f"{INCOMPLETE}no {service} interface endpoint")


def test_gateway_endpoint_is_not_an_interface_endpoint() -> None:
    text = why(nodes(TO_ENDPOINTS, **private_network(Sts=endpoint("sts", interface=False))))
    assert text.endswith("no sts interface endpoint")


def test_missing_s3_endpoint() -> None:
    network = private_network()
    del network["S3"]
    assert why(nodes(TO_ENDPOINTS, **network)).endswith("no S3 endpoint (image layers come from S3)")


def test_s3_gateway_without_prefix_list_egress() -> None:
    assert why(nodes(TO_ENDPOINTS[:1], **private_network())).endswith(
        "no egress on TCP 443 to a prefix list, which the S3 gateway endpoint needs")


def test_endpoint_group_that_does_not_accept_the_nodes() -> None:
    network = private_network(EcrDkr=endpoint("ecr.dkr", "ClosedSG"),
                              ClosedSG=sg(SecurityGroupIngress=[tcp(22, 22, SourceSecurityGroupId=ref("NodeSG"))]))
    text = why(nodes([*TO_ENDPOINTS, tcp(443, 443, DestinationSecurityGroupId=ref("ClosedSG"))], **network))
    assert text.endswith(f"{INCOMPLETE}the ecr.dkr endpoint EcrDkr does not accept them on TCP 443")


def test_node_egress_that_does_not_reach_an_endpoint_group() -> None:
    # (an interface S3 endpoint: an egress rule to a prefix list might cover the sts endpoint's subnets)
    network = private_network(Sts=endpoint("sts", "StsSG"), S3=endpoint("s3"),
                              StsSG=sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("NodeSG"))]))
    text = why(nodes(TO_ENDPOINTS[:1], **network))
    assert text.endswith(f"{INCOMPLETE}their egress does not allow TCP 443 to the sts endpoint Sts")


def test_every_gap_is_listed_in_one_finding() -> None:
    network = private_network()
    del network["Ec2"], network["S3"]
    (found,) = wk1006(nodes(TO_ENDPOINTS, **network))
    assert field(found, "why").endswith(f"{INCOMPLETE}no ec2 interface endpoint; no S3 endpoint (image layers come "
                                        "from S3)")


def test_endpoint_group_with_a_range_the_nodes_may_be_in_is_undecided() -> None:
    network = private_network(EcrDkr=endpoint("ecr.dkr", "RangeSG"),
                              RangeSG=sg(SecurityGroupIngress=[tcp(443, 443, CidrIp="10.0.0.0/16")]))
    template = nodes([*TO_ENDPOINTS, tcp(443, 443, DestinationSecurityGroupId=ref("RangeSG"))], **network)
    assert wk1006(template) == []
    assert undecided(template).startswith("whether the ecr.dkr endpoint EcrDkr accepts them on TCP 443 is not "
                                          "decidable here")


def test_second_endpoint_of_a_service_that_accepts_the_nodes_is_enough() -> None:
    network = private_network(EcrDkrOld=endpoint("ecr.dkr", "ClosedSG"), ClosedSG=sg())
    assert wk1006(nodes(TO_ENDPOINTS, **network)) == []


def test_endpoint_on_the_vpc_default_group_is_not_judged() -> None:
    template = nodes(TO_ENDPOINTS, **private_network(Sts=endpoint("sts", group=None)))
    assert wk1006(template) == []
    assert undecided(template).startswith("the sts endpoint Sts carries no security group here")


def test_conditional_endpoint_names_the_scenario() -> None:
    network = private_network(EcrDkr=with_condition(endpoint("ecr.dkr"), "WithDkr"))
    (found,) = wk1006(nodes(TO_ENDPOINTS, **network))
    assert field(found, "when") == " when WithDkr is false"
    assert field(found, "why").endswith("no ecr.dkr interface endpoint")


# --- everything inside VPCs this template defines ------------------------------------------------------

VPC = res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16")
SECONDARY = res("AWS::EC2::VPCCidrBlock", VpcId=ref("Vpc"), CidrBlock="10.1.0.0/16")


@pytest.mark.parametrize("peer", [
    {"CidrIp": getatt("Vpc", "CidrBlock")},
    {"CidrIp": "10.0.128.0/20"},
    {"CidrIp": "10.1.0.0/24"},  # the VPC's secondary block
])
def test_only_inside_the_templates_vpc_without_endpoints_is_a_gap(peer: Json) -> None:
    template = nodes([tcp(443, 443, **peer)], Vpc=VPC, Secondary=SECONDARY)
    text = why(template)
    assert "inside VPC Vpc of this template, which defines no VPC endpoint" in text
    assert "endpoints another stack creates in that VPC would close this" in text


@pytest.mark.parametrize("peer", [
    {"CidrIp": "10.2.0.0/24"},  # outside every block of the VPC
    {"CidrIp": "10.0.0.0/8"},  # wider than the VPC
    {"DestinationSecurityGroupId": {"Fn::ImportValue": "net-EndpointSG"}},
])
def test_outside_the_templates_vpcs_is_undecided(peer: Json) -> None:
    template = nodes([tcp(443, 443, **peer)], Vpc=VPC, Secondary=SECONDARY)
    assert wk1006(template) == []
    assert undecided(template).startswith("their egress on TCP 443 goes only to ")
