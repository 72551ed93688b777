"""Unit tests for the endpoint checks: WK1010 (restricted public endpoint), WK1011 (private endpoint DNS), IK1007."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._endpoint import (
    private_endpoint_without_clients,
    private_endpoint_without_dns,
    restricted_public_endpoint,
)
from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._guards import Scenarios
from cfnlint_eks_sg._model import build_model
from cfnlint_eks_sg._resolve import Path
from cfnlint_eks_sg._roles import infer_roles
from tests.unit.pieces import (
    NO_VALUE,
    Json,
    StubConditions,
    eks_cluster,
    field,
    findings,
    getatt,
    if_,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
    tcp,
    with_condition,
)

VPC_CONFIG: Path = ("Resources", "Cl", "Properties", "ResourcesVpcConfig")


# --- WK1010: public-only endpoint with restricted PublicAccessCidrs ---------------------------------------


def public(**vpc_config: object) -> Json:
    return {"Resources": {"Cl": eks_cluster(**vpc_config)}}


def restricted(template: Json) -> list[Finding]:
    return list(restricted_public_endpoint(build_model(template), Scenarios(None, [])))


def test_wk1010_restricted_cidrs_with_the_defaults() -> None:
    # EndpointPrivateAccess defaults to false, EndpointPublicAccess to true
    (found,) = findings(public(PublicAccessCidrs=["203.0.113.0/24", "198.51.100.7/32"]), "WK1010")
    assert found.path == (*VPC_CONFIG, "PublicAccessCidrs")
    assert field(found, "cluster") == "Cl"
    assert field(found, "cidrs") == "203.0.113.0/24, 198.51.100.7/32"
    assert field(found, "when") == ""


def test_wk1010_explicit_public_only() -> None:
    template = public(EndpointPublicAccess=True, EndpointPrivateAccess=False, PublicAccessCidrs=["203.0.113.0/24"])
    (found,) = restricted(template)
    assert found.path == (*VPC_CONFIG, "PublicAccessCidrs")


@pytest.mark.parametrize("vpc_config", [
    {},  # PublicAccessCidrs defaults to 0.0.0.0/0
    {"PublicAccessCidrs": ["203.0.113.0/24", "0.0.0.0/0"]},
    {"PublicAccessCidrs": ["203.0.113.0/24"], "EndpointPrivateAccess": True},
    {"PublicAccessCidrs": ["203.0.113.0/24"], "EndpointPrivateAccess": "true"},
    {"PublicAccessCidrs": ["203.0.113.0/24"], "EndpointPublicAccess": False, "EndpointPrivateAccess": True},
    {"PublicAccessCidrs": ref("AdminCidrs")},  # not readable: not judged
])
def test_wk1010_not_reported(vpc_config: Json) -> None:
    template = public(**vpc_config) | {"Parameters": {"AdminCidrs": {"Type": "CommaDelimitedList"}}}
    assert findings(template, "WK1010") == []


def test_wk1010_if_on_private_access_names_the_scenario() -> None:
    template = public(EndpointPrivateAccess=if_("Private", True, False), PublicAccessCidrs=["203.0.113.0/24"])
    template["Conditions"] = {"Private": {"Fn::Equals": [ref("Mode"), "private"]}}
    (found,) = findings(template, "WK1010")
    assert found.path == (*VPC_CONFIG, "PublicAccessCidrs")
    assert field(found, "when") == " when Private is false"
    (engine,) = findings(template, "WK1010", StubConditions(["Private"]))
    assert field(engine, "when") == " when Private is false"
    # the engine proves private access is always on: the public-only scenario never happens
    assert findings(template, "WK1010", StubConditions(["Private"], lambda s: s["Private"])) == []


def test_wk1010_if_without_an_else_value_falls_back_to_the_default() -> None:
    template = public(EndpointPrivateAccess=if_("Private", True, NO_VALUE), PublicAccessCidrs=["203.0.113.0/24"])
    (found,) = restricted(template)
    assert field(found, "when") == " when Private is false"


def test_wk1010_if_on_the_cidr_list() -> None:
    template = public(PublicAccessCidrs=if_("Locked", ["203.0.113.0/24"], ["0.0.0.0/0"]))
    (found,) = restricted(template)
    assert found.path == (*VPC_CONFIG, "PublicAccessCidrs", "Fn::If", 1)
    assert (field(found, "cidrs"), field(found, "when")) == ("203.0.113.0/24", " when Locked is true")


def test_wk1010_conditional_cluster() -> None:
    template: Json = {"Resources": {"Cl": with_condition(eks_cluster(PublicAccessCidrs=["203.0.113.0/24"]),
                                                         "WithCluster")}}
    (found,) = restricted(template)
    assert field(found, "when") == " when WithCluster is true"


# --- WK1011: private endpoint in a VPC without DNS hostnames or DNS support --------------------------------


def network(vpc: Json | None = None, private: object = True, **resources: Json) -> Json:
    """Cluster Cl in subnets SubA and SubB of the template's VPC Vpc (properties `vpc`)."""
    out: Json = {
        "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16", **(vpc or {})),
        "SubA": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.0.0/24"),
        "SubB": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.1.0/24"),
        "Cl": eks_cluster(SubnetIds=[ref("SubA"), ref("SubB")], EndpointPrivateAccess=private),
    }
    out.update(resources)
    return {"Resources": out}


