"""Pipeline stage `paths`: the route hop of the nodes' path to the AWS APIs, from each subnet they may be in.

AWS routes a packet by the route table of the subnet it leaves (an explicit association, else the VPC's main
table) and, in it, by the most specific route that holds the destination. The AWS APIs' public addresses are
not fixed, so every route that may hold a public IPv4 address counts: an internet gateway carries only traffic
of interfaces with a public address; a public NAT gateway carries it when its own subnet routes to an internet
gateway; a private NAT gateway's traffic goes where its subnet routes, and an internet gateway drops it;
anything else (transit gateway, peering, virtual private gateway, appliance, firewall) is not followed here:
UNKNOWN. The other way out is VPC endpoints that answer the default service names: interface endpoints with
private DNS for each of `API_SERVICES` and an S3 gateway endpoint on the subnet's route table.
Sources (docs/rules/EK5001.md): VPC user guide "Route tables", "NAT gateways"; PrivateLink guide; EKS user guide
"Deploy private clusters with limited internet access".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cfnlint_eks_sg.core._cidrs import Network, off_internet, reaches_internet
from cfnlint_eks_sg.core._guards import Scenario
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.flows._reach import Reach
from cfnlint_eks_sg.model._types import Model, Setting, Truth, VpcEndpoint, setting_in
from cfnlint_eks_sg.model._vpc import NatGateway, Route, Routing, Subnet, Target

# The interface endpoints nodes without a way to the internet need (EKS user guide, private clusters); S3 apart.
API_SERVICES: Final = ("ec2", "ecr.api", "ecr.dkr", "sts")
_MAX_NAT_HOPS: Final = 3  # NAT gateways behind NAT gateways: a longer chain is not followed


@record
class Leg(Record):
    """One way out of a subnet (its routes, or VPC endpoints): reach, why, the resource to edit, what to change."""

    reach: Reach
    why: str
    where: Path
    fix: str = ""


@record
class RouteHop(Record):
    """The nodes' way to the AWS APIs from one subnet: through its routes, or through VPC endpoints."""

    subnet: str
    reach: Reach
    why: str
    where: Path  # what to edit when BLOCKED: the route table, the subnet, the NAT gateway's table
    fix: str = ""  # what to change there, when BLOCKED


def api_routes(model: Model, subnets: Sequence[str], public_ips: tuple[Setting, ...], private_endpoint: Truth,
               scenario: Scenario) -> list[RouteHop]:
    """The hop of each subnet this template creates among `subnets` (the node group's) in `scenario`.
    `public_ips` is what the nodes' launch template says of public addresses (() : the subnet decides);
    `private_endpoint` whether the cluster's API server has a private endpoint (without one, the nodes reach it
    through the internet, whatever VPC endpoints there are)."""
    routing = model.routing
    if routing is None:
        return []
    hops: list[RouteHop] = []
    for name in subnets:
        subnet = routing.subnets.get(name)
        if subnet is None or not subnet.guard.holds(scenario):
            continue
        internet = _internet_leg(routing, subnet, _public(subnet, public_ips, scenario), scenario)
        if internet.reach is Reach.ALLOWED:
            hops.append(RouteHop(name, Reach.ALLOWED, internet.why, internet.where))
            continue
        endpoints = _endpoint_leg(model, routing, subnet, scenario)
        if endpoints.reach is not Reach.BLOCKED and private_endpoint is not Truth.TRUE:
            public_only = ("the cluster's API server has only a public endpoint, which the nodes reach through the "
                           "internet (no VPC endpoint serves it)")
            endpoints = (Leg(Reach.BLOCKED, public_only, subnet.path,
                             "Enable EndpointPrivateAccess on the cluster") if private_endpoint is Truth.FALSE else
                         Leg(Reach.UNKNOWN, "whether the cluster's API server has a private endpoint is not fixed "
                                            "here, and without one the nodes reach it through the internet",
                             subnet.path))
        if endpoints.reach is Reach.ALLOWED:
            hops.append(RouteHop(name, Reach.ALLOWED, endpoints.why, endpoints.where))
        elif internet.reach is Reach.BLOCKED and endpoints.reach is Reach.BLOCKED:
            fix = internet.fix + (f"; or {endpoints.fix[0].lower()}{endpoints.fix[1:]}" if endpoints.fix else "")
            hops.append(RouteHop(name, Reach.BLOCKED, f"{internet.why}; and {endpoints.why}", internet.where, fix))
        else:
            unsure = internet if internet.reach is Reach.UNKNOWN else endpoints
            hops.append(RouteHop(name, Reach.UNKNOWN, unsure.why, unsure.where))
    return hops


