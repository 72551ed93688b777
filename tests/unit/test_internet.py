"""Unit tests for WK1006: nodes reach the AWS APIs on TCP 443, through the internet or VPC endpoints."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.checks._internet import aws_api_access
from cfnlint_eks_sg.checks._placement import egress_path
from cfnlint_eks_sg.cli._explain import verdict_text
from cfnlint_eks_sg.core._guards import TRUE, Scenarios
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._reach import PermissionIndex
from cfnlint_eks_sg.flows._roles import NodeRole, infer_roles
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Compute, GroupKey, Member, Origin
from tests.unit.pieces import (
    Json,
    eks_cluster,
    field,
    getatt,
    if_,
    key,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    rkey,
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


# --- what each finding says, word for word ----------------------------------------------------------------

ALLOW_OR_ENDPOINTS = ("Allow TCP 443 to 0.0.0.0/0, or add interface endpoints for ec2, ecr.api, ecr.dkr and sts and an "
                      "S3 gateway endpoint")
NOWHERE = (f"their egress allows TCP 443 {NO_PATH}, so they cannot register, pull images or assume roles. "
           f"{ALLOW_OR_ENDPOINTS}")
ELSEWHERE = ", which may hold VPC endpoints (or a path to the internet) this template does not show"
MAYBE = "(an egress rule of NodeSG) may or may not reach the AWS APIs"
NEEDS = ("interface endpoints for ec2, ecr.api, ecr.dkr and sts that accept them and an S3 endpoint, or a path to "
         "0.0.0.0/0")


def reported(template: Json) -> tuple[str, str, str]:
    """(rule, why, anywhere) of the one finding WK1006 gives, at NodeSG, always, for Ng of Cl."""
    (found,) = direct(template)
    fields = found.message_fields()
    assert (found.path, fields["node_group"], fields["cluster"], fields["when"]) == (("Resources", "NodeSG"), "Ng",
                                                                                     "Cl", "")
    if found.rule_id == "IK0001":
        assert (fields["kind"], fields["needs"]) == ("aws_apis", NEEDS)
    return found.rule_id, fields["why"], fields.get("anywhere", "")


@pytest.mark.parametrize(("template", "expected"), [
    (nodes([tcp(80, 80, CidrIp="0.0.0.0/0")]), ("WK1006", NOWHERE, "0.0.0.0/0")),
    # An IPv4 cluster reaches the AWS APIs over IPv4: ::/0 is no path, nor something that may hold endpoints.
    (nodes([tcp(443, 443, CidrIpv6="::/0")]), ("WK1006", NOWHERE, "0.0.0.0/0")),
    # A range of the other family in CidrIp (CidrIpv6): EC2 rejects the rule, it opens nothing and names no endpoint.
    (nodes([tcp(443, 443, CidrIp="::/0")]), ("WK1006", NOWHERE, "0.0.0.0/0")),
    (nodes([tcp(443, 443, CidrIp="2600::/16")]), ("WK1006", NOWHERE, "0.0.0.0/0")),
    (nodes([tcp(443, 443, CidrIpv6="10.0.0.0/8")]), ("WK1006", NOWHERE, "0.0.0.0/0")),
    (ipv6([tcp(80, 80, CidrIp="0.0.0.0/0")]), ("WK1006", NOWHERE, "0.0.0.0/0 ::/0")),
    (ipv6([tcp(443, 443, CidrIp="0.0.0.0/0")]), (
        "WK1006", "their egress allows 0.0.0.0/0 but not ::/0 on TCP 443, and an IPv6 cluster needs both. Add an "
                  "egress rule for TCP 443 to ::/0", "::/0")),
    (ipv6([tcp(443, 443, CidrIpv6="::/0")]), (
        "WK1006", "their egress allows ::/0 but not 0.0.0.0/0 on TCP 443: an IPv6 cluster needs IPv4 too (many AWS "
                  "endpoints are IPv4-only). Add an egress rule for TCP 443 to 0.0.0.0/0", "0.0.0.0/0")),
    (ipv6([tcp(443, 443, CidrIpv6="2600::/16")]), ("IK0001", f"2600::/16 {MAYBE}", "")),
    (ipv6([tcp(443, 443, CidrIp="0.0.0.0/0"), tcp(443, 443, CidrIpv6="2600::/16")]), (
        "IK0001", "their egress allows TCP 443 to 0.0.0.0/0; to ::/0, which an IPv6 cluster needs too, it depends on "
                  f"this: 2600::/16 {MAYBE}", "")),
    (ipv6([tcp(443, 443, CidrIp="52.0.0.0/8"), tcp(443, 443, CidrIpv6="2600::/16")]), (
        "IK0001", f"52.0.0.0/8 {MAYBE}; 2600::/16 {MAYBE}", "")),
    # The first rule that leaves it open is named: a private range never reaches the internet.
    (nodes([tcp(443, 443, CidrIp="10.0.0.0/8"), tcp(443, 443, CidrIp="52.0.0.0/8")]),
     ("IK0001", f"52.0.0.0/8 {MAYBE}", "")),
    # A rule to a group elsewhere whose ports are not fixed is no path to the internet.
    (nodes([{"IpProtocol": "tcp", "FromPort": ref("Port"), "ToPort": 443, "DestinationSecurityGroupId": "sg-0abc"},
            tcp(443, 443, CidrIp="52.0.0.0/8")]), ("IK0001", f"52.0.0.0/8 {MAYBE}", "")),
])
def test_what_the_finding_says(template: Json, expected: tuple[str, str, str]) -> None:
    assert reported(template) == expected


@pytest.mark.parametrize(("protocol", "why"), [
    (ref("Proto"), "the egress rule NodeSG.SecurityGroupEgress[0] may or may not open it: its IpProtocol or ports are "
                   "not fixed here (a parameter, a mapping or an invalid value)"),
    ("tcp", "an egress rule of theirs whose destination is not decidable here may allow it"),
])
def test_a_destination_given_by_a_parameter(protocol: object, why: str) -> None:
    template = nodes([{"IpProtocol": protocol, "FromPort": 443, "ToPort": 443, "CidrIp": ref("Range")}])
    template["Parameters"] = {"Proto": {"Type": "String"}, "Range": {"Type": "String"}}
    assert reported(template) == ("IK0001", why, "")


def test_a_rule_to_a_group_elsewhere_never_explains_the_internet_path() -> None:
    """The rule to sg-0abc whose ports are not fixed goes to a group, not the internet: what leaves the path open
    is the rule whose destination is a parameter."""
    template = nodes([{"IpProtocol": "tcp", "FromPort": ref("Port"), "ToPort": 443, "DestinationSecurityGroupId":
                       "sg-0abc"}, tcp(443, 443, CidrIp=ref("Range"))])
    template["Parameters"] = {"Port": {"Type": "Number"}, "Range": {"Type": "String"}}
    assert reported(template) == ("IK0001", "an egress rule of theirs whose destination is not decidable here may "
                                            "allow it", "")


def test_a_range_that_cannot_be_read_may_reach_the_internet() -> None:
    assert reported(nodes([tcp(443, 443, CidrIp="10.0.0.0/33")])) == ("IK0001", f"10.0.0.0/33 {MAYBE}", "")


def test_an_endpoint_group_that_accepts_only_another_stacks_group() -> None:
    """sg-0other is another stack's group, so never NodeSG: the endpoint does not accept the nodes."""
    network = private_network(EcrDkr=endpoint("ecr.dkr", "OtherSG"),
                              OtherSG=sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId="sg-0other")]))
    template = nodes([*TO_ENDPOINTS, tcp(443, 443, DestinationSecurityGroupId=ref("OtherSG"))], **network)
    assert reported(template)[1].endswith(f"{INCOMPLETE}the ecr.dkr endpoint EcrDkr does not accept them on TCP 443")


