"""`cfn-lint-eks-sg explain`: what the analysis inferred, for a person deciding whether to trust it.

Clusters with their control-plane groups and hybrid networks, node groups and the groups on their interfaces (each with
the line it comes from), then every required flow with its verdict per scenario: ALLOWED, BLOCKED
with the missing half and ports (marked suppressed when cfn-lint, with the user's settings, shows none of
the findings behind it), or UNKNOWN with why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Final

from cfnlint_eks_sg._analysis import BLOCKING_RULES, Analysis
from cfnlint_eks_sg.checks._acls import ACL_RULES, Crossing
from cfnlint_eks_sg.checks._findings import ApiBlocked, NoRoute, Reported, shown_by_default
from cfnlint_eks_sg.checks._gaps import render_traffic, requirement_traffic
from cfnlint_eks_sg.checks._internet import AWS_APIS_RULE, ApiVerdict
from cfnlint_eks_sg.checks._routes import ROUTES_RULE, RouteVerdict
from cfnlint_eks_sg.core._guards import Scenario, describe, guard_text
from cfnlint_eks_sg.core._ports import IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import is_companion_path
from cfnlint_eks_sg.flows._flows import LinkResult, LinkState
from cfnlint_eks_sg.flows._reach import Reach, Verdict, combined
from cfnlint_eks_sg.flows._requirements import OPT_IN_RULES, REQUIREMENTS, Level, Requirement
from cfnlint_eks_sg.model._types import Direction, Member, Origin, Truth

LineOf = Callable[[Path], "int | None"]
PortsOf = Callable[[str], "PortSet | None"]  # a rule's configured port setting (WK1003's webhook_ports)


def default_ports(rule_id: str) -> PortSet | None:
    return None


def explain(analysis: Analysis, line_of: LineOf, ports: PortsOf = default_ports,
            shown: Mapping[str, int] | None = None, reported: Reported = shown_by_default) -> Iterator[str]:
    """The report, line by line; `shown` counts the findings cfn-lint shows by rule (default settings if None),
    `reported` tells which ones it shows."""
    roles = analysis.roles
    yield "Clusters"
    if not roles.clusters:
        yield "  none: no EKS cluster, and no node group that joins one"
    for cluster in roles.clusters.values():
        where = "defined in another stack"
        if cluster.in_template:
            where = ("defined in a companion or nested template" if is_companion_path(cluster.path)
                     else f"defined here{_at(line_of, cluster.path)}")
        families = {setting.value for setting in cluster.family}
        family = ", IPv6" if families == {Truth.TRUE} else ", IPv4 or IPv6" if len(families) > 1 or (
            Truth.UNKNOWN in families) else ""
        yield f"  {cluster.label} ({where}{family}){guard_text(cluster.guard)}"
        yield "    control-plane groups:"
        for member in cluster.control_plane:
            why = _why_control_plane(member, cluster.cluster_group)
            yield f"      - {member.key}: {why}{_at(line_of, member.path)}"
        if cluster.remote:
            yield "    remote networks (EKS Hybrid Nodes, RemoteNetworkConfig):"
        for network in cluster.remote:
            known = "" if network.network is not None else " (not fixed here: rules match it by the same expression)"
            yield (f"      - {network.kind}s: {network.shown}{known}{_at(line_of, network.path)}"
                   f"{guard_text(network.guard)}")
    yield ""
    yield "Node groups"
    if not roles.node_groups:
        yield "  none found (nodes are tagged kubernetes.io/cluster/NAME, bootstrap a cluster, or are EKS node groups)"
    for node in roles.node_groups:
        yield (f"  {node.label}: {node.compute.value} of cluster {node.cluster}{_at(line_of, node.path)}"
               f"{guard_text(node.guard)}")
        if not node.members_known:
            yield "    groups: not all visible (a launch template or group list defined elsewhere)"
        for member in node.members:
            yield f"    - {member.key}{_at(line_of, member.path)}{guard_text(member.guard)}"
        if node.members_known and not node.members:
            yield "    - no group visible: EC2 gives its interfaces the default group of the VPC"
    yield ""
    yield "Required flows (egress of the first side, ingress of the second)"
    hidden = Suppressed(analysis, ports, reported)
    for req, traffic, results in required_flows(analysis, ports):
        yield f"  {req.rule_id} {req.channel.value}, {render_traffic(traffic)} ({req.level.value}: {req.purpose})"
        for result in results:
            yield from _flow(req.rule_id, result, traffic, hidden)
    yield from _aws_apis(analysis.api_access.verdicts, hidden)
    yield from _routes(analysis.route_verdicts, hidden)
    yield from _acls(analysis.crossings)
    yield ""
    if shown is None:
        shown = {rule_id: len(items) for rule_id, items in analysis.all_findings().items()
                 if rule_id not in OPT_IN_RULES}
    counts = ", ".join(f"{rule_id} x{count}" for rule_id, count in sorted(shown.items()) if count)
    yield f"Findings: {counts or 'none'} (run cfn-lint --append-rules=cfnlint_eks_sg for their messages)"


Traffic = Sequence[tuple[IpProtocol, PortSet]]


def required_flows(analysis: Analysis,
                    ports: PortsOf = default_ports) -> Iterator[tuple[Requirement, Traffic, list[LinkResult]]]:
    """Each required (not optional) flow with its traffic (as its rule is configured) and the links it is checked on."""
    for req in REQUIREMENTS:
        if req.level is Level.OPTIONAL:
            continue
        traffic = [(p, span) for p, span in requirement_traffic(req, ports(req.rule_id)) if span]
        results = sorted((r for r in analysis.links if r.link.channel is req.channel),
                         key=lambda r: (r.link.initiator_label, r.link.responder_label))
        if traffic and results:
            yield req, traffic, results


def verdict_of(traffic: Traffic, direction: Direction, state: LinkState) -> Verdict:
    """One half of a flow in one scenario, over all its traffic."""
    openings = state.egress if direction is Direction.EGRESS else state.ingress
    return combined(traffic, [openings[protocol].verdict(direction, ports) for protocol, ports in traffic])


def any_blocked(shown: Iterable[str]) -> bool:
    """`explain --check`: whether cfn-lint, with the user's settings, shows a finding of a BLOCKED verdict (of the
    rule IDs it shows). A suppressed finding (`-i`, Metadata `ignore_checks`, `.cfnlintrc`) fails no check, as
    it fails no cfn-lint run; neither does a flow between companions, which is theirs to report."""
    return any(rule_id in BLOCKING_RULES or rule_id in PATH_RULES for rule_id in shown)


class Suppressed:
    """Which BLOCKED verdicts cfn-lint does not show with the user's settings: every finding behind them is
    suppressed (`-i`, `ignore_checks` in a resource's or the template's Metadata, `.cfnlintrc`). A blocked flow
    between companions has no finding here at all: it is theirs to report, not suppressed."""

    def __init__(self, analysis: Analysis, ports: PortsOf, reported: Reported) -> None:
        # In one scenario, a flow's half is blocked at one edit location: one gap, one finding.
        self._halves = {(rule_id, id(gap.link), gap.direction, _frozen(scenario))
                        for rule_id in BLOCKING_RULES
                        for gap, finding in analysis.reported_gaps(rule_id, ports(rule_id))
                        if not reported(rule_id, finding.path) for scenario in gap.failing}
        apis: dict[str, list[bool]] = {}
        for finding in analysis.findings.get(AWS_APIS_RULE, []):
            if isinstance(finding.facts, ApiBlocked):
                apis.setdefault(finding.facts.node_group, []).append(reported(AWS_APIS_RULE, finding.path))
        self._apis = {node_group for node_group, shows in apis.items() if not any(shows)}
        routes: dict[tuple[str, str], list[bool]] = {}
        for finding in analysis.findings.get(ROUTES_RULE, []):
            if isinstance(finding.facts, NoRoute):
                for subnet in finding.facts.subnets:
                    routes.setdefault((finding.facts.node_group, subnet), []).append(
                        reported(ROUTES_RULE, finding.path))
        self._routes = {key for key, shows in routes.items() if not any(shows)}

    def half(self, rule_id: str, result: LinkResult, direction: Direction, scenario: Scenario) -> bool:
        """Whether this blocked half of `rule_id`'s flow, in this scenario, has findings and cfn-lint shows none."""
        return (rule_id, id(result.link), direction, _frozen(scenario)) in self._halves

    def aws_apis(self, node_group: str) -> bool:
        """Whether the node group's path to the AWS APIs has WK1006 findings and cfn-lint shows none."""
        return node_group in self._apis

    def route(self, node_group: str, subnet: str) -> bool:
        """Whether the node group's route from `subnet` has EK5001 findings and cfn-lint shows none."""
        return (node_group, subnet) in self._routes