@record
class PublicIps(Record):
    """Whether the nodes' primary interfaces get a public IPv4 address, where that is set, and how it reads."""

    value: Truth
    where: Path
    shown: str
    fix: str  # how to give them one


def _public(subnet: Subnet, public_ips: tuple[Setting, ...], scenario: Scenario) -> PublicIps:
    own = [s for s in public_ips if s.guard.holds(scenario)]
    if own:
        value = own[0].value if len({s.value for s in own}) == 1 else Truth.UNKNOWN
        return PublicIps(value, own[0].path, own[0].shown or f"their AssociatePublicIpAddress is {value.value}",
                         "Set AssociatePublicIpAddress to true on the nodes' primary network interface, or route "
                         "them through a NAT gateway")
    setting = next((s for s in subnet.public_ips if s.guard.holds(scenario)), None)
    value = setting_in(subnet.public_ips, scenario)
    fix = (f"Set MapPublicIpOnLaunch to true on subnet {subnet.name}, or route it through a NAT gateway in a public "
           "subnet")
    if setting is not None and setting.explicit:
        return PublicIps(value, setting.path, f"MapPublicIpOnLaunch of subnet {subnet.name} is "
                                              f"{setting.shown or value.value}", fix)
    return PublicIps(value, subnet.path, f"subnet {subnet.name} does not set MapPublicIpOnLaunch (false by default)",
                     fix)


def _internet_leg(routing: Routing, subnet: Subnet, public: PublicIps, scenario: Scenario,
                  seen: tuple[str, ...] = ()) -> Leg:
    """The subnet's routes towards public IPv4 addresses; `seen` are the NAT gateways on the way here."""
    association = routing.table_of(subnet, scenario)
    if association is None:
        if subnet.vpc in routing.bare_main_tables:
            # A table that leads out and no subnet uses is the likeliest one meant for this subnet.
            used = {a.target for other in routing.subnets.values() for a in other.associations}
            leading = sorted((t for t in _tables_of(routing, subnet.vpc, scenario)
                              if _table_leg(routing, t, public, scenario, seen).reach is Reach.ALLOWED),
                             key=lambda t: t in used)
            fix = (f"Associate subnet {subnet.name} with route table {leading[0]}, which leads out" if leading else
                   f"Associate subnet {subnet.name} with a route table that has a route to 0.0.0.0/0 through a NAT "
                   "gateway in a public subnet (or an internet gateway, for nodes with public addresses)")
            return Leg(Reach.BLOCKED, f"subnet {subnet.name} has no route table association, so it uses the main "
                                      f"route table of {subnet.vpc}, which has only the local route (no attribute "
                                      "of AWS::EC2::VPC names it, so this template cannot add routes to it)",
                       subnet.path, fix)
        return Leg(Reach.UNKNOWN, f"subnet {subnet.name} uses the main route table of its VPC, which this template "
                                  "does not show", subnet.path)
    if association.target is None:
        return Leg(Reach.UNKNOWN, f"subnet {subnet.name} uses a route table defined elsewhere", association.path)
    return _table_leg(routing, association.target, public, scenario, seen)


def _tables_of(routing: Routing, vpc: str | None, scenario: Scenario) -> list[str]:
    return [t.name for t in routing.tables.values() if t.vpc == vpc and t.guard.holds(scenario)]