def dns(template: Json) -> list[Finding]:
    return list(private_endpoint_without_dns(build_model(template), Scenarios(None, [])))


def test_wk1011_dns_hostnames_absent() -> None:
    (found,) = findings(network(), "WK1011")
    assert found.path == ("Resources", "Vpc")
    assert (field(found, "cluster"), field(found, "vpc")) == ("Cl", "Vpc")
    assert field(found, "setting") == "EnableDnsHostnames"
    assert field(found, "state") == "not set (false by default)"
    assert field(found, "when") == ""


def test_wk1011_dns_hostnames_false() -> None:
    (found,) = dns(network({"EnableDnsHostnames": False, "EnableDnsSupport": True}))
    assert found.path == ("Resources", "Vpc", "Properties", "EnableDnsHostnames")
    assert (field(found, "setting"), field(found, "state")) == ("EnableDnsHostnames", "false")


def test_wk1011_dns_support_false() -> None:
    (found,) = dns(network({"EnableDnsHostnames": True, "EnableDnsSupport": False}))
    assert found.path == ("Resources", "Vpc", "Properties", "EnableDnsSupport")
    assert (field(found, "setting"), field(found, "state")) == ("EnableDnsSupport", "false")


def test_wk1011_both_off_is_two_findings() -> None:
    found = dns(network({"EnableDnsHostnames": "false", "EnableDnsSupport": False}))
    assert sorted(field(f, "setting") for f in found) == ["EnableDnsHostnames", "EnableDnsSupport"]


@pytest.mark.parametrize(("vpc", "private"), [
    ({"EnableDnsHostnames": True}, True),  # EnableDnsSupport defaults to true
    ({"EnableDnsHostnames": "true", "EnableDnsSupport": "true"}, True),
    ({}, False),
    ({"EnableDnsSupport": False}, NO_VALUE),  # private access off by default
])
def test_wk1011_not_reported(vpc: Json, private: object) -> None:
    assert findings(network(vpc, private), "WK1011") == []


def test_wk1011_vpc_from_a_parameter_is_not_judged() -> None:
    template = network(SubA=res("AWS::EC2::Subnet", VpcId=ref("VpcId")),
                       SubB=res("AWS::EC2::Subnet", VpcId=ref("VpcId")))
    template["Parameters"] = {"VpcId": {"Type": "AWS::EC2::VPC::Id"}}
    assert findings(template, "WK1011") == []
    assert build_model(template).clusters[0].vpc is None


@pytest.mark.parametrize("subnets", [
    ref("Subnets"),  # a parameter list
    [ref("SubA"), "subnet-0abc"],  # a subnet of another stack
    [ref("SubA"), ref("SubC")],  # two VPCs
])
def test_wk1011_vpc_not_shown_is_not_judged(subnets: object) -> None:
    template = network(Vpc2=res("AWS::EC2::VPC", CidrBlock="10.1.0.0/16"),
                       SubC=res("AWS::EC2::Subnet", VpcId=ref("Vpc2")),
                       Cl=eks_cluster(SubnetIds=subnets, EndpointPrivateAccess=True))
    template["Parameters"] = {"Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"}}
    assert dns(template) == []


def test_wk1011_if_on_private_access_names_the_scenario() -> None:
    (found,) = dns(network(private=if_("Private", True, False)))
    assert (found.path, field(found, "when")) == (("Resources", "Vpc"), " when Private is true")


def test_wk1011_if_on_dns_hostnames_names_the_scenario() -> None:
    (found,) = findings(network({"EnableDnsHostnames": if_("Dns", True, False)}), "WK1011")
    assert found.path == ("Resources", "Vpc", "Properties", "EnableDnsHostnames", "Fn::If", 2)
    assert field(found, "when") == " when Dns is false"
    assert findings(network({"EnableDnsHostnames": if_("Dns", True, False)}), "WK1011",
                    StubConditions(["Dns"], lambda s: s["Dns"])) == []


