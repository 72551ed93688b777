"""Where a finding goes: the place a person edits, on the linted template (the one home of that decision).

A finding sits on the group to change (its resource), or where this template names a group defined elsewhere. What
lies in a nested stack's template is reported at its TemplateURL (it deploys with this stack); what lies only in a
companion is the companion's own lint run's, unless a flow of it ends here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.core._metadata_key import SETTINGS_KEY
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR, is_companion_path
from cfnlint_eks_sg.flows._flows import Link
from cfnlint_eks_sg.flows._roles import NodeRole
from cfnlint_eks_sg.model._types import GroupKey, GroupPeer, Model, Origin

COMPANIONS_SETTING: Final = ("Metadata", SETTINGS_KEY, "companions")  # for what a companion's group misses


def preferred(groups: Sequence[GroupKey]) -> GroupKey | None:
    """The group a person would edit: one of this template's own, else the cluster group, else any."""
    for origin in (Origin.RESOURCE, Origin.CLUSTER):
        for group in groups:
            if group.origin is origin:
                return group
    return groups[0] if groups else None


def edit_path(side: Sequence[GroupKey], fallback: Path) -> Path:
    """The resource of the group to edit when this template defines it, else `fallback` (where the side is)."""
    group = preferred(side)
    if group is not None and group.origin is Origin.RESOURCE:
        return ("Resources", group.ident)
    return fallback


def egress_path(out: Sequence[GroupKey], node: NodeRole) -> Path:
    """Where the nodes' egress is edited: their first group made here. For this template's node group on a
    companion's group, where this template names that group, or else the node group (a companion's node group is
    the companion's own finding)."""
    group = next((k for k in out if k.origin is Origin.RESOURCE), None)
    if group is None:
        return node.path
    if is_companion_path(node.path) or not is_companion_path(("Resources", group.ident)):
        return "Resources", group.ident
    return next((m.path for m in node.members if m.key == group and m.path and not is_companion_path(m.path)),
                node.path)


def definition(model: Model, group: GroupKey) -> Path | None:
    """Where this template defines a group: its resource, or the cluster whose group it is (None elsewhere)."""
    known = model.groups.get(group)
    if known is None or not group.created_here or STACK_SEPARATOR in group.ident or not known.path:
        return None
    return known.path


def where_named(model: Model, group: GroupKey, near: Path = ()) -> Path:
    """Where the linted template names the group; for a group only companions name, where the flows that
    hang on it touch the linted template (`near`); else where a companion names it (its own finding)."""
    first = (model.first_place(model.places, group) or model.first_place(model.peer_places, group)
             or linted_use(model, group))
    if first is not None and is_companion_path(first):
        first = linted_use(model, group) or near or first  # a nested stack's use is ours, else the flows' end here
    return first or (("Parameters", group.ident) if group.origin is Origin.PARAMETER else ())


def linted_use(model: Model, group: GroupKey) -> Path | None:
    """Where the linted template (not a companion) names `group`: on compute, as a rule's owner, or as a peer."""
    for uses in (
        [m.path for a in model.attachments for m in a.members if m.key == group],
        [r.path for r in model.standalone if r.group == group],
        [p.path for p in model.permissions if isinstance(p.peer, GroupPeer) and p.peer.key == group],
    ):
        ours = [path for path in uses if path and not is_companion_path(path)]
        if ours:
            return min(ours, key=model.anchor_key)  # whatever the order and names of the resources
    return None


class Placement:
    """Moves findings onto the linted template: `anchors` maps each nested stack to its TemplateURL here."""

    def __init__(self, model: Model, anchors: Mapping[str, Path]) -> None:
        self.model = model
        self.anchors = anchors

    def anchor(self, path: Path) -> Path | None:
        """The TemplateURL of the nested stack `path` lies in (None for the linted file or a companion)."""
        return self.anchors.get(str(path[1]).split(STACK_SEPARATOR)[0]) if is_companion_path(path) else None

    def own(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings on the linted template: a nested stack's go to its TemplateURL (it deploys with
        this one); a companion's are its own lint run's."""
        kept = []
        for finding in findings:
            if is_companion_path(finding.path):
                anchor = self.anchor(finding.path)
                if anchor is None:
                    continue
                finding = finding._replace(path=anchor)
            kept.append(finding)
        return kept

    def flow(self, finding: Finding, link: Link, side: Sequence[GroupKey]) -> Finding | None:
        """A blocked flow's finding on the linted template: one on a companion's group (`side`) goes where this
        template names that group (or to its companions setting); one between companions is theirs (None)."""
        if not is_companion_path(finding.path):
            return finding
        # Both ends of the flow, and every peer of a class: a flow with one end here is this template's.
        ends = (link.initiator.path, link.responder.path, *(peer.path for peer in link.all_peers()))
        if all(is_companion_path(end) and self.anchor(end) is None for end in ends):
            return None  # a flow between companions: theirs to report
        group = preferred(side)
        named = linted_use(self.model, group) if group is not None else None
        anchor = self.anchor(finding.path) or next((a for end in ends if (a := self.anchor(end))), None)
        return finding._replace(path=named or anchor or COMPANIONS_SETTING)
