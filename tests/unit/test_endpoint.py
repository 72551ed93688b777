"""Unit tests for the endpoint checks: WK1010 (restricted public endpoint), WK1011 (private endpoint DNS), IK1007."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.checks._endpoint import (
    private_endpoint_without_clients,
    private_endpoint_without_dns,
    restricted_public_endpoint,
)
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.core._guards import Scenarios
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._roles import infer_roles
from cfnlint_eks_sg.model._build import build_model
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


# --- IK0001: WK1010 and WK1011 hang on a setting this template does not fix --------------------------------

SETTING_PARAMETERS: Json = {"Priv": {"Type": "String"}, "Pub": {"Type": "String"},
                            "Cidrs": {"Type": "CommaDelimitedList"}, "Dns": {"Type": "String"}}
NAT = ("with only the public endpoint on, nodes reach the API from their NAT or public addresses, which "
       "PublicAccessCidrs")


def given(template: Json) -> Json:
    template["Parameters"] = {**template.get("Parameters", {}), **SETTING_PARAMETERS}  # type: ignore[dict-item]
    return template


@pytest.mark.parametrize(("vpc_config", "place", "why"), [
    ({"EndpointPrivateAccess": ref("Priv"), "PublicAccessCidrs": ["203.0.113.0/24"]}, "EndpointPrivateAccess",
     f"{NAT} (203.0.113.0/24) must list; EndpointPrivateAccess is given by !Ref Priv, which this template does not "
     "fix"),
    ({"EndpointPublicAccess": ref("Pub"), "PublicAccessCidrs": ["203.0.113.0/24"]}, "EndpointPublicAccess",
     f"{NAT} (203.0.113.0/24) must list; EndpointPublicAccess is given by !Ref Pub, which this template does not fix"),
    ({"PublicAccessCidrs": ref("Cidrs")}, "PublicAccessCidrs",
     f"{NAT} must list; PublicAccessCidrs is given by !Ref Cidrs, which this template does not fix"),
    ({"EndpointPrivateAccess": ref("Priv"), "PublicAccessCidrs": ref("Cidrs")}, "EndpointPrivateAccess",
     f"{NAT} must list; EndpointPrivateAccess is given by !Ref Priv, which this template does not fix"),
])
def test_wk1010_on_a_setting_not_fixed_here_is_ik0001(vpc_config: Json, place: str, why: str) -> None:
    """The setting's expression is unknown, never its AWS default: IK0001 at that setting, naming it."""
    (found,) = restricted(given(public(**vpc_config)))
    assert (found.rule_id, found.path) == ("IK0001", (*VPC_CONFIG, place))
    assert found.message_fields() == {"kind": "setting", "check": "WK1010", "cluster": "Cl", "when": "", "why": why}


def test_wk1010_an_empty_list_admits_nothing() -> None:
    (found,) = restricted(public(PublicAccessCidrs=[]))
    assert (found.rule_id, field(found, "cidrs")) == ("WK1010", "nothing")


def test_wk1010_a_private_endpoint_not_fixed_in_one_branch_only() -> None:
    """Private access on when Private holds, a parameter otherwise: IK0001 for that other branch only."""
    template = given(public(EndpointPrivateAccess=if_("Private", True, ref("Priv")),
                            PublicAccessCidrs=["203.0.113.0/24"]))
    (found,) = restricted(template)
    assert (found.rule_id, found.path) == ("IK0001", (*VPC_CONFIG, "EndpointPrivateAccess", "Fn::If", 2))
    assert field(found, "when") == " when Private is false"


