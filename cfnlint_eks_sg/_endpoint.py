"""Endpoint checks: how nodes and people reach the API server (WK1010, WK1011, IK1007).

Sources: the EKS guide "Cluster API server endpoint" (spec C-13): a public-only endpoint with
restricted PublicAccessCidrs must list the nodes' egress addresses; a private endpoint needs the
VPC's DNS hostnames and DNS support; VPC clients need TCP 443 into the control-plane groups.
"""

from __future__ import annotations

from collections.abc import Iterator

from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._gaps import holding_text
from cfnlint_eks_sg._guards import Scenarios
from cfnlint_eks_sg._model import Direction, GroupKey, GroupPeer, Model, Origin
from cfnlint_eks_sg._ports import TCP
from cfnlint_eks_sg._roles import Roles


def restricted_public_endpoint(model: Model, scenarios: Scenarios) -> Iterator[Finding]:
    """WK1010: public-only endpoint whose PublicAccessCidrs leave out 0.0.0.0/0."""
    for cluster in model.clusters:
        for cidrs in cluster.public_cidrs:
            if cidrs.cidrs is None or "0.0.0.0/0" in cidrs.cidrs:
                continue
            for private in cluster.private_access:
                for public in cluster.public_access:
                    if private.value or not public.value:
                        continue
                    text = holding_text(cluster.guard & cidrs.guard & private.guard & public.guard, scenarios)
                    if text is not None:
                        yield Finding("WK1010", cidrs.path, (
                            ("cluster", cluster.resource), ("cidrs", ", ".join(cidrs.cidrs) or "nothing"),
                            ("when", text),
                        ))


def private_endpoint_without_dns(model: Model, scenarios: Scenarios) -> Iterator[Finding]:
    """WK1011: private endpoint in a VPC of this template without DNS hostnames or DNS support."""
    for cluster in model.clusters:
        if cluster.vpc is None:
            continue
        for private in cluster.private_access:
            if not private.value:
                continue
            for name, settings in (("EnableDnsHostnames", cluster.dns_hostnames),
                                   ("EnableDnsSupport", cluster.dns_support)):
                for setting in settings:
                    if setting.value:
                        continue
                    text = holding_text(cluster.guard & private.guard & setting.guard, scenarios)
                    if text is not None:
                        path = setting.path if setting.explicit else ("Resources", cluster.vpc)
                        yield Finding("WK1011", path, (
                            ("cluster", cluster.resource), ("vpc", cluster.vpc), ("setting", name),
                            ("state", "false" if setting.explicit else "not set (false by default)"),
                            ("when", text),
                        ))


def private_endpoint_without_clients(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """IK1007: private endpoint on, and nothing but the nodes may reach the API on 443."""
    for definition in model.clusters:
        cluster = roles.clusters.get(definition.resource)
        private = [s for s in definition.private_access if s.value]
        if cluster is None or not private:
            continue
        control_plane = [m.key for m in cluster.control_plane]
        if any(k not in model.groups or not model.groups[k].rules_visible or k in model.exported
               for k in control_plane):
            continue  # rules elsewhere, or in the stacks it is handed to, may let clients in
        nodes = {m.key for n in roles.node_groups if n.cluster == cluster.ident for m in n.members}
        if _clients_allowed(model, control_plane, nodes | set(control_plane)):
            continue
        target = next((k for k in control_plane if k.origin is Origin.RESOURCE), control_plane[-1])
        for setting in private:
            text = holding_text(definition.guard & setting.guard, scenarios)
            if text is not None:
                yield Finding("IK1007", setting.path, (
                    ("cluster", cluster.label), ("group", str(target)), ("when", text),
                ))


def _clients_allowed(model: Model, control_plane: list[GroupKey], cluster_groups: set[GroupKey]) -> bool:
    for perm in model.permissions:
        if perm.group not in control_plane or perm.direction is not Direction.INGRESS:
            continue
        sure, maybe = perm.opens(TCP)
        if 443 not in sure and 443 not in maybe:
            continue
        if not (isinstance(perm.peer, GroupPeer) and perm.peer.key in cluster_groups):
            return True
    return False