@pytest.mark.parametrize(("egress", "listed"), [
    ([tcp(443, 443, DestinationSecurityGroupId="sg-0endpoints")], "sg-0endpoints"),
    ([tcp(443, 443, CidrIp="10.1.0.0/16"), tcp(443, 443, DestinationPrefixListId="pl-0abc"),
      tcp(443, 443, DestinationSecurityGroupId="sg-0abc")], "10.1.0.0/16, prefix list pl-0abc and sg-0abc"),
    ([tcp(443, 443, CidrIp=f"10.{i}.0.0/16") for i in range(1, 5)],
     "10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16 and 1 more"),
    ([tcp(443, 443, CidrIp=f"10.{i}.0.0/16") for i in range(1, 6)],
     "10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16 and 2 more"),
])
def test_what_may_hold_endpoints_is_listed(egress: list[Json], listed: str) -> None:
    """Up to three destinations by name, then how many more."""
    assert reported(nodes(egress)) == ("IK0001", f"their egress on TCP 443 goes only to {listed}{ELSEWHERE}", "")


INSIDE = ("of this template, which defines no VPC endpoint: they cannot register, pull images or assume roles. "
          f"{ALLOW_OR_ENDPOINTS} (endpoints another stack creates in that VPC would close this: suppress WK1006 on "
          "this group then)")


