"""WK1006: nodes reach the AWS APIs on TCP 443, through the internet or through VPC endpoints.

Seed footnote: nodes need the EKS API to register and S3 and ECR to pull images; private clusters
reach them through interface endpoints (ec2, ecr.api, ecr.dkr, sts) whose groups accept the nodes,
plus S3 (a gateway endpoint, reached through its prefix list) (spec C-12, F-06). IPv6 clusters need
::/0 as well as 0.0.0.0/0, never instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._gaps import when
from cfnlint_eks_sg._guards import Scenario, Scenarios
from cfnlint_eks_sg._model import (
    CidrPeer,
    Direction,
    GroupKey,
    Model,
    Origin,
    Permission,
    PrefixListPeer,
    VpcEndpoint,
)
from cfnlint_eks_sg._ports import TCP, PortSet
from cfnlint_eks_sg._reach import PermissionIndex, Reach
from cfnlint_eks_sg._resolve import Path
from cfnlint_eks_sg._roles import ClusterRole, NodeRole, Roles

INTERFACE_SERVICES: Final = ("ec2", "ecr.api", "ecr.dkr", "sts")
HTTPS: Final = PortSet.span(443, 443)

Problem = tuple[Path, str, str]  # where, why, and the ranges an egress rule on TCP 443 to would fix it ('' if none)


def aws_api_access(model: Model, roles: Roles, index: PermissionIndex, scenarios: Scenarios) -> Iterator[Finding]:
    for node in roles.node_groups:
        cluster = roles.clusters[node.cluster]
        names = set(node.guard.names()) | cluster.guard.names()
        for member in node.members:
            names |= member.guard.names()
        names |= index.condition_names((m.key for m in node.members), Direction.EGRESS)
        for endpoint in model.endpoints:
            names |= endpoint.guard.names()
        every = [s for s in scenarios.over(frozenset(names)) if node.guard.holds(s) and cluster.guard.holds(s)]
        failing: dict[Problem, list[Scenario]] = {}
        for scenario in every:
            problem = _problem(model, index, cluster, node, scenario)
            if problem is not None:
                failing.setdefault(problem, []).append(scenario)
        for (path, why, anywhere), failed in failing.items():
            yield Finding("WK1006", path, (
                ("node_group", node.label), ("cluster", cluster.label), ("why", why), ("when", when(failed, every)),
                ("anywhere", anywhere),
            ))


def _problem(model: Model, index: PermissionIndex, cluster: ClusterRole, node: NodeRole,
             scenario: Scenario) -> Problem | None:
    out = list(dict.fromkeys(m.key for m in node.members if m.guard.holds(scenario)))
    path = _egress_path(out, node)
    families = [("0.0.0.0/0", False), *([("::/0", True)] if cluster.ipv6 else [])]
    missing = []
    for anywhere, ipv6 in families:
        opening = index.opening(out, node.members_known, Direction.EGRESS, [], True, TCP, scenario, ipv6,
                                internet=True)
        verdict = opening.verdict(Direction.EGRESS, HTTPS)
        if verdict.reach is Reach.UNKNOWN:
            return None
        if verdict.reach is Reach.BLOCKED:
            missing.append(anywhere)
    if not missing:
        return None
    if missing == ["::/0"]:
        return path, ("their egress allows 0.0.0.0/0 but not ::/0 on TCP 443, and an IPv6 cluster needs both. "
                      "Add an egress rule for TCP 443 to ::/0"), "::/0"
    if cluster.ipv6 and missing == ["0.0.0.0/0"] and not model.endpoints:
        return path, ("their egress allows ::/0 but not 0.0.0.0/0 on TCP 443: an IPv6 cluster needs IPv4 too "
                      "(many AWS endpoints are IPv4-only). Add an egress rule for TCP 443 to 0.0.0.0/0"), "0.0.0.0/0"
    endpoints = [e for e in model.endpoints if e.guard.holds(scenario)]
    if not endpoints:
        if _may_reach_elsewhere(index, out, scenario):
            return None  # endpoints of another stack may be what those rules reach
        return path, ("their egress allows TCP 443 neither to 0.0.0.0/0 nor to anything that could be a VPC "
                      "endpoint, so they cannot register, pull images or assume roles. Allow TCP 443 to "
                      "0.0.0.0/0, or add interface endpoints for ec2, ecr.api, ecr.dkr and sts and an S3 "
                      "gateway endpoint"), " ".join(missing)
    gaps = _endpoint_gaps(index, node, out, endpoints, scenario)
    if not gaps:
        return None
    return path, ("their egress does not allow TCP 443 to 0.0.0.0/0 and the VPC endpoint path is incomplete: "
                  + "; ".join(gaps)), ""


def _egress_path(out: Sequence[GroupKey], node: NodeRole) -> Path:
    group = next((k for k in out if k.origin is Origin.RESOURCE), None)
    return ("Resources", group.ident) if group is not None else node.path


def _may_reach_elsewhere(index: PermissionIndex, out: Sequence[GroupKey], scenario: Scenario) -> bool:
    """Whether an egress rule on 443 names something that may be an endpoint defined elsewhere."""
    for group in out:
        rules = index.rules(group, Direction.EGRESS)
        for perm in [*rules.other, *rules.foreign_peers]:
            if _anywhere(perm) or not perm.guard.holds(scenario):
                continue  # /0 is the internet path, judged already
            if 443 in (perm.opens(TCP)[0] | perm.opens(TCP)[1]):
                return True
    return False


def _anywhere(perm: Permission) -> bool:
    peer = perm.peer
    networks = peer.covers.networks if isinstance(peer, CidrPeer) and peer.covers is not None else ()
    return any(n.prefixlen == 0 for n in networks)


def _endpoint_gaps(index: PermissionIndex, node: NodeRole, out: list[GroupKey], endpoints: list[VpcEndpoint],
                   scenario: Scenario) -> list[str]:
    gaps: list[str] = []
    for service in INTERFACE_SERVICES:
        serving = [e for e in endpoints if e.interface and e.service == service]
        if not serving:
            gaps.append(f"no {service} interface endpoint")
            continue
        reasons = [_interface_gap(index, node, out, e, scenario) for e in serving]
        if all(reasons):
            gaps.append(str(reasons[0]))
    s3 = [e for e in endpoints if e.service == "s3"]
    if not s3:
        gaps.append("no S3 endpoint (image layers come from S3)")
    elif not any(e.interface for e in s3) and not _egress_to_prefix_list(index, out, scenario):
        gaps.append("no egress on TCP 443 to a prefix list, which the S3 gateway endpoint needs")
    return gaps


def _interface_gap(index: PermissionIndex, node: NodeRole, out: list[GroupKey], endpoint: VpcEndpoint,
                   scenario: Scenario) -> str | None:
    into = list(dict.fromkeys(m.key for m in endpoint.members if m.guard.holds(scenario)))
    if not into:
        return None  # the VPC default group: its rules are not in the template
    egress = index.opening(out, node.members_known, Direction.EGRESS, into, True, TCP, scenario, False,
                           endpoint.addresses).verdict(Direction.EGRESS, HTTPS)
    ingress = index.opening(into, True, Direction.INGRESS, out, node.members_known, TCP, scenario, False,
                            node.addresses).verdict(Direction.INGRESS, HTTPS)
    if ingress.reach is Reach.BLOCKED:
        return f"the {endpoint.service} endpoint {endpoint.resource} does not accept them on TCP 443"
    if egress.reach is Reach.BLOCKED:
        return f"their egress does not allow TCP 443 to the {endpoint.service} endpoint {endpoint.resource}"
    return None


def _egress_to_prefix_list(index: PermissionIndex, out: list[GroupKey], scenario: Scenario) -> bool:
    for group in out:
        for perm in index.rules(group, Direction.EGRESS).other:
            if isinstance(perm.peer, PrefixListPeer) and perm.guard.holds(scenario):
                sure, maybe = perm.opens(TCP)
                if 443 in sure or 443 in maybe:
                    return True
    return False

