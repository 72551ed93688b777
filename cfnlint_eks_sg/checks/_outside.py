"""What lives outside the template: flows it cannot verify (IK0001), groups it changes (IK0002)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Final

from cfnlint_eks_sg.checks._findings import (
    ExternalGroups,
    Finding,
    ForeignRules,
    UndecidedFlows,
    UnreadCompanion,
    UnreadNested,
)
from cfnlint_eks_sg.checks._gaps import render_traffic, requirement_traffic
from cfnlint_eks_sg.checks._placement import where_named
from cfnlint_eks_sg.core._guards import FALSE, guard_text
from cfnlint_eks_sg.core._ports import PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR, is_companion_path
from cfnlint_eks_sg.flows._flows import Endpoint, Link, LinkResult
from cfnlint_eks_sg.flows._reach import GROUPS_ELSEWHERE, NO_GROUP, Opening, Reach
from cfnlint_eks_sg.flows._requirements import REQUIREMENTS, Level
from cfnlint_eks_sg.load._companions import Refused
from cfnlint_eks_sg.model._types import Direction, GroupKey, Model, Origin, StandaloneRule

# Groups another stack owns: a rule added here is deleted with this stack (seed: "The worker node
# AWS CloudFormation template modifies the cluster control plane security group").
_FOREIGN: Final = frozenset({
    Origin.PARAMETER, Origin.PARAMETER_ITEM, Origin.IMPORT, Origin.LITERAL, Origin.NAME, Origin.EXTERNAL_CLUSTER,
})
_LISTED: Final = 4


def unverifiable_flows(model: Model, links: Iterable[LinkResult],
                       more: Iterable[tuple[GroupKey, str]] = ()) -> Iterator[Finding]:
    """IK0001: required flows whose verdict is UNKNOWN, with what each depends on.

    A flow counts only when neither half is BLOCKED (a blocked flow is reported by its own rule);
    between node groups, where each half is checked against a class of peers, per half.
    An UNKNOWN half hangs on groups defined elsewhere (one finding per group, where it is first
    used) or, when none decides it, on something of this template the verdict cannot read: a rule
    whose values are not fixed here, or compute whose groups live elsewhere (one finding there).
    Causes that the same flows depend on are reported together, once.
    `more`: other checks (WK1006) that hang on a group, as (group, flow text).
    """
    depends: dict[GroupKey, dict[str, None]] = {}
    near: dict[GroupKey, Path] = {}  # where a flow that hangs on the group touches the linted template
    local: dict[tuple[Path, str], dict[str, None]] = {}
    for link, flow, opening, direction, ports in _undecided_halves(links):
        # Groups whose rules are elsewhere, whatever their origin; doubtful peers if another stack's.
        groups = [g for g in opening.depends_on(ports) if opening.invisible or g.origin in _FOREIGN]
        for group in groups:
            depends.setdefault(group, {})[flow] = None
            ends = (link.initiator.path, link.responder.path)
            near.setdefault(group, next((p for p in ends if p and not is_companion_path(p)), ()))
        if not groups:
            for cause in _local_causes(link, opening, direction, ports):
                local.setdefault(cause, {})[flow] = None
    for group, flow in more:  # groups whose rules are all elsewhere, whatever their origin
        depends.setdefault(group, {})[flow] = None
    yield from _foreign_findings(model, depends, near)
    yield from _local_findings(model, local)


def _undecided_halves(links: Iterable[LinkResult]) -> Iterator[tuple[Link, str, Opening, Direction, PortSet]]:
    """Each UNKNOWN half of a required flow that no BLOCKED half already fails, with the flow's text."""
    for result in links:
        link = result.link
        for req in REQUIREMENTS:
            if req.channel is not link.channel or req.level is Level.OPTIONAL:
                continue
            traffic = [(p, ports) for p, ports in requirement_traffic(req) if ports]
            for state in result.states:
                for protocol, ports in traffic:
                    halves = [(openings[protocol], direction) for openings, direction in
                              ((state.egress, Direction.EGRESS), (state.ingress, Direction.INGRESS))
                              if direction in link.halves]
                    verdicts = [opening.verdict(direction, ports).reach for opening, direction in halves]
                    if Reach.BLOCKED in verdicts or Reach.UNKNOWN not in verdicts:
                        continue
                    flow = (f"{req.rule_id} ({link.initiator_label} -> {link.responder_label}, "
                            f"{render_traffic([(protocol, ports)])})")
                    for (opening, direction), verdict in zip(halves, verdicts, strict=True):
                        if verdict is Reach.UNKNOWN:
                            yield link, flow, opening, direction, ports