def _frozen(scenario: Scenario) -> frozenset[tuple[str, bool]]:
    return frozenset(scenario.items())


PATH_RULES: Final = (ROUTES_RULE, *ACL_RULES.values())  # BLOCKED hops past the security groups
SUPPRESSED: Final = "BLOCKED (suppressed)"  # a BLOCKED verdict whose findings cfn-lint does not show


def _flow(rule_id: str, result: LinkResult, traffic: Traffic, hidden: Suppressed) -> Iterator[str]:
    link = result.link
    yield f"    {link.initiator_label} -> {link.responder_label}"
    if not result.states:
        yield "      never both there in the same scenario"
        return
    for direction in link.halves:
        verdicts: dict[str, list[str]] = {}
        for state in result.states:
            verdict = verdict_of(traffic, direction, state)
            suppressed = verdict.reach is Reach.BLOCKED and hidden.half(rule_id, result, direction, state.scenario)
            text = verdict_text(verdict, suppressed)
            verdicts.setdefault(text, []).append(describe(state.scenario) or "always")
        for text, scenarios in verdicts.items():
            when = "" if len(verdicts) == 1 else f" when {' / '.join(scenarios)}"
            yield f"      {direction.value:<7} {text}{when}"


def _aws_apis(verdicts: Sequence[ApiVerdict], hidden: Suppressed) -> Iterator[str]:
    """WK1006: one line per verdict and node group, as the flows above."""
    if not verdicts:
        return
    yield ("  WK1006 nodes -> the AWS APIs, TCP 443 to 0.0.0.0/0 or to VPC endpoints for ec2, ecr.api, ecr.dkr, "
           "sts and S3 (recommended: without it nodes cannot register, pull images or assume roles)")
    for verdict in verdicts:
        yield f"    node group {verdict.node_group} of cluster {verdict.cluster}"
        if not verdict.verdicts:
            yield "      never there in any scenario"
        for shown, scenarios in verdict.verdicts:
            text = verdict_text(shown, shown.reach is Reach.BLOCKED and hidden.aws_apis(verdict.node_group))
            at = "" if len(verdict.verdicts) == 1 else f" when {' / '.join(describe(s) or 'always' for s in scenarios)}"
            yield f"      egress  {text}{at}"


