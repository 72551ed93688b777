"""Pipeline stage `reach`: is a required flow allowed, blocked, or not decidable here?

A flow needs egress on the initiator's groups and ingress on the responder's groups (rules are
stateful; several groups on one interface are a union). Each half is tri-state: a visible
allowing rule is enough for ALLOWED; BLOCKED needs every rule of the deciding side to be visible
and no peer that might match; anything else is UNKNOWN.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from cfnlint_eks_sg._guards import Scenario
from cfnlint_eks_sg._model import (
    CidrPeer,
    Direction,
    GroupKey,
    GroupPeer,
    Model,
    Origin,
    Permission,
    PrefixListPeer,
    UnknownPeer,
)
from cfnlint_eks_sg._ports import NO_PORTS, IpProtocol, PortSet


class Reach(Enum):
    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    UNKNOWN = "UNKNOWN"


class Match(Enum):
    SURELY = "surely"
    MAYBE = "maybe"
    NO = "no"


@dataclass(frozen=True, slots=True)
class Half:
    """The verdict on one side of a flow: the initiator's egress or the responder's ingress."""

    reach: Reach
    direction: Direction
    missing: PortSet = NO_PORTS  # BLOCKED: the ports no rule can allow
    why: str = ""  # UNKNOWN: what is not visible


@dataclass(slots=True)
class _OwnerRules:
    by_peer: dict[GroupKey, list[Permission]] = field(default_factory=dict)
    foreign_peers: list[Permission] = field(default_factory=list)  # peers that may equal other groups
    other: list[Permission] = field(default_factory=list)  # CIDR, prefix list, unknown, none
    names: set[str] = field(default_factory=set)


class PermissionIndex:
    """Permissions indexed once by (owning group, direction) and by peer group."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._rules: dict[tuple[GroupKey, Direction], _OwnerRules] = {}
        for perm in model.permissions:
            rules = self._rules.setdefault((perm.group, perm.direction), _OwnerRules())
            rules.names |= perm.guard.names()
            peer = perm.peer
            if isinstance(peer, GroupPeer):
                rules.by_peer.setdefault(peer.key, []).append(perm)
                if not peer.key.created_here:
                    rules.foreign_peers.append(perm)
            else:
                rules.other.append(perm)

    def rules(self, group: GroupKey, direction: Direction) -> _OwnerRules:
        return self._rules.get((group, direction)) or _OwnerRules()

    def condition_names(self, groups: Iterable[GroupKey], direction: Direction) -> set[str]:
        names: set[str] = set()
        for group in groups:
            names |= self.rules(group, direction).names
            known = self.model.groups.get(group)
            if known is not None:
                names |= known.guard.names()
        return names

    def half(
        self,
        side: Sequence[GroupKey],
        side_known: bool,
        direction: Direction,
        others: Sequence[GroupKey],
        others_known: bool,
        protocol: IpProtocol,
        ports: PortSet,
        scenario: Scenario,
        ipv6: bool,
    ) -> Half:
        """Whether the groups of `side` let `protocol`/`ports` out to (or in from) `others`."""
        opening = self.opening(side, side_known, direction, others, others_known, protocol, scenario, ipv6)
        return opening.verdict(direction, ports)

    def opening(
        self,
        side: Sequence[GroupKey],
        side_known: bool,
        direction: Direction,
        others: Sequence[GroupKey],
        others_known: bool,
        protocol: IpProtocol,
        scenario: Scenario,
        ipv6: bool,
    ) -> Opening:
        """Every port of `protocol` classified at once: surely open, maybe open, or closed."""
        surely, maybe = NO_PORTS, NO_PORTS
        hidden: list[GroupKey] = []  # groups of this side whose rules are not all here
        doubtful: list[GroupKey] = []  # peer groups that may or may not be the other side
        invisible = [] if side_known else ["the groups of a launch template defined elsewhere"]
        if not side:
            invisible.append("no security group is visible on it (EC2 then uses the VPC default group)")
        # No visible group on the other side means EC2 gave it the VPC default group: any peer may be it.
        wildcard = not others_known or not others or any(o.origin is Origin.OPAQUE for o in others)
        other_set = set(others)
        for group in side:
            known = self.model.groups.get(group)
            if known is None or not known.rules_visible:
                invisible.append(f"the rules of {group} are defined outside this template")
                hidden.append(group)
            rules = self.rules(group, direction)
            candidates: list[tuple[Permission, Match]] = []
            for other in other_set:
                candidates += [(p, Match.SURELY) for p in rules.by_peer.get(other, ())]
            foreign = rules.foreign_peers
            if wildcard:
                foreign = [p for peer_rules in rules.by_peer.values() for p in peer_rules]
            for perm in foreign:
                key = perm.peer.key if isinstance(perm.peer, GroupPeer) else None
                if key is None or key in other_set:
                    continue
                if wildcard or any(key.may_equal(o) for o in others):
                    candidates.append((perm, Match.MAYBE))
                    if not key.created_here and key not in doubtful:
                        doubtful.append(key)
            candidates += [(p, _address_match(p, ipv6)) for p in rules.other]
            for perm, match in candidates:
                if match is Match.NO or not perm.guard.holds(scenario):
                    continue
                sure, possible = perm.opens(protocol)
                if match is Match.SURELY:
                    surely, maybe = surely | sure, maybe | possible
                else:
                    maybe = maybe | sure | possible
        return Opening(surely, maybe, invisible[0] if invisible else "", tuple(hidden), tuple(doubtful))


