"""Pipeline stage `roles`: clusters with their control-plane groups, and their node groups.

Clusters come from `AWS::EKS::Cluster` (and CDK's custom cluster) or, in node-only stacks such as
the official `amazon-eks-nodegroup.yaml`, from the name the nodes join. Nodes are managed node
groups, or auto scaling groups and instances that carry a `kubernetes.io/cluster/NAME` tag or
bootstrap user data (spec M-14).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._cidrs import UNKNOWN_ADDRESSES, Addresses
from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import TCP
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR
from cfnlint_eks_sg.model._membership import (
    SETTINGS_PATH,
    declared,
)
from cfnlint_eks_sg.model._types import (
    Attachment,
    ClusterDef,
    Compute,
    Direction,
    GroupKey,
    GroupPeer,
    Member,
    Model,
    Origin,
    RemoteNetwork,
    Setting,
)

_CP_PARAMETER: Final = re.compile(
    r"(?i)(control.?plane.*(security.?group|sg))|^(eks)?cluster(security.?group|sg)(id)?$"
)
_CP_IMPORT: Final = re.compile(r"(?i)(::SecurityGroup$|control.?plane.?(security.?group|sg)|ClusterSecurityGroup)")


class ClusterRole(NamedTuple):
    """A cluster and the groups on its control-plane network interfaces."""

    ident: str
    label: str
    in_template: bool
    control_plane: tuple[Member, ...]
    cluster_group: GroupKey
    guard: Guard
    path: Path
    family: tuple[Setting, ...]  # IpFamily per branch, TRUE for ipv6; () for a cluster defined elsewhere (ipv4)
    name_tokens: tuple[str, ...] = ()  # what a kubernetes.io/cluster/NAME tag names it by
    auto_mode: bool = False
    addresses: Addresses = UNKNOWN_ADDRESSES
    remote: tuple[RemoteNetwork, ...] = ()  # hybrid nodes' and pods' networks (RemoteNetworkConfig)


class NodeRole(NamedTuple):
    """One node group: the groups on its instances' primary interfaces."""

    label: str
    cluster: str
    members: tuple[Member, ...]
    members_known: bool
    guard: Guard
    path: Path
    compute: Compute
    addresses: Addresses = UNKNOWN_ADDRESSES
    public_ips: tuple[Setting, ...] = ()  # what its launch template says of public addresses (): the subnet's


class Roles:
    """The clusters and node groups of a template (a plain class: see `Model`)."""

    def __init__(self) -> None:
        self.clusters: dict[str, ClusterRole] = {}
        self.node_groups: list[NodeRole] = []
        self.made_for_nodes: list[GroupKey] = []  # `_made_for_nodes`, whatever carries them


def infer_roles(model: Model) -> Roles:
    """Clusters first, then every attachment that joins one becomes a node group of it. Reads the model only:
    which cluster each node group joins, and the groups of clusters defined elsewhere, are in it (`add_memberships`)."""
    roles = Roles()
    for definition in model.clusters:
        roles.clusters[definition.resource] = _cluster_role(definition)
    declared_nodes = declared(model, model.settings.node_security_groups)
    if model.elsewhere:
        _add_external_clusters(model, roles, model.joined, declared_nodes, model.elsewhere)
    _add_node_groups(roles, model.joined, declared_nodes)
    roles.made_for_nodes = _made_for_nodes(model, roles)
    return roles


def _add_external_clusters(model: Model, roles: Roles, pending: Sequence[tuple[Attachment, str]],
                           declared_nodes: Sequence[Member], external: Sequence[str]) -> None:
    """Clusters defined elsewhere that node groups here join: their control plane is the groups the nodes' rules
    point at (and those declared in Metadata), plus the cluster security group EKS made for them."""
    node_keys = {m.key for a, _ in pending for m in a.members} | {m.key for m in declared_nodes}
    control_plane = _external_control_plane(model, node_keys)
    for member in declared(model, model.settings.control_plane_security_groups):
        if member.key not in {m.key for m in control_plane}:
            control_plane = (*control_plane, member)
    for ident in external:
        path = min((a.path for a, i in pending if i == ident), key=model.anchor_key, default=())
        group = GroupKey.make(Origin.EXTERNAL_CLUSTER, ident)
        assert group in model.groups, ident
        members = (*control_plane, Member(group, TRUE, ()))
        roles.clusters[ident] = ClusterRole(ident, ident, False, members, group, TRUE, path, (), (ident,))


def _add_node_groups(roles: Roles, pending: Sequence[tuple[Attachment, str]],
                     declared_nodes: tuple[Member, ...]) -> None:
    """Each attachment that joins a cluster becomes one of its node groups (with the cluster group where EKS
    adds it); groups declared in Metadata as nodes' are one more node group of every cluster."""
    for attachment, ident in pending:
        cluster = roles.clusters[ident]
        members = attachment.members
        if not attachment.needs_cluster_group.is_false:
            members = (*members, Member(cluster.cluster_group, attachment.needs_cluster_group, attachment.path))
        label = attachment.resource + (f" ({attachment.variant})" if attachment.variant else "")
        roles.node_groups.append(NodeRole(label, ident, members, attachment.members_known,
                                          attachment.guard, attachment.path, attachment.compute,
                                          attachment.addresses, attachment.public_ips))
    if declared_nodes:
        for ident in roles.clusters:
            roles.node_groups.append(NodeRole("declared in Metadata", ident, declared_nodes, True, TRUE,
                                              SETTINGS_PATH, Compute.DECLARED))