def _routes(verdicts: Sequence[RouteVerdict], hidden: Suppressed) -> Iterator[str]:
    """EK5001: each node group's way to the AWS APIs from each of its subnets, past the security groups."""
    if not verdicts:
        return
    yield ("  EK5001 nodes -> the AWS APIs, the route from each subnet: a NAT gateway or an internet gateway, or VPC "
           "endpoints with private DNS (minimum: without it nodes never join)")
    for verdict in verdicts:
        yield f"    node group {verdict.node_group} of cluster {verdict.cluster}"
        for hop, scenarios in verdict.hops:
            shown = Verdict(hop.reach, why=hop.why)
            suppressed = hop.reach is Reach.BLOCKED and hidden.route(verdict.node_group, hop.subnet)
            every = [other for other, _ in verdict.hops if other.subnet == hop.subnet]
            at = "" if len(every) == 1 else f" when {' / '.join(describe(s) or 'always' for s in scenarios)}"
            reason = f" ({hop.why})" if hop.reach is Reach.ALLOWED else ""
            yield f"      subnet {hop.subnet}: route {verdict_text(shown, suppressed)}{reason}{at}"


def _acls(crossings: Sequence[tuple[Crossing, Scenario]]) -> Iterator[str]:
    """EK5002 and WK5003: the network ACL crossings of each required flow between two subnets, request and answer
    (only those not ALLOWED are listed)."""
    if not crossings:
        return
    yield ("  EK5002/WK5003 network ACLs on the required flows between subnets, the request and its answer to the "
           "initiator's ephemeral ports (a flow within one subnet crosses none)")
    flows: dict[tuple[str, str, str], dict[tuple[str, str], list[tuple[Crossing, Scenario]]]] = {}
    for found, scenario in crossings:
        pairs = flows.setdefault((found.rule_id, found.initiator, found.responder), {})
        pairs.setdefault((found.start, found.end), []).append((found, scenario))
    for (rule_id, initiator, responder), pairs in flows.items():
        yield f"    {rule_id} {initiator} -> {responder}"
        for (start, end), judged in pairs.items():
            shown: dict[str, list[str]] = {}
            for crossing, scenario in judged:
                hop = crossing.hop
                if hop.reach is Reach.ALLOWED:
                    continue
                leg = "answer" if crossing.reply else "request"
                side = "outbound" if hop.direction is Direction.EGRESS else "inbound"
                verdict = Verdict(hop.reach, ((crossing.protocol, hop.missing),), hop.why)
                shown.setdefault(f"{leg} {side} {verdict_text(verdict)}", []).append(describe(scenario) or "always")
            if not shown:
                yield f"      subnet {start} -> subnet {end}: ALLOWED"
            for text, scenarios in shown.items():
                every = {describe(s) or "always" for _, s in judged}
                at = "" if len(every) == 1 else f" when {' / '.join(dict.fromkeys(scenarios))}"
                yield f"      subnet {start} -> subnet {end}: {text}{at}"


