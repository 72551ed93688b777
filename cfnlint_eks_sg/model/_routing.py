"""Pipeline stage `model` (routing): the subnets, route tables, routes and NAT gateways a template creates.

Read only when the template creates subnets (nothing routes from a subnet it does not show). A route table or
VPC that other stacks or code may change (an export, a nested stack's parameter, a custom resource, a function,
an SSM parameter, route propagation) is marked so: a route it lacks here may be added there.
Sources: VPC user guide, "Route tables", "Subnet route tables", "NAT gateways" (docs/rules/EK5001.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from cfnlint_eks_sg.core._cidrs import Block, Range, network
from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, parse_port, parse_protocol, port_set
from cfnlint_eks_sg.core._resolve import Path, function, get, present, references, short_form
from cfnlint_eks_sg.model._compute import ComputeReader, boolean
from cfnlint_eks_sg.model._reader import ROUTING_TYPES
from cfnlint_eks_sg.model._types import Truth
from cfnlint_eks_sg.model._vpc import (
    DEFAULT_ACL_RULE,
    EVERY_IPV4,
    AclEntry,
    Association,
    NatGateway,
    NetworkAcl,
    Route,
    RouteTable,
    Routing,
    Subnet,
    Target,
    default_acl,
)

# Resources that hand a logical id to other stacks or to code, which may add routes or endpoints with it.
_CHANGERS: Final = frozenset({
    "AWS::CloudFormation::Stack", "AWS::CloudFormation::CustomResource", "AWS::Lambda::Function",
    "AWS::SSM::Parameter", "AWS::EC2::VPNGatewayRoutePropagation",
})
# AWS::EC2::Route's target properties; GatewayId names an internet or a virtual private gateway.
_TARGETS: Final = (
    ("GatewayId", Target.UNKNOWN), ("NatGatewayId", Target.NAT_GATEWAY),
    ("EgressOnlyInternetGatewayId", Target.EGRESS_ONLY_GATEWAY), ("TransitGatewayId", Target.TRANSIT_GATEWAY),
    ("VpcPeeringConnectionId", Target.PEERING), ("InstanceId", Target.INSTANCE),
    ("NetworkInterfaceId", Target.NETWORK_INTERFACE), ("VpcEndpointId", Target.VPC_ENDPOINT),
    ("CarrierGatewayId", Target.CARRIER_GATEWAY), ("LocalGatewayId", Target.LOCAL_GATEWAY),
    ("CoreNetworkArn", Target.CORE_NETWORK),
)
_GATEWAY_TYPES: Final = {"AWS::EC2::InternetGateway": Target.INTERNET_GATEWAY,
                         "AWS::EC2::VPNGateway": Target.VPN_GATEWAY}
_GATEWAY_PREFIXES: Final = {"igw-": Target.INTERNET_GATEWAY, "vgw-": Target.VPN_GATEWAY}


def read_routing(reader: ComputeReader) -> None:
    """The template's routing into `reader.model.routing`."""
    reader.reduce_types(ROUTING_TYPES)
    RoutingReader(reader).read()


