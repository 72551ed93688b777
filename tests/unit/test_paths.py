"""The route hop of the nodes' way to the AWS APIs (flows/_paths, checks/_routes: EK5001), one decision per test."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._findings import NoRoute
from cfnlint_eks_sg.flows._reach import Reach
from tests.unit.pieces import Json, getatt, ref, res, sub


def subnet(cidr: str, **props: object) -> Json:
    return res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock=cidr, **props)


def route(table: str, destination: object = "0.0.0.0/0", **target: object) -> Json:
    return res("AWS::EC2::Route", RouteTableId=ref(table), DestinationCidrBlock=destination, **target)


def association(subnet_name: str, table: str) -> Json:
    return res("AWS::EC2::SubnetRouteTableAssociation", SubnetId=ref(subnet_name), RouteTableId=ref(table))


def endpoint(service: str, **props: object) -> Json:
    interface = {"VpcEndpointType": "Interface", "PrivateDnsEnabled": True} if service != "s3" else {}
    return res("AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), ServiceName=sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
               **{**interface, **props})


ENDPOINTS: dict[str, Json] = {
    "Ec2": endpoint("ec2"), "EcrApi": endpoint("ecr.api"), "EcrDkr": endpoint("ecr.dkr"), "Sts": endpoint("sts"),
    "S3": endpoint("s3", RouteTableIds=[ref("Private")]),
}


def template(*, nodes: Json | None = None, outputs: Json | None = None, conditions: Json | None = None,
             **resources: Json | None) -> Json:
    """Nodes in subnet Node (10.0.1.0/24, on route table Private), a public subnet Public with an internet
    gateway route, a public NAT gateway there; `resources` replace or (None) remove pieces."""
    base: dict[str, Json | None] = {
        "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16", EnableDnsSupport=True, EnableDnsHostnames=True),
        "Igw": res("AWS::EC2::InternetGateway"),
        "Public": subnet("10.0.0.0/24", MapPublicIpOnLaunch=True),
        "PublicTable": res("AWS::EC2::RouteTable", VpcId=ref("Vpc")),
        "PublicDefault": route("PublicTable", GatewayId=ref("Igw")),
        "PublicAssociation": association("Public", "PublicTable"),
        "Nat": res("AWS::EC2::NatGateway", SubnetId=ref("Public"), AllocationId="eipalloc-1"),
        "Node": subnet("10.0.1.0/24"),
        "Private": res("AWS::EC2::RouteTable", VpcId=ref("Vpc")),
        "NodeAssociation": association("Node", "Private"),
        "PrivateDefault": route("Private", NatGatewayId=ref("Nat")),
        "Cluster": res("AWS::EKS::Cluster", RoleArn="arn:aws:iam::1:role/eks",
                       ResourcesVpcConfig={"SubnetIds": [ref("Node")], "EndpointPrivateAccess": True}),
        "Nodes": nodes or res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
                              Subnets=[ref("Node")]),
    }
    base.update(resources)
    found: Json = {"Resources": {name: body for name, body in base.items() if body is not None}}
    if outputs:
        found["Outputs"] = outputs
    if conditions:
        found["Conditions"] = conditions
    return found


def hops(tpl: Json) -> list[tuple[str, Reach, str]]:
    analysis = analyse(tpl)
    return [(hop.subnet, hop.reach, hop.why) for verdict in analysis.route_verdicts for hop, _ in verdict.hops]


def reach(tpl: Json) -> Reach:
    found = {r for _, r, _ in hops(tpl)}
    assert len(found) == 1, hops(tpl)
    return found.pop()


def ek5001(tpl: Json) -> list[tuple[str, ...]]:
    return [tuple(map(str, f.path)) for f in analyse(tpl).findings.get("EK5001", [])]


def facts(tpl: Json) -> list[NoRoute]:
    found = [f.facts for f in analyse(tpl).findings.get("EK5001", [])]
    assert all(isinstance(f, NoRoute) for f in found)
    return found  # type: ignore[return-value]  # checked just above


def test_a_nat_gateway_in_a_public_subnet_leads_out() -> None:
    assert reach(template()) is Reach.ALLOWED
    assert ek5001(template()) == []


def test_no_route_and_no_endpoint_is_blocked_at_the_route_table() -> None:
    tpl = template(PrivateDefault=None)
    assert reach(tpl) is Reach.BLOCKED
    assert ek5001(tpl) == [("Resources", "Private")]
    (found,) = facts(tpl)
    assert found.subnets == ("Node",) and found.node_group == "Nodes"


def test_a_nat_gateway_without_a_way_out_is_blocked_where_the_route_is_missing() -> None:
    assert ek5001(template(PublicDefault=None)) == [("Resources", "PublicTable")]


def test_an_internet_gateway_drops_a_private_nat_gateways_traffic() -> None:
    tpl = template(Nat=res("AWS::EC2::NatGateway", SubnetId=ref("Public"), ConnectivityType="private"))
    assert ek5001(tpl) == [("Resources", "Nat")]
    public = template(Nat=res("AWS::EC2::NatGateway", SubnetId=ref("Public"), ConnectivityType="public"))
    assert reach(public) is Reach.ALLOWED


def test_a_connectivity_type_not_fixed_here_is_unknown() -> None:
    tpl = template(Nat=res("AWS::EC2::NatGateway", SubnetId=ref("Public"), ConnectivityType=ref("Kind")))
    assert reach(tpl) is Reach.UNKNOWN


def test_a_nat_gateway_elsewhere_is_unknown() -> None:
    assert reach(template(PrivateDefault=route("Private", NatGatewayId="nat-0123"))) is Reach.UNKNOWN


def test_a_nat_gateway_whose_subnet_routes_back_to_it_is_a_dead_end() -> None:
    tpl = template(PublicDefault=route("PublicTable", NatGatewayId=ref("Nat")))
    assert reach(tpl) is Reach.BLOCKED
    assert ek5001(tpl) == [("Resources", "PublicDefault")]
    in_node_subnet = template(Nat=res("AWS::EC2::NatGateway", SubnetId=ref("Node"), AllocationId="eipalloc-1"))
    assert reach(in_node_subnet) is Reach.BLOCKED
    (finding,) = facts(in_node_subnet)
    assert finding.why.count("but") == 1  # a short reason, not the loop again


def test_a_nat_gateway_behind_another_leads_out_through_it() -> None:
    tpl = template(Nat2Subnet=subnet("10.0.5.0/24"), Nat2Table=res("AWS::EC2::RouteTable", VpcId=ref("Vpc")),
                   Nat2Association=association("Nat2Subnet", "Nat2Table"),
                   Nat2Default=route("Nat2Table", NatGatewayId=ref("Nat")),
                   Nat2=res("AWS::EC2::NatGateway", SubnetId=ref("Nat2Subnet"), AllocationId="eipalloc-2"),
                   PrivateDefault=route("Private", NatGatewayId=ref("Nat2")))
    assert reach(tpl) is Reach.ALLOWED


def regional(**props: object) -> Json:
    return res("AWS::EC2::NatGateway", VpcId=ref("Vpc"), AvailabilityMode="regional", **props)


def test_a_regional_nat_gateway_leads_out_through_its_vpcs_internet_gateway() -> None:
    attached = res("AWS::EC2::VPCGatewayAttachment", VpcId=ref("Vpc"), InternetGatewayId=ref("Igw"))
    assert reach(template(Nat=regional(), Attachment=attached)) is Reach.ALLOWED
    hops_without = hops(template(Nat=regional()))
    assert [h[1] for h in hops_without] == [Reach.UNKNOWN]
    assert "attaches no internet gateway" in hops_without[0][2]
    assert reach(template(Nat=regional(ConnectivityType="private"), Attachment=attached)) is Reach.UNKNOWN


@pytest.mark.parametrize(("public", "expected"), [
    (True, Reach.ALLOWED), ("true", Reach.ALLOWED), (False, Reach.BLOCKED), (None, Reach.BLOCKED),
    (ref("Public"), Reach.UNKNOWN),
])
def test_an_internet_gateway_needs_public_addresses(public: object, expected: Reach) -> None:
    node = subnet("10.0.1.0/24", **({} if public is None else {"MapPublicIpOnLaunch": public}))
    tpl = template(Node=node, PrivateDefault=route("Private", GatewayId=ref("Igw")))
    assert reach(tpl) is expected
    if expected is Reach.BLOCKED:
        where = ("Resources", "Node", "Properties", "MapPublicIpOnLaunch") if public is False else ("Resources", "Node")
        assert ek5001(tpl) == [where]


def test_a_literal_internet_gateway_id_is_an_internet_gateway() -> None:
    tpl = template(PrivateDefault=route("Private", GatewayId="igw-0123"))
    assert reach(tpl) is Reach.BLOCKED
    tpl = template(PrivateDefault=route("Private", GatewayId=ref("GatewayParameter")))
    assert reach(tpl) is Reach.UNKNOWN


def launch_template_nodes() -> Json:
    return res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
               Subnets=[ref("Node")], LaunchTemplate={"Id": ref("Lt")})


def lt(public: object) -> Json:
    return res("AWS::EC2::LaunchTemplate", LaunchTemplateData={
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": public, "Groups": [ref("NodeSg")]}]})


def test_the_launch_templates_public_address_decides_over_the_subnets() -> None:
    common = {"PrivateDefault": route("Private", GatewayId=ref("Igw")), "NodeSg": res("AWS::EC2::SecurityGroup"),
              "nodes": launch_template_nodes()}
    assert reach(template(Lt=lt(True), **common)) is Reach.ALLOWED
    off = template(Lt=lt(False), Node=subnet("10.0.1.0/24", MapPublicIpOnLaunch=True), **common)
    assert reach(off) is Reach.BLOCKED
    assert ek5001(off) == [("Resources", "Lt", "Properties", "LaunchTemplateData", "NetworkInterfaces", "0",
                            "AssociatePublicIpAddress")]


def test_a_launch_template_elsewhere_leaves_public_addresses_unknown() -> None:
    nodes = res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
                Subnets=[ref("Node")], LaunchTemplate={"Id": "lt-0123"})
    assert reach(template(nodes=nodes, PrivateDefault=route("Private", GatewayId=ref("Igw")))) is Reach.UNKNOWN


def test_private_destinations_do_not_lead_to_the_internet() -> None:
    tpl = template(PrivateDefault=route("Private", "10.0.0.0/8", TransitGatewayId="tgw-1"))
    assert reach(tpl) is Reach.BLOCKED


def test_routes_this_template_cannot_follow_are_unknown() -> None:
    for target in ({"TransitGatewayId": "tgw-1"}, {"VpcPeeringConnectionId": "pcx-1"}, {"InstanceId": "i-1"},
                   {"NetworkInterfaceId": "eni-1"}, {"VpcEndpointId": "vpce-1"}, {"GatewayId": "vgw-1"}):
        assert reach(template(PrivateDefault=route("Private", **target))) is Reach.UNKNOWN, target


def test_routes_that_cover_part_of_the_internet_are_unknown() -> None:
    tpl = template(Node=subnet("10.0.1.0/24", MapPublicIpOnLaunch=True),
                   PrivateDefault=route("Private", "52.0.0.0/8", GatewayId=ref("Igw")))
    assert reach(tpl) is Reach.UNKNOWN


def test_routes_that_cover_the_internet_together_lead_out() -> None:
    tpl = template(Node=subnet("10.0.1.0/24", MapPublicIpOnLaunch=True),
                   PrivateDefault=route("Private", "0.0.0.0/1", GatewayId=ref("Igw")),
                   Second=route("Private", "128.0.0.0/1", GatewayId=ref("Igw")))
    assert reach(tpl) is Reach.ALLOWED
    mixed = template(Node=subnet("10.0.1.0/24", MapPublicIpOnLaunch=True),
                     PrivateDefault=route("Private", "0.0.0.0/1", GatewayId=ref("Igw")),
                     Second=route("Private", "128.0.0.0/1", TransitGatewayId="tgw-1"))
    assert reach(mixed) is Reach.UNKNOWN


def test_a_destination_not_fixed_here_decides_only_when_every_target_fails() -> None:
    assert reach(template(PrivateDefault=route("Private", ref("Destination"), NatGatewayId=ref("Nat")))) \
        is Reach.UNKNOWN
    assert reach(template(PrivateDefault=route("Private", ref("Destination"), GatewayId=ref("Igw")))) \
        is Reach.BLOCKED


def test_a_prefix_list_destination_is_part_of_the_internet() -> None:
    prefix = res("AWS::EC2::Route", RouteTableId=ref("Private"), DestinationPrefixListId="pl-1",
                 NatGatewayId=ref("Nat"))
    assert reach(template(PrivateDefault=prefix)) is Reach.UNKNOWN


def test_ipv6_routes_do_not_count_for_ipv4() -> None:
    ipv6 = res("AWS::EC2::Route", RouteTableId=ref("Private"), DestinationIpv6CidrBlock="::/0",
               EgressOnlyInternetGatewayId="eigw-1")
    assert reach(template(PrivateDefault=ipv6)) is Reach.BLOCKED


@pytest.mark.parametrize("holder", ["export", "custom", "stack", "propagation"])
def test_a_route_table_others_may_change_is_not_judged(holder: str) -> None:
    extra: dict[str, Json] = {}
    outputs: Json | None = None
    if holder == "export":
        outputs = {"Table": {"Value": ref("Private"), "Export": {"Name": "table"}}}
    elif holder == "custom":
        extra["Routes"] = res("Custom::Routes", ServiceToken="arn:aws:lambda:x", Table=ref("Private"))
    elif holder == "stack":
        extra["Child"] = res("AWS::CloudFormation::Stack", TemplateURL="x", Parameters={"Table": ref("Private")})
    else:
        extra["Propagation"] = res("AWS::EC2::VPNGatewayRoutePropagation", RouteTableIds=[ref("Private")],
                                   VpnGatewayId="vgw-1")
    tpl = template(PrivateDefault=None, outputs=outputs, **extra)
    assert reach(tpl) is Reach.UNKNOWN


def test_an_output_without_export_hands_nothing_out() -> None:
    tpl = template(PrivateDefault=None, outputs={"Table": {"Value": ref("Private")}, "V": {"Value": ref("Vpc")}})
    assert reach(tpl) is Reach.BLOCKED


def test_a_subnet_without_association_uses_the_bare_main_table() -> None:
    tpl = template(NodeAssociation=None)
    assert reach(tpl) is Reach.BLOCKED
    assert ek5001(tpl) == [("Resources", "Node")]
    (finding,) = facts(tpl)
    assert finding.fix == ("Associate subnet Node with route table Private, which leads out; or add interface "
                           "endpoints with private DNS for ec2, ecr.api, ecr.dkr and sts and an S3 gateway endpoint "
                           "on the subnet's route table")


def test_the_main_table_of_a_vpc_handed_out_or_elsewhere_is_unknown() -> None:
    handed = template(NodeAssociation=None, outputs={"V": {"Value": ref("Vpc"), "Export": {"Name": "vpc"}}})
    assert reach(handed) is Reach.UNKNOWN
    elsewhere = template(NodeAssociation=None, Node=res("AWS::EC2::Subnet", VpcId=ref("VpcParameter"),
                                                        CidrBlock="10.0.1.0/24"))
    assert reach(elsewhere) is Reach.UNKNOWN


def test_a_route_table_elsewhere_is_unknown() -> None:
    tpl = template(NodeAssociation=res("AWS::EC2::SubnetRouteTableAssociation", SubnetId=ref("Node"),
                                       RouteTableId="rtb-1"))
    assert reach(tpl) is Reach.UNKNOWN


def test_complete_endpoints_with_private_dns_lead_to_the_apis() -> None:
    assert reach(template(PrivateDefault=None, **ENDPOINTS)) is Reach.ALLOWED


@pytest.mark.parametrize("service", ["Ec2", "EcrApi", "EcrDkr", "Sts", "S3"])
def test_each_endpoint_is_needed(service: str) -> None:
    tpl = template(PrivateDefault=None, **{**ENDPOINTS, service: None})
    assert reach(tpl) is Reach.BLOCKED


@pytest.mark.parametrize(("dns", "expected"), [(None, Reach.BLOCKED), (False, Reach.BLOCKED),
                                               (ref("Dns"), Reach.UNKNOWN), ("true", Reach.ALLOWED)])
def test_interface_endpoints_need_private_dns(dns: object, expected: Reach) -> None:
    props = {"VpcEndpointType": "Interface", **({} if dns is None else {"PrivateDnsEnabled": dns})}
    sts = res("AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), ServiceName="com.amazonaws.us-east-1.sts", **props)
    assert reach(template(PrivateDefault=None, **{**ENDPOINTS, "Sts": sts})) is expected


def test_the_s3_gateway_endpoint_must_be_on_the_nodes_route_table() -> None:
    other = {**ENDPOINTS, "S3": endpoint("s3", RouteTableIds=[ref("PublicTable")])}
    assert reach(template(PrivateDefault=None, **other)) is Reach.BLOCKED
    interface = {**ENDPOINTS, "S3": endpoint("s3", VpcEndpointType="Interface", PrivateDnsEnabled=True)}
    assert reach(template(PrivateDefault=None, **interface)) is Reach.ALLOWED


def test_endpoints_of_another_vpc_do_not_serve() -> None:
    elsewhere = {name: {**body, "Properties": {**body["Properties"], "VpcId": "vpc-1"}}  # type: ignore[dict-item]
                 for name, body in ENDPOINTS.items()}
    assert reach(template(PrivateDefault=None, **elsewhere)) is Reach.BLOCKED


def test_a_vpc_handed_out_without_endpoints_here_is_not_judged() -> None:
    tpl = template(PrivateDefault=None, outputs={"V": {"Value": ref("Vpc"), "Export": {"Name": "vpc"}}})
    assert reach(tpl) is Reach.UNKNOWN
    with_some = template(PrivateDefault=None, outputs={"V": {"Value": ref("Vpc"), "Export": {"Name": "vpc"}}},
                         Sts=endpoint("sts"))
    assert reach(with_some) is Reach.BLOCKED  # the endpoints are this template's: the missing ones are missing


@pytest.mark.parametrize(("private", "expected"), [(False, Reach.BLOCKED), (None, Reach.BLOCKED),
                                                   (ref("Private"), Reach.UNKNOWN), (True, Reach.ALLOWED)])
def test_a_public_only_api_server_needs_the_internet_whatever_endpoints(private: object, expected: Reach) -> None:
    config: Json = {"SubnetIds": [ref("Node")], **({} if private is None else {"EndpointPrivateAccess": private})}
    cluster = res("AWS::EKS::Cluster", RoleArn="arn:aws:iam::1:role/eks", ResourcesVpcConfig=config)
    assert reach(template(PrivateDefault=None, Cluster=cluster, **ENDPOINTS)) is expected


def test_a_cluster_elsewhere_may_have_only_a_public_endpoint() -> None:
    nodes = res("AWS::EKS::Nodegroup", ClusterName="prod", NodeRole="arn:aws:iam::1:role/n", Subnets=[ref("Node")])
    assert reach(template(nodes=nodes, Cluster=None, PrivateDefault=None, **ENDPOINTS)) is Reach.UNKNOWN
    assert reach(template(nodes=nodes, Cluster=None)) is Reach.ALLOWED  # the NAT path serves any endpoint


def test_a_conditional_route_fails_in_its_scenario_only() -> None:
    conditional = {**route("Private", NatGatewayId=ref("Nat")), "Condition": "UseNat"}
    tpl = template(PrivateDefault=conditional, conditions={"UseNat": {"Fn::Equals": [ref("P"), "yes"]}})
    tpl["Parameters"] = {"P": {"Type": "String"}}
    assert [f.when for f in facts(tpl)] == [" when UseNat is false"]


def test_subnets_this_template_does_not_create_are_not_judged() -> None:
    nodes = res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
                Subnets=[ref("SubnetParameter")])
    tpl = template(nodes=nodes, PrivateDefault=None)
    assert hops(tpl) == [] and ek5001(tpl) == []


def test_subnets_sharing_a_cause_are_one_finding() -> None:
    nodes = res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
                Subnets=[ref("Node"), ref("Node2")])
    tpl = template(nodes=nodes, PrivateDefault=None, Node2=subnet("10.0.2.0/24"),
                   Node2Association=association("Node2", "Private"))
    assert [f.subnets for f in facts(tpl)] == [("Node", "Node2")]


def test_getatt_names_a_nat_gateway_too() -> None:
    tpl = template(PrivateDefault=route("Private", NatGatewayId=getatt("Nat", "NatGatewayId")))
    assert reach(tpl) is Reach.ALLOWED


def test_the_fix_names_a_table_that_leads_out_and_no_subnet_uses() -> None:
    """Subnets left on the main table while their NAT table sits unused (a real template's slip)."""
    tpl = template(NodeAssociation=None, Spare=res("AWS::EC2::RouteTable", VpcId=ref("Vpc")),
                   SpareDefault=route("Spare", NatGatewayId=ref("Nat")),
                   Node=subnet("10.0.1.0/24", MapPublicIpOnLaunch=True))
    (finding,) = facts(template(NodeAssociation=None, Spare=res("AWS::EC2::RouteTable", VpcId=ref("Vpc")),
                                SpareDefault=route("Spare", NatGatewayId=ref("Nat"))))
    assert finding.fix.startswith("Associate subnet Node with route table Private, which leads out")
    (finding,) = facts(tpl)  # Public leads out too (public addresses), but a subnet uses it; Private and Spare do not
    assert finding.fix.startswith("Associate subnet Node with route table Private, which leads out")