@pytest.mark.parametrize(("vpc", "private", "path", "why"), [
    ({"EnableDnsHostnames": ref("Dns")}, True, ("Resources", "Vpc", "Properties", "EnableDnsHostnames"),
     "private endpoint access needs EnableDnsHostnames of VPC Vpc to be true, and EnableDnsHostnames is given by "
     "!Ref Dns, which this template does not fix"),
    ({"EnableDnsHostnames": True, "EnableDnsSupport": ref("Dns")}, True,
     ("Resources", "Vpc", "Properties", "EnableDnsSupport"),
     "private endpoint access needs EnableDnsSupport of VPC Vpc to be true, and EnableDnsSupport is given by "
     "!Ref Dns, which this template does not fix"),
    ({}, ref("Priv"), (*VPC_CONFIG, "EndpointPrivateAccess"),
     "EnableDnsHostnames of VPC Vpc is not set (false by default), which breaks private endpoint access, and "
     "EndpointPrivateAccess is given by !Ref Priv, which this template does not fix"),
    ({"EnableDnsHostnames": True, "EnableDnsSupport": False}, ref("Priv"), (*VPC_CONFIG, "EndpointPrivateAccess"),
     "EnableDnsSupport of VPC Vpc is false, which breaks private endpoint access, and EndpointPrivateAccess is given "
     "by !Ref Priv, which this template does not fix"),
    ({"EnableDnsHostnames": ref("Dns")}, ref("Priv"), ("Resources", "Vpc", "Properties", "EnableDnsHostnames"),
     "private endpoint access needs EnableDnsHostnames of VPC Vpc to be true, and EnableDnsHostnames is given by "
     "!Ref Dns, which this template does not fix"),
])
def test_wk1011_on_a_setting_not_fixed_here_is_ik0001(vpc: Json, private: object, path: Path, why: str) -> None:
    (found,) = dns(given(network(vpc, private)))
    assert (found.rule_id, found.path) == ("IK0001", path)
    assert found.message_fields() == {"kind": "setting", "check": "WK1011", "cluster": "Cl", "when": "", "why": why}


def test_wk1011_dns_settings_the_template_does_not_fix_are_not_checked_without_private_access() -> None:
    assert dns(given(network({"EnableDnsHostnames": ref("Dns")}, False))) == []


# --- IK1007: who else may call the API -----------------------------------------------------------------------


def test_ik1007_a_rule_on_another_port_before_a_client_rule() -> None:
    """Every rule of the control-plane group counts, not only the first that is not on 443."""
    assert clients(private_cluster(tcp(22, 22, CidrIp="10.8.0.0/16"), tcp(443, 443, CidrIp="10.9.0.0/16"))) == []


def test_ik1007_a_rule_whose_ports_are_not_fixed_may_admit_clients() -> None:
    rule = {"IpProtocol": "tcp", "FromPort": ref("Port"), "ToPort": 443, "CidrIp": "10.8.0.0/16"}
    template = private_cluster(rule)
    template["Parameters"]["Port"] = {"Type": "Number"}  # type: ignore[index]
    assert clients(template) == []


def test_ik1007_a_client_carrying_the_nodes_group() -> None:
    """An admin instance on the nodes' group, which the control plane admits on 443, is a client."""
    instance = res("AWS::EC2::Instance", ImageId="ami-0abc", SecurityGroupIds=[ref("NodeSG")])
    assert clients(private_cluster(Bastion=instance)) == []


@pytest.mark.parametrize("carrier", [
    res("AWS::EC2::Instance", ImageId="ami-0abc", SecurityGroupIds=[ref("OtherSG")]),  # not admitted on 443
    res("AWS::ElasticLoadBalancingV2::LoadBalancer", SecurityGroups=[ref("NodeSG")]),  # runs no code
])
def test_ik1007_what_is_no_client(carrier: Json) -> None:
    """OtherSG is named by rules that do not let it reach the API: egress of CpSG, ingress of NodeSG, 22 on CpSG."""
    template = private_cluster(
        tcp(22, 22, SourceSecurityGroupId=ref("OtherSG")),
        Carrier=carrier,
        OtherSG=sg(),
        NodeSG=sg(SecurityGroupIngress=[tcp(1025, 65535, SourceSecurityGroupId=ref("CpSG")),
                                        tcp(443, 443, SourceSecurityGroupId=ref("OtherSG"))]),
    )
    template["Resources"]["CpSG"]["Properties"]["SecurityGroupEgress"] = [  # type: ignore[index]
        tcp(443, 443, DestinationSecurityGroupId=ref("OtherSG"))]
    (found,) = clients(template)
    assert field(found, "group") == "CpSG"


def test_ik1007_other_standalone_rules_do_not_hide_it() -> None:
    """A standalone ingress on the nodes' group, or egress on any group, cannot let clients reach the API."""
    template = private_cluster(
        NodeIn=res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=443,
                   ToPort=443, SourceSecurityGroupId=ref("CpSG")),
        OpaqueOut=res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Lookup", "GroupId"), IpProtocol="tcp",
                      FromPort=443, ToPort=443, CidrIp="10.8.0.0/16"),
        Lookup=res("Custom::GroupLookup", ServiceToken="arn:aws:lambda:us-east-1:111111111111:function:lookup"),
    )
    assert [f.rule_id for f in clients(template)] == ["IK1007"]


