"""The one analysis per template: model -> roles -> flows -> reach -> findings, cached.

Rules call `get_analysis(cfn)` and read `findings_for(rule_id)`; nothing else walks the template.
The cache is keyed on the cfn-lint `Template` object (weakly, so entries die with it).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cfnlint_eks_sg._findings import Finding, flow_gap, shared_group
from cfnlint_eks_sg._guards import Guard, Scenario, Scenarios, ScenarioSource, describe
from cfnlint_eks_sg._model import Direction, GroupKey, Member, Model, Origin, Settings, build_model
from cfnlint_eks_sg._reach import Half, PermissionIndex, Reach
from cfnlint_eks_sg._requirements import REQUIREMENTS, Requirement, Role
from cfnlint_eks_sg._resolve import Path, get
from cfnlint_eks_sg._roles import ClusterRole, NodeRole, Roles, infer_roles


@dataclass(slots=True)
class Analysis:
    model: Model
    roles: Roles
    findings: dict[str, list[Finding]] = field(default_factory=dict)

    def findings_for(self, rule_id: str) -> list[Finding]:
        return self.findings.get(rule_id, [])


def analyse(template: object, conditions: ScenarioSource | None = None) -> Analysis:
    """Pure: the same decoded template (and condition engine) gives the same findings."""
    model = build_model(template, Settings.from_template(template))
    roles = infer_roles(model)
    known = get(template, "Conditions")
    names = [str(n) for n in known] if isinstance(known, Mapping) else []
    engine_names = getattr(conditions, "_conditions", None)
    if isinstance(engine_names, Mapping):
        names = [str(n) for n in engine_names]  # only what cfn-lint's engine could parse
    scenarios = Scenarios(conditions, names)
    analysis = Analysis(model, roles)
    found: list[Finding] = []
    if roles.node_groups:
        index = PermissionIndex(model)
        for node in roles.node_groups:
            cluster = roles.clusters[node.cluster]
            for req in REQUIREMENTS:
                found += _check_flow(index, scenarios, req, cluster, node)
    found += _shared_control_plane_groups(roles, scenarios)
    for finding in sorted(found, key=Finding.sort_key):
        analysis.findings.setdefault(finding.rule_id, []).append(finding)
    return analysis


# -- flows (EK1001, EK1002, ...) -----------------------------------------------------------


def _active(members: Iterable[Member], scenario: Scenario) -> list[GroupKey]:
    return list(dict.fromkeys(m.key for m in members if m.guard.holds(scenario)))


def _check_flow(index: PermissionIndex, scenarios: Scenarios, req: Requirement,
                cluster: ClusterRole, node: NodeRole) -> list[Finding]:
    nodes_first = req.initiator is Role.NODES
    initiator = node.members if nodes_first else cluster.control_plane
    responder = cluster.control_plane if nodes_first else node.members
    init_known = node.members_known if nodes_first else True
    resp_known = True if nodes_first else node.members_known
    names = cluster.guard.names() | node.guard.names()
    for member in (*initiator, *responder):
        names |= member.guard.names()
    names |= index.condition_names((m.key for m in initiator), Direction.EGRESS)
    names |= index.condition_names((m.key for m in responder), Direction.INGRESS)
    # Scenarios in which both the cluster and the node group exist: the ones a finding can name.
    all_scenarios = [s for s in scenarios.over(frozenset(names))
                     if cluster.guard.holds(s) and node.guard.holds(s)]
    gaps: dict[tuple[Direction, Path, str, str], list[Scenario]] = {}
    details: dict[tuple[Direction, Path, str, str], tuple[list[GroupKey], list[GroupKey]]] = {}
    for scenario in all_scenarios:
        out = _active(initiator, scenario)
        into = _active(responder, scenario)
        halves: tuple[tuple[Half, list[GroupKey], list[GroupKey]], ...] = (
            (index.half(out, init_known, Direction.EGRESS, into, resp_known, req.protocol, req.ports,
                        scenario, cluster.ipv6), out, into),
            (index.half(into, resp_known, Direction.INGRESS, out, init_known, req.protocol, req.ports,
                        scenario, cluster.ipv6), into, out),
        )
        for half, side, other in halves:
            if half.reach is not Reach.BLOCKED:
                continue
            on_nodes = (half.direction is Direction.EGRESS) == nodes_first
            path = _edit_path(side, node.path if on_nodes or not cluster.in_template else cluster.path)
            key = (half.direction, path, str(half.missing), " or ".join(map(str, side)))
            gaps.setdefault(key, []).append(scenario)
            details[key] = (side, other)
    findings: list[Finding] = []
    node_text = f"Node group {node.label}"
    cp_text = f"The control plane of cluster {cluster.label}"
    for key, failing in gaps.items():
        direction, path, missing, groups = key
        side, other = details[key]
        target = _preferred(side)
        peer = _preferred(other)
        verb, preposition = ("egress", "to") if direction is Direction.EGRESS else ("ingress", "from")
        findings.append(flow_gap(
            req.rule_id, path,
            initiator=node_text if nodes_first else cp_text,
            responder=_lower_first(cp_text if nodes_first else node_text),
            cluster=cluster.label, node_group=node.label,
            protocol=str(req.protocol), ports=missing, half=verb, groups=groups,
            when=_when(failing, all_scenarios),
            fix=f"an {verb} rule on {_reference(target)} allowing {req.protocol} {missing} "
                f"{preposition} {_reference(peer)}",
        ))
    return findings


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _preferred(groups: Sequence[GroupKey]) -> GroupKey | None:
    """The group a person would edit: one of this template's own, else the cluster group, else any."""
    for origin in (Origin.RESOURCE, Origin.CLUSTER):
        for group in groups:
            if group.origin is origin:
                return group
    return groups[0] if groups else None