@pytest.mark.parametrize(("template", "why"), [
    (nodes([tcp(443, 443, CidrIp=getatt("Vpc", "CidrBlock"))], Vpc=VPC),
     f"their egress on TCP 443 goes only to the CIDR block of Vpc (10.0.0.0/16), inside VPC Vpc {INSIDE}"),
    (nodes([tcp(443, 443, CidrIp="10.0.1.0/24"), tcp(443, 443, CidrIp="10.9.1.0/24")], Vpc=VPC,
           Vpc2=res("AWS::EC2::VPC", CidrBlock="10.9.0.0/16")),
     f"their egress on TCP 443 goes only to 10.0.1.0/24 and 10.9.1.0/24, inside VPCs Vpc and Vpc2 {INSIDE}"),
    (nodes([tcp(443, 443, CidrIp=getatt("Vpc", "CidrBlock"))], Vpc=VPC,
           Secondary=res("AWS::EC2::VPCCidrBlock", VpcId=ref("Vpc"), CidrBlock="10.1.0.0/16")),
     f"their egress on TCP 443 goes only to the CIDR block of Vpc (10.0.0.0/16), inside VPC Vpc {INSIDE}"),
])
def test_only_inside_the_templates_vpcs_is_worded(template: Json, why: str) -> None:
    assert reported(template) == ("WK1006", why, "0.0.0.0/0")


def test_undecided_endpoints_and_gaps_are_all_named() -> None:
    network = private_network()
    del network["Ec2"]
    template = nodes([tcp(443, 443, CidrIp="52.0.0.0/8"), *TO_ENDPOINTS], **network)
    assert reported(template) == ("IK0001", f"52.0.0.0/8 {MAYBE}; no ec2 interface endpoint", "")


def test_an_incomplete_endpoint_path_has_no_single_range_to_open() -> None:
    network = private_network()
    del network["Ec2"], network["Sts"]
    assert reported(nodes(TO_ENDPOINTS, **network)) == (
        "WK1006", f"their egress does not allow TCP 443 to 0.0.0.0/0 and {INCOMPLETE}no ec2 interface endpoint; no "
                  "sts interface endpoint", "")


def test_the_vpc_default_group_on_an_endpoint_is_worded() -> None:
    template = nodes(TO_ENDPOINTS, **private_network(Sts=endpoint("sts", group=None)))
    assert undecided(template) == ("the sts endpoint Sts carries no security group here, so EC2 gives it the VPC "
                                   "default group, whose rules are not in this template")


