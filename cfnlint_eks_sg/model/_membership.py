"""Pipeline stage `model` (membership): which cluster each node attachment joins, and the clusters defined elsewhere.

A node joins a cluster of the template by a name it carries (a `kubernetes.io/cluster/NAME` tag, bootstrap user
data, a managed node group's `ClusterName`), or the template's only cluster when its names do not contradict it.
A cluster that no resource here defines lives in another stack: the model gets the security group EKS made for
it while it is built, so the model is complete before any later stage reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from cfnlint_eks_sg.core._guards import TRUE
from cfnlint_eks_sg.core._metadata_key import SETTINGS_KEY
from cfnlint_eks_sg.model._types import Attachment, ClusterDef, Compute, GroupKey, Member, Model, Origin

DECLARED_CLUSTER: Final = "(declared)"
SETTINGS_PATH: Final = ("Metadata", SETTINGS_KEY)


def joined_clusters(model: Model) -> list[tuple[Attachment, str]]:
    """Each attachment recognisable as nodes, with the cluster it joins (a cluster resource or a name)."""
    by_token: dict[str, str] = {}
    for definition in model.clusters:
        for token in definition.name_tokens:
            by_token.setdefault(token, definition.resource)
    single = model.clusters[0] if len(model.clusters) == 1 else None
    return [(attachment, _cluster_of(attachment.cluster_names, by_token, single)) for attachment in model.attachments
            if attachment.compute is Compute.MANAGED_NODEGROUP or attachment.cluster_names]  # not a bastion, a runner


def external_clusters(model: Model, joined: Iterable[tuple[Attachment, str]]) -> list[str]:
    """The clusters node groups here join that no resource here defines; a placeholder cluster for groups that
    Metadata declares as nodes' when the template names no cluster at all."""
    defined = {definition.resource for definition in model.clusters}
    external = sorted({ident for _, ident in joined if ident not in defined})
    if not external and not defined and declared(model, model.settings.node_security_groups):
        return [DECLARED_CLUSTER]
    return external


def add_memberships(model: Model) -> None:
    """The last step of building the model: which cluster each node attachment joins, the clusters defined
    elsewhere, and the cluster group of each of those, used at the first place (by `anchor_key`) of the node groups
    that join it. Roles read these; nothing computes them again."""
    model.joined = joined_clusters(model)
    model.elsewhere = external_clusters(model, model.joined)
    for ident in model.elsewhere:
        path = min((a.path for a, i in model.joined if i == ident), key=model.anchor_key, default=())
        model.external_cluster_group(ident, path)


def declared(model: Model, names: Iterable[str]) -> tuple[Member, ...]:
    """Groups named in the plugin's Metadata settings: a parameter or a security-group resource."""
    members = []
    for name in names:
        for key in (GroupKey.make(Origin.PARAMETER, name), GroupKey.make(Origin.RESOURCE, name)):
            if key in model.groups or (key.origin is Origin.PARAMETER and name in model.parameters):
                members.append(Member(key, TRUE, SETTINGS_PATH))
                break
    return tuple(members)


def _cluster_of(names: Iterable[str], by_token: Mapping[str, str], single: ClusterDef | None) -> str:
    """The cluster a node joins: by symbolic name; the template's only cluster unless names conflict."""
    names = list(names)
    for name in names:
        if name in by_token:
            return by_token[name]
    if single is not None:
        literal = {t for t in single.name_tokens if "${" not in t}
        if not any("${" not in n and literal and n not in literal for n in names):
            return single.resource
    return names[0] if names else "(unnamed)"