def _foreign_findings(model: Model, depends: dict[GroupKey, dict[str, None]],
                      near: dict[GroupKey, Path]) -> Iterator[Finding]:
    """One IK0001 per set of flows, naming the groups defined elsewhere that they all hang on."""
    merged: dict[tuple[str, ...], list[GroupKey]] = {}
    where = {group: where_named(model, group, near.get(group, ())) for group in depends}
    # The cluster group of a cluster defined elsewhere comes last: the person edits the others. Then by where they
    # are used, so the finding's place does not hang on the groups' names.
    for group, flows in sorted(depends.items(), key=lambda item: (item[0].origin is Origin.EXTERNAL_CLUSTER,
                                                                  model.anchor_key(where[item[0]]), item[0])):
        merged.setdefault(tuple(flows), []).append(group)
    for names, groups in merged.items():
        yield Finding("IK0001", where[groups[0]], ExternalGroups(
            group=_join([str(g) for g in groups]), flows=_listed(names), total=len(names),
        ))


def _local_findings(model: Model, local: dict[tuple[Path, str], dict[str, None]]) -> Iterator[Finding]:
    """One IK0001 per set of flows, naming what of this template leaves them all undecided."""
    together: dict[tuple[str, ...], list[tuple[Path, str]]] = {}
    for cause, flows in local.items():
        together.setdefault(tuple(flows), []).append(cause)
    for names, causes in together.items():
        causes.sort(key=lambda cause: model.anchor_key(cause[0]))  # the place stays when resources move or rename
        yield Finding("IK0001", causes[0][0], UndecidedFlows(
            causes="; ".join(dict.fromkeys(text for _, text in causes)), flows=_listed(names), total=len(names),
        ))


def _local_causes(link: Link, opening: Opening, direction: Direction, ports: PortSet) -> list[tuple[Path, str]]:
    """What of this template leaves one half UNKNOWN: its side's compute, its rules, or the other side."""
    side, other = (link.initiator, link.responder) if direction is Direction.EGRESS else (link.responder,
                                                                                          link.initiator)
    if opening.invisible:
        return [(side.path, _unseen(side, opening.invisible))]
    if not other.members_known:  # any rule may match it: its groups come first
        return [(other.path, _unseen(other, GROUPS_ELSEWHERE))]
    if not other.members and other.remote is None:
        return [(other.path, _unseen(other, NO_GROUP))]
    return [(d.where, f"{d.subject}: {d.why(other.label)}")
            for d in opening.unsure(ports)]


def _unseen(end: Endpoint, invisible: str) -> str:
    label = end.label
    if invisible == GROUPS_ELSEWHERE:
        why = "" if "defined elsewhere" in label else " (its launch template is defined elsewhere)"
        verb = "carry" if len(end.node_groups) > 1 else "carries"
        return f"which groups {label} {verb} is not visible here{why}"
    return f"{label}: {invisible}"


def _listed(names: tuple[str, ...]) -> str:
    return "; ".join(names[:_LISTED]) + (f"; and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def unreadable_companions(refused: Iterable[Refused]) -> Iterator[Finding]:
    """IK0001: a companion template that was not read leaves the flows through it unverified."""
    said: set[tuple[object, ...]] = set()
    for item in refused:
        unread = UnreadNested if item.companion.where[:1] == ("Resources",) else UnreadCompanion
        shown = "".join(c if c.isprintable() else "?" for c in item.companion.path)[:200]
        if (item.companion.where, shown, item.reason) not in said:
            said.add((item.companion.where, shown, item.reason))
            yield Finding("IK0001", item.companion.where, unread(companion=shown, reason=item.reason))


def foreign_rules(model: Model, nested: Collection[str] = ()) -> Iterator[Finding]:
    """IK0002: standalone rules on groups another stack owns (a companion's too, not a nested
    stack's: those deploy and go with this one), one finding per group."""
    by_group: dict[GroupKey, list[StandaloneRule]] = {}
    for rule in model.standalone:
        if is_companion_path(rule.path) and str(rule.path[1]).split(STACK_SEPARATOR)[0] not in nested:
            continue  # a companion's rules are its own lint run's to report; a nested stack's are ours
        stack = rule.group.stack if rule.group.created_here else ""  # a companion's own group is another stack's
        if rule.group.origin in _FOREIGN or (stack and stack not in nested):
            by_group.setdefault(rule.group, []).append(rule)
    for group, rules in by_group.items():
        rules.sort(key=lambda rule: model.anchor_key(rule.path))  # the anchor stays when resources move or rename
        egress = [r.resource for r in rules if r.direction is Direction.EGRESS]
        extra = (f"; the standalone egress rule{'s' if len(egress) > 1 else ''} {', '.join(egress)} also "
                 "remove that group's default allow-all egress (eksctl#6455)") if egress else ""
        guard = FALSE
        for rule in rules:
            guard = guard | rule.guard
        yield Finding("IK0002", rules[0].path, ForeignRules(
            resources=", ".join(r.resource for r in rules), total=len(rules),
            group=str(group), extra=extra, when=guard_text(guard),
        ))