def verdict_text(verdict: Verdict, suppressed: bool = False) -> str:
    """`ALLOWED`, `BLOCKED: no rule allows TCP 10250` (or why, for WK1006), `UNKNOWN: why`; a BLOCKED verdict
    whose findings cfn-lint does not show is `BLOCKED (suppressed)`."""
    if verdict.reach is Reach.BLOCKED:
        missing = f"no rule allows {render_traffic(verdict.missing)}"
        return f"{SUPPRESSED if suppressed else 'BLOCKED'}: {verdict.why or missing}"
    if verdict.reach is Reach.UNKNOWN:
        return f"UNKNOWN: {verdict.why}"
    return "ALLOWED"


def _why_control_plane(member: Member, cluster_group: object) -> str:
    key = member.key
    if key == cluster_group and key.origin is Origin.CLUSTER:
        return "created by EKS for the cluster"
    if key == cluster_group:
        return "the cluster's own group, created by EKS in the stack that defines the cluster"
    if member.path[:1] == ("Metadata",):
        return "declared in Metadata cfnlint-eks-sg control_plane_security_groups"
    if key.origin is Origin.PARAMETER and member.path[:1] == ("Parameters",):
        return "a parameter named or described as the control-plane group"
    if member.path[:1] == ("Resources",) and "ResourcesVpcConfig" in member.path:
        return "listed in ResourcesVpcConfig.SecurityGroupIds"
    return "rules here treat it as the control plane of the nodes"


def _at(line_of: LineOf, path: Path) -> str:
    line = line_of(path) if path else None
    return f", line {line}" if line is not None else ""
