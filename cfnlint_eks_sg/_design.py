"""Design checks that are not flows: which groups are shared, tagged, stripped, orphaned or exposed."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import Final

from cfnlint_eks_sg._findings import Finding, shared_group
from cfnlint_eks_sg._gaps import when
from cfnlint_eks_sg._guards import FALSE, Guard, Scenario, Scenarios, guard_text
from cfnlint_eks_sg._model import CidrPeer, Direction, GroupKey, GroupPeer, Member, Model, Origin, Permission
from cfnlint_eks_sg._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, TCP, UDP, PortSet
from cfnlint_eks_sg._resolve import Path
from cfnlint_eks_sg._roles import ClusterRole, Roles
from cfnlint_eks_sg._system import SEPARATOR

# Remote administration and the kubelet: never for the whole internet (plus 443 on control-plane groups).
MANAGEMENT_PORTS: Final = {22: "SSH", 3389: "RDP", 10250: "kubelet"}
KARPENTER_TAG: Final = "karpenter.sh/discovery"


def coexisting(guard: Guard, scenarios: Scenarios) -> tuple[list[Scenario], Sequence[Scenario]]:
    """(scenarios where `guard` holds, all scenarios over its conditions)."""
    every = scenarios.over(guard.names())
    return [s for s in every if guard.holds(s)], every


# -- WK2001 ----------------------------------------------------------------------------------------


def shared_control_plane_groups(roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2001: a group in SecurityGroupIds of more than one cluster that can exist together."""
    listed: dict[GroupKey, list[tuple[ClusterRole, Member]]] = {}
    for cluster in roles.clusters.values():
        if cluster.in_template:
            for member in _additional(cluster):
                listed.setdefault(member.key, []).append((cluster, member))
    for group, users in listed.items():
        if len({c.ident for c, _ in users}) < 2:
            continue
        for cluster, member in users:
            mine = cluster.guard & member.guard
            sharing: list[str] = []
            shared = FALSE  # when any other cluster lists it too
            for other, other_member in users:
                both = mine & other.guard & other_member.guard
                if other.ident != cluster.ident and coexisting(both, scenarios)[0]:
                    sharing.append(other.label)
                    shared = shared | both
            if sharing:
                together, every = coexisting(shared, scenarios)
                yield shared_group("WK2001", member.path, group=str(group), cluster=cluster.label,
                                   others=", ".join(sorted(set(sharing))), when=when(together, every))


def _additional(cluster: ClusterRole) -> Iterator[Member]:
    """ResourcesVpcConfig.SecurityGroupIds: the control-plane groups a person chose."""
    return (m for m in cluster.control_plane if m.key.origin is not Origin.CLUSTER)


# -- WK2002 ----------------------------------------------------------------------------------------