def test_complete_endpoints_leave_nothing_undecided() -> None:
    assert direct(nodes(TO_ENDPOINTS, **private_network())) == []


def test_an_ipv6_cluster_reaching_the_endpoints_needs_no_ipv4_internet() -> None:
    """With endpoints the path is judged through them, whatever the cluster's ::/0 egress."""
    template = ipv6([tcp(443, 443, CidrIpv6="::/0"), *TO_ENDPOINTS])
    template["Resources"].update(private_network())  # type: ignore[attr-defined]
    assert direct(template) == []


# --- endpoints reached by address -------------------------------------------------------------------------


def subnets(**resources: Json) -> dict[str, Json]:
    """VPC 10.0.0.0/16 with node subnet 10.0.1.0/24 and endpoint subnet 10.0.9.0/24."""
    return {"Vpc": VPC, "NodeNet": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.1.0/24"),
            "EpNet": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.9.0/24"), **resources}


def by_address(node_egress: Json, endpoint_ingress: Json) -> Json:
    """Nodes in NodeNet, interface endpoints (S3 too) in EpNet; each side's rule on the other as given."""
    network = private_network(EpSG=sg(SecurityGroupIngress=[endpoint_ingress]), S3=endpoint("s3"))
    for name in ("Ec2", "EcrApi", "EcrDkr", "Sts", "S3"):
        network[name]["Properties"]["SubnetIds"] = [ref("EpNet")]  # type: ignore[index]
    template = nodes([node_egress], **network, **subnets())
    template["Resources"]["Ng"]["Properties"]["Subnets"] = [ref("NodeNet")]  # type: ignore[index]
    return template


def test_endpoints_reached_by_their_subnets_range() -> None:
    """A CIDR rule counts for the subnets it covers, on both halves."""
    template = by_address(tcp(443, 443, CidrIp="10.0.9.0/24"), tcp(443, 443, CidrIp="10.0.1.0/24"))
    assert direct(template) == []


def test_endpoint_that_does_not_accept_the_nodes_subnet() -> None:
    template = by_address(tcp(443, 443, CidrIp="10.0.9.0/24"), tcp(443, 443, CidrIp="10.0.2.0/24"))
    text = reported(template)[1]
    assert text.startswith(f"their egress does not allow TCP 443 to 0.0.0.0/0 and {INCOMPLETE}")
    assert "; the sts endpoint Sts does not accept them on TCP 443" in text


def test_node_egress_that_misses_the_endpoints_subnet() -> None:
    template = by_address(tcp(443, 443, CidrIp="10.0.8.0/24"), tcp(443, 443, CidrIp="10.0.1.0/24"))
    text = reported(template)[1]
    assert text.startswith(f"their egress does not allow TCP 443 to 0.0.0.0/0 and {INCOMPLETE}")
    assert "; their egress does not allow TCP 443 to the sts endpoint Sts" in text


@pytest.mark.parametrize(("node_egress", "endpoint_ingress", "half"), [
    # nodes in a subnet the template shows; the endpoint's rule a range around it that may or may not cover it
    (tcp(443, 443, DestinationSecurityGroupId=ref("EpSG")), tcp(443, 443, CidrIp=ref("Range")),
     "the ingress rule EpSG.SecurityGroupIngress[0]"),
    (tcp(443, 443, CidrIp=ref("Range")), tcp(443, 443, SourceSecurityGroupId=ref("NodeSG")),
     "the egress rule NodeSG.SecurityGroupEgress[0]"),
])
def test_the_undecided_half_is_the_one_named(node_egress: Json, endpoint_ingress: Json, half: str) -> None:
    template = by_address(node_egress, endpoint_ingress)
    template["Parameters"] = {"Range": {"Type": "String"}}
    text = undecided(template)
    assert f"whether the ec2 endpoint Ec2 accepts them on TCP 443 is not decidable here ({half} may allow it" in text


# --- the node groups' own groups defined elsewhere ----------------------------------------------------------


def elsewhere(template: Json) -> Json:
    """`template` with Ng also carrying parameter NodeParam (its rules live in another stack)."""
    template["Resources"]["Lt"] = launch_template(ref("NodeSG"), ref("NodeParam"))  # type: ignore[index]
    template["Parameters"] = {"NodeParam": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    return template


def test_ipv6_half_on_a_group_elsewhere_joins_that_groups_ik0001() -> None:
    analysis = analyse(elsewhere(ipv6([tcp(443, 443, CidrIp="0.0.0.0/0")])))
    assert [field(f, "group") for f in analysis.findings_for("IK0001")] == ["parameter NodeParam"]
    assert analysis.findings_for("WK1006") == []
    model = build_model(elsewhere(ipv6([tcp(443, 443, CidrIp="0.0.0.0/0")])))
    result = aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, []))
    assert (result.findings, [(str(g), flow) for g, flow in result.hidden]) == (
        [], [("parameter NodeParam", "WK1006 (node group Ng -> the AWS APIs, TCP 443)")])


