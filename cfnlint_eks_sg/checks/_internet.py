"""WK1006: nodes reach the AWS APIs on TCP 443, through the internet or through VPC endpoints.

Seed footnote: nodes need the EKS API to register and S3 and ECR to pull images; private clusters
reach them through interface endpoints (ec2, ecr.api, ecr.dkr, sts) whose groups accept the nodes,
plus S3 (a gateway endpoint, reached through its prefix list) (spec C-12, F-06). IPv6 clusters need
::/0 as well as 0.0.0.0/0, never instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple

from cfnlint_eks_sg.checks._findings import ApiBlocked, ApiUnverified, Finding
from cfnlint_eks_sg.checks._gaps import when
from cfnlint_eks_sg.checks._placement import egress_path
from cfnlint_eks_sg.core._cidrs import Network, inside, off_internet
from cfnlint_eks_sg.core._guards import Scenario, Scenarios
from cfnlint_eks_sg.core._ports import TCP, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.flows._flows import family_in
from cfnlint_eks_sg.flows._reach import PermissionIndex, Reach, Side, Verdict, rule_label, uncertain_rule
from cfnlint_eks_sg.flows._roles import ClusterRole, NodeRole, Roles
from cfnlint_eks_sg.model._types import (
    CidrPeer,
    Direction,
    GroupKey,
    GroupPeer,
    Model,
    Permission,
    PrefixListPeer,
    Truth,
    UnknownPeer,
    VpcEndpoint,
    setting_names,
)

INTERFACE_SERVICES: Final = ("ec2", "ecr.api", "ecr.dkr", "sts")
AWS_APIS_RULE: Final = "WK1006"  # the rule whose findings are the nodes' blocked path to the AWS APIs
HTTPS: Final = PortSet.span(443, 443)


@record
class Problem(Record):
    """WK1006 fails here: where, why, and the ranges an egress rule on TCP 443 to would fix it (none: no such rule)."""

    path: Path
    why: str
    anywhere: tuple[str, ...] = ()


class Undecided(NamedTuple):
    """WK1006 cannot be judged here (IK0001): where, and what it depends on."""

    path: Path
    why: str
    groups: tuple[GroupKey, ...] = ()  # the node groups' own groups whose rules live elsewhere


NEEDS: Final = ("interface endpoints for ec2, ecr.api, ecr.dkr and sts that accept them and an S3 endpoint, "
                "or a path to 0.0.0.0/0")


class ApiVerdict(NamedTuple):
    """What explain shows for one node group: each verdict with the scenarios it holds in."""

    node_group: str
    cluster: str
    verdicts: tuple[tuple[Verdict, tuple[Scenario, ...]], ...]
    blocked: bool = False  # BLOCKED in some scenario (explain --check)


class ApiAccess:
    """WK1006 over every node group (a plain class: see `Model`)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.hidden: list[tuple[GroupKey, str]] = []  # flows for the IK0001 of groups elsewhere
        self.verdicts: list[ApiVerdict] = []