@dataclass(frozen=True, slots=True)
class Opening:
    """What one side lets through for one protocol: ports surely open, ports maybe open, and
    why the rest is undecidable (empty when every rule of the side is visible)."""

    surely: PortSet
    maybe: PortSet
    invisible: str = ""
    hidden: tuple[GroupKey, ...] = ()  # groups whose rules are defined elsewhere
    doubtful: tuple[GroupKey, ...] = ()  # external peers that may be the other side

    def depends_on(self, ports: PortSet) -> tuple[GroupKey, ...]:
        """The external groups an undecidable verdict on `ports` hangs on (IK0001)."""
        if not (ports - self.surely):
            return ()
        return self.hidden if self.invisible else self.doubtful

    def verdict(self, direction: Direction, ports: PortSet) -> Half:
        missing = ports - self.surely
        if not missing:
            return Half(Reach.ALLOWED, direction)
        if self.invisible:
            return Half(Reach.UNKNOWN, direction, why=self.invisible)
        definite = missing - self.maybe
        if not definite:
            return Half(Reach.UNKNOWN, direction, why="a rule whose peer is not decidable here may allow it")
        return Half(Reach.BLOCKED, direction, missing=definite)


def _address_match(perm: Permission, ipv6: bool) -> Match:
    """CIDR and prefix-list peers: only 0.0.0.0/0 (::/0 on IPv6 clusters) surely covers a role.

    Exact subnet and VPC coverage comes with the catalogue issue; until then any other CIDR is
    undecidable. IPv4 rules never cover IPv6 traffic and vice versa.
    """
    peer = perm.peer
    if peer is None:
        # EC2 now rejects a rule without a peer (spec M-12): the stack fails to deploy, which is
        # cfn-lint's finding to make, not a flow verdict; its intended peer is unknown.
        return Match.MAYBE
    if isinstance(peer, (PrefixListPeer, UnknownPeer)):
        return Match.MAYBE
    if not isinstance(peer, CidrPeer):
        return Match.MAYBE
    try:
        network = ipaddress.ip_network(peer.cidr, strict=False)
    except ValueError:
        return Match.MAYBE
    if network.version != peer.version:
        return Match.NO
    if (network.version == 6) != ipv6:
        return Match.NO if network.version == 6 else Match.MAYBE
    return Match.SURELY if network.prefixlen == 0 else Match.MAYBE