def _table_leg(routing: Routing, name: str, public: PublicIps, scenario: Scenario, seen: tuple[str, ...]) -> Leg:
    """A route table's routes towards public IPv4 addresses, for interfaces with `public` addresses."""
    table = routing.tables[name]
    routes = [r for r in routing.routes[table.name] if r.guard.holds(scenario) and _may_hold_public(r)]
    if not routes:
        if table.handed_out:
            return Leg(Reach.UNKNOWN, f"route table {table.name} has no route to the internet here, and it is handed "
                                      "to other stacks or code, which may add one", table.path)
        target = ("an internet gateway" if seen else "a NAT gateway in a public subnet (or an internet gateway, for "
                  "nodes with public addresses)")
        return Leg(Reach.BLOCKED, f"route table {table.name} has no route to the internet (0.0.0.0/0)", table.path,
                   f"Add a route to 0.0.0.0/0 through {target} to route table {table.name}")
    legs = [_target_leg(routing, route, public, scenario, seen) for route in routes]
    if all(leg.reach is Reach.BLOCKED for leg in legs):
        return legs[0]
    networks: list[Network] = [n for r in routes if r.destination is not None for n in r.destination.networks]
    whole = all(r.destination is not None for r in routes) and reaches_internet(networks, 4)
    if whole and all(leg.reach is Reach.ALLOWED for leg in legs):
        return legs[0]
    unsure = next((leg for leg in legs if leg.reach is Reach.UNKNOWN), None)
    if unsure is not None:
        return unsure
    return Leg(Reach.UNKNOWN, f"the routes of route table {table.name} to the internet cover only part of it, and "
                              "which addresses the AWS APIs answer on is not fixed", table.path)


def _may_hold_public(route: Route) -> bool:
    """A route that may hold public IPv4 addresses: one whose destination is not known, or not all private."""
    if route.destination is None:
        return True
    ipv4 = [n for n in route.destination.networks if n.version == 4]
    return bool(ipv4) and not all(off_internet(n) for n in ipv4)


def _target_leg(routing: Routing, route: Route, public: PublicIps, scenario: Scenario,
                seen: tuple[str, ...]) -> Leg:
    named = f"route {route.shown} of route table {route.table}"
    if route.target is Target.INTERNET_GATEWAY:
        gateway = f"internet gateway {route.via}" if route.via else "an internet gateway"
        if public.value is Truth.TRUE:
            return Leg(Reach.ALLOWED, f"{named} goes to {gateway}", route.path)
        if public.value is Truth.FALSE:
            return Leg(Reach.BLOCKED, f"{named} goes to {gateway}, which carries only traffic from public addresses, "
                                      f"and the interfaces there get none: {public.shown}", public.where, public.fix)
        return Leg(Reach.UNKNOWN, f"{named} goes to {gateway}, and whether the interfaces there get a public IPv4 "
                                  f"address is not fixed here: {public.shown}", public.where)
    if route.target is Target.NAT_GATEWAY:
        return _nat_leg(routing, route, named, scenario, seen)
    return Leg(Reach.UNKNOWN, f"{named} goes to {route.target.value}, which this template cannot follow", route.path)


def _nat_leg(routing: Routing, route: Route, named: str, scenario: Scenario, seen: tuple[str, ...]) -> Leg:
    nat = routing.nat_gateways.get(route.via) if route.via is not None else None
    if nat is None:
        return Leg(Reach.UNKNOWN, f"{named} goes to a NAT gateway this template does not create", route.path)
    if nat.name in seen:  # the NAT gateway's own traffic comes back to it: it never leaves the VPC
        return Leg(Reach.BLOCKED, f"{named} sends NAT gateway {nat.name}'s own traffic back to it", route.path,
                   f"Put NAT gateway {nat.name} in a subnet whose route table sends 0.0.0.0/0 to an internet gateway")
    if nat.subnet is None:
        return _regional_leg(routing, nat, named, route)
    if nat.subnet not in routing.subnets or len(seen) >= _MAX_NAT_HOPS:
        return Leg(Reach.UNKNOWN, f"{named} goes to NAT gateway {nat.name}, whose subnet this template does not show",
                   route.path)
    # A public NAT gateway has an Elastic IP address; an internet gateway drops a private one's traffic.
    public = PublicIps({Truth.FALSE: Truth.TRUE, Truth.TRUE: Truth.FALSE}.get(nat.private, Truth.UNKNOWN), nat.path,
                       f"NAT gateway {nat.name} is {'private' if nat.private is Truth.TRUE else 'public'}"
                       if nat.private is not Truth.UNKNOWN else f"the ConnectivityType of {nat.name} is not fixed here",
                       f"Route 0.0.0.0/0 through a public NAT gateway instead of private NAT gateway {nat.name}, "
                       "whose traffic an internet gateway drops")
    beyond = _internet_leg(routing, routing.subnets[nat.subnet], public, scenario, (*seen, nat.name))
    if beyond.reach is Reach.ALLOWED:
        return Leg(Reach.ALLOWED, f"{named} goes to NAT gateway {nat.name}, whose {beyond.why}", route.path)
    kind = "private NAT gateway" if nat.private is Truth.TRUE else "NAT gateway"
    return Leg(beyond.reach, f"{named} goes to {kind} {nat.name} in subnet {nat.subnet}, but {beyond.why}",
               beyond.where, beyond.fix)