def aws_api_access(model: Model, roles: Roles, index: PermissionIndex, scenarios: Scenarios) -> ApiAccess:
    """WK1006 where the path to the AWS APIs is missing; IK0001 where it depends on what the template does not
    show. When it depends on node groups' own groups defined elsewhere, the flow goes to `hidden` instead: the
    IK0001 of that group lists it with the group's other flows."""
    result = ApiAccess()
    waiting: dict[GroupKey, list[str]] = {}  # hidden groups -> the node groups whose WK1006 depends on them
    for node in roles.node_groups:
        cluster = roles.clusters[node.cluster]
        every = _scenarios_of(model, index, scenarios, node, cluster)
        failing: dict[Problem | Undecided, list[Scenario]] = {}
        shown: dict[Verdict, list[Scenario]] = {}
        for scenario in every:
            problem = _problem_in(model, index, cluster, node, scenario)
            shown.setdefault(_shown(problem), []).append(scenario)
            if problem is not None:
                failing.setdefault(problem, []).append(scenario)
        result.verdicts.append(ApiVerdict(node.label, cluster.label,
                                          tuple((verdict, tuple(at)) for verdict, at in shown.items()),
                                          any(not isinstance(p, Undecided) for p in failing)))
        for problem, failed in failing.items():
            text = when(failed, every)
            if isinstance(problem, Undecided) and problem.groups:
                for group in problem.groups:
                    waiting.setdefault(group, []).append(node.label)
            elif isinstance(problem, Undecided):
                result.findings.append(Finding("IK0001", problem.path, ApiUnverified(
                    node_group=node.label, cluster=cluster.label, when=text, why=problem.why, needs=NEEDS)))
            else:
                result.findings.append(Finding(AWS_APIS_RULE, problem.path, ApiBlocked(
                    node_group=node.label, cluster=cluster.label, when=text, why=problem.why,
                    anywhere=problem.anywhere)))
    for group, labels in waiting.items():  # node groups on the same groups listed together, as for links
        named = list(dict.fromkeys(labels))
        noun = "node group" if len(named) == 1 else "node groups"
        result.hidden.append((group, f"WK1006 ({noun} {', '.join(named)} -> the AWS APIs, TCP 443)"))
    return result


def _scenarios_of(model: Model, index: PermissionIndex, scenarios: Scenarios, node: NodeRole,
                  cluster: ClusterRole) -> list[Scenario]:
    """The scenarios where the node group and its cluster exist, over every condition their path to the AWS APIs
    hangs on: theirs, the cluster's IP family, the nodes' groups and egress rules, the VPC endpoints."""
    names = set(node.guard.names()) | cluster.guard.names() | setting_names(cluster.family)
    for member in node.members:
        names |= member.guard.names()
    names |= index.condition_names((m.key for m in node.members), Direction.EGRESS)
    for endpoint in model.endpoints:
        names |= endpoint.guard.names()
    return [s for s in scenarios.over(frozenset(names)) if node.guard.holds(s) and cluster.guard.holds(s)]


def _shown(problem: Problem | Undecided | None) -> Verdict:
    if problem is None:
        return Verdict(Reach.ALLOWED)
    if isinstance(problem, Undecided):
        return Verdict(Reach.UNKNOWN, why=problem.why)
    return Verdict(Reach.BLOCKED, ((TCP, HTTPS),), problem.why)


def _problem_in(model: Model, index: PermissionIndex, cluster: ClusterRole, node: NodeRole,
                scenario: Scenario) -> Problem | Undecided | None:
    """The problem of the nodes' path in `scenario`; where the cluster's IP family is not fixed here and the
    two families differ, UNKNOWN."""
    family = family_in(cluster, scenario)
    if family.value is not Truth.UNKNOWN:
        return _problem(model, index, node, scenario, family.value is Truth.TRUE)
    as_ipv4, as_ipv6 = (_problem(model, index, node, scenario, ipv6) for ipv6 in (False, True))
    if as_ipv4 == as_ipv6:
        return as_ipv4
    out = list(dict.fromkeys(m.key for m in node.members if m.guard.holds(scenario)))
    why = family.setting.why if family.setting is not None else "is not fixed here"
    return Undecided(egress_path(out, node), "an IPv6 cluster needs TCP 443 to ::/0 as well as to 0.0.0.0/0, "
                                              f"and whether the cluster is IPv6 is not known: its IpFamily {why}")


