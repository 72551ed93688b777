"""EK5002 and WK5003: network ACLs on the subnets of a required flow's ends let it through, both ways.

Every flow the security-group rules check between the control plane and the nodes, and between nodes, also
crosses the network ACLs of both ends' subnets (`flows/_acls`): the request and its answer, each outbound from
one subnet and inbound to the other. The control plane's interfaces may be in any of the cluster's subnets, so
each of them is a start or an end. A minimum flow that an ACL blocks is EK5002, a recommended one WK5003.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from cfnlint_eks_sg.checks._findings import AclBlocked, Finding
from cfnlint_eks_sg.checks._gaps import render_traffic, requirement_traffic, when
from cfnlint_eks_sg.core._guards import Scenario, Scenarios
from cfnlint_eks_sg.core._ports import NO_PORTS, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.flows._acls import EPHEMERAL_PORTS, AclHop, crossing
from cfnlint_eks_sg.flows._reach import Reach
from cfnlint_eks_sg.flows._requirements import REQUIREMENT_OF, REQUIREMENTS, Channel, Level, Requirement
from cfnlint_eks_sg.flows._roles import ClusterRole, NodeRole, Roles
from cfnlint_eks_sg.model._types import Direction, Model
from cfnlint_eks_sg.model._vpc import Routing, Subnet

ACL_RULES: Final = {Level.MINIMUM: "EK5002", Level.RECOMMENDED: "WK5003"}
_CHANNELS: Final = (Channel.NODES_TO_CONTROL_PLANE, Channel.CONTROL_PLANE_TO_NODES, Channel.NODES_TO_NODES)


@record
class Crossing(Record):
    """One ACL crossing of a required flow between two subnets, in one scenario (what explain shows)."""

    rule_id: str  # the flow's own rule (EK1002 ...)
    initiator: str
    responder: str
    start: str  # subnet of the initiator
    end: str  # subnet of the responder
    reply: bool  # the answer, towards the initiator's ephemeral ports
    hop: AclHop
    protocol: IpProtocol
    start_cidr: str = ""  # the subnets' blocks, when the template fixes them
    end_cidr: str = ""


def acl_crossings(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[tuple[Crossing, Scenario]]:
    """Every ACL crossing of every required flow between subnets this template creates, in every scenario."""
    routing = model.routing
    if routing is None or not routing.acls_shown():
        return  # only default ACLs, which allow everything: nothing to judge
    names = routing.acl_condition_names()
    for ident, cluster in roles.clusters.items():
        nodes = [n for n in roles.node_groups if n.cluster == ident and n.addresses.subnets]
        if not nodes:
            continue
        every = frozenset(names | cluster.guard.names() | {n for node in nodes for n in node.guard.names()})
        for scenario in scenarios.over(every):
            if cluster.guard.holds(scenario):
                for found in _in_scenario(routing, cluster, nodes, scenario):
                    yield found, scenario


def _in_scenario(routing: Routing, cluster: ClusterRole, nodes: list[NodeRole],
                 scenario: Scenario) -> Iterator[Crossing]:
    control_plane = _subnets(routing, cluster.addresses.subnets, scenario)
    present = [n for n in nodes if n.guard.holds(scenario)]
    for req in REQUIREMENTS:
        if req.channel not in _CHANNELS or req.level not in ACL_RULES or req.all_traffic:
            continue
        for initiator, starts, responder, ends in _ends(req.channel, cluster, control_plane, present, routing,
                                                        scenario):
            for start in starts:
                for end in ends:
                    if start.name != end.name:  # within one subnet no ACL is crossed
                        yield from _flow(routing, req, initiator, start, responder, end, scenario)


def _ends(channel: Channel, cluster: ClusterRole, control_plane: list[Subnet], nodes: list[NodeRole],
          routing: Routing, scenario: Scenario) -> Iterator[tuple[str, list[Subnet], str, list[Subnet]]]:
    plane = f"the control plane of cluster {cluster.label}"
    for node in nodes:
        subnets = _subnets(routing, node.addresses.subnets, scenario)
        label = f"node group {node.label}"
        if channel is Channel.NODES_TO_CONTROL_PLANE:
            yield label, subnets, plane, control_plane
        elif channel is Channel.CONTROL_PLANE_TO_NODES:
            yield plane, control_plane, label, subnets
        else:
            for other in nodes:
                yield label, subnets, f"node group {other.label}", _subnets(routing, other.addresses.subnets,
                                                                            scenario)


def _cidr(subnet: Subnet) -> str:
    return str(subnet.block.network) if subnet.block.network is not None else ""


def _subnets(routing: Routing, names: tuple[str, ...], scenario: Scenario) -> list[Subnet]:
    return [routing.subnets[n] for n in names if n in routing.subnets and routing.subnets[n].guard.holds(scenario)]


def _flow(routing: Routing, req: Requirement, initiator: str, start: Subnet, responder: str, end: Subnet,
          scenario: Scenario) -> Iterator[Crossing]:
    for protocol, ports in requirement_traffic(req):
        if not ports:
            continue
        legs = ((start, Direction.EGRESS, ports, end, False), (end, Direction.INGRESS, ports, start, False),
                (end, Direction.EGRESS, EPHEMERAL_PORTS, start, True),
                (start, Direction.INGRESS, EPHEMERAL_PORTS, end, True))
        for subnet, direction, wanted, other, reply in legs:
            hop = crossing(routing, subnet, direction, protocol, wanted, other.block, scenario)
            if hop is not None:
                yield Crossing(req.rule_id, initiator, responder, start.name, end.name, reply, hop, protocol,
                               _cidr(start), _cidr(end))


def acl_findings(crossings: list[tuple[Crossing, Scenario]]) -> list[Finding]:
    """One finding per edit location (the deny entry, or the ACL without an allowing entry), direction and level:
    every required flow it blocks there, the traffic to allow, the subnet pairs, and when."""
    judged: list[Scenario] = []  # every scenario a crossing was judged in
    groups: dict[tuple[Path, Direction, Level], _Group] = {}
    for found, scenario in crossings:
        _add(judged, scenario)
        hop = found.hop
        if hop.reach is not Reach.BLOCKED:
            continue
        level = REQUIREMENT_OF[found.rule_id].level
        group = groups.setdefault((hop.where, hop.direction, level), _Group(hop))
        group.flows.setdefault(_flow_text(found), None)
        group.answers = group.answers or found.reply
        group.ports[found.protocol] = group.ports.get(found.protocol, NO_PORTS) | hop.missing
        group.pairs.setdefault((found.start, found.end), None)
        # The subnet on the other side of this crossing: the responder's for a request leaving the initiator's
        # subnet or an answer entering it, the initiator's otherwise.
        outbound = hop.direction is Direction.EGRESS
        peer, cidr = (found.end, found.end_cidr) if outbound != found.reply else (found.start, found.start_cidr)
        group.peers.setdefault(f"{peer} ({cidr})" if cidr else peer, None)
        _add(group.scenarios, scenario)
    findings: list[Finding] = []
    for (where, direction, level), group in groups.items():
        hop = group.hop
        outbound = direction is Direction.EGRESS
        traffic = render_traffic(sorted(group.ports.items(), key=lambda item: str(item[0])))
        before = " with lower rule numbers than the entry that denies them" if where != ("Resources", hop.acl) else ""
        add = (f"{'outbound' if outbound else 'inbound'} entries to {hop.label} allowing {traffic} "
               f"{'to' if outbound else 'from'} subnets {', '.join(group.peers)}{before}")
        findings.append(Finding(ACL_RULES[level], where, AclBlocked(
            acl=hop.label, direction="outbound" if outbound else "inbound", flows="; ".join(group.flows),
            subnets=", ".join(f"{a} -> {b}" for a, b in group.pairs),
            why=(f"its {'outbound' if outbound else 'inbound'} entry {hop.entry} denies it" if hop.entry else
                 f"no {'outbound' if outbound else 'inbound'} entry allows it, so its final deny-all entry (*) drops "
                 "it") + ("; network ACLs are stateless, so answers need entries of their own" if group.answers
                          else ""),
            when=when(group.scenarios, judged), add=add)))
    return findings


class _Group:
    """The blocked crossings at one edit location and direction (a plain class: see `Model`)."""

    def __init__(self, hop: AclHop) -> None:
        self.hop = hop
        self.flows: dict[str, None] = {}
        self.ports: dict[IpProtocol, PortSet] = {}
        self.pairs: dict[tuple[str, str], None] = {}
        self.peers: dict[str, None] = {}  # the subnets on the other side of this ACL
        self.scenarios: list[Scenario] = []
        self.answers = False  # some of the blocked traffic is answers


def _flow_text(found: Crossing) -> str:
    flow = f"{found.initiator} -> {found.responder} ({found.rule_id})"
    ports = render_traffic(((found.protocol, found.hop.missing),))
    return f"{ports}, answers to {flow}" if found.reply else f"{ports}, {flow}"


def _add(scenarios: list[Scenario], scenario: Scenario) -> None:
    if scenario not in scenarios:
        scenarios.append(scenario)


def _acl_path(hop: AclHop) -> Path:
    return ("Resources", hop.acl)