def test_ik1007_a_standalone_ingress_on_a_group_that_may_be_the_control_planes() -> None:
    template = private_cluster(
        OpaqueIn=res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Lookup", "GroupId"), IpProtocol="tcp",
                     FromPort=443, ToPort=443, CidrIp="10.8.0.0/16"),
        Lookup=res("Custom::GroupLookup", ServiceToken="arn:aws:lambda:us-east-1:111111111111:function:lookup"),
    )
    assert clients(template) == []


# --- several branches and clusters: each one is judged -----------------------------------------------------


def test_wk1010_a_branch_open_to_all_does_not_hide_the_restricted_one() -> None:
    (found,) = restricted(public(PublicAccessCidrs=if_("Open", ["0.0.0.0/0"], ["203.0.113.0/24"])))
    assert (field(found, "cidrs"), field(found, "when")) == ("203.0.113.0/24", " when Open is false")


def test_wk1010_a_branch_without_the_public_endpoint_does_not_hide_the_other() -> None:
    template = public(EndpointPublicAccess=if_("Pub", False, True), PublicAccessCidrs=["203.0.113.0/24"])
    assert [field(f, "when") for f in restricted(template)] == [" when Pub is false"]


def test_wk1010_every_branch_with_the_public_endpoint_is_reported() -> None:
    template = public(EndpointPublicAccess=if_("Pub", True, NO_VALUE), PublicAccessCidrs=["203.0.113.0/24"])
    assert sorted(field(f, "when") for f in restricted(template)) == [" when Pub is false", " when Pub is true"]


def test_wk1010_a_branch_the_engine_rules_out_does_not_hide_the_other() -> None:
    """Restricted when C holds; public access branches on NotC, which the engine says is never C."""
    template = public(EndpointPublicAccess=if_("NotC", True, NO_VALUE),
                      PublicAccessCidrs=if_("C", ["203.0.113.0/24"], ["0.0.0.0/0"]))
    template["Conditions"] = {"C": {"Fn::Equals": [ref("AWS::Region"), "us-east-1"]},
                              "NotC": {"Fn::Not": [{"Condition": "C"}]}}
    (found,) = findings(template, "WK1010", StubConditions(["C", "NotC"], lambda s: s.get("C") != s.get("NotC")))
    assert field(found, "when") == " when C is true and NotC is false"


def test_wk1011_a_branch_without_private_access_does_not_hide_the_other() -> None:
    (found,) = dns(network(private=if_("Priv", False, True)))
    assert field(found, "when") == " when Priv is false"


def test_wk1011_a_dns_branch_that_never_meets_private_access_does_not_hide_the_other() -> None:
    """Private access is on only when Q is false; EnableDnsHostnames is false, or left to its default."""
    (found,) = dns(network({"EnableDnsHostnames": if_("Q", False, NO_VALUE)}, private=if_("Q", False, True)))
    assert (found.path, field(found, "state"), field(found, "when")) == (
        ("Resources", "Vpc"), "not set (false by default)", " when Q is false")


def test_wk1011_each_cluster_is_judged() -> None:
    template = network(Other=eks_cluster(EndpointPrivateAccess=True), Cl=eks_cluster(
        SubnetIds=[ref("SubA")], EndpointPrivateAccess=True))
    template["Resources"] = {"Other": template["Resources"].pop("Other"),  # type: ignore[attr-defined]
                             **template["Resources"]}  # type: ignore[dict-item]
    assert [(field(f, "cluster"), field(f, "setting")) for f in dns(template)] == [("Cl", "EnableDnsHostnames")]


def test_ik1007_each_cluster_is_judged() -> None:
    """Only Cl4 (private, its group admitting nobody) is reported, whatever the clusters before it."""
    template: Json = {
        "Parameters": {"ParamSG": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {
            "Sg1": sg(), "Cl1": eks_cluster(ref("Sg1")),  # public only
            "Cl2": eks_cluster(ref("ParamSG"), EndpointPrivateAccess=True),  # rules elsewhere
            "Sg3": sg(SecurityGroupIngress=[tcp(443, 443, CidrIp="10.0.0.0/8")]),
            "Cl3": eks_cluster(ref("Sg3"), EndpointPrivateAccess=True),  # a VPN range may call it
            "Sg4": sg(), "Cl4": eks_cluster(ref("Sg4"), EndpointPrivateAccess=True),
        },
    }
    assert [(field(f, "cluster"), field(f, "group")) for f in clients(template)] == [("Cl4", "Sg4")]
