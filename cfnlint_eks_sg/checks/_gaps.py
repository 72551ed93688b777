"""Pipeline stage `findings` for flows: a requirement read against evaluated links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cfnlint_eks_sg.checks._findings import Finding, FlowGap
from cfnlint_eks_sg.checks._placement import edit_path, preferred
from cfnlint_eks_sg.core._guards import Guard, Scenario, Scenarios, describe
from cfnlint_eks_sg.core._ports import ALL_TRAFFIC, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._flows import Link, LinkResult
from cfnlint_eks_sg.flows._reach import Reach
from cfnlint_eks_sg.flows._requirements import WELL_KNOWN_PORTS, Requirement, Traffic, owned_before
from cfnlint_eks_sg.model._types import Direction, GroupKey, Origin


class _GapKey(NamedTuple):
    direction: Direction
    path: Path
    missing: str
    groups: str


def requirement_traffic(req: Requirement, override: PortSet | None = None) -> Traffic:
    """What `req` checks: its ports (or the configured ones) less what stricter rows own."""
    return tuple(
        (protocol, (override if override is not None else ports) - owned_before(req, protocol))
        for protocol, ports in req.traffic
    )


class Gap(NamedTuple):
    """One blocked half of a required flow at one edit location, with what it misses and when.

    Findings are worded from it, and `cfn-lint-eks-sg fix` writes the rules that close it.
    """

    rule_id: str
    link: Link
    direction: Direction
    path: Path
    side: list[GroupKey]  # the deciding side's groups (in the last failing scenario)
    other: list[GroupKey]  # the other side's groups, there
    blocked: list[tuple[IpProtocol, PortSet]]
    failing: list[Scenario]
    every: list[Scenario]
    sides: tuple[tuple[tuple[GroupKey, ...], tuple[GroupKey, ...]], ...] = ()  # (side, other) per failing scenario


def link_gap_records(req: Requirement, traffic: Traffic, result: LinkResult) -> list[Gap]:
    """One gap per blocked half and edit location, with the scenarios in which it fails."""
    traffic = tuple((p, ports) for p, ports in traffic if ports)
    if not traffic or not result.states:
        return []
    link = result.link
    failing: dict[_GapKey, list[Scenario]] = {}
    sides: dict[_GapKey, tuple[list[GroupKey], list[GroupKey], list[tuple[IpProtocol, PortSet]]]] = {}
    seen: dict[_GapKey, dict[tuple[tuple[GroupKey, ...], tuple[GroupKey, ...]], None]] = {}
    for state in result.states:
        for direction, openings, side, other, endpoint in (
            (Direction.EGRESS, state.egress, state.out, state.into, link.initiator),
            (Direction.INGRESS, state.ingress, state.into, state.out, link.responder),
        ):
            if direction not in link.halves:
                continue
            blocked = []
            for protocol, ports in traffic:
                half = openings[protocol].verdict(direction, ports)
                if half.reach is Reach.BLOCKED:
                    blocked.append((protocol, half.missing))
            if not blocked:
                continue
            key = _GapKey(direction, edit_path(side, endpoint.path), render_traffic(blocked),
                          " or ".join(map(str, side)))
            failing.setdefault(key, []).append(state.scenario)
            sides[key] = (side, other, blocked)
            seen.setdefault(key, {})[(tuple(side), tuple(other))] = None
    every = [state.scenario for state in result.states]
    return [Gap(req.rule_id, link, key.direction, key.path, *sides[key], scenarios, every, tuple(seen[key]))
            for key, scenarios in failing.items()]


def gap_finding(gap: Gap) -> Finding:
    """The finding for a gap, where the person edits."""
    return Finding(gap.rule_id, gap.path, gap_facts(gap))


def gap_facts(gap: Gap) -> FlowGap:
    """What a gap's finding says: both ends, the missing traffic, when, and the rule to add."""
    link = gap.link
    initiator, responder = _upper_first(link.initiator_label), link.responder_label
    if link.initiator == link.responder:
        initiator, responder = f"Nodes of {link.initiator.label}", "each other"
    missing = render_traffic(gap.blocked)
    verb, preposition = ("egress", "to") if gap.direction is Direction.EGRESS else ("ingress", "from")
    return FlowGap(
        initiator=initiator, responder=responder,
        cluster=link.cluster.label, node_group=link.node_group,
        traffic=missing, half=verb, groups=" or ".join(map(str, gap.side)),
        when=when(gap.failing, gap.every),
        fix=f"an {verb} rule on {_reference(preferred(gap.side))} allowing {missing} "
            f"{preposition} {_peer_reference(link, gap.direction, gap.other)}",
        impact=_impact(gap.blocked),
    )


def render_traffic(items: Sequence[tuple[IpProtocol, PortSet]]) -> str:
    """`TCP 53 and UDP 53`, `TCP 1025-10249, 10251-65535`, `all traffic`."""
    parts = ["all traffic" if p == ALL_TRAFFIC else f"{p} {ports}" for p, ports in items]
    return " and ".join(parts)


def _impact(blocked: Sequence[tuple[IpProtocol, PortSet]]) -> str:
    """`; this breaks 8443 (...), 9443 (...)` for the well-known ports among the blocked ones."""
    hit = [f"{port} ({what})" for protocol, ports in blocked if protocol != ALL_TRAFFIC
           for port, what in WELL_KNOWN_PORTS.items() if port in ports]
    return f"; this breaks {', '.join(hit)}" if hit else ""


def when(failing: Sequence[Scenario], every: Sequence[Scenario]) -> str:
    """` when X is false`: the condition values the failing scenarios share ('' if all fail)."""
    if len(failing) >= len(every) or not any(every):
        return ""
    first = failing[0]
    # Name what the failing scenarios share and the passing ones do not always have.
    common = {n: v for n, v in first.items()
              if all(s.get(n) == v for s in failing) and not all(s.get(n) == v for s in every)}
    return " when " + describe(common or first)


def holding_text(guard: Guard, scenarios: Scenarios) -> str | None:
    """None when `guard` never holds; else the scenario text ('' when it always holds)."""
    every = scenarios.over(guard.names())
    holding = [s for s in every if guard.holds(s)]
    return when(holding, every) if holding else None


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reference(group: GroupKey | None) -> str:
    if group is None:
        return "its security group"
    if group.origin is Origin.CLUSTER:
        return f"{group} (Fn::GetAtt {group.ident}.ClusterSecurityGroupId)"
    return str(group)


def _peer_reference(link: Link, direction: Direction, groups: Sequence[GroupKey]) -> str:
    """The other side's group, its CIDR block (a hybrid network), or for a class of node groups, all of theirs."""
    remote = (link.initiator if direction is Direction.INGRESS else link.responder).remote
    if remote is not None:
        return f"{remote.shown} (CidrIp)"
    if link.total > 1:
        label = link.initiator_label if direction is Direction.INGRESS else link.responder_label
        return f"the security groups of {label}"
    return _reference(preferred(groups))
