"""Pipeline stage `reach`: is a required flow allowed, blocked, or not decidable here?

A flow needs egress on the initiator's groups and ingress on the responder's groups (rules are
stateful; several groups on one interface are a union). Each half is tri-state: a visible
allowing rule is enough for ALLOWED; BLOCKED needs every rule of the deciding side to be visible
and no peer that might match; anything else is UNKNOWN.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._cidrs import (
    UNKNOWN_ADDRESSES,
    Addresses,
    Block,
    Network,
    Range,
    off_internet,
    reaches_internet,
    union_covers,
)
from cfnlint_eks_sg.core._guards import Scenario
from cfnlint_eks_sg.core._ports import NO_PORTS, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.model._types import (
    CidrPeer,
    Direction,
    GroupKey,
    GroupPeer,
    Identity,
    Model,
    Origin,
    Permission,
    PrefixListPeer,
    UnknownPeer,
)


class Reach(Enum):
    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    UNKNOWN = "UNKNOWN"


class Match(Enum):
    SURELY = "surely"
    MAYBE = "maybe"
    NO = "no"


class Half(NamedTuple):
    """The verdict on one side of a flow: the initiator's egress or the responder's ingress."""

    reach: Reach
    direction: Direction
    missing: PortSet = NO_PORTS  # BLOCKED: the ports no rule can allow
    why: str = ""  # UNKNOWN: what is not visible


Traffic = tuple[tuple[IpProtocol, PortSet], ...]  # a flow's ports, by protocol


@record
class Verdict(Record):
    """One half of a flow over all its traffic: ALLOWED, BLOCKED with the ports no rule allows (by protocol), or
    UNKNOWN with why. Explain's text, JSON and mermaid all read it; `why` on BLOCKED says more than the ports
    (WK1006's path to the AWS APIs)."""

    reach: Reach
    missing: Traffic = ()
    why: str = ""


def combined(traffic: Sequence[tuple[IpProtocol, PortSet]], halves: Sequence[Half]) -> Verdict:
    """The verdict of a half over every protocol of the traffic (`halves` in the same order): blocked on any,
    else unknown on any (the first one's why), else allowed."""
    blocked = tuple((protocol, half.missing) for (protocol, _), half in zip(traffic, halves, strict=True)
                    if half.reach is Reach.BLOCKED)
    if blocked:
        return Verdict(Reach.BLOCKED, blocked)
    unknown = [half.why for half in halves if half.reach is Reach.UNKNOWN]
    if unknown:
        return Verdict(Reach.UNKNOWN, why=unknown[0])
    return Verdict(Reach.ALLOWED)


class _OwnerRules:
    """One group's rules in one direction, by peer (a plain class: see `Model`)."""

    __slots__ = ("by_peer", "foreign_peers", "names", "other", "owners")

    def __init__(self) -> None:
        self.by_peer: dict[GroupKey, list[Permission]] = {}
        self.foreign_peers: list[Permission] = []  # peers that may equal other groups
        self.other: list[Permission] = []  # CIDR, prefix list, unknown, none
        self.names: set[str] = set()
        self.owners: list[GroupKey] = []  # for rules that may be a group's: whose they are

    def add(self, perm: Permission, model: Model) -> None:
        self.names |= perm.guard.names()
        peer = perm.peer
        if isinstance(peer, GroupPeer):
            self.by_peer.setdefault(peer.key, []).append(perm)
            if not model.closed(peer.key):
                self.foreign_peers.append(perm)
        else:
            self.other.append(perm)

    def all(self) -> Iterator[Permission]:
        for rules in self.by_peer.values():
            yield from rules
        yield from self.other


class Side(NamedTuple):
    """The groups on one side of a half, and whether they are all of them (not when a launch template or a group
    list is defined elsewhere)."""

    groups: Sequence[GroupKey]
    known: bool = True


_NO_GROUPS: Final = Side((), True)  # the other side of a network or the internet: no group, and that is all of it


class Toward(Enum):
    """What the other side of a half is: groups (with their subnets), a network without groups, the internet."""

    GROUPS = "groups"
    NETWORK = "network"
    INTERNET = "internet"


class PermissionIndex:
    """Permissions indexed once by (owning group, direction) and by peer group."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._rules: dict[tuple[GroupKey, Direction], _OwnerRules] = {}
        self._maybe: dict[tuple[GroupKey, Direction], _OwnerRules] = {}
        # Owners of rules that may name another group: a GroupId this template does not pin down (opaque), a value
        # another stack may hold (parameter, import, literal id), a group this template creates and hands out.
        self._open_owners: dict[Direction, list[GroupKey]] = {Direction.INGRESS: [], Direction.EGRESS: []}
        for perm in model.permissions:
            rules = self._rules.get((perm.group, perm.direction))
            if rules is None:
                rules = self._rules[(perm.group, perm.direction)] = _OwnerRules()
                if not model.closed(perm.group):
                    self._open_owners[perm.direction].append(perm.group)
            rules.add(perm, model)

    def rules(self, group: GroupKey, direction: Direction) -> _OwnerRules:
        return self._rules.get((group, direction)) or _OwnerRules()

    def maybe_rules(self, group: GroupKey, direction: Direction) -> _OwnerRules:
        """Rules written on keys that may name `group` (an import or parameter that may be it, a GroupId this
        template does not pin down): they may be its rules, so they may open ports but never surely do."""
        hit = self._maybe.get((group, direction))
        if hit is None:
            hit = self._maybe[(group, direction)] = _OwnerRules()
            closed = self.model.closed(group)  # then only a GroupId we cannot read may name it
            for owner in self._open_owners[direction]:
                if owner == group or (closed and owner.origin is not Origin.OPAQUE):
                    continue
                if self.model.identity(group, owner) is Identity.UNKNOWN:
                    hit.owners.append(owner)
                    for perm in self._rules[(owner, direction)].all():
                        hit.add(perm._replace(doubt=perm.doubt or f"it is a rule of {owner}, which may be {group}"),
                                self.model)
        return hit

    def condition_names(self, groups: Iterable[GroupKey], direction: Direction) -> set[str]:
        names: set[str] = set()
        for group in groups:
            names |= self.rules(group, direction).names | self.maybe_rules(group, direction).names
            known = self.model.groups.get(group)
            if known is not None:
                names |= known.guard.names()
        return names

    def opening(self, side: Side, direction: Direction, *, toward: Side, protocol: IpProtocol, scenario: Scenario,
                ipv6: bool, addresses: Addresses = UNKNOWN_ADDRESSES) -> Opening:
        """What `side` opens towards the groups of another side (`toward`), on every port of `protocol`: surely
        open, maybe open, or closed. `addresses` are the subnets of the other side: a CIDR rule counts for the
        subnets it covers, so the result is what every subnet of the other side gets."""
        return self._opening(side, direction, toward, protocol, scenario, ipv6, addresses, Toward.GROUPS)

    def opening_to_network(self, side: Side, direction: Direction, *, protocol: IpProtocol, scenario: Scenario,
                           ipv6: bool, addresses: Addresses) -> Opening:
        """What `side` opens towards a network with addresses and no security group at all (a hybrid network off
        AWS): only address rules can match it."""
        return self._opening(side, direction, _NO_GROUPS, protocol, scenario, ipv6, addresses, Toward.NETWORK)

    def opening_to_internet(self, side: Side, *, protocol: IpProtocol, scenario: Scenario, ipv6: bool) -> Opening:
        """What `side`'s egress opens towards the internet (AWS service endpoints): no group is it, only
        0.0.0.0/0 (::/0) surely covers it, and narrower ranges may."""
        return self._opening(side, Direction.EGRESS, _NO_GROUPS, protocol, scenario, ipv6, UNKNOWN_ADDRESSES,
                             Toward.INTERNET)

    def _opening(self, own: Side, direction: Direction, other: Side, protocol: IpProtocol, scenario: Scenario,
                 ipv6: bool, addresses: Addresses, toward: Toward) -> Opening:
        side, side_known, others, others_known = own.groups, own.known, other.groups, other.known
        internet, groupless = toward is Toward.INTERNET, toward is Toward.NETWORK
        surely, maybe = NO_PORTS, NO_PORTS
        doubts: list[Doubt] = []  # rules of this side that may open more than they surely do
        hidden: list[GroupKey] = []  # groups of this side whose rules are not all here
        doubtful: list[GroupKey] = []  # peer groups that may or may not be the other side
        invisible = [] if side_known else [GROUPS_ELSEWHERE]
        if not side:
            invisible.append(NO_GROUP)
        # No visible group on the other side means EC2 gave it the VPC default group: any peer may be it.
        wildcard = not groupless and (not others_known or not others
                                      or any(o.origin is Origin.OPAQUE for o in others))
        other_set = set(others)
        by_address: list[Permission] = []  # CIDR and prefix-list rules: judged per subnet of the other side
        for group in side:
            known = self.model.groups.get(group)
            visible = known is not None and known.rules_visible
            if not visible:
                invisible.append(f"the rules of {group} are defined outside this template")
                hidden.append(group)
            maybe_rules = self.maybe_rules(group, direction) if visible else _NO_RULES
            doubtful += [owner for owner in maybe_rules.owners if owner not in doubtful]
            for rules in (self.rules(group, direction), maybe_rules):
                by_address += [p for p in rules.other if p.guard.holds(scenario)]
                if internet:
                    continue
                candidates, unsure = self._group_candidates(rules, others, other_set, wildcard)
                doubtful += [k for k in unsure if k not in doubtful]
                for perm, match in candidates:
                    if not perm.guard.holds(scenario):
                        continue
                    sure, possible = perm.opens(protocol)
                    if match is Match.SURELY:
                        surely, maybe = surely | sure, maybe | possible
                        if possible:
                            doubts.append(Doubt(perm, possible, uncertain_rule(perm) or _UNREAD))
                    else:
                        maybe = maybe | sure | possible
        if by_address and internet:
            surely, maybe = _to_internet(by_address, protocol, ipv6, surely, maybe)
        elif by_address:
            surely, maybe = _per_subnet(by_address, protocol, ipv6, addresses, surely, maybe, doubts)
        return Opening(surely, maybe, invisible[0] if invisible else "", tuple(hidden), tuple(doubtful),
                       tuple(doubts))

    def _group_candidates(self, rules: _OwnerRules, others: Sequence[GroupKey], other_set: set[GroupKey],
                          wildcard: bool) -> tuple[list[tuple[Permission, Match]], list[GroupKey]]:
        """The rules of one side whose peer group surely or maybe is one of the other side's groups, and the
        values named in the maybes that may or may not be the named group (what the verdict hangs on)."""
        candidates: list[tuple[Permission, Match]] = []
        doubtful: list[GroupKey] = []
        for other in other_set:
            candidates += [(p, Match.SURELY) for p in rules.by_peer.get(other, ())]
        foreign = rules.foreign_peers
        if wildcard:
            foreign = [p for peer_rules in rules.by_peer.values() for p in peer_rules]
        for perm in foreign:
            key = perm.peer.key if isinstance(perm.peer, GroupPeer) else None
            if key is None or key in other_set:
                continue
            unsure = [o for o in others if self.model.identity(key, o) is Identity.UNKNOWN]
            if wildcard or unsure:
                candidates.append((perm, Match.MAYBE))
                doubtful += [k for k in (key, *unsure) if not k.created_here and k not in doubtful]
        return candidates, doubtful


@record
class Inside(Record):
    """Why an address rule may or may not cover the other side: whether its addresses lie inside a range is not
    known here. The other side is named by whoever shows it (explain: "the other side"; IK0001: its label)."""

    addresses: str  # "subnets", "IPv6 addresses"
    range: str  # "10.0.0.0/16", "prefix list pl-1"

    def about(self, other: str) -> str:
        return f"whether the {self.addresses} of {other} lie inside {self.range} is not known here"


class Doubt(NamedTuple):
    """A visible rule (or a setting, `rule` None, at `path`) that may open `ports` or not: what the template
    leaves open about it."""

    rule: Permission | None
    ports: PortSet
    reason: str | Inside
    path: Path = ()
    label: str = ""  # what it is, when not a rule

    @property
    def text(self) -> str:
        return f"{self.subject} may allow it: {self.why(OTHER_SIDE)}"

    def why(self, other: str) -> str:
        """The reason, naming the other side of the flow as `other`."""
        return self.reason.about(other) if isinstance(self.reason, Inside) else self.reason

    @property
    def subject(self) -> str:
        return rule_label(self.rule) if self.rule is not None else self.label

    @property
    def where(self) -> Path:
        return rule_path(self.rule) if self.rule is not None else self.path


def _inline(path: Path) -> bool:
    """Resources/<group>/Properties/SecurityGroup(In|E)gress/<index>/...: an inline rule item."""
    return len(path) >= 5 and path[0] == "Resources" and isinstance(path[4], int)


def rule_path(perm: Permission) -> Path:
    """Where the user edits the rule: its inline item, or its standalone resource."""
    path = perm.path
    if _inline(path):
        return path[:5]
    return path[:2] if path[:1] == ("Resources",) else path


def rule_label(perm: Permission) -> str:
    """The rule as the user wrote it: a standalone resource or an inline item of a group."""
    path = perm.path
    kind = f"{perm.direction.value} rule"
    if _inline(path):
        return f"the {kind} {path[1]}.{path[3]}[{path[4]}]"
    if perm.source == "standalone" and len(path) >= 2:
        return f"the {kind} {path[1]}"
    if perm.source == "default egress":
        return f"the default egress of {perm.group}"
    return f"the {perm.source} {kind} of {perm.group}"


def uncertain_rule(perm: Permission) -> str | None:
    """Why a rule may or may not exist, or may or may not open a port, whatever its peer."""
    if perm.doubt:
        return perm.doubt
    if perm.protocol is None:
        return "its IpProtocol or ports are not fixed here (a parameter, a mapping or an invalid value)"
    return None


_UNREAD: Final = "its rule is not fully readable here"
_NO_RULES: Final = _OwnerRules()
GROUPS_ELSEWHERE: Final = "the groups of a launch template defined elsewhere"
NO_GROUP: Final = "no security group is visible on it (EC2 then uses the VPC default group)"
OTHER_SIDE: Final = "the other side"  # how explain names it in a doubt's reason


class Opening(NamedTuple):
    """What one side lets through for one protocol: ports surely open, ports maybe open, and
    why the rest is undecidable (empty when every rule of the side is visible)."""

    surely: PortSet
    maybe: PortSet
    invisible: str = ""
    hidden: tuple[GroupKey, ...] = ()  # groups whose rules are defined elsewhere
    doubtful: tuple[GroupKey, ...] = ()  # external peers that may be the other side
    doubts: tuple[Doubt, ...] = ()  # visible rules that may open ports: values not fixed here

    def either(self, other: Opening, doubt: Doubt) -> Opening:
        """What a side opens when it is this or `other` (as a setting this template does not fix decides):
        only what both surely open is sure; `doubt` says why the rest may be open."""
        surely = self.surely & other.surely
        differ = (self.surely | other.surely) - surely
        doubts = (*self.doubts, *(d for d in other.doubts if d not in self.doubts))
        return Opening(surely, self.maybe | other.maybe | differ, self.invisible or other.invisible,
                       tuple(dict.fromkeys((*self.hidden, *other.hidden))),
                       tuple(dict.fromkeys((*self.doubtful, *other.doubtful))),
                       (*doubts, doubt._replace(ports=differ)) if differ else doubts)

    def unsure(self, ports: PortSet) -> tuple[Doubt, ...]:
        """The visible rules an undecidable verdict on `ports` hangs on, when no external group decides it."""
        missing = ports - self.surely
        if not missing or self.invisible:
            return ()
        return tuple(d for d in self.doubts if d.ports & missing)

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
            unsure = self.unsure(ports)
            why = unsure[0].text if unsure else "a rule whose peer is not decidable here may allow it"
            return Half(Reach.UNKNOWN, direction, why=why)
        return Half(Reach.BLOCKED, direction, missing=definite)


def _to_internet(rules: Sequence[Permission], protocol: IpProtocol, ipv6: bool,
                 surely: PortSet, maybe: PortSet) -> tuple[PortSet, PortSet]:
    """Rules towards public AWS endpoints: /0 surely reaches them, a private range never does,
    other public ranges may; prefix lists are for gateway endpoints (checked on their own)."""
    version = 6 if ipv6 else 4
    parts: list[tuple[tuple[Network, ...], PortSet]] = []  # public ranges that may reach it together
    for perm in rules:
        peer = perm.peer
        sure, possible = perm.opens(protocol)
        if isinstance(peer, CidrPeer):
            networks = peer.covers.networks if peer.covers is not None else ()
            if (peer.version == 6) != ipv6:
                continue
            if peer.anywhere:
                surely, maybe = surely | sure, maybe | possible
            elif not (networks and all(off_internet(n) for n in networks)):
                maybe = maybe | sure | possible
                if networks and sure:
                    parts.append((networks, sure))
        elif not isinstance(peer, PrefixListPeer):
            maybe = maybe | sure | possible  # an unknown peer may be anything
    together = ports_together(parts, surely, lambda nets: reaches_internet(nets, version))
    return surely | together, maybe | together


def ports_together(parts: Sequence[tuple[tuple[Network, ...], PortSet]], known: PortSet,
                    enough: Callable[[list[Network]], bool]) -> PortSet:
    """Ports outside `known` that address rules open together: where the ranges of the rules opening a port are
    `enough` (cover a subnet, or the internet), as 10.0.0.0/25 and 10.0.0.128/25 cover 10.0.0.0/24."""
    if len(parts) < 2 or not enough([n for nets, _ in parts for n in nets]):
        return NO_PORTS  # not even all of them together: no port can be
    edges = sorted({edge for _, ports in parts for r in (ports - known).ranges for edge in (r.first, r.last + 1)})
    found = NO_PORTS
    judged: dict[tuple[int, ...], bool] = {}  # ports opened by the same rules are judged once
    for first, after in itertools.pairwise(edges):
        if first in known:
            continue
        opening = tuple(i for i, (_, ports) in enumerate(parts) if first in ports)
        if len(opening) < 2:
            continue
        if opening not in judged:
            judged[opening] = enough([n for i in opening for n in parts[i][0]])
        if judged[opening]:
            found = found | PortSet.span(first, after - 1)
    return found


def _per_subnet(rules: Sequence[Permission], protocol: IpProtocol, ipv6: bool, addresses: Addresses,
                surely: PortSet, maybe: PortSet, doubts: list[Doubt]) -> tuple[PortSet, PortSet]:
    """Add address rules subnet by subnet: a port is surely open only if every subnet gets it.

    Rules that may cover a subnet, or may open a port, join `doubts` (once each, first reason)."""
    doubted = {id(d.rule) for d in doubts}
    found: list[Doubt] = []
    blocks: tuple[Block | None, ...] = addresses.blocks if addresses.complete else (*addresses.blocks, None)
    all_surely: PortSet | None = None
    all_maybe: PortSet | None = None
    version = 6 if ipv6 else 4
    for block in blocks or (None,):
        block_surely, block_any = surely, surely | maybe
        parts: list[tuple[tuple[Network, ...], PortSet]] = []  # ranges that may cover the subnet together
        for perm in rules:
            match = _address_match(perm, ipv6, block)
            sure, possible = perm.opens(protocol)
            if match is Match.SURELY:
                block_surely, block_any = block_surely | sure, block_any | sure | possible
            elif match is Match.MAYBE:
                block_any = block_any | sure | possible
            networks = _networks(perm, version)
            if match is not Match.SURELY and networks and sure:
                parts.append((networks, sure))
            if id(perm) in doubted or match is Match.NO or not (possible or match is Match.MAYBE):
                continue
            doubted.add(id(perm))
            reason = uncertain_rule(perm) if possible else None
            found.append(Doubt(perm, sure | possible, reason or _address_doubt(perm, ipv6)))
        # The union of the rules: the subnet's block when known (IPv4), else the whole address space.
        target = block.network if block is not None and block.network is not None and not ipv6 else _WHOLE[version]
        together = ports_together(parts, block_surely, functools.partial(union_covers, target))
        block_surely, block_any = block_surely | together, block_any | together
        all_surely = block_surely if all_surely is None else all_surely & block_surely
        all_maybe = block_any if all_maybe is None else all_maybe & block_any
    # A rule's doubt matters only for ports the rules do not open anyway (together, say).
    doubts += [d for d in found if d.ports - (all_surely or NO_PORTS)]
    return all_surely or NO_PORTS, all_maybe or NO_PORTS


_WHOLE: Final = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}


def _networks(perm: Permission, version: int) -> tuple[Network, ...]:
    """The known ranges of an address rule, in the flow's IP version (a CIDR or a customer prefix list)."""
    peer = perm.peer
    if isinstance(peer, CidrPeer) and peer.version != version:
        return ()
    covers = peer.covers if isinstance(peer, (CidrPeer, PrefixListPeer)) else None
    return tuple(n for n in covers.networks if n.version == version) if covers is not None else ()


def _address_match(perm: Permission, ipv6: bool, block: Block | None) -> Match:
    """Whether a CIDR or prefix-list rule covers one subnet (`block`, None when unknown) of the peer.

    0.0.0.0/0 (::/0 on IPv6 clusters) covers everything; IPv4 rules never cover IPv6 traffic and
    IPv6 rules never IPv4 traffic; a rule covers a subnet only when the subnet lies inside it.
    Subnets' IPv6 blocks are not modelled: narrower IPv6 ranges stay undecidable.
    """
    peer = perm.peer
    if isinstance(peer, UnknownPeer) and peer.cidr and block is not None:
        if block.expression == peer.cidr:
            return Match.SURELY  # the same parameter (an IPv4 CidrIp): the same range, whatever its value
        if peer.cidr in block.apart:
            return Match.NO
    if peer is None or isinstance(peer, UnknownPeer):
        # EC2 rejects a rule without a peer (spec M-12): cfn-lint's finding to make, not a verdict.
        return Match.MAYBE
    if isinstance(peer, PrefixListPeer):
        if peer.covers is not None and union_covers(_WHOLE[6 if ipv6 else 4], peer.covers.networks):
            return Match.SURELY  # entries that hold every address (::/1 and 8000::/1) cover any subnet
        return Match.MAYBE if ipv6 else _covers(peer.covers, block)
    if not isinstance(peer, CidrPeer):
        return Match.MAYBE
    if peer.version == 6 and not ipv6:
        return Match.NO
    if peer.version == 4 and ipv6:
        return Match.NO  # pods and nodes of an IPv6 cluster talk IPv6: IPv4 rules never cover it (M-11)
    if peer.misfiled:
        return Match.NO  # an IPv4 range in CidrIpv6 (or the reverse): EC2 rejects it, it opens nothing
    if peer.anywhere:
        return Match.SURELY
    if ipv6:
        return Match.MAYBE  # subnets' IPv6 blocks are not modelled
    return _covers(peer.covers, block)


def _address_doubt(perm: Permission, ipv6: bool) -> str | Inside:
    """Why an address rule may or may not cover a subnet of the other side."""
    peer = perm.peer
    if peer is None:
        return "it names no peer (EC2 rejects it)"
    if isinstance(peer, UnknownPeer):
        return f"its peer ({peer.why}) is not known here"
    if isinstance(peer, PrefixListPeer):
        if ipv6:
            return f"the IPv6 entries of prefix list {peer.ident} are not modelled"
        if peer.covers is None:
            return f"the entries of prefix list {peer.ident} are not known here"
        return Inside("subnets", f"prefix list {peer.ident}")
    if not isinstance(peer, CidrPeer):
        return "its peer is not an address range"
    if ipv6:
        return Inside("IPv6 addresses", peer.cidr)
    if peer.covers is None:
        return f"the range {peer.cidr} is not known here"
    return Inside("subnets", peer.cidr)


def _covers(covers: Range | None, block: Block | None) -> Match:
    if covers is None or block is None:
        return Match.MAYBE
    verdict = covers.covers(block)
    if verdict is None:
        return Match.MAYBE
    return Match.SURELY if verdict else Match.NO