def _made_for_nodes(model: Model, roles: Roles) -> list[GroupKey]:
    """This template's groups made for nodes, whatever carries them: tagged kubernetes.io/cluster/NAME, or with
    rules to or from a control plane's groups."""
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
    return [key for key, group in model.groups.items()
            if key.origin is Origin.RESOURCE and (group.cluster_tags or key in talks_to_control_plane)]


def node_resources(roles: Roles) -> dict[str, set[str]]:
    """The resources that make each cluster's nodes: node groups and what carries their groups (launch
    templates, launch configurations)."""
    found: dict[str, set[str]] = {}
    for node in roles.node_groups:
        resources = found.setdefault(node.cluster, set())
        resources.update(str(path[1]) for path in (node.path, *(m.path for m in node.members)) if len(path) > 1)
    return found


def _cluster_role(cluster: ClusterDef) -> ClusterRole:
    group = GroupKey.make(Origin.CLUSTER, cluster.resource)
    members = (*cluster.additional, Member(group, TRUE, cluster.path))
    return ClusterRole(cluster.resource, cluster.resource, True, members, group, cluster.guard, cluster.path,
                       cluster.family, cluster.name_tokens, cluster.auto_mode, cluster.addresses, cluster.remote)


def _external_control_plane(model: Model, node_keys: set[GroupKey]) -> tuple[Member, ...]:
    """Groups a node-only stack treats as the control plane of a cluster defined elsewhere.

    Evidence first: a parameter named or described as the control-plane group, an import named so. A group
    that only the shape of its rules suggests (rules to or from the nodes, 443 in) is `inferred`: it may be the
    control plane or something else the nodes talk to, so it can keep a flow UNKNOWN but never make it ALLOWED.
    A group that something else carries (a VPC endpoint, a load balancer...) or a parameter documented as one is
    that thing's, never the control plane.
    """
    found: dict[GroupKey, Member] = {}
    elsewhere = _carried_by_others(model)
    declared: list[tuple[str, Mapping[object, object], tuple[GroupKey, ...]]] = [
        (name, param, (GroupKey.make(Origin.PARAMETER, name),)) for name, param in model.parameters.items()]
    declared += [(name, param, keys) for name, (param, keys) in model.fed.items()]  # given a value: still evidence
    for name, param, keys in declared:
        if STACK_SEPARATOR in name:
            continue  # a companion's parameter: that stack's business
        text = _description(param)
        described = re.search(r"(?i)control.?plane", text) and re.search(r"(?i)security.?group", text)
        if (_CP_PARAMETER.search(name) or described) and param.get("Type") != "Number" and (
                described or not _OTHER_ROLE.search(text)):
            for key in keys:
                if key not in elsewhere:
                    found.setdefault(key, Member(key, TRUE, ("Parameters", name)))
    for perm in model.permissions:
        key = perm.group
        companion = STACK_SEPARATOR in key.ident  # a group a companion creates is another stack's too
        if (key.created_here and not companion) or perm.source != "standalone" or key in found or key in elsewhere:
            continue
        if key.origin is Origin.IMPORT and _CP_IMPORT.search(key.ident):
            found[key] = Member(key, TRUE, perm.path)
            continue
        if key.origin is Origin.PARAMETER and _OTHER_ROLE.search(_description(model.parameters.get(key.ident, {}))):
            continue
        peer = perm.peer
        if not isinstance(peer, GroupPeer) or peer.key not in node_keys or key in node_keys:
            continue  # a group the nodes carry themselves is not their control plane
        if perm.direction is Direction.EGRESS or 443 in perm.opens(TCP)[0]:
            found[key] = Member(key, TRUE, perm.path, inferred=True)
    return tuple(found.values())


# What a parameter's description says it is when it is not the control plane's group.
_OTHER_ROLE: Final = re.compile(r"(?i)(vpc.?)?endpoints?\b|load.?balancer|\b(alb|nlb|elb)\b|bastion|database|\brds\b")


def _description(parameter: Mapping[object, object]) -> str:
    description = parameter.get("Description")
    return str(description) if isinstance(description, str) else ""


def _carried_by_others(model: Model) -> set[GroupKey]:
    """Groups that interfaces other than compute carry: a VPC endpoint's, a load balancer's, a database's."""
    carried = {member.key for endpoint in model.endpoints for member in endpoint.members}
    return carried | {use.member.key for use in model.uses if use.resource_type in _NOT_COMPUTE}


_NOT_COMPUTE: Final = frozenset({
    "AWS::EC2::VPCEndpoint", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup", "AWS::EFS::MountTarget", "AWS::OpenSearchService::Domain",
    "AWS::MSK::Cluster", "AWS::Redshift::Cluster", "AWS::Route53Resolver::ResolverEndpoint",
})
