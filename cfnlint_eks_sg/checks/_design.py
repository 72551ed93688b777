"""Design checks that are not flows: which groups are shared, tagged, stripped, orphaned or exposed."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Final

from cfnlint_eks_sg.checks._findings import (
    Exposure,
    ExposureUnjudged,
    Finding,
    GroupUsedElsewhere,
    OrphanedGroup,
    SharedGroup,
    StrippedEgress,
    TaggedGroups,
)
from cfnlint_eks_sg.checks._gaps import when
from cfnlint_eks_sg.checks._placement import definition
from cfnlint_eks_sg.core._cidrs import Network, reaches_internet
from cfnlint_eks_sg.core._guards import FALSE, Guard, Scenario, Scenarios, guard_text
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, TCP, UDP, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR
from cfnlint_eks_sg.flows._reach import ports_together
from cfnlint_eks_sg.flows._roles import ClusterRole, Roles, node_resources
from cfnlint_eks_sg.model._types import CidrPeer, Direction, GroupKey, Member, Model, Origin, Permission, StandaloneRule

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
                yield Finding("WK2001", member.path, SharedGroup(
                    group=str(group), cluster=cluster.label, others=", ".join(sorted(set(sharing))),
                    when=when(together, every)))


def _additional(cluster: ClusterRole) -> Iterator[Member]:
    """ResourcesVpcConfig.SecurityGroupIds: the control-plane groups a person chose."""
    return (m for m in cluster.control_plane if m.key.origin is not Origin.CLUSTER)


# -- WK2002 ----------------------------------------------------------------------------------------


def control_plane_groups_used_elsewhere(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2002: an additional control-plane group also attached to other interfaces; one finding per (group,
    resource), naming every cluster that lists the group. A group on the nodes of a cluster that lists it is
    the cluster-group design done by hand (EKS's own cluster group sits in both places): not another use."""
    listed: dict[GroupKey, list[tuple[ClusterRole, Member]]] = {}
    for cluster in roles.clusters.values():
        if cluster.in_template:
            for member in _additional(cluster):
                listed.setdefault(member.key, []).append((cluster, member))
    own_nodes = node_resources(roles)
    for use in model.uses:
        users = listed.get(use.member.key, [])
        if not users or any(use.resource in own_nodes.get(cluster.ident, ()) for cluster, _ in users):
            continue
        clusters: list[str] = []
        together = FALSE
        for cluster, member in users:
            both = cluster.guard & member.guard & use.member.guard
            if coexisting(both, scenarios)[0] and cluster.label not in clusters:
                clusters.append(cluster.label)
                together = together | both
        if clusters:
            holding, every = coexisting(together, scenarios)
            yield Finding("WK2002", use.member.path, GroupUsedElsewhere(
                group=str(use.member.key), cluster=_clusters(clusters), resource=use.resource,
                resource_type=use.resource_type, when=when(holding, every),
            ))


