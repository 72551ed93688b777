"""Endpoint checks: how nodes and people reach the API server (WK1010, WK1011, IK1007).

Sources: the EKS guide "Cluster API server endpoint" (spec C-13): a public-only endpoint with
restricted PublicAccessCidrs must list the nodes' egress addresses; a private endpoint needs the
VPC's DNS hostnames and DNS support; VPC clients need TCP 443 into the control-plane groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from cfnlint_eks_sg.checks._findings import (
    EndpointWithoutDns,
    Finding,
    NodesOnlyClients,
    PublicOnlyEndpoint,
    SettingUnjudged,
)
from cfnlint_eks_sg.checks._gaps import holding_text
from cfnlint_eks_sg.core._guards import Scenarios
from cfnlint_eks_sg.core._ports import TCP
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._roles import Roles, node_resources
from cfnlint_eks_sg.model._types import Direction, GroupKey, GroupPeer, Identity, Model, Origin, Setting, Truth


def restricted_public_endpoint(model: Model, scenarios: Scenarios) -> Iterator[Finding]:
    """WK1010: public-only endpoint whose PublicAccessCidrs leave out 0.0.0.0/0; IK0001 where a setting that
    decides it is given by an expression this template does not fix."""
    for cluster in model.clusters:
        for cidrs in cluster.public_cidrs:
            if cidrs.cidrs is not None and "0.0.0.0/0" in cidrs.cidrs:
                continue
            for private in cluster.private_access:
                for public in cluster.public_access:
                    if Truth.TRUE in (private.value,) or Truth.FALSE in (public.value,):
                        continue
                    text = holding_text(cluster.guard & cidrs.guard & private.guard & public.guard, scenarios)
                    if text is None:
                        continue
                    shown = ", ".join(cidrs.cidrs) or "nothing" if cidrs.cidrs is not None else ""
                    unknown = [s for s in (private, public) if s.value is Truth.UNKNOWN]
                    if not unknown and cidrs.cidrs is not None:
                        yield Finding("WK1010", cidrs.path, PublicOnlyEndpoint(
                            cluster=cluster.resource, cidrs=shown, when=text,
                        ))
                        continue
                    why = (f"{_name(unknown[0])} {unknown[0].why}" if unknown else
                           f"PublicAccessCidrs is given by {cidrs.shown}, which this template does not fix")
                    yield _undecided("WK1010", cluster.resource, text, unknown[0].path if unknown else cidrs.path,
                                     "with only the public endpoint on, nodes reach the API from their NAT or public "
                                     f"addresses, which PublicAccessCidrs{f' ({shown})' if shown else ''} must list; "
                                     + why)


def private_endpoint_without_dns(model: Model, scenarios: Scenarios) -> Iterator[Finding]:
    """WK1011: private endpoint in a VPC of this template without DNS hostnames or DNS support; IK0001 where
    either side is given by an expression this template does not fix."""
    for cluster in model.clusters:
        if cluster.vpc is None:
            continue
        for private in cluster.private_access:
            if private.value is Truth.FALSE:
                continue
            for name, settings in (("EnableDnsHostnames", cluster.dns_hostnames),
                                   ("EnableDnsSupport", cluster.dns_support)):
                for setting in settings:
                    if setting.value is Truth.TRUE:
                        continue
                    text = holding_text(cluster.guard & private.guard & setting.guard, scenarios)
                    if text is None:
                        continue
                    path = setting.path if setting.explicit else ("Resources", cluster.vpc)
                    state = "false" if setting.explicit else "not set (false by default)"
                    if private.value is Truth.TRUE and setting.value is Truth.FALSE:
                        yield Finding("WK1011", path, EndpointWithoutDns(
                            cluster=cluster.resource, vpc=cluster.vpc, setting=name, state=state, when=text,
                        ))
                    elif setting.value is Truth.UNKNOWN:
                        yield _undecided("WK1011", cluster.resource, text, setting.path,
                                         f"private endpoint access needs {name} of VPC {cluster.vpc} to be true, and "
                                         f"{name} {setting.why}")
                    else:
                        yield _undecided("WK1011", cluster.resource, text, private.path,
                                         f"{name} of VPC {cluster.vpc} is {state}, which breaks private endpoint "
                                         f"access, and EndpointPrivateAccess {private.why}")


def _name(setting: Setting) -> str:
    return str(setting.path[-1]) if setting.path else "a setting"


def _undecided(rule_id: str, cluster: str, when: str, path: Path, why: str) -> Finding:
    """IK0001: a check that hangs on a setting this template does not fix."""
    return Finding("IK0001", path, SettingUnjudged(check=rule_id, cluster=cluster, when=when, why=why))


def private_endpoint_without_clients(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """IK1007: private endpoint on, and nothing but the nodes may reach the API on 443."""
    for definition in model.clusters:
        cluster = roles.clusters.get(definition.resource)
        private = [s for s in definition.private_access if s.value is Truth.TRUE]
        if cluster is None or not private:
            continue
        control_plane = [m.key for m in cluster.control_plane]
        if any(k not in model.groups or not model.groups[k].rules_visible or k in model.exported
               for k in control_plane) or _maybe_more_rules(model, control_plane):
            continue  # rules elsewhere, or in the stacks it is handed to, may let clients in
        nodes = {m.key for n in roles.node_groups if n.cluster == cluster.ident for m in n.members}
        if _clients_allowed(model, control_plane, nodes | set(control_plane)) or _clients_here(model, roles,
                                                                                               control_plane):
            continue
        target = next((k for k in control_plane if k.origin is Origin.RESOURCE), control_plane[-1])
        for setting in private:
            text = holding_text(definition.guard & setting.guard, scenarios)
            if text is not None:
                yield Finding("IK1007", setting.path, NodesOnlyClients(
                    cluster=cluster.label, group=str(target), when=text,
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




def _maybe_more_rules(model: Model, control_plane: list[GroupKey]) -> bool:
    """A standalone ingress rule on a key that may be a control-plane group (a GroupId this template does not
    pin down): it may let clients in."""
    return any(model.identity(key, rule.group) is Identity.UNKNOWN
               for rule in model.standalone if rule.direction is Direction.INGRESS for key in control_plane)


# What runs code that may call the API (kubectl, CI, operators) when it carries a group the control plane admits.
_CLIENTS: Final = frozenset({
    "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration",
    "AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::ECS::Service", "AWS::Batch::ComputeEnvironment",
    "AWS::CodeBuild::Project", "AWS::EC2::ClientVpnEndpoint", "AWS::EC2::NetworkInterface",
})


def _clients_here(model: Model, roles: Roles, control_plane: list[GroupKey]) -> bool:
    """Something of this template other than the nodes carries a group the control plane admits on TCP 443 (the
    EKS cluster group admits itself): a bastion, an admin instance, a function or a VPN endpoint is a client."""
    admitted: set[GroupKey] = set()
    for perm in model.permissions:
        if perm.group in control_plane and perm.direction is Direction.INGRESS and isinstance(perm.peer, GroupPeer):
            sure, maybe = perm.opens(TCP)
            if 443 in sure or 443 in maybe:
                admitted.add(perm.peer.key)
    nodes = set().union(*node_resources(roles).values())
    return any(use.member.key in admitted and use.resource_type in _CLIENTS and use.resource not in nodes
               for use in model.uses)
