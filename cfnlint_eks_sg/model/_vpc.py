"""Pipeline stage `model` (VPC routing values): subnets, route tables, routes and NAT gateways the template creates.

Values only; `_routing` reads them. What another stack, a parameter or an import gives is never filled in
with a default: a route whose destination is not written down has `destination=None`, a target this template
does not show is `Target.UNKNOWN`, a subnet's table created elsewhere is `None` (STYLE.md 3.4).
Sources: VPC user guide, "Route tables" and "NAT gateways" (links in docs/rules/EK5001.md).
"""

from __future__ import annotations

from enum import Enum
from ipaddress import IPv4Network
from typing import Final

from cfnlint_eks_sg.core._cidrs import Block, Network, Range
from cfnlint_eks_sg.core._guards import Guard, Scenario
from cfnlint_eks_sg.core._ports import IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.model._types import Setting, Truth

DEFAULT_ACL_RULE: Final = 100  # a default network ACL's allow-all entries (VPC user guide, "Default network ACL")
_DEFAULT_ENTRIES: Final = ("inbound", "outbound")  # one allow-all entry each way
EVERY_IPV4: Final[Network] = IPv4Network("0.0.0.0/0")


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
    """A subnet's explicit route table or network ACL, when `guard` holds; `target` is None for one created
    elsewhere."""

    target: str | None
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
    acl_associations: tuple[Association, ...] = ()  # none: the VPC's default network ACL
    block: Block = Block(None)  # its IPv4 block, and the VPC whose primary block holds it


@record
class NatGateway(Record):
    """A NAT gateway this template creates: its subnet (None: a regional one, or one given elsewhere)."""

    name: str
    subnet: str | None
    private: Truth  # ConnectivityType private: it reaches other networks, never the internet
    guard: Guard
    path: Path
    vpc: str | None = None  # a regional NAT gateway's VpcId (or a zonal one's subnet's VPC)


@record
class NetworkAcl(Record):
    """A network ACL: one the template creates, or the default ACL of a VPC it creates (`default`), which allows
    all traffic at rule 100 until entries numbered before it say otherwise. `handed_out`: others may add entries."""

    name: str
    vpc: str | None
    default: bool
    handed_out: bool
    guard: Guard
    path: Path


@record
class AclEntry(Record):
    """One entry of a network ACL. What the template does not fix is None (number, protocol, range) or UNKNOWN."""

    acl: str
    number: int | None
    egress: Truth  # outbound (Egress: true) or inbound (the default)
    allow: Truth  # RuleAction
    protocol: IpProtocol | None
    ports: PortSet  # the destination ports it matches for its protocol (every port for -1)
    cidr: Range | None  # CidrBlock or Ipv6CidrBlock
    shown: str  # the range as written
    guard: Guard
    path: Path
    ipv6: bool = False  # an Ipv6CidrBlock entry: it never matches IPv4 traffic, whatever its range


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
        self.internet_vpcs: set[str] = set()  # VPCs this template attaches an internet gateway to
        self.acls: dict[str, NetworkAcl] = {}  # by logical id, or `default_acl(vpc)` for a VPC's default ACL
        self.acl_entries: dict[str, list[AclEntry]] = {}  # by ACL, in the template's order

    def condition_names(self) -> set[str]:
        """Every condition the routing and network ACLs hang on."""
        guards: list[Guard] = [s.guard for s in self.subnets.values()]
        guards += [a.guard for s in self.subnets.values() for a in (*s.associations, *s.acl_associations)]
        guards += [t.guard for t in self.tables.values()]
        guards += [r.guard for routes in self.routes.values() for r in routes]
        guards += [n.guard for n in self.nat_gateways.values()]
        guards += [a.guard for a in self.acls.values()]
        guards += [e.guard for entries in self.acl_entries.values() for e in entries]
        names = {name for guard in guards for name in guard.names()}
        for subnet in self.subnets.values():
            names |= {name for setting in subnet.public_ips for name in setting.guard.names()}
        return names

    def acls_shown(self) -> bool:
        """Whether any network ACL here may block anything: a custom ACL, or an entry added to a default one."""
        return any(not acl.default or len(self.acl_entries[name]) > len(_DEFAULT_ENTRIES)
                   for name, acl in self.acls.items())

    def acl_condition_names(self) -> set[str]:
        """Every condition the network ACLs, their entries and the subnets' ACL associations hang on."""
        guards: list[Guard] = [s.guard for s in self.subnets.values()]
        guards += [a.guard for s in self.subnets.values() for a in s.acl_associations]
        guards += [a.guard for a in self.acls.values()]
        guards += [e.guard for entries in self.acl_entries.values() for e in entries]
        return {name for guard in guards for name in guard.names()}

    def table_of(self, subnet: Subnet, scenario: Scenario) -> Association | None:
        """The subnet's explicit association in `scenario`; None: it uses its VPC's main route table."""
        return next((a for a in subnet.associations if a.guard.holds(scenario)), None)

    def acl_of(self, subnet: Subnet, scenario: Scenario) -> Association:
        """The subnet's network ACL in `scenario`: its association, else its VPC's default ACL (`target` None: one
        this template does not show)."""
        explicit = next((a for a in subnet.acl_associations if a.guard.holds(scenario)), None)
        if explicit is not None:
            return explicit
        default = default_acl(subnet.vpc) if subnet.vpc is not None else None
        return Association(default if default in self.acls else None, subnet.guard, subnet.path)


def default_acl(vpc: str) -> str:
    """The key of a template VPC's default network ACL (what `!GetAtt Vpc.DefaultNetworkAcl` names)."""
    return f"{vpc}.DefaultNetworkAcl"