def _clusters(labels: Sequence[str]) -> str:
    """`cluster Blue`, `clusters Blue and Green`."""
    if len(labels) == 1:
        return f"cluster {labels[0]}"
    return f"clusters {', '.join(labels[:-1])} and {labels[-1]}"


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
            own = [k for k in keys if k.origin is Origin.RESOURCE and STACK_SEPARATOR not in k.ident]
            # Not the order they are listed in, nor their names: what the groups hold.
            culprit = min(own, key=lambda k: model.anchor_key(("Resources", k.ident))) if own else None
            path: Path = ("Resources", culprit.ident, "Properties", "Tags") if culprit else node.path
            yield Finding("WK2003", path, TaggedGroups(
                node_group=node.label, cluster=cluster.label, total=len(keys),
                groups=", ".join(map(str, keys)), when=when(failed, every),
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
    """WK2004: standalone egress rules on the EKS cluster group or on a group with several roles; one finding per
    group (every such rule strips the same default), where the group is defined when this template defines it."""
    jobs = _jobs(model, roles)
    by_group: dict[GroupKey, list[StandaloneRule]] = {}
    for rule in model.standalone:
        if rule.direction is Direction.EGRESS:
            by_group.setdefault(rule.group, []).append(rule)
    for group, rules in by_group.items():
        if group.origin in (Origin.CLUSTER, Origin.EXTERNAL_CLUSTER) or (
            group.origin is Origin.IMPORT and "ClusterSecurityGroupId" in group.ident
        ):
            why = "the EKS cluster security group, which the control plane, managed nodes and Fargate pods carry"
        elif len(jobs.get(group, ())) > 1 and any(in_eks for in_eks, _ in jobs[group]):
            why = "used by " + ", ".join(sorted(label for _, label in jobs[group]))  # several jobs, one in EKS
        else:
            continue
        rules.sort(key=lambda rule: model.anchor_key(rule.path))
        guard = FALSE
        for rule in rules:
            guard = guard | rule.guard
        yield Finding("WK2004", definition(model, group) or rules[0].path, StrippedEgress(
            resource=_listed([r.resource for r in rules]), total=len(rules),
            group=str(group), why=why, when=guard_text(guard)))


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _jobs(model: Model, roles: Roles) -> dict[GroupKey, set[tuple[bool, str]]]:
    """What each group is on, as (an EKS role?, label): control planes, a cluster's nodes, other resources."""
    jobs: dict[GroupKey, set[tuple[bool, str]]] = {}
    node_resources_all = set().union(*node_resources(roles).values())
    for node in roles.node_groups:
        label = f"the nodes of cluster {roles.clusters[node.cluster].label}"
        for member in node.members:
            jobs.setdefault(member.key, set()).add((True, label))
    for cluster in roles.clusters.values():
        for member in cluster.control_plane:
            jobs.setdefault(member.key, set()).add((True, f"the control plane of cluster {cluster.label}"))
    for use in model.uses:
        if use.resource not in node_resources_all:
            jobs.setdefault(use.member.key, set()).add((False, f"{use.resource_type} {use.resource}"))
    return jobs


# -- WK2005 ----------------------------------------------------------------------------------------


def orphaned_node_groups(model: Model, roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2005: a group written for nodes that nothing carries, so its rules protect nothing (in the scenarios it
    exists in)."""
    if any(cluster.auto_mode for cluster in roles.clusters.values()):
        return  # Auto Mode launches nodes outside the template, with groups picked by a NodeClass
    jobs = _jobs(model, roles)
    for key in roles.made_for_nodes:
        group = model.groups[key]
        if key in jobs or key in model.referenced or KARPENTER_TAG in group.tags:
            continue  # carried, handed out, or found by tag by Karpenter, which puts it on the nodes it launches
        holding, every = coexisting(group.guard, scenarios)
        if holding:
            yield Finding("WK2005", group.path, OrphanedGroup(group=str(key), when=when(holding, every)))


# -- WK3001 ----------------------------------------------------------------------------------------


def public_exposure(model: Model, roles: Roles, allowed: PortSet | None) -> Iterator[Finding]:
    """WK3001: node or control-plane groups open to the whole internet on management or all ports: a rule to
    0.0.0.0/0 or ::/0, rules whose ranges together hold the internet, and rules that parameters' Defaults open
    that way (an exposure check: what a deployment gets when nobody says otherwise, said so)."""
    allowed = allowed or NO_PORTS
    roles_of = _roles_of(roles)
    for group, perms in _ingress_of(model, roles_of).items():
        kinds = roles_of[group]
        control_plane = "control-plane" in kinds
        for perm in perms:
            if not perm.anywhere or perm.protocol is None:
                continue
            what = _exposed(perm.protocol == ALL_TRAFFIC, perm.opens(TCP)[0], perm.opens(UDP)[0], control_plane,
                            allowed)
            if what:
                yield _exposure(perm, kinds, what, perm.peer.cidr if isinstance(perm.peer, CidrPeer) else "")
        yield from _exposed_together(model, perms, kinds, allowed)
    for attachment in model.attachments:
        remote = attachment.remote_access
        if remote is None or remote.world.is_false or remote.port in allowed:
            continue
        yield Finding("WK3001", remote.path, Exposure(
            group=f"the remote-access group EKS creates for {attachment.resource}", role="node",
            what=f"TCP {remote.port} ({MANAGEMENT_PORTS[remote.port]}; RemoteAccess without SourceSecurityGroups)",
            source="0.0.0.0/0", when=guard_text(remote.world),
        ))


def undecided_exposure(model: Model, roles: Roles) -> Iterator[Finding]:
    """IK0001: a node or control-plane group's rule open to the whole internet on a protocol or ports this template
    does not fix, where no parameter Default decides them."""
    roles_of = _roles_of(roles)
    for group, perms in _ingress_of(model, roles_of).items():
        decided = {p.path for p in perms if p.assumed}
        open_ = [p for p in perms if p.protocol is None and p.path not in decided and isinstance(p.peer, CidrPeer)]
        world = [[p] for p in open_ if p.anywhere]
        for version in (4, 6):  # ranges that hold the internet together (0.0.0.0/1 and 128.0.0.0/1)
            parts = [p for p in open_
                     if not p.anywhere and isinstance(p.peer, CidrPeer) and p.peer.version == version]
            if len(parts) > 1 and reaches_internet([n for p in parts for n in _known(p)], version):
                world.append(sorted(parts, key=lambda p: (p.peer.cidr if isinstance(p.peer, CidrPeer) else "",
                                                          model.anchor_key(p.path))))
        for rules in world:
            guard = FALSE
            for perm in rules:
                guard = guard | perm.guard
            yield Finding("IK0001", rules[0].path, ExposureUnjudged(
                group=str(group), role=" and ".join(sorted(roles_of[group])),
                source=", ".join(p.peer.cidr for p in rules if isinstance(p.peer, CidrPeer)),
                when=guard_text(guard),
            ))


def _ingress_of(model: Model, roles_of: dict[GroupKey, set[str]]) -> dict[GroupKey, list[Permission]]:
    """The ingress rules of the groups that have a role, as written and as their parameters' Defaults read them."""
    rules: dict[GroupKey, list[Permission]] = {}
    for perm in (*model.permissions, *model.assumed):
        if perm.direction is Direction.INGRESS and perm.group in roles_of:
            rules.setdefault(perm.group, []).append(perm)
    return rules


def _roles_of(roles: Roles) -> dict[GroupKey, set[str]]:
    """The groups on nodes or control planes, and groups written for nodes that another stack's nodes carry."""
    roles_of: dict[GroupKey, set[str]] = {}
    for node in roles.node_groups:
        for member in node.members:
            roles_of.setdefault(member.key, set()).add("node")
    for key in roles.made_for_nodes:
        roles_of.setdefault(key, set()).add("node")
    for cluster in roles.clusters.values():
        for member in cluster.control_plane:
            roles_of.setdefault(member.key, set()).add("control-plane")
    return roles_of


def _exposure(perm: Permission, kinds: set[str], what: str, source: str) -> Finding:
    assumed = f" ({perm.assumed})" if perm.assumed else ""
    return Finding("WK3001", perm.path, Exposure(
        group=str(perm.group), role=" and ".join(sorted(kinds)), what=what,
        source=source + assumed, when=guard_text(perm.guard),
    ))


def _exposed_together(model: Model, perms: Sequence[Permission], kinds: set[str],
                      allowed: PortSet) -> Iterator[Finding]:
    """Rules none of which is open to the internet alone, whose ranges together hold it (0.0.0.0/1 and
    128.0.0.0/1): one finding, at the first of them by place."""
    for version in (4, 6):
        parts = [p for p in perms if isinstance(p.peer, CidrPeer) and p.peer.version == version and not p.anywhere
                 and p.peer.covers is not None and p.protocol is not None and not p.assumed]
        if len(parts) < 2:
            continue
        opened = {protocol: ports_together([(_known(p), p.opens(protocol)[0]) for p in parts], NO_PORTS,
                                           functools.partial(reaches_internet, version=version))
                  for protocol in (TCP, UDP)}
        every = all(p.protocol == ALL_TRAFFIC for p in parts)
        what = _exposed(every and opened[TCP] == ALL_PORTS, opened[TCP], opened[UDP], "control-plane" in kinds,
                        allowed)
        if what:
            first = min(parts, key=lambda p: (p.peer.cidr if isinstance(p.peer, CidrPeer) else "",
                                              model.anchor_key(p.path)))
            guard = FALSE
            for perm in parts:
                guard = guard | perm.guard
            ranges = ", ".join(dict.fromkeys(p.peer.cidr for p in parts if isinstance(p.peer, CidrPeer)))
            yield _exposure(first._replace(guard=guard), kinds, what, f"{ranges} (together every address)")


def _known(perm: Permission) -> tuple[Network, ...]:
    peer = perm.peer
    return peer.covers.networks if isinstance(peer, CidrPeer) and peer.covers is not None else ()



def _exposed(all_traffic: bool, tcp: PortSet, udp: PortSet, control_plane: bool, allowed: PortSet) -> str:
    if all_traffic:
        return "all traffic"
    if tcp == ALL_PORTS or udp == ALL_PORTS:
        return "every TCP port" if tcp == ALL_PORTS else "every UDP port"
    ports = dict(MANAGEMENT_PORTS)
    if control_plane:
        ports[443] = "the Kubernetes API"
    hit = [f"TCP {port} ({label})" for port, label in sorted(ports.items()) if port in tcp and port not in allowed]
    return ", ".join(hit)