# --- IK1007: private endpoint that only the nodes may reach ------------------------------------------------


def private_cluster(*cp_ingress: Json, groups: list[object] | None = None, **resources: Json) -> Json:
    """Cluster Cl (private access on) with CpSG, which lets `cp_ingress` in; node group Ng on NodeSG."""
    out: Json = {
        "CpSG": sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("NodeSG")), *cp_ingress]),
        "NodeSG": sg(SecurityGroupIngress=[tcp(1025, 65535, SourceSecurityGroupId=ref("CpSG"))]),
        "Cl": eks_cluster(*(groups if groups is not None else [ref("CpSG")]), EndpointPrivateAccess=True),
        "Lt": launch_template(ref("NodeSG")),
        "Ng": managed_nodegroup(),
    }
    out.update(resources)
    return {"Resources": out, "Parameters": {"ControlPlaneSG": {"Type": "AWS::EC2::SecurityGroup::Id"}}}


def clients(template: Json) -> list[Finding]:
    model = build_model(template)
    return list(private_endpoint_without_clients(model, infer_roles(model), Scenarios(None, [])))


def test_ik1007_only_the_nodes_may_reach_the_api() -> None:
    (found,) = findings(private_cluster(tcp(22, 22, CidrIp="10.8.0.0/16")), "IK1007")
    assert found.path == (*VPC_CONFIG, "EndpointPrivateAccess")
    assert (field(found, "cluster"), field(found, "group"), field(found, "when")) == ("Cl", "CpSG", "")


def test_ik1007_cluster_group_only() -> None:
    (found,) = clients(private_cluster(groups=[]))
    assert field(found, "group") == "the EKS cluster security group of Cl"


@pytest.mark.parametrize("client", [
    tcp(443, 443, CidrIp="10.8.0.0/16"),  # a VPN range
    tcp(443, 443, SourceSecurityGroupId=ref("BastionSG")),
    tcp(443, 443, SourceSecurityGroupId="sg-0ci"),  # a CI runner's group of another stack
    tcp(443, 443, SourcePrefixListId="pl-0admins"),
    {"IpProtocol": "-1", "CidrIp": "10.0.0.0/8"},
    tcp(0, 65535, SourceSecurityGroupId=ref("BastionSG")),
])
def test_ik1007_another_source_on_443(client: Json) -> None:
    assert clients(private_cluster(client, BastionSG=sg())) == []


def test_ik1007_standalone_client_rule_on_the_cluster_group() -> None:
    rule = res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Cl", "ClusterSecurityGroupId"), IpProtocol="tcp",
               FromPort=443, ToPort=443, CidrIp="10.8.0.0/16")
    assert clients(private_cluster(Vpn=rule)) == []


def test_ik1007_not_without_private_access() -> None:
    template = private_cluster(Cl=eks_cluster(ref("CpSG")))
    assert findings(template, "IK1007") == []


def test_ik1007_if_on_private_access_names_the_scenario() -> None:
    (found,) = clients(private_cluster(Cl=eks_cluster(ref("CpSG"), EndpointPrivateAccess=if_("Private", True, False))))
    assert found.path == (*VPC_CONFIG, "EndpointPrivateAccess", "Fn::If", 1)
    assert field(found, "when") == " when Private is true"


def test_ik1007_untrusted_cluster_group_defaults_are_not_judged() -> None:
    template = private_cluster(groups=[])
    template["Metadata"] = {"cfnlint-eks-sg": {"cluster_security_group_defaults": False}}
    assert clients(template) == []


@pytest.mark.parametrize("outside", [ref("ControlPlaneSG"), {"Fn::ImportValue": "net-ControlPlaneSG"}, "sg-0cp"])
def test_ik1007_invisible_control_plane_group_is_not_judged(outside: object) -> None:
    assert clients(private_cluster(groups=[ref("CpSG"), outside])) == []


def test_ik1007_invisible_control_plane_group_with_a_standalone_rule_is_not_judged() -> None:
    # A standalone rule on the parameter makes it known to the model: then its invisibility counts.
    rule = res("AWS::EC2::SecurityGroupIngress", GroupId=ref("ControlPlaneSG"), IpProtocol="tcp",
               FromPort=443, ToPort=443, SourceSecurityGroupId=ref("NodeSG"))
    assert clients(private_cluster(groups=[ref("CpSG"), ref("ControlPlaneSG")], Rule=rule)) == []