def test_endpoints_and_a_group_elsewhere_join_that_groups_ik0001() -> None:
    network = private_network()
    del network["Ec2"]
    model = build_model(elsewhere(nodes(TO_ENDPOINTS, **network)))
    result = aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, []))
    assert (result.findings, [str(g) for g, _ in result.hidden]) == ([], ["parameter NodeParam"])


# --- an IP family this template does not fix ----------------------------------------------------------------

FAMILY = ("an IPv6 cluster needs TCP 443 to ::/0 as well as to 0.0.0.0/0, and whether the cluster is IPv6 is not "
          "known: its IpFamily is given by !Ref Family, which this template does not fix")


def family(template: Json, value: object = None) -> Json:
    """`template` with Cl's IpFamily given by `value` (parameter Family by default)."""
    template["Resources"]["Cl"] = res(  # type: ignore[index]
        "AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]},
        KubernetesNetworkConfig={"IpFamily": ref("Family") if value is None else value})
    template["Parameters"] = {"Family": {"Type": "String"}}
    return template


def test_a_family_not_fixed_decides_the_ipv6_half() -> None:
    assert reported(family(nodes([tcp(443, 443, CidrIp="0.0.0.0/0")]))) == ("IK0001", FAMILY, "")


def test_a_family_not_fixed_does_not_matter_when_both_halves_are_open() -> None:
    assert direct(family(nodes([tcp(443, 443, CidrIp="0.0.0.0/0"), tcp(443, 443, CidrIpv6="::/0")]))) == []


def test_a_family_not_fixed_in_one_branch() -> None:
    (found,) = direct(family(nodes([tcp(443, 443, CidrIp="0.0.0.0/0")]), if_("V6", ref("Family"), "ipv4")))
    assert (found.rule_id, field(found, "why"), field(found, "when")) == ("IK0001", FAMILY, " when V6 is true")


def test_a_family_not_fixed_with_a_conditional_group() -> None:
    """Extra, attached when X holds, opens ::/0: only without it does the family decide."""
    template = family(nodes([tcp(443, 443, CidrIp="0.0.0.0/0")],
                            Extra=sg(SecurityGroupEgress=[tcp(443, 443, CidrIpv6="::/0")])))
    template["Resources"]["Lt"] = launch_template(ref("NodeSG"), if_("X", ref("Extra")))  # type: ignore[index]
    (found,) = direct(template)
    assert (found.rule_id, field(found, "why"), field(found, "when")) == ("IK0001", FAMILY, " when X is false")