def _problem(model: Model, index: PermissionIndex, node: NodeRole, scenario: Scenario,
             ipv6_cluster: bool) -> Problem | Undecided | None:
    out = list(dict.fromkeys(m.key for m in node.members if m.guard.holds(scenario)))
    path = egress_path(out, node)
    blocked, doubts, hidden = _internet_halves(index, node, out, scenario, ipv6_cluster)
    if not blocked and not doubts:
        return None
    if "0.0.0.0/0" not in blocked and "0.0.0.0/0" not in doubts:  # only ::/0 in question (IPv6 cluster)
        if doubts:
            return Undecided(path, "their egress allows TCP 443 to 0.0.0.0/0; to ::/0, which an IPv6 cluster "
                                   f"needs too, it depends on this: {doubts['::/0']}", hidden)
        return Problem(path, "their egress allows 0.0.0.0/0 but not ::/0 on TCP 443, and an IPv6 cluster needs both. "
                             "Add an egress rule for TCP 443 to ::/0", ("::/0",))
    endpoints = [e for e in model.endpoints if e.guard.holds(scenario)]
    if ipv6_cluster and not doubts and blocked == ["0.0.0.0/0"] and not endpoints:
        return Problem(path, "their egress allows ::/0 but not 0.0.0.0/0 on TCP 443: an IPv6 cluster needs IPv4 too "
                             "(many AWS endpoints are IPv4-only). Add an egress rule for TCP 443 to 0.0.0.0/0",
                       ("0.0.0.0/0",))
    unsure = list(dict.fromkeys(doubts.values()))
    if endpoints:
        gaps, unsure_endpoints = _endpoint_gaps(index, node, out, endpoints, scenario)
        if not gaps and not unsure_endpoints:
            return None
        if gaps and not unsure:
            return Problem(path, "their egress does not allow TCP 443 to 0.0.0.0/0 and the VPC endpoint path is "
                                 "incomplete: " + "; ".join(gaps))
        return Undecided(path, "; ".join([*unsure, *unsure_endpoints, *gaps]), hidden)
    if hidden or unsure:
        return Undecided(path, "; ".join(unsure), hidden)
    return _without_endpoints(model, index, out, scenario, path, blocked)


def _internet_halves(index: PermissionIndex, node: NodeRole, out: Sequence[GroupKey], scenario: Scenario,
                     ipv6_cluster: bool) -> tuple[list[str], dict[str, str], tuple[GroupKey, ...]]:
    """The halves of the internet (0.0.0.0/0, and ::/0 for an IPv6 cluster) the nodes' egress surely does not
    allow on TCP 443; why it is undecidable for the others (by half); the node groups whose rules live elsewhere."""
    families = [("0.0.0.0/0", False), *([("::/0", True)] if ipv6_cluster else [])]
    blocked: list[str] = []
    doubts: dict[str, str] = {}
    hidden: tuple[GroupKey, ...] = ()
    for anywhere, ipv6 in families:
        opening = index.opening_to_internet(Side(out, node.members_known), protocol=TCP, scenario=scenario,
                                            ipv6=ipv6)
        verdict = opening.verdict(Direction.EGRESS, HTTPS)
        if verdict.reach is Reach.UNKNOWN:
            doubts[anywhere] = (f"this template does not show all of their egress rules ({opening.invisible})"
                                if opening.invisible else _doubt(index, out, ipv6, scenario))
            hidden += opening.hidden if opening.invisible else ()
        elif verdict.reach is Reach.BLOCKED:
            blocked.append(anywhere)
    return blocked, doubts, hidden


def _without_endpoints(model: Model, index: PermissionIndex, out: Sequence[GroupKey], scenario: Scenario,
                       path: Path, blocked: Sequence[str]) -> Problem | Undecided:
    """Nodes whose egress surely misses the internet on TCP 443, in a template with no VPC endpoint: where
    their egress on TCP 443 goes instead decides whether endpoints elsewhere could serve them."""
    targets = _targets(model, index, out, scenario)
    if not targets:
        return Problem(path, ("their egress allows TCP 443 neither to 0.0.0.0/0 nor to anything that could be a VPC "
                      "endpoint, so they cannot register, pull images or assume roles. Allow TCP 443 to "
                      "0.0.0.0/0, or add interface endpoints for ec2, ecr.api, ecr.dkr and sts and an S3 "
                      "gateway endpoint"), tuple(blocked))
    outside = [label for label, vpc in targets.items() if vpc is None]
    if outside:
        return Undecided(path, f"their egress on TCP 443 goes only to {_listed(outside)}, which may hold VPC "
                               "endpoints (or a path to the internet) this template does not show")
    vpcs = list(dict.fromkeys(v for v in targets.values() if v is not None))
    return Problem(path, (f"their egress on TCP 443 goes only to {_listed(list(targets))}, inside "
                  f"VPC{'s' if len(vpcs) > 1 else ''} {_listed(vpcs)} of this template, which defines no VPC "
                  "endpoint: they cannot register, pull images or assume roles. Allow TCP 443 to 0.0.0.0/0, or add "
                  "interface endpoints for ec2, ecr.api, ecr.dkr and sts and an S3 gateway endpoint (endpoints "
                  "another stack creates in that VPC would close this: suppress WK1006 on this group then)"),
                   tuple(blocked))