def _regional_leg(routing: Routing, nat: NatGateway, named: str, route: Route) -> Leg:
    """A regional NAT gateway (no subnet): it needs no public subnet, and reaches the internet through its VPC's
    internet gateway (VPC user guide, "Regional NAT gateways")."""
    if nat.private is Truth.TRUE:
        return Leg(Reach.UNKNOWN, f"{named} goes to private regional NAT gateway {nat.name}, whose traffic goes "
                                  "where its VPC routes it", route.path)
    if nat.vpc is not None and nat.vpc in routing.internet_vpcs:
        return Leg(Reach.ALLOWED, f"{named} goes to regional NAT gateway {nat.name}, and an internet gateway is "
                                  f"attached to {nat.vpc}", route.path)
    return Leg(Reach.UNKNOWN, f"{named} goes to regional NAT gateway {nat.name}, and this template attaches no "
                              "internet gateway to its VPC", route.path)


def _endpoint_leg(model: Model, routing: Routing, subnet: Subnet, scenario: Scenario) -> Leg:
    """Whether VPC endpoints in the subnet's VPC answer the default names of every service the nodes need."""
    if subnet.vpc is None:
        return Leg(Reach.UNKNOWN, f"the VPC of subnet {subnet.name} is defined elsewhere, with VPC endpoints this "
                                  "template does not show", subnet.path)
    endpoints = [e for e in model.endpoints if e.vpc == subnet.vpc and e.guard.holds(scenario)]
    if not endpoints:
        if subnet.vpc in routing.handed_out_vpcs:
            return Leg(Reach.UNKNOWN, f"VPC {subnet.vpc} is handed to other stacks or code, which may add VPC "
                                      "endpoints", subnet.path)
        return Leg(Reach.BLOCKED, f"VPC {subnet.vpc} has no VPC endpoint", subnet.path,
                   "Add interface endpoints with private DNS for ec2, ecr.api, ecr.dkr and sts and an S3 gateway "
                   "endpoint on the subnet's route table")
    missing: list[str] = []
    fixes: list[str] = []
    unsure: list[str] = []
    for service in API_SERVICES:
        serving = [e for e in endpoints if e.interface and e.service == service]
        dns = [setting_in(e.private_dns, scenario) for e in serving]
        if Truth.TRUE in dns:
            continue
        if Truth.UNKNOWN in dns:
            unsure.append(f"whether the {service} endpoint {serving[dns.index(Truth.UNKNOWN)].resource} has "
                          "private DNS is not fixed here")
        elif serving:
            missing.append(f"the {service} endpoint {serving[0].resource} has no private DNS (PrivateDnsEnabled "
                           "defaults to false in CloudFormation), so the nodes still resolve public addresses")
            fixes.append(f"set PrivateDnsEnabled to true on {serving[0].resource}")
        else:
            missing.append(f"no {service} interface endpoint")
            fixes.append(f"add an interface endpoint for {service} with private DNS")
    association = routing.table_of(subnet, scenario)
    table = association.target if association is not None else None
    if not any(_serves_s3(e, table, scenario) for e in endpoints):
        missing.append("no S3 gateway endpoint on its route table" if table else "no S3 gateway endpoint on a route "
                       "table of its own")
        fixes.append(f"add route table {table} to an S3 gateway endpoint's RouteTableIds" if table else
                     "give the subnet a route table and an S3 gateway endpoint on it")
    if missing and not unsure:
        return Leg(Reach.BLOCKED, f"the VPC endpoint path of {subnet.vpc} is incomplete: {'; '.join(missing)}",
                   subnet.path, "Complete the VPC endpoints: " + "; ".join(fixes))
    if unsure:
        return Leg(Reach.UNKNOWN, "; ".join(unsure), subnet.path)
    return Leg(Reach.ALLOWED, f"VPC endpoints with private DNS in {subnet.vpc} serve it", subnet.path)


def _serves_s3(endpoint: VpcEndpoint, table: str | None, scenario: Scenario) -> bool:
    if endpoint.service != "s3":
        return False
    if endpoint.interface:
        return setting_in(endpoint.private_dns, scenario) is Truth.TRUE
    return table is not None and table in endpoint.route_tables
