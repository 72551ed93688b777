"""Pipeline stage `flows` (evaluation): the links between a cluster's roles, checked per scenario.

A link joins two endpoints of one cluster (control plane and a node group, or two node groups).
Each link is evaluated once per protocol and scenario into `Opening`s (egress of the initiator,
ingress of the responder); every requirement on that link reads the same result. Between node
groups, each half is evaluated on its own against a class of alike peers (`_classes`), so the
work grows with the node groups and the rules that name them, not with their pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._cidrs import UNKNOWN_ADDRESSES, Addresses, Block
from cfnlint_eks_sg.core._guards import FALSE, Guard, Scenario, Scenarios
from cfnlint_eks_sg.core._ports import NO_PORTS, IpProtocol
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._classes import PeerClass, PeerDirectory, present_guard
from cfnlint_eks_sg.flows._reach import Doubt, Opening, PermissionIndex, Side
from cfnlint_eks_sg.flows._requirements import Channel
from cfnlint_eks_sg.flows._roles import ClusterRole, NodeRole, Roles
from cfnlint_eks_sg.model._types import (
    Direction,
    GroupKey,
    Member,
    RemoteNetwork,
    Setting,
    Truth,
    setting_in,
    setting_names,
)


class Endpoint(NamedTuple):
    """One side of a link: the groups on its interfaces, and where to point when none is ours."""

    label: str
    members: tuple[Member, ...]
    members_known: bool
    guard: Guard
    path: Path
    node_groups: tuple[str, ...] = ()
    addresses: Addresses = UNKNOWN_ADDRESSES
    remote: RemoteNetwork | None = None  # a hybrid network: its addresses only, never a security group


BOTH_HALVES: tuple[Direction, ...] = (Direction.EGRESS, Direction.INGRESS)


class Link(NamedTuple):
    """A flow from `initiator` to `responder`, checked on `halves`.

    A link with one half stands for a class of peers on the other side: `peers` lists the first
    few (the first one is the side evaluated) and `total` says how many there are in all.
    """

    channel: Channel
    cluster: ClusterRole
    initiator: Endpoint
    responder: Endpoint
    halves: tuple[Direction, ...] = BOTH_HALVES
    peers: tuple[Endpoint, ...] = ()
    total: int = 1
    everyone: Callable[[], tuple[Endpoint, ...]] | None = None  # all of a class's peers, on demand

    def all_peers(self) -> tuple[Endpoint, ...]:
        """The other-side endpoints this link stands for, all of them."""
        if self.everyone is not None:
            return self.everyone()
        if self.peers:
            return self.peers
        return (self.responder,) if self.halves == (Direction.EGRESS,) else (self.initiator,)

    @property
    def node_group(self) -> str:
        names = (*self.initiator.node_groups, *self.responder.node_groups)
        return ", ".join(dict.fromkeys(names))

    @property
    def initiator_label(self) -> str:
        return self._class_label() if self.halves == (Direction.INGRESS,) else self.initiator.label

    @property
    def responder_label(self) -> str:
        return self._class_label() if self.halves == (Direction.EGRESS,) else self.responder.label

    def _class_label(self) -> str:
        if not self.peers:  # one half, one peer: the other side itself
            return (self.responder if self.halves == (Direction.EGRESS,) else self.initiator).label
        if self.total == 1:
            return self.peers[0].label
        names = list(dict.fromkeys(name for peer in self.peers for name in peer.node_groups))
        more = self.total - len(self.peers)
        return f"node groups {', '.join(names)}" + (f" and {more} more" if more > 0 else "")


class LinkState(NamedTuple):
    """One scenario of a link: the active groups of both sides and what each half opens, by protocol."""

    scenario: Scenario
    out: list[GroupKey]
    into: list[GroupKey]
    egress: dict[IpProtocol, Opening]
    ingress: dict[IpProtocol, Opening]


class LinkResult(NamedTuple):
    link: Link
    states: list[LinkState]


def build_links(roles: Roles, index: PermissionIndex) -> Iterator[Link]:
    """Control plane <-> each node group, and node group -> node group within each cluster.

    Node groups that carry the same groups in the same subnets behave alike, whatever conditions
    they exist under: each distinct set is checked once and reported once, naming all of them.
    """
    by_cluster: dict[str, list[NodeRole]] = {}
    for node in roles.node_groups:
        by_cluster.setdefault(node.cluster, []).append(node)
    for ident, nodes in by_cluster.items():
        cluster = roles.clusters[ident]
        alike: dict[tuple[object, ...], list[NodeRole]] = {}
        for node in nodes:
            groups = frozenset(m.key for m in node.members)  # where, and under which branch, does not matter
            # Security groups see addresses, not subnets: node groups on equal blocks are one endpoint.
            addresses = (node.addresses.blocks, node.addresses.complete)
            alike.setdefault((groups, node.members_known, addresses), []).append(node)
        endpoints = [_node_endpoint(group) for group in alike.values()]
        for endpoint in endpoints:
            control_plane = _control_plane(cluster, endpoint.path)
            yield Link(Channel.NODES_TO_CONTROL_PLANE, cluster, endpoint, control_plane)
            yield Link(Channel.CONTROL_PLANE_TO_NODES, cluster, control_plane, endpoint)
        yield from _node_links(index, cluster, endpoints)


def remote_links(roles: Roles) -> Iterator[Link]:
    """Each cluster's control plane towards its hybrid networks: the control-plane half of each flow
    (the other half is the on-premises firewall's, which no template shows). The way in is EKS's
    own: it adds inbound TCP 443 from each remote block to the cluster security group itself."""
    for cluster in roles.clusters.values():
        control_plane = _control_plane(cluster, cluster.path)
        for network in cluster.remote:
            # EKS rejects remote node and pod networks that overlap: a rule naming one never covers the other.
            apart = tuple(other.cidr for other in cluster.remote if other.kind != network.kind)
            endpoint = Endpoint(f"remote {network.kind} network {network.shown}", (), True, network.guard,
                                network.path, addresses=Addresses((_block(network, apart),), True), remote=network)
            yield Link(_REMOTE_CHANNELS[network.kind], cluster, control_plane, endpoint, (Direction.EGRESS,))


_REMOTE_CHANNELS: Final = {"node": Channel.CONTROL_PLANE_TO_REMOTE_NODES, "pod": Channel.CONTROL_PLANE_TO_REMOTE_PODS}


def _block(network: RemoteNetwork, apart: tuple[str, ...]) -> Block:
    return Block(network.network, expression="" if isinstance(network.value, str) else network.cidr, apart=apart)


def _control_plane(cluster: ClusterRole, elsewhere: Path) -> Endpoint:
    """The control plane's interfaces; a cluster defined elsewhere is pointed at through `elsewhere`."""
    return Endpoint(f"the control plane of cluster {cluster.label}", cluster.control_plane, True, cluster.guard,
                    cluster.path if cluster.in_template else elsewhere, addresses=cluster.addresses)


def _node_links(index: PermissionIndex, cluster: ClusterRole, endpoints: list[Endpoint]) -> Iterator[Link]:
    """Node group -> node group: each half of each endpoint against the classes of its peers."""
    directory = PeerDirectory(
        [frozenset(m.key for m in e.members) for e in endpoints],
        [e.members_known for e in endpoints],
        [e.guard for e in endpoints],
        [present_guard([m.guard for m in e.members]) for e in endpoints],
        [e.addresses for e in endpoints],
        index.model,
    )

    def peers(found: PeerClass) -> tuple[Endpoint, ...]:
        return tuple(endpoints[p] for p in found.listed)

    def everyone(position: int, direction: Direction, found: PeerClass) -> Callable[[], tuple[Endpoint, ...]]:
        return lambda: tuple(endpoints[p] for p in directory.members(index, position, direction, found))

    for position, endpoint in enumerate(endpoints):
        for found in directory.classes(index, position, Direction.INGRESS):
            yield Link(Channel.NODES_TO_NODES, cluster, endpoints[found.listed[0]], endpoint,
                       (Direction.INGRESS,), peers(found), found.total,
                       everyone(position, Direction.INGRESS, found))
        for found in directory.classes(index, position, Direction.EGRESS):
            yield Link(Channel.NODES_TO_NODES, cluster, endpoint, endpoints[found.listed[0]],
                       (Direction.EGRESS,), peers(found), found.total,
                       everyone(position, Direction.EGRESS, found))


def _node_endpoint(nodes: list[NodeRole]) -> Endpoint:
    """One endpoint for node groups that carry the same groups: it exists when any of them does."""
    first = nodes[0]
    exists = FALSE
    for node in nodes:
        exists = exists | node.guard
    # Variants of one resource (launch specifications, launch templates) are named once.
    labels = tuple(dict.fromkeys(str(n.path[1]) if len(n.path) > 1 and len(nodes) > 1 else n.label
                                 for n in nodes))
    noun = "node group" if len(labels) == 1 else "node groups"
    members: dict[GroupKey, Member] = {}
    for node in nodes:  # a group is on the interfaces whenever one of the node groups puts it there
        for member in node.members:
            known = members.get(member.key)
            members[member.key] = member if known is None else Member(member.key, known.guard | member.guard,
                                                                       known.path)
    return Endpoint(f"{noun} {', '.join(labels)}", tuple(members.values()), first.members_known, exists,
                    first.path, labels, first.addresses)


def evaluate(index: PermissionIndex, scenarios: Scenarios, link: Link,
             protocols: Iterable[IpProtocol]) -> LinkResult:
    """Openings of both halves of `link`, per protocol, in every scenario where both ends exist."""
    initiator, responder = link.initiator, link.responder
    exists = link.cluster.guard & initiator.guard & responder.guard
    names = set(exists.names()) | setting_names(link.cluster.family)
    for member in (*initiator.members, *responder.members):
        names |= member.guard.names()
    egress, ingress = Direction.EGRESS in link.halves, Direction.INGRESS in link.halves
    if egress:
        names |= index.condition_names((m.key for m in initiator.members), Direction.EGRESS)
    if ingress:
        names |= index.condition_names((m.key for m in responder.members), Direction.INGRESS)
    states: list[LinkState] = []
    for scenario in scenarios.over(frozenset(names)):
        if not exists.holds(scenario):
            continue
        state = LinkState(scenario, _active(initiator.members, scenario), _active(responder.members, scenario), {}, {})
        family = family_in(link.cluster, scenario)
        guessed = [m for m in (*initiator.members, *responder.members) if m.inferred and m.guard.holds(scenario)]
        for protocol in protocols:
            if egress:
                state.egress[protocol] = _half(index, link, Direction.EGRESS, protocol, state, family, guessed)
            if ingress:
                state.ingress[protocol] = _half(index, link, Direction.INGRESS, protocol, state, family, guessed)
        states.append(state)
    return LinkResult(link, states)


def _half(index: PermissionIndex, link: Link, direction: Direction, protocol: IpProtocol, state: LinkState,
          family: Family, guessed: Sequence[Member]) -> Opening:
    """One half of a link in one scenario. Groups whose role is only inferred (`guessed`) may or may not be on
    their side: the half is what it opens either way, so a guess never makes a flow ALLOWED."""
    egress = direction is Direction.EGRESS
    side, other = (link.initiator, link.responder) if egress else (link.responder, link.initiator)
    groups, others = (state.out, state.into) if egress else (state.into, state.out)

    def opening(side_groups: list[GroupKey], other_groups: list[GroupKey]) -> Opening:
        own = Side(side_groups, side.members_known)
        if other.remote is not None:  # a hybrid network: addresses only, never a security group
            return family.opening(lambda ipv6: index.opening_to_network(
                own, direction, protocol=protocol, scenario=state.scenario, ipv6=ipv6, addresses=other.addresses))
        return family.opening(lambda ipv6: index.opening(
            own, direction, toward=Side(other_groups, other.members_known), protocol=protocol,
            scenario=state.scenario, ipv6=ipv6, addresses=other.addresses))

    found = opening(groups, others)
    if not guessed:
        return found
    without = {m.key for m in guessed}
    keys = ", ".join(dict.fromkeys(str(m.key) for m in guessed))
    doubt = Doubt(None, NO_PORTS, "only the shape of its rules suggests it is the control plane's group",
                  guessed[0].path, f"the role of {keys}")
    return found.either(opening([g for g in groups if g not in without], [g for g in others if g not in without]),
                        doubt)


class Family(NamedTuple):
    """A cluster's IP family in one scenario: IPv6, IPv4, or not fixed here (`setting` says why)."""

    value: Truth
    setting: Setting | None = None

    def opening(self, open_for: Callable[[bool], Opening]) -> Opening:
        """What a side opens for this family; for an unknown one, what it opens either way."""
        if self.value is not Truth.UNKNOWN:
            return open_for(self.value is Truth.TRUE)
        setting = self.setting
        reason = setting.why if setting is not None else "is not fixed here"
        as_ipv4, as_ipv6 = open_for(False), open_for(True)
        opener = ("IPv6" if as_ipv6.surely.covers(as_ipv4.surely) else
                  "IPv4" if as_ipv4.surely.covers(as_ipv6.surely) else "IPv4 for some ports and IPv6 for others")
        doubt = Doubt(None, NO_PORTS, f"it {reason}, and the flow is open only if the cluster is {opener}",
                      setting.path if setting is not None else (), "the cluster's IpFamily")
        return as_ipv4.either(as_ipv6, doubt)


def family_in(cluster: ClusterRole, scenario: Scenario) -> Family:
    """The IP family of `cluster` in `scenario`, with the setting that leaves it open when it does."""
    value = setting_in(cluster.family, scenario)
    unknown = next((s for s in cluster.family if s.value is Truth.UNKNOWN and s.guard.holds(scenario)), None)
    return Family(value, unknown)


def _active(members: Iterable[Member], scenario: Scenario) -> list[GroupKey]:
    return list(dict.fromkeys(m.key for m in members if m.guard.holds(scenario)))