def _doubt(index: PermissionIndex, out: Sequence[GroupKey], ipv6: bool, scenario: Scenario) -> str:
    """Why the nodes' egress may or may not reach the internet on TCP 443: the first rule that makes it so."""
    for perm, surely in _egress_on_443(index, out, scenario):
        group, peer = perm.group, perm.peer
        if not _decided(perm, ipv6, surely):
            uncertain = uncertain_rule(perm)
            if uncertain is not None:
                return f"{rule_label(perm)} may or may not open it: {uncertain}"
            if isinstance(peer, CidrPeer):
                return f"{peer.cidr} (an egress rule of {group}) may or may not reach the AWS APIs"
            if isinstance(peer, PrefixListPeer):
                return f"prefix list {peer.ident} (an egress rule of {group}) may or may not reach the AWS APIs"
    return "an egress rule of theirs whose destination is not decidable here may allow it"


def _decided(perm: Permission, ipv6: bool, surely: bool) -> bool:
    """A CIDR rule that never reaches the internet (private, other family) or surely does (/0)."""
    peer = perm.peer
    if not isinstance(peer, CidrPeer):
        return False
    networks = peer.covers.networks if peer.covers is not None else ()
    if peer.version != (6 if ipv6 else 4):
        return True
    return bool(networks) and (all(off_internet(n) for n in networks) or (surely and perm.anywhere))


def _home(model: Model, net: Network) -> str | None:
    """The template's VPC whose blocks hold `net`."""
    return next((vpc for vpc, blocks in model.vpcs.items() if any(inside(net, b) for b in blocks)), None)


