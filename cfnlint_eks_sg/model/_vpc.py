"""Pipeline stage `model` (VPC routing values): subnets, route tables, routes and NAT gateways the template creates.

Values only; `_routing` reads them. What another stack, a parameter or an import gives is never filled in
with a default: a route whose destination is not written down has `destination=None`, a target this template
does not show is `Target.UNKNOWN`, a subnet's table created elsewhere is `None` (STYLE.md 3.4).
Sources: VPC user guide, "Route tables" and "NAT gateways" (links in docs/rules/EK5001.md).
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from cfnlint_eks_sg.core._cidrs import Range
from cfnlint_eks_sg.core._guards import Guard, Scenario
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.model._types import Setting, Truth

# The resource types the routing model reads (their properties are reduced to one form first, `_reader`).
ROUTING_TYPES: Final = frozenset({
    "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::NatGateway",
})


class Target(Enum):
    """Where a route sends traffic (`AWS::EC2::Route`'s target properties)."""

    INTERNET_GATEWAY = "an internet gateway"
    NAT_GATEWAY = "a NAT gateway"
    EGRESS_ONLY_GATEWAY = "an egress-only internet gateway"
    VPN_GATEWAY = "a virtual private gateway"
    TRANSIT_GATEWAY = "a transit gateway"
    PEERING = "a VPC peering connection"
    INSTANCE = "an instance"
    NETWORK_INTERFACE = "a network interface"
    VPC_ENDPOINT = "a Gateway Load Balancer or firewall endpoint"
    CARRIER_GATEWAY = "a carrier gateway"
    LOCAL_GATEWAY = "a local gateway"
    CORE_NETWORK = "a Cloud WAN core network"
    UNKNOWN = "a gateway this template does not show"


@record
class Route(Record):
    """One route of a route table. `destination` is None when the template does not fix it (a parameter, a
    prefix list); `via` is the target's logical id when this template creates it."""

    table: str
    destination: Range | None
    shown: str  # the destination as written, for messages
    target: Target
    via: str | None
    guard: Guard
    path: Path


@record
class RouteTable(Record):
    """A route table this template creates. `handed_out`: other stacks may add routes to it (an export, a nested
    stack's parameter, a custom resource's property)."""

    name: str
    vpc: str | None
    handed_out: bool
    guard: Guard
    path: Path


@record
class Association(Record):
    """A subnet's explicit route table, when `guard` holds; `table` is None for a table created elsewhere."""

    table: str | None
    guard: Guard
    path: Path


@record
class Subnet(Record):
    """A subnet this template creates: its VPC, whether instances get public IPv4 addresses, its route tables."""

    name: str
    vpc: str | None
    public_ips: tuple[Setting, ...]  # MapPublicIpOnLaunch per Fn::If branch (default false)
    associations: tuple[Association, ...]
    guard: Guard
    path: Path


@record
class NatGateway(Record):
    """A NAT gateway this template creates: its subnet (None: a regional one, or one given elsewhere)."""

    name: str
    subnet: str | None
    private: Truth  # ConnectivityType private: it reaches other networks, never the internet
    guard: Guard
    path: Path


class Routing:
    """What the template shows of its VPCs' routing (a plain class: see `Model`)."""

    def __init__(self) -> None:
        self.subnets: dict[str, Subnet] = {}
        self.tables: dict[str, RouteTable] = {}
        self.routes: dict[str, list[Route]] = {}  # by route table
        self.nat_gateways: dict[str, NatGateway] = {}
        # VPCs created here whose main route table nothing else can touch: it keeps only the local route, since
        # no attribute of AWS::EC2::VPC names it (a custom resource could, so a VPC one names is left out).
        self.bare_main_tables: set[str] = set()
        self.handed_out_vpcs: set[str] = set()  # exported: other stacks may add endpoints to them

    def table_of(self, subnet: Subnet, scenario: Scenario) -> Association | None:
        """The subnet's explicit association in `scenario`; None: it uses its VPC's main route table."""
        return next((a for a in subnet.associations if a.guard.holds(scenario)), None)
