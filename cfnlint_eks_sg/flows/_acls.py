"""Pipeline stage `paths` (network ACLs): whether the ACLs of both ends' subnets let a required flow through.

Network ACLs are stateless and evaluated per subnet: a flow from subnet A to subnet B crosses A's ACL outbound
and B's ACL inbound, and its answer crosses B's ACL outbound and A's ACL inbound towards the initiator's
ephemeral port. Entries are evaluated in order of their rule numbers, the first that matches decides, and
what no entry matches is denied; traffic within one subnet crosses no ACL. (VPC user guide, "Control subnet
traffic with network access control lists", "Network ACL rules", "Ephemeral ports".)
Only IPv4 flows between subnets this template creates are judged; an entry this template does not fix, an ACL
other stacks may change, or a range that covers part of a subnet, leaves the ports it may decide UNKNOWN.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from cfnlint_eks_sg.core._cidrs import Block, Range, inside, off_internet
from cfnlint_eks_sg.core._guards import Scenario
from cfnlint_eks_sg.core._ports import NO_PORTS, IpProtocol, PortSet, opens
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.flows._reach import Reach
from cfnlint_eks_sg.model._types import Direction, Truth
from cfnlint_eks_sg.model._vpc import AclEntry, Routing, Subnet

# The ports a Linux client picks its source port from (net.ipv4.ip_local_port_range, "32768 60999"): the kubelet
# and the API server's clients on Linux use them, so an ACL must let answers back to all of them. The VPC guide
# recommends allowing 1024-65535 (Windows uses 49152-65535, NAT gateways and load balancers 1024-65535).
EPHEMERAL_PORTS: Final = PortSet.span(32768, 60999)


class Overlap(Enum):
    """How an entry's range relates to the addresses of the other end."""

    CONTAINS = "contains"
    APART = "apart"
    PART = "part"  # covers some of them, or which is not fixed here


@record
class AclHop(Record):
    """One ACL crossing of a flow in one direction: reach, the ports surely denied, why, and what to edit."""

    acl: str
    label: str  # "network ACL Acl", "the default network ACL of Vpc"
    direction: Direction  # EGRESS: outbound from its subnet
    reach: Reach
    missing: PortSet
    why: str
    where: Path  # the deny entry that decides, or the ACL that has no entry allowing it
    entry: str = ""  # that deny entry ("50 (DenyKubelet)"); "" when nothing allows the traffic


def crossing(routing: Routing, subnet: Subnet, direction: Direction, protocol: IpProtocol, ports: PortSet,
             other: Block | None, scenario: Scenario) -> AclHop | None:
    """The ACL of `subnet` on traffic leaving it (EGRESS) or entering it (INGRESS) with `protocol` and destination
    `ports`, to or from `other` (None: the internet). None when the subnet's ACL is not this template's."""
    association = routing.acl_of(subnet, scenario)
    if association.target is None or association.target not in routing.acls:
        return None
    acl = routing.acls[association.target]
    outbound = Truth.of(direction is Direction.EGRESS)
    entries = [e for e in routing.acl_entries[acl.name] if e.guard.holds(scenario) and e.egress is not _opposite(
        outbound)]
    unread = [e for e in entries if _unread(e)]
    readable = sorted((e for e in entries if not _unread(e)), key=lambda e: e.number or 0)
    remaining, allowed, unsure = ports, NO_PORTS, NO_PORTS
    unfixed = False  # a range not fixed here, rather than one covering part of the other end
    denied: list[tuple[AclEntry, PortSet]] = []
    for entry in readable:
        if entry.protocol is None:
            continue  # unread: never here
        matched = opens(entry.protocol, entry.ports, protocol) & remaining
        if not matched:
            continue
        overlap = Overlap.APART if entry.ipv6 else _overlap(entry.cidr, other)
        if overlap is Overlap.APART:
            continue
        if overlap is Overlap.PART:
            unsure = unsure | matched  # some addresses decided here, the others further down: not judged
            unfixed = unfixed or entry.cidr is None
        elif entry.allow is Truth.TRUE:
            allowed = allowed | matched
        else:
            denied.append((entry, matched))
        remaining = remaining - matched
    blocked = ports - allowed - unsure
    side = "outbound" if direction is Direction.EGRESS else "inbound"
    named = f"the default network ACL of {acl.vpc}" if acl.default else f"network ACL {acl.name}"

    def hop(reach: Reach, why: str = "", where: Path = acl.path, missing: PortSet = NO_PORTS,
            entry: str = "") -> AclHop:
        return AclHop(acl.name, named, direction, reach, missing, why, where, entry)

    if not blocked:
        if unsure:
            what = "has a range not fixed here" if unfixed else "covers part of the other end's addresses"
            return hop(Reach.UNKNOWN, f"an {side} entry of {named} {what}")
        return hop(Reach.ALLOWED)
    if unread:
        return hop(Reach.UNKNOWN, f"{side} entry {_label(unread[0])} of {named} is not fixed here", unread[0].path)
    deny = next((entry for entry, matched in denied if matched & blocked), None)
    traffic = f"{protocol} {blocked}"
    if deny is not None:
        return hop(Reach.BLOCKED, f"{side} entry {_label(deny)} of {named} denies {traffic}", deny.path, blocked,
                   _label(deny))
    if acl.handed_out:
        return hop(Reach.UNKNOWN, f"{named} has no {side} entry allowing {traffic} here, and it is handed to other "
                                  "stacks or code, which may add one")
    return hop(Reach.BLOCKED, f"{named} has no {side} entry allowing {traffic}, so its final deny-all entry (*) "
                              "drops it", acl.path, blocked)


def _opposite(value: Truth) -> Truth:
    return Truth.FALSE if value is Truth.TRUE else Truth.TRUE


def _unread(entry: AclEntry) -> bool:
    """An entry whose order, direction, action or protocol this template does not fix."""
    return (entry.number is None or entry.egress is Truth.UNKNOWN or entry.allow is Truth.UNKNOWN
            or entry.protocol is None)


def _overlap(cidr: Range | None, other: Block | None) -> Overlap:
    """How an entry's range relates to the other end: a subnet's block, or (None) the internet's addresses."""
    if cidr is None:
        return Overlap.PART
    networks = [n for n in cidr.networks if n.version == 4]
    if other is None:
        if any(n.prefixlen == 0 for n in networks):
            return Overlap.CONTAINS
        return Overlap.APART if all(off_internet(n) for n in networks) else Overlap.PART
    if cidr.whole_vpc is not None and other.vpc_primary == cidr.whole_vpc:
        return Overlap.CONTAINS
    block = other.network
    if block is None:
        return Overlap.CONTAINS if any(n.prefixlen == 0 for n in networks) else Overlap.PART
    if block.version != 4:
        return Overlap.PART
    if any(inside(block, n) for n in networks):
        return Overlap.CONTAINS
    if not cidr.networks and cidr.whole_vpc is not None:
        return Overlap.PART  # a VPC block not written down here
    return Overlap.APART if not any(n.overlaps(block) for n in networks) else Overlap.PART


def _label(entry: AclEntry) -> str:
    number = entry.number if entry.number is not None else "?"
    resource = str(entry.path[1]) if len(entry.path) > 1 else entry.acl
    return f"{number} ({resource})"