def control_plane_groups_used_elsewhere(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2002: an additional control-plane group also attached to other interfaces."""
    uses: dict[GroupKey, list[tuple[str, str, Member]]] = {}
    for use in model.uses:
        uses.setdefault(use.member.key, []).append((use.resource, use.resource_type, use.member))
    for cluster in roles.clusters.values():
        if not cluster.in_template:
            continue
        for member in _additional(cluster):
            for resource, resource_type, used in uses.get(member.key, []):
                together, every = coexisting(cluster.guard & member.guard & used.guard, scenarios)
                if together:
                    yield Finding("WK2002", used.path, (
                        ("group", str(member.key)), ("cluster", cluster.label), ("resource", resource),
                        ("resource_type", resource_type), ("when", when(together, every)),
                    ))


# -- WK2003 ----------------------------------------------------------------------------------------


def multiple_cluster_tagged_groups(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2003: node interfaces carrying more than one group tagged kubernetes.io/cluster/NAME."""
    for node in roles.node_groups:
        cluster = roles.clusters[node.cluster]
        names = set(node.guard.names()) | cluster.guard.names()
        for member in node.members:
            names |= member.guard.names()
            group = model.groups.get(member.key)
            for _, tag_guard in group.cluster_tags if group else ():
                names |= tag_guard.names()
        failing: dict[tuple[GroupKey, ...], list[Scenario]] = {}
        every = [s for s in scenarios.over(frozenset(names)) if node.guard.holds(s) and cluster.guard.holds(s)]
        for scenario in every:
            tagged = _tagged(model, node.members, cluster.name_tokens, scenario)
            if len(tagged) > 1:
                failing.setdefault(tuple(tagged), []).append(scenario)
        for keys, failed in failing.items():
            # The tags to remove: on the last group of this template's own (a companion's are another file).
            own = [k for k in keys if k.origin is Origin.RESOURCE and SEPARATOR not in k.ident]
            culprit = own[-1] if own else None
            path: Path = ("Resources", culprit.ident, "Properties", "Tags") if culprit else node.path
            yield Finding("WK2003", path, (
                ("node_group", node.label), ("cluster", cluster.label), ("count", str(len(keys))),
                ("groups", ", ".join(map(str, keys))), ("when", when(failed, every)),
            ))


def _tagged(model: Model, members: Sequence[Member], names: Sequence[str], scenario: Scenario) -> list[GroupKey]:
    found: list[GroupKey] = []
    for member in members:
        group = model.groups.get(member.key)
        if group is None or member.key in found or not member.guard.holds(scenario):
            continue
        if any(name in names and guard.holds(scenario) for name, guard in group.cluster_tags):
            found.append(member.key)
    return found


# -- WK2004 ----------------------------------------------------------------------------------------


def egress_stripping_shared_groups(model: Model, roles: Roles) -> Iterator[Finding]:
    """WK2004: a standalone egress rule on the EKS cluster group or on a group with several roles."""
    jobs = _jobs(model, roles)
    for rule in model.standalone:
        if rule.direction is not Direction.EGRESS:
            continue
        group = rule.group
        if group.origin in (Origin.CLUSTER, Origin.EXTERNAL_CLUSTER) or (
            group.origin is Origin.IMPORT and "ClusterSecurityGroupId" in group.ident
        ):
            why = "the EKS cluster security group, which the control plane, managed nodes and Fargate pods carry"
        elif len(jobs.get(group, ())) > 1 and any(in_eks for in_eks, _ in jobs[group]):
            why = "used by " + ", ".join(sorted(label for _, label in jobs[group]))  # several jobs, one in EKS
        else:
            continue
        yield Finding("WK2004", rule.path, (("resource", rule.resource), ("group", str(group)), ("why", why),
                                            ("when", guard_text(rule.guard))))


def _jobs(model: Model, roles: Roles) -> dict[GroupKey, set[tuple[bool, str]]]:
    """What each group is on, as (an EKS role?, label): control planes, a cluster's nodes, other resources."""
    jobs: dict[GroupKey, set[tuple[bool, str]]] = {}
    node_resources: set[str] = set()
    for node in roles.node_groups:
        label = f"the nodes of cluster {roles.clusters[node.cluster].label}"
        for member in node.members:
            jobs.setdefault(member.key, set()).add((True, label))
            if len(member.path) > 1:
                node_resources.add(str(member.path[1]))
        if len(node.path) > 1:
            node_resources.add(str(node.path[1]))
    for cluster in roles.clusters.values():
        for member in cluster.control_plane:
            jobs.setdefault(member.key, set()).add((True, f"the control plane of cluster {cluster.label}"))
    for use in model.uses:
        if use.resource not in node_resources:
            jobs.setdefault(use.member.key, set()).add((False, f"{use.resource_type} {use.resource}"))
    return jobs


# -- WK2005 ----------------------------------------------------------------------------------------


def orphaned_node_groups(model: Model, roles: Roles) -> Iterator[Finding]:
    """WK2005: a group written for nodes that nothing carries, so its rules protect nothing."""
    if any(cluster.auto_mode for cluster in roles.clusters.values()):
        return  # Auto Mode launches nodes outside the template, with groups picked by a NodeClass
    jobs = _jobs(model, roles)
    control_plane = {m.key for c in roles.clusters.values() for m in c.control_plane}
    talks_to_control_plane: set[GroupKey] = set()
    for perm in model.permissions:
        if not isinstance(perm.peer, GroupPeer):
            continue
        peer = perm.peer.key
        if perm.group in control_plane:
            talks_to_control_plane.add(peer)
        elif peer in control_plane:
            talks_to_control_plane.add(perm.group)
    for key, group in model.groups.items():
        if key.origin is not Origin.RESOURCE or key in jobs or key in model.referenced:
            continue
        if KARPENTER_TAG in group.tags:
            continue  # Karpenter finds it by tag and puts it on the nodes it launches
        if group.cluster_tags or key in talks_to_control_plane:
            yield Finding("WK2005", group.path, (("group", str(key)), ("when", guard_text(group.guard))))


# -- WK3001 ----------------------------------------------------------------------------------------


def public_exposure(model: Model, roles: Roles, allowed: PortSet | None) -> Iterator[Finding]:
    """WK3001: node or control-plane groups open to the whole internet on management or all ports."""
    allowed = allowed or NO_PORTS
    roles_of: dict[GroupKey, set[str]] = {}
    for node in roles.node_groups:
        for member in node.members:
            roles_of.setdefault(member.key, set()).add("node")
    for cluster in roles.clusters.values():
        for member in cluster.control_plane:
            roles_of.setdefault(member.key, set()).add("control-plane")
    for perm in model.permissions:
        kinds = roles_of.get(perm.group)
        if not kinds or perm.direction is not Direction.INGRESS or not _anywhere(perm):
            continue
        what = _exposed(perm, "control-plane" in kinds, allowed)
        if what:
            yield Finding("WK3001", perm.path, (
                ("group", str(perm.group)), ("role", " and ".join(sorted(kinds))), ("what", what),
                ("source", perm.peer.cidr if isinstance(perm.peer, CidrPeer) else ""),
                ("when", guard_text(perm.guard)),
            ))
    for attachment in model.attachments:
        remote = attachment.remote_access
        if remote is None or remote.world.is_false or remote.port in allowed:
            continue
        yield Finding("WK3001", remote.path, (
            ("group", f"the remote-access group EKS creates for {attachment.resource}"), ("role", "node"),
            ("what", f"TCP {remote.port} ({MANAGEMENT_PORTS[remote.port]}; RemoteAccess without "
                     "SourceSecurityGroups)"),
            ("source", "0.0.0.0/0"), ("when", guard_text(remote.world)),
        ))


def _anywhere(perm: Permission) -> bool:
    if not isinstance(perm.peer, CidrPeer):
        return False
    try:
        return ipaddress.ip_network(perm.peer.cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _exposed(perm: Permission, control_plane: bool, allowed: PortSet) -> str:
    if perm.protocol == ALL_TRAFFIC:
        return "all traffic"
    tcp, udp = perm.opens(TCP)[0], perm.opens(UDP)[0]
    if tcp == ALL_PORTS or udp == ALL_PORTS:
        return "every TCP port" if tcp == ALL_PORTS else "every UDP port"
    ports = dict(MANAGEMENT_PORTS)
    if control_plane:
        ports[443] = "the Kubernetes API"
    hit = [f"TCP {port} ({label})" for port, label in sorted(ports.items()) if port in tcp and port not in allowed]
    return ", ".join(hit)