def _reference(group: GroupKey | None) -> str:
    if group is None:
        return "its security group"
    if group.origin is Origin.CLUSTER:
        return f"{group} (Fn::GetAtt {group.ident}.ClusterSecurityGroupId)"
    return str(group)


def _edit_path(side: Sequence[GroupKey], fallback: Path) -> Path:
    group = _preferred(side)
    if group is not None and group.origin is Origin.RESOURCE:
        return ("Resources", group.ident)
    return fallback


def _when(failing: Sequence[Scenario], every: Sequence[Scenario]) -> str:
    """` when X is false`: the condition values all failing scenarios share ('' if it always fails)."""
    relevant = [s for s in every if s]
    if not relevant or len(failing) >= len(every):
        return ""
    first = failing[0]
    # Name what the failing scenarios share and the passing ones do not always have.
    common = {n: v for n, v in first.items()
              if all(s.get(n) == v for s in failing) and not all(s.get(n) == v for s in every)}
    return " when " + describe(common or first)


# -- shared control-plane groups (WK2001) --------------------------------------------------


def _shared_control_plane_groups(roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    listed: dict[GroupKey, list[tuple[ClusterRole, Member]]] = {}
    for cluster in roles.clusters.values():
        if not cluster.in_template:
            continue
        for member in cluster.control_plane:
            if member.key.origin is not Origin.CLUSTER:
                listed.setdefault(member.key, []).append((cluster, member))
    for group, users in listed.items():
        if len({c.ident for c, _ in users}) < 2:
            continue
        for cluster, member in users:
            mine = cluster.guard & member.guard
            sharing: list[str] = []
            whens: list[str] = []
            for other, other_member in users:
                if other.ident == cluster.ident:
                    continue
                both = mine & other.guard & other_member.guard
                together = [s for s in scenarios.over(both.names()) if both.holds(s)]
                if together:
                    sharing.append(other.label)
                    whens.append(_together_when(both, together, scenarios))
            if sharing:
                yield shared_group("WK2001", member.path, group=str(group), cluster=cluster.label,
                                   others=", ".join(sorted(set(sharing))),
                                   when=whens[0] if len(set(whens)) == 1 else "")


def _together_when(both: Guard, together: Sequence[Scenario], scenarios: Scenarios) -> str:
    every = scenarios.over(both.names())
    return _when(list(together), every)


# -- the per-template cache ----------------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary[object, Analysis] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()  # only matters for threaded users of cfnlint.api; the CLI is single-threaded


def get_analysis(cfn: object) -> Analysis:
    """The analysis of a cfn-lint `Template`, built on first use and shared by every rule."""
    with _LOCK:
        hit = _CACHE.get(cfn)
    if hit is not None:
        return hit
    conditions = getattr(cfn, "conditions", None)
    result = analyse(getattr(cfn, "template", None), conditions)
    with _LOCK:
        return _CACHE.setdefault(cfn, result)