class RoutingReader:
    """Subnets, their route tables, routes and network ACLs, and NAT gateways, read with a model reader's help."""

    def __init__(self, reader: ComputeReader) -> None:
        self.reader = reader

    def read(self) -> None:
        subnets = self.reader.by_type.get("AWS::EC2::Subnet")
        if not subnets:
            return
        routing = Routing()
        handed = self._handed_out()
        for name in self.reader.by_type.get("AWS::EC2::RouteTable", []):
            vpc = self.reader.vpc_named(get(self.reader._props(name), "VpcId"))
            routing.tables[name] = RouteTable(name, vpc, name in handed, self.reader._guard(name), ("Resources", name))
            routing.routes[name] = []
        for name in self.reader.by_type.get("AWS::EC2::Route", []):
            for route in self._routes(name):
                routing.routes[route.table].append(route)
        associations = self._associations()
        for name in subnets:
            props = self.reader._props(name)
            base: Path = ("Resources", name, "Properties")
            guard = self.reader._guard(name)
            routing.subnets[name] = Subnet(
                name, self.reader.vpc_named(get(props, "VpcId")),
                self.reader._setting(props, base, "MapPublicIpOnLaunch", Truth.FALSE, guard),
                tuple(associations.get(name, ())), guard, ("Resources", name),
                block=self.reader._subnet_block({"Ref": name}) or Block(None))
        for name in self.reader.by_type.get("AWS::EC2::NatGateway", []):
            props = self.reader._props(name)
            kind = get(props, "ConnectivityType")
            private = (Truth.FALSE if kind is None else Truth.of(kind.lower() == "private") if isinstance(kind, str)
                       else Truth.UNKNOWN)
            subnet = self.reader.subnet_named(get(props, "SubnetId"))
            vpc = self.reader.vpc_named(get(props, "VpcId"))
            if vpc is None and subnet is not None:
                vpc = self.reader.vpc_named(get(self.reader._props(subnet), "VpcId"))
            routing.nat_gateways[name] = NatGateway(name, subnet, private, self.reader._guard(name),
                                                    ("Resources", name), vpc)
        for name in self.reader.by_type.get("AWS::EC2::VPCGatewayAttachment", []):
            props = self.reader._props(name)
            vpc = self.reader.vpc_named(get(props, "VpcId"))
            if vpc is not None and get(props, "InternetGatewayId") is not None:
                routing.internet_vpcs.add(vpc)
        for name in self.reader.by_type.get("AWS::EC2::VPC", []):
            if name in handed:
                routing.handed_out_vpcs.add(name)
            else:
                routing.bare_main_tables.add(name)
        self._read_acls(routing, handed)
        self.reader.model.routing = routing

    def _read_acls(self, routing: Routing, handed: set[str]) -> None:
        """Network ACLs: each template VPC's default ACL (all traffic allowed at rule 100, in and out), the
        template's own ACLs (everything denied until entries allow it), their entries and subnet associations."""
        for vpc in self.reader.by_type.get("AWS::EC2::VPC", []):
            name = default_acl(vpc)
            guard, path = self.reader._guard(vpc), ("Resources", vpc)
            routing.acls[name] = NetworkAcl(name, vpc, True, vpc in handed, guard, path)
            routing.acl_entries[name] = [
                AclEntry(name, DEFAULT_ACL_RULE, Truth.of(egress), Truth.TRUE, ALL_TRAFFIC, ALL_PORTS,
                         Range((EVERY_IPV4,)), "0.0.0.0/0", guard, path) for egress in (False, True)]
        for name in self.reader.by_type.get("AWS::EC2::NetworkAcl", []):
            routing.acls[name] = NetworkAcl(name, self.reader.vpc_named(get(self.reader._props(name), "VpcId")), False,
                                            name in handed, self.reader._guard(name), ("Resources", name))
            routing.acl_entries[name] = []
        for name in self.reader.by_type.get("AWS::EC2::NetworkAclEntry", []):
            acl = self._acl_named(get(self.reader._props(name), "NetworkAclId"))
            if acl is not None and acl in routing.acls:
                routing.acl_entries[acl].append(self._acl_entry(name, acl))
        for name in self.reader.by_type.get("AWS::EC2::SubnetNetworkAclAssociation", []):
            props = self.reader._props(name)
            subnet = self.reader.subnet_named(get(props, "SubnetId"))
            if subnet is None or subnet not in routing.subnets:
                continue
            association = Association(self._acl_named(get(props, "NetworkAclId")), self.reader._guard(name),
                                      ("Resources", name))
            known = routing.subnets[subnet]
            routing.subnets[subnet] = Subnet(known.name, known.vpc, known.public_ips, known.associations,
                                             known.guard, known.path, (*known.acl_associations, association),
                                             known.block)

    def _acl_named(self, value: object) -> str | None:
        """`!Ref Acl`, or `!GetAtt Vpc.DefaultNetworkAcl` of a template VPC."""
        named = self.reader.resource_named(value, "AWS::EC2::NetworkAcl")
        if named is not None:
            return named
        fn = function(value)
        if fn is not None and fn[0] == "Fn::GetAtt":
            parts = fn[1] if isinstance(fn[1], list) else str(fn[1]).split(".", 1)
            if len(parts) == 2 and parts[1] == "DefaultNetworkAcl" and self.reader._type(parts[0]) == "AWS::EC2::VPC":
                return default_acl(str(parts[0]))
        return None

    def _acl_entry(self, name: str, acl: str) -> AclEntry:
        props = self.reader._props(name)
        protocol = parse_protocol(get(props, "Protocol"))
        span = get(props, "PortRange")
        ports = (port_set(protocol, parse_port(get(span, "From")), parse_port(get(span, "To")))
                 if protocol is not None else ALL_PORTS)
        egress = get(props, "Egress")
        action = get(props, "RuleAction")
        cidr, shown, ipv6 = self._entry_range(props)
        outbound = boolean(egress, TRUE, ()).value if egress is not None else Truth.FALSE  # Egress defaults to false
        return AclEntry(acl, parse_port(get(props, "RuleNumber")), outbound,
                        Truth.of(action.strip().lower() == "allow") if isinstance(action, str) and
                        action.strip().lower() in ("allow", "deny") else Truth.UNKNOWN,
                        protocol, ports, cidr, shown, self.reader._guard(name), ("Resources", name), ipv6)

    def _entry_range(self, props: object) -> tuple[Range | None, str, bool]:
        """An entry's range, as written, and whether it is an IPv6 one (which never matches IPv4 traffic)."""
        for key in ("CidrBlock", "Ipv6CidrBlock"):
            value = get(props, key)
            if value is not None:
                shown = value if isinstance(value, str) else short_form(value)
                if key == "Ipv6CidrBlock":
                    block = network(value)
                    return (Range((block,)) if block is not None else None), str(shown), True
                return self.reader.cidr_range(value) or self._subnet_range(value), str(shown), False
        return None, "no range", False

    def _subnet_range(self, value: object) -> Range | None:
        """`!GetAtt Subnet.CidrBlock` of a subnet of this template whose block it fixes."""
        fn = function(value)
        if fn is None or fn[0] != "Fn::GetAtt":
            return None
        parts = fn[1] if isinstance(fn[1], list) else str(fn[1]).split(".", 1)
        if len(parts) != 2 or parts[1] != "CidrBlock" or self.reader._type(parts[0]) != "AWS::EC2::Subnet":
            return None
        block = self.reader._subnet_block({"Ref": str(parts[0])})
        return Range((block.network,)) if block is not None and block.network else None

    def _routes(self, name: str) -> list[Route]:
        """One route per Fn::If branch of its table, destination and target; none for a table created elsewhere."""
        props = self.reader._props(name)
        base: Path = ("Resources", name, "Properties")
        found: list[Route] = []
        for table in present(get(props, "RouteTableId"), (*base, "RouteTableId"), self.reader._guard(name)):
            table_name = self.reader.resource_named(table.value, "AWS::EC2::RouteTable")
            if table_name is None:
                continue
            key = next((k for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
                        if get(props, k) is not None), "DestinationCidrBlock")
            for destination in present(get(props, key), (*base, key), table.guard):
                covers = self._destination(key, destination.value)
                shown = (destination.value if isinstance(destination.value, str) else short_form(destination.value))
                for target, via, guard in self._target(props, base, destination.guard):
                    found.append(Route(table_name, covers, str(shown), target, via, guard, ("Resources", name)))
        return found

    def _destination(self, key: str, value: object) -> Range | None:
        if key == "DestinationPrefixListId":
            return None  # an AWS-managed or customer list: which addresses is not fixed here
        if key == "DestinationIpv6CidrBlock":
            block = network(value)
            return Range((block,)) if block is not None else None
        found = self.reader.cidr_range(value)
        return found if found is not None and found.networks else None

    def _target(self, props: object, base: Path, guard: Guard) -> list[tuple[Target, str | None, Guard]]:
        key, kind = next(((k, t) for k, t in _TARGETS if get(props, k) is not None), ("GatewayId", Target.UNKNOWN))
        found: list[tuple[Target, str | None, Guard]] = []
        for alt in present(get(props, key), (*base, key), guard):
            if key == "GatewayId":
                found.append(self._gateway(alt.value, alt.guard))
            elif key == "NatGatewayId":
                found.append((kind, self.reader.resource_named(alt.value, "AWS::EC2::NatGateway"), alt.guard))
            else:
                found.append((kind, None, alt.guard))
        return found or [(Target.UNKNOWN, None, guard)]

    def _gateway(self, value: object, guard: Guard) -> tuple[Target, str | None, Guard]:
        """An internet or virtual private gateway, by its resource or its literal id; else not known here."""
        for rtype, target in _GATEWAY_TYPES.items():
            named = self.reader.resource_named(value, rtype)
            if named is not None:
                return target, named, guard
        text = value.strip() if isinstance(value, str) else ""
        prefix = next((t for p, t in _GATEWAY_PREFIXES.items() if text.startswith(p)), Target.UNKNOWN)
        return prefix, None, guard

    def _associations(self) -> dict[str, list[Association]]:
        found: dict[str, list[Association]] = {}
        for name in self.reader.by_type.get("AWS::EC2::SubnetRouteTableAssociation", []):
            props = self.reader._props(name)
            base: Path = ("Resources", name, "Properties")
            for subnet in present(get(props, "SubnetId"), (*base, "SubnetId"), self.reader._guard(name)):
                subnet_name = self.reader.subnet_named(subnet.value)
                if subnet_name is None:
                    continue
                for table in present(get(props, "RouteTableId"), (*base, "RouteTableId"), subnet.guard):
                    named = self.reader.resource_named(table.value, "AWS::EC2::RouteTable")
                    found.setdefault(subnet_name, []).append(Association(named, table.guard, ("Resources", name)))
        return found

    def _handed_out(self) -> set[str]:
        """Logical ids other stacks or code may be given: exported outputs, and what `_CHANGERS` name."""
        places: list[object] = []
        outputs = self.reader.outputs
        for output in outputs.values() if isinstance(outputs, Mapping) else ():
            if get(output, "Export") is not None:
                places.append(get(output, "Value"))
        for resource in self.reader.resources.values():
            rtype = str(resource["Type"])
            if rtype in _CHANGERS or rtype.startswith("Custom::"):
                places.append(resource.get("Properties"))
        return {logical_id for place in places for logical_id in references(place)}