def test_a_family_not_fixed_on_the_cluster_group_points_at_the_node_group() -> None:
    strip = res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"), IpProtocol="tcp",
                FromPort=443, ToPort=443, CidrIp="0.0.0.0/0")
    template = family(nodes(None, Ng=managed_nodegroup(lt=None), Strip=strip))
    (found,) = direct(template)
    assert (found.rule_id, found.path, field(found, "why")) == ("IK0001", ("Resources", "Ng"), FAMILY)


# --- conditions and what explain shows -------------------------------------------------------------------------


def test_conditional_rules_are_judged_per_scenario() -> None:
    template = nodes([if_("Open", tcp(443, 443, CidrIp="52.0.0.0/8"), tcp(80, 80, CidrIp="0.0.0.0/0"))])
    assert [(f.rule_id, field(f, "when")) for f in direct(template)] == [
        ("IK0001", " when Open is true"), ("WK1006", " when Open is false")]


def test_a_conditional_prefix_list_rule_for_the_s3_gateway() -> None:
    template = nodes([TO_ENDPOINTS[0], if_("S3", TO_ENDPOINTS[1])], **private_network())
    (found,) = direct(template)
    assert field(found, "why").endswith("no egress on TCP 443 to a prefix list, which the S3 gateway endpoint needs")
    assert field(found, "when") == " when S3 is false"


def test_a_conditional_rule_of_an_endpoints_group() -> None:
    """EpSG accepts the nodes only when Accept holds (the condition of a second ec2 endpoint, closed to them)."""
    network = private_network(EpSG=sg(SecurityGroupIngress=[
        if_("Accept", tcp(443, 443, SourceSecurityGroupId=ref("NodeSG")))]),
        Ec2Closed=with_condition(endpoint("ec2", "ClosedSG"), "Accept"), ClosedSG=sg())
    (found,) = direct(nodes(TO_ENDPOINTS, **network))
    assert field(found, "why") == (f"their egress does not allow TCP 443 to 0.0.0.0/0 and {INCOMPLETE}the ec2 "
                                   "endpoint Ec2 does not accept them on TCP 443; the ecr.api endpoint EcrApi does "
                                   "not accept them on TCP 443; the ecr.dkr endpoint EcrDkr does not accept them on "
                                   "TCP 443; the sts endpoint Sts does not accept them on TCP 443")
    assert field(found, "when") == " when Accept is false"


def test_a_conditional_egress_rule_to_an_endpoints_group() -> None:
    closed = tcp(80, 80, DestinationSecurityGroupId=ref("EpSG"))  # (no rule at all would be the default egress)
    (found,) = direct(nodes([if_("Reach", TO_ENDPOINTS[0], closed)], **private_network(S3=endpoint("s3"))))
    assert field(found, "why").startswith(f"their egress does not allow TCP 443 to 0.0.0.0/0 and {INCOMPLETE}their "
                                          "egress does not allow TCP 443 to the ec2 endpoint Ec2")
    assert field(found, "when") == " when Reach is false"


def verdicts(template: Json) -> list[tuple[str, tuple[dict[str, bool], ...]]]:
    model = build_model(template)
    (verdict,) = aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, [])).verdicts
    assert (verdict.node_group, verdict.cluster) == ("Ng", "Cl")
    return [(verdict_text(shown), tuple(dict(s) for s in at)) for shown, at in verdict.verdicts]


def test_explain_shows_each_verdict_with_its_scenarios() -> None:
    template = nodes([if_("Open", tcp(443, 443, CidrIp="52.0.0.0/8"), tcp(80, 80, CidrIp="0.0.0.0/0"))])
    assert verdicts(template) == [(f"UNKNOWN: 52.0.0.0/8 {MAYBE}", ({"Open": True},)),
                                  (f"BLOCKED: {NOWHERE}", ({"Open": False},))]
    assert verdicts(nodes(None)) == [("ALLOWED", ({},))]