def _listed(labels: Sequence[str]) -> str:
    shown = list(labels[:_SHOWN]) + ([f"{len(labels) - _SHOWN} more"] if len(labels) > _SHOWN else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


_SHOWN: Final = 3


def _targets(model: Model, index: PermissionIndex, out: Sequence[GroupKey],
             scenario: Scenario) -> dict[str, str | None]:
    """What the nodes' egress on TCP 443 names besides 0.0.0.0/0 and the template's own groups (which no
    endpoint of the template carries): each with the template's VPC it lies in, or None when not shown."""
    found: dict[str, str | None] = {}
    for perm, _ in _egress_on_443(index, out, scenario, peers=True):
        if not perm.anywhere:  # /0 is the internet path, judged already
            label, vpc = _target(model, perm.peer)
            found.setdefault(label, vpc)
    return found


def _egress_on_443(index: PermissionIndex, out: Sequence[GroupKey], scenario: Scenario,
                   peers: bool = False) -> Iterator[tuple[Permission, bool]]:
    """The nodes' egress rules that may open TCP 443 in `scenario` (address rules, and with `peers` rules to
    groups defined elsewhere), each with whether it surely opens it."""
    for group in out:
        rules = index.rules(group, Direction.EGRESS)
        for perm in [*rules.other, *rules.foreign_peers] if peers else rules.other:
            if perm.guard.holds(scenario):
                sure, maybe = perm.opens(TCP)
                if 443 in sure or 443 in maybe:
                    yield perm, 443 in sure


def _target(model: Model, peer: object) -> tuple[str, str | None]:
    if isinstance(peer, CidrPeer):
        covers = peer.covers
        if covers is not None and covers.whole_vpc in model.vpcs:
            primary = model.vpc_primaries.get(covers.whole_vpc)  # never a secondary block (VPCCidrBlock)
            return f"the CIDR block of {covers.whole_vpc}{f' ({primary})' if primary else ''}", covers.whole_vpc
        homes = [_home(model, n) for n in (covers.networks if covers is not None else ())]
        return peer.cidr, (homes[0] if homes and None not in homes else None)
    if isinstance(peer, PrefixListPeer):
        return f"prefix list {peer.ident}", None
    if isinstance(peer, GroupPeer):
        return str(peer.key), None  # a group defined elsewhere: its VPC is not shown
    if isinstance(peer, UnknownPeer):
        return peer.why, None
    return "a rule without a destination", None


def _endpoint_gaps(index: PermissionIndex, node: NodeRole, out: list[GroupKey], endpoints: list[VpcEndpoint],
                   scenario: Scenario) -> tuple[list[str], list[str]]:
    """What surely breaks the VPC endpoint path, and what this template cannot tell about it."""
    gaps: list[str] = []
    unsure: list[str] = []
    for service in INTERFACE_SERVICES:
        serving = [e for e in endpoints if e.interface and e.service == service]
        if not serving:
            gaps.append(f"no {service} interface endpoint")
            continue
        verdicts = [_interface_gap(index, node, out, e, scenario) for e in serving]
        failing = [v for v in verdicts if v is not None]
        if len(failing) < len(verdicts):
            continue  # one endpoint of the service that accepts them is enough
        blocked = [why for reach, why in failing if reach is Reach.BLOCKED]
        if len(blocked) == len(failing):
            gaps.append(blocked[0])
        else:
            unsure.append(next(why for reach, why in failing if reach is Reach.UNKNOWN))
    s3 = [e for e in endpoints if e.service == "s3"]
    if not s3:
        gaps.append("no S3 endpoint (image layers come from S3)")
    elif not any(e.interface for e in s3) and not _egress_to_prefix_list(index, out, scenario):
        gaps.append("no egress on TCP 443 to a prefix list, which the S3 gateway endpoint needs")
    return gaps, unsure


def _interface_gap(index: PermissionIndex, node: NodeRole, out: list[GroupKey], endpoint: VpcEndpoint,
                   scenario: Scenario) -> tuple[Reach, str] | None:
    """None when the nodes reach `endpoint` on TCP 443; else BLOCKED or UNKNOWN, and why."""
    into = list(dict.fromkeys(m.key for m in endpoint.members if m.guard.holds(scenario)))
    named = f"the {endpoint.service} endpoint {endpoint.resource}"
    if not into:
        return Reach.UNKNOWN, (f"{named} carries no security group here, so EC2 gives it the VPC default group, "
                               "whose rules are not in this template")
    nodes, endpoints = Side(out, node.members_known), Side(into)
    egress = index.opening(nodes, Direction.EGRESS, toward=endpoints, protocol=TCP, scenario=scenario, ipv6=False,
                           addresses=endpoint.addresses).verdict(Direction.EGRESS, HTTPS)
    ingress = index.opening(endpoints, Direction.INGRESS, toward=nodes, protocol=TCP, scenario=scenario, ipv6=False,
                            addresses=node.addresses).verdict(Direction.INGRESS, HTTPS)
    if ingress.reach is Reach.BLOCKED:
        return Reach.BLOCKED, f"{named} does not accept them on TCP 443"
    if egress.reach is Reach.BLOCKED:
        return Reach.BLOCKED, f"their egress does not allow TCP 443 to {named}"
    if Reach.UNKNOWN in (ingress.reach, egress.reach):
        half = ingress if ingress.reach is Reach.UNKNOWN else egress
        return Reach.UNKNOWN, f"whether {named} accepts them on TCP 443 is not decidable here ({half.why})"
    return None


def _egress_to_prefix_list(index: PermissionIndex, out: list[GroupKey], scenario: Scenario) -> bool:
    return any(isinstance(perm.peer, PrefixListPeer) for perm, _ in _egress_on_443(index, out, scenario))

