"""`explain --format json|mermaid`: the required flows as data for machines, or a graph for a pull request.

One edge per required flow and link, with its worst verdict over the scenarios (BLOCKED, then
UNKNOWN, then ALLOWED) and, when blocked, the half and the ports no rule allows, and whether its
findings are suppressed (cfn-lint, with the user's settings, shows none of them). The graph has one
node per cluster control plane and node group; GitHub renders it from a ```mermaid block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Final, NamedTuple

from cfnlint_eks_sg._analysis import Analysis
from cfnlint_eks_sg.checks._acls import ACL_RULES, Crossing
from cfnlint_eks_sg.checks._findings import Reported, shown_by_default
from cfnlint_eks_sg.checks._gaps import render_traffic, requirement_traffic
from cfnlint_eks_sg.checks._internet import AWS_APIS_RULE, HTTPS
from cfnlint_eks_sg.checks._routes import ROUTES_RULE
from cfnlint_eks_sg.cli._explain import (
    PortsOf,
    Suppressed,
    Traffic,
    default_ports,
    required_flows,
    verdict_of,
)
from cfnlint_eks_sg.core._ports import TCP
from cfnlint_eks_sg.flows._flows import LinkResult
from cfnlint_eks_sg.flows._reach import Reach, Verdict
from cfnlint_eks_sg.flows._requirements import REQUIREMENT_OF, Level
from cfnlint_eks_sg.model._types import Direction

_ORDER: Final = (Reach.BLOCKED, Reach.UNKNOWN, Reach.ALLOWED)  # worst first
_NEVER: Final = Verdict(Reach.ALLOWED, why="never both there in the same scenario")
Json = dict[str, object]


class Edge(NamedTuple):
    """A required flow on one link as the picture shows it: its worst verdict over halves and scenarios, the half
    it is decided on (None when allowed), and whether cfn-lint shows none of its findings."""

    rule_id: str
    initiator: str
    responder: str
    traffic: str
    level: str
    verdict: Verdict
    half: Direction | None = None
    suppressed: bool = False

    def rank(self) -> tuple[int, bool]:
        return _ORDER.index(self.verdict.reach), self.suppressed

    def as_json(self) -> Json:
        verdict = self.verdict
        return {"rule": self.rule_id, "from": self.initiator, "to": self.responder, "traffic": self.traffic,
                "level": self.level, "verdict": verdict.reach.value,
                "half": self.half.value if self.half is not None else None,
                "missing": render_traffic(verdict.missing) if verdict.reach is Reach.BLOCKED else None,
                "why": verdict.why or None, "suppressed": self.suppressed}


def edges(analysis: Analysis, ports: PortsOf = default_ports, reported: Reported = shown_by_default) -> list[Edge]:
    """Each required flow on each link with its worst verdict, the half it is decided by, why, and whether
    cfn-lint shows none of its findings (a BLOCKED flow the user suppressed)."""
    hidden = Suppressed(analysis, ports, reported)
    found: list[Edge] = []
    for req, traffic, results in required_flows(analysis, ports):
        for result in results:
            flow = Edge(req.rule_id, result.link.initiator_label, result.link.responder_label,
                        render_traffic(traffic), req.level.value, Verdict(Reach.ALLOWED))
            found.append(_worst(flow, result, traffic, hidden))
    for api in analysis.api_access.verdicts:
        worst = min((verdict for verdict, _ in api.verdicts), key=lambda v: _ORDER.index(v.reach),
                    default=Verdict(Reach.ALLOWED))
        half = Direction.EGRESS if worst.reach is not Reach.ALLOWED else None
        suppressed = worst.reach is Reach.BLOCKED and hidden.aws_apis(api.node_group)
        found.append(Edge(AWS_APIS_RULE, f"node group {api.node_group}", "the AWS APIs", render_traffic(_HTTPS),
                          Level.RECOMMENDED.value, worst, half, suppressed))
    for route in analysis.route_verdicts:  # the route hop from each subnet (EK5001), its worst scenario
        worst_hops: dict[str, Verdict] = {}
        for hop, _ in route.hops:
            verdict = Verdict(hop.reach, _HTTPS if hop.reach is Reach.BLOCKED else (), hop.why)
            held = worst_hops.get(hop.subnet)
            if held is None or _ORDER.index(verdict.reach) < _ORDER.index(held.reach):
                worst_hops[hop.subnet] = verdict
        for subnet, verdict in worst_hops.items():
            suppressed = verdict.reach is Reach.BLOCKED and hidden.route(route.node_group, subnet)
            half = Direction.EGRESS if verdict.reach is not Reach.ALLOWED else None  # the nodes' way out
            found.append(Edge(ROUTES_RULE, f"node group {route.node_group} in subnet {subnet}", "the AWS APIs",
                              render_traffic(_HTTPS), Level.MINIMUM.value, verdict, half, suppressed))
    found += _acl_edges(analysis)
    return found


def _acl_edges(analysis: Analysis) -> list[Edge]:
    """Each required flow a network ACL does not let through in some scenario (EK5002, WK5003), at its worst."""
    worst: dict[tuple[str, str, str], tuple[Crossing, Verdict]] = {}
    for crossing, _ in analysis.crossings:
        hop = crossing.hop
        if hop.reach is Reach.ALLOWED:
            continue
        verdict = Verdict(hop.reach, ((crossing.protocol, hop.missing),) if hop.reach is Reach.BLOCKED else (),
                          hop.why)
        key = (crossing.rule_id, crossing.initiator, crossing.responder)
        held = worst.get(key)
        if held is None or _ORDER.index(verdict.reach) < _ORDER.index(held[1].reach):
            worst[key] = (crossing, verdict)
    edges_found = []
    for (rule_id, initiator, responder), (crossing, verdict) in worst.items():
        level = REQUIREMENT_OF[rule_id].level
        edges_found.append(Edge(ACL_RULES[level], initiator, responder, render_traffic(verdict.missing) or
                                render_traffic(requirement_traffic(REQUIREMENT_OF[rule_id])), level.value, verdict,
                                crossing.hop.direction))
    return edges_found


_HTTPS: Final = ((TCP, HTTPS),)  # WK1006's traffic


def _worst(flow: Edge, result: LinkResult, traffic: Traffic, hidden: Suppressed) -> Edge:
    """The worst verdict over halves and scenarios; of BLOCKED ones, one cfn-lint shows before a suppressed one."""
    if not result.states:
        return flow._replace(verdict=_NEVER)
    worst = flow
    for direction in result.link.halves:
        for state in result.states:
            verdict = verdict_of(traffic, direction, state)
            blocked = verdict.reach is Reach.BLOCKED
            edge = flow._replace(verdict=verdict, half=direction,
                                 suppressed=blocked and hidden.half(flow.rule_id, result, direction, state.scenario))
            if edge.rank() < worst.rank():
                worst = edge
    return worst


def as_json(analysis: Analysis, ports: PortsOf = default_ports, reported: Reported = shown_by_default) -> str:
    roles = analysis.roles
    data = {
        "clusters": [{"name": c.label, "control_plane_groups": [str(m.key) for m in c.control_plane]}
                     for c in roles.clusters.values()],
        "node_groups": [{"name": n.label, "cluster": n.cluster, "kind": n.compute.value,
                         "groups": [str(m.key) for m in n.members], "groups_known": n.members_known}
                        for n in roles.node_groups],
        "flows": [edge.as_json() for edge in edges(analysis, ports, reported)],
    }
    return json.dumps(data, indent=2)


def as_mermaid(analysis: Analysis, ports: PortsOf = default_ports,
               reported: Reported = shown_by_default) -> Iterator[str]:
    """A flowchart: allowed flows as plain arrows (rules sharing one), blocked and unknown ones dotted
    with the ports missing; blocked ones red unless their findings are suppressed."""
    yield "flowchart LR"
    ids: dict[str, str] = {}

    def node(label: str) -> str:
        if label not in ids:
            ids[label] = f"n{len(ids) + 1}"
        return ids[label]

    allowed: dict[tuple[str, str], list[str]] = {}
    odd: list[tuple[str, str, str, bool]] = []
    for edge in edges(analysis, ports, reported):
        reach = edge.verdict.reach
        if reach is Reach.ALLOWED and edge.rule_id == ROUTES_RULE:
            continue  # a route that leads out, per subnet: the node group's WK1006 arrow says enough
        ends = (node(edge.initiator), node(edge.responder))
        if reach is Reach.ALLOWED:
            allowed.setdefault(ends, []).append(edge.rule_id)  # EK1005 checks TCP and UDP: once
            continue
        missing = ""
        if reach is Reach.BLOCKED and edge.half is not None:
            missing = f": {edge.half.value} misses {render_traffic(edge.verdict.missing)}"
        shown = f"{reach.value} (suppressed)" if edge.suppressed else reach.value
        odd.append((*ends, f"{edge.rule_id} {shown}{missing}", reach is Reach.BLOCKED and not edge.suppressed))
    for label, ident in ids.items():
        yield f'  {ident}["{_quoted(label)}"]'
    for (first, second), rules in allowed.items():
        yield f'  {first} -->|"{" ".join(dict.fromkeys(rules))}"| {second}'
    for first, second, text, _ in odd:
        yield f'  {first} -.->|"{_quoted(text)}"| {second}'
    red = [str(len(allowed) + number) for number, item in enumerate(odd) if item[3]]
    if red:
        yield f"  linkStyle {','.join(red)} stroke:#d00,color:#d00"


def _quoted(text: str) -> str:
    """Mermaid labels in double quotes: no quotes, brackets or pipes inside."""
    return re.sub(r'["|\[\]{}<>]', "'", text)