def test_explain_marks_only_a_blocked_verdict_as_failing() -> None:
    """`explain --check` fails on BLOCKED in some scenario, never on UNKNOWN alone."""
    def blocked(template: Json) -> bool:
        model = build_model(template)
        (verdict,) = aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, [])).verdicts
        return verdict.blocked

    assert blocked(nodes([tcp(80, 80, CidrIp="0.0.0.0/0")])) is True
    assert blocked(nodes([tcp(443, 443, CidrIp="52.0.0.0/8")])) is False
    assert blocked(nodes(None)) is False


def test_a_conditional_node_group_is_judged_where_it_exists() -> None:
    """Only the scenarios in which the node group exists count: there it always fails, so no `when`."""
    template = nodes([tcp(80, 80, CidrIp="0.0.0.0/0")], Ng=with_condition(managed_nodegroup(), "WithNodes"))
    (found,) = direct(template)
    assert (found.rule_id, field(found, "when")) == ("WK1006", "")
    assert verdicts(template) == [(f"BLOCKED: {NOWHERE}", ({"WithNodes": True},))]


def test_node_groups_on_the_same_group_elsewhere_are_listed_together() -> None:
    template = elsewhere(ipv6([tcp(443, 443, CidrIp="0.0.0.0/0")]))
    template["Resources"]["Ng2"] = managed_nodegroup()  # type: ignore[index]
    model = build_model(template)
    result = aws_api_access(model, infer_roles(model), PermissionIndex(model), Scenarios(None, []))
    assert [(str(g), flow) for g, flow in result.hidden] == [
        ("parameter NodeParam", "WK1006 (node groups Ng, Ng2 -> the AWS APIs, TCP 443)")]


def test_an_ipv6_cluster_only_inside_the_vpc_misses_both_halves() -> None:
    template = ipv6([tcp(443, 443, CidrIp="10.0.1.0/24")])
    template["Resources"]["Vpc"] = VPC  # type: ignore[index]
    rule, why, anywhere = reported(template)
    assert (rule, anywhere) == ("WK1006", "0.0.0.0/0 ::/0")
    assert why == f"their egress on TCP 443 goes only to 10.0.1.0/24, inside VPC Vpc {INSIDE}"


# --- where WK1006 goes ----------------------------------------------------------------------------------------

OWN_LT: Path = ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds")
COMPANION_LT: Path = ("Resources", "net::Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds")
PARAMETER, NET_SG, OWN_SG = key(Origin.PARAMETER, "Extra"), rkey("net::NodeSG"), rkey("NodeSG")


@pytest.mark.parametrize(("node_path", "members", "expected"), [
    # this template's group: the group itself, where its rules are edited
    (("Resources", "Ng"), [(PARAMETER, (*OWN_LT, 0)), (OWN_SG, (*OWN_LT, 1))], ("Resources", "NodeSG")),
    # a companion's group on this template's node group: where this template names it (not the first entry)
    (("Resources", "Ng"), [(PARAMETER, (*OWN_LT, 0)), (NET_SG, (*OWN_LT, 1))], (*OWN_LT, 1)),
    # ... or, named nowhere here (a companion's launch template), the node group
    (("Resources", "Ng"), [(NET_SG, (*COMPANION_LT, 0))], ("Resources", "Ng")),
    # a companion's node group: the companion's own finding, at its group
    (("Resources", "net::Ng"), [(NET_SG, (*COMPANION_LT, 0))], ("Resources", "net::NodeSG")),
    # no group made anywhere in the system: the node group
    (("Resources", "Ng"), [(PARAMETER, (*OWN_LT, 0))], ("Resources", "Ng")),
])
def test_wk1006_goes_where_the_nodes_egress_is_edited(node_path: Path, members: list[tuple[GroupKey, Path]],
                                                      expected: Path) -> None:
    node = NodeRole("Ng", "Cl", tuple(Member(k, TRUE, path) for k, path in members), True, TRUE, node_path,
                    Compute.MANAGED_NODEGROUP)
    assert egress_path([k for k, _ in members], node) == expected
