"""`cfn-lint-eks-sg fix`: the rules that close the flow gaps adding rules can close.

Reads the same analysis the rules report from: every blocked half (a `Gap`) becomes standalone
`AWS::EC2::SecurityGroupIngress/Egress` resources on the group a person would edit, towards the
other side's groups; WK1006's internet path becomes an egress rule on TCP 443. A group that still
relies on the default allow-all egress gets that allow-all restated, because adding a standalone
egress rule removes it. What rules cannot fix gets a sentence. Writing them into the file is `_patch`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from cfnlint_eks_sg._analysis import BLOCKING_RULES, Analysis
from cfnlint_eks_sg.checks._findings import ApiBlocked, Reported, shown_by_default
from cfnlint_eks_sg.checks._gaps import Gap, gap_facts
from cfnlint_eks_sg.checks._internet import AWS_APIS_RULE
from cfnlint_eks_sg.checks._placement import preferred
from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import ALL_TRAFFIC, TCP, UDP, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR
from cfnlint_eks_sg.model._types import CidrPeer, Direction, GroupKey, Origin, Truth

_HTTPS: Final = PortSet.span(443, 443)
_DEFAULT_SOURCES: Final = ("default egress", "EKS default")

Json = dict[str, object]


class Suggestion(NamedTuple):
    """Resources and conditions to add to the template, and what rules cannot fix."""

    resources: dict[str, Json]
    conditions: dict[str, object]
    sentences: list[str]
    findings: dict[tuple[str, Path], str | None]  # each finding addressed: None if closed, else why not


@dataclass(frozen=True)
class Scope:
    """The findings `fix` closes, with the rule settings they were found with: by default every
    finding with default settings; from a cfn-lint run, the ones the CLI shows under the user's settings."""

    reported: Reported = shown_by_default
    ports: Callable[[str], PortSet | None] = lambda rule_id: None


@dataclass(frozen=True)
class Cidr:
    """A CIDR block the template writes as an expression (a parameter): the rule names it the same way."""

    text: str  # the expression's canonical text: what rules are merged by
    value: object = field(compare=False, hash=False)


class _Rule(NamedTuple):
    owner: GroupKey
    direction: Direction
    protocol: IpProtocol
    ports: PortSet
    peer: GroupKey | str | Cidr  # a group, or a CIDR (literal, or as the template writes it)
    guard: Guard
    reason: str


def suggest(analyses: Analysis | Sequence[Analysis], existing: Iterable[str] = (), conditions: Iterable[str] = (),
            scope: Scope = Scope()) -> Suggestion:
    """What to add so that the flow gaps of the template close, named apart from `existing`
    resources and `conditions`. Several analyses are runs of one template (cfn-lint lints it with each
    parameter file and without): what any of them reports gets its rule."""
    every = [analyses] if isinstance(analyses, Analysis) else list(analyses)
    rules: dict[tuple[object, ...], _Rule] = {}
    sentences: list[str] = []
    findings: dict[tuple[str, Path], str | None] = {}
    for analysis in every:
        for rule_id in BLOCKING_RULES:
            for gap, finding in analysis.reported_gaps(rule_id, scope.ports(rule_id)):
                if not scope.reported(rule_id, finding.path):
                    continue
                before = len(sentences)
                for rule in _gap_rules(analysis, gap, sentences):
                    rules.setdefault(rule[:5], rule)
                _addressed(findings, (rule_id, finding.path), sentences[before:])
            if rule_id == AWS_APIS_RULE:
                _internet_rules(analysis, rules, sentences, findings, scope)
        for rule in list(rules.values()):
            if rule.direction is Direction.EGRESS:
                for restated in _restated_egress(analysis, rule.owner):
                    rules.setdefault(restated[:5], restated)
    if not every:
        return Suggestion({}, {}, [], {})
    suggestion = _render(every[0], _merged(rules.values()), set(existing), sentences, conditions)
    return suggestion._replace(findings=findings)


def _addressed(findings: dict[tuple[str, Path], str | None], key: tuple[str, Path], why_not: list[str]) -> None:
    """A finding is closed when every gap behind it got its rules."""
    if why_not:
        findings[key] = findings.get(key) or why_not[0]
    else:
        findings.setdefault(key, None)


def _merged(rules: Iterable[_Rule]) -> list[_Rule]:
    """Between the same groups, one all-traffic rule replaces narrower ones, and the ports of one
    protocol are joined (EK1002's 10250 and WK1003's 1025-65535 become one range); each rule
    names the findings it closes."""
    by_pair: dict[tuple[object, ...], list[_Rule]] = {}
    for rule in rules:
        by_pair.setdefault((rule.owner, rule.direction, rule.peer, rule.guard), []).append(rule)
    merged = []
    for group in by_pair.values():
        everything = next((r for r in group if r.protocol == ALL_TRAFFIC), None)
        by_protocol: dict[IpProtocol, list[_Rule]] = {}
        for rule in group if everything is None else [everything]:
            by_protocol.setdefault(rule.protocol, []).append(rule)
        for same in by_protocol.values():
            ports = PortSet()
            for rule in same:
                ports = ports | rule.ports
            closes = group if everything is not None else same
            reasons = ", ".join(dict.fromkeys(r.reason for r in closes))
            merged.append(same[0]._replace(ports=ports, reason=reasons))
    return merged


def _gap_rules(analysis: Analysis, gap: Gap, sentences: list[str]) -> list[_Rule]:
    """Rules for every scenario the gap fails in: the groups on each side can differ between them."""
    found: list[_Rule] = []
    pairs = gap.sides or ((tuple(gap.side), tuple(gap.other)),)
    for side, other in pairs:
        owner = preferred(side)
        if owner is None or _reference(owner, analysis.model.parameters) is None:
            sentences.append(f"{gap_facts(gap).fix} ({gap.rule_id}): the group to change is "
                             "not one this template can name, so add the rule where that group is defined")
            continue
        link = gap.link
        remote = (link.initiator if gap.direction is Direction.INGRESS else link.responder).remote
        if remote is not None:  # a hybrid network: a CIDR rule, as the template writes the block
            block = remote.cidr if isinstance(remote.value, str) else Cidr(remote.cidr, remote.value)
            exists = _exists(analysis, owner) & remote.guard
            found += [_Rule(owner, gap.direction, protocol, ports, block, exists, gap.rule_id)
                      for protocol, ports in gap.blocked]
            continue
        if link.total > 1 or link.everyone is not None:
            peers = [preferred([m.key for m in endpoint.members]) for endpoint in link.all_peers()]
            peers += [preferred([m.key]) for endpoint in link.all_peers() for m in endpoint.members
                      if not m.guard.is_true]  # a group attached only in some scenarios needs its own rule
        else:
            peers = [preferred(other)]
        for peer in dict.fromkeys(peers):
            if peer is None or _reference(peer, analysis.model.parameters) is None:
                way = "to" if gap.direction is Direction.EGRESS else "from"
                sentences.append(f"{gap.rule_id}: {owner} needs a rule {way} a group this template cannot name "
                                 f"({peer or 'the default group of the VPC'})")
                continue
            guard = _exists(analysis, owner) & _exists(analysis, peer)
            for protocol, ports in gap.blocked:
                found.append(_Rule(owner, gap.direction, protocol, ports, peer, guard, gap.rule_id))
    return found


def _internet_rules(analysis: Analysis, rules: dict[tuple[object, ...], _Rule], sentences: list[str],
                    findings: dict[tuple[str, Path], str | None], scope: Scope) -> None:
    for finding in analysis.findings_for(AWS_APIS_RULE):
        path = finding.path
        if not scope.reported(AWS_APIS_RULE, path):
            continue
        facts = finding.facts
        if not isinstance(facts, ApiBlocked):
            continue
        anywhere = facts.anywhere
        owner = GroupKey.make(Origin.RESOURCE, str(path[1])) if len(path) == 2 and path[0] == "Resources" else None
        if not anywhere or owner is None or owner not in analysis.model.groups:
            sentences.append(f"WK1006: node group {facts.node_group}: {facts.why}")
            _addressed(findings, (AWS_APIS_RULE, path), sentences[-1:])
            continue
        for cidr in anywhere:
            rule = _Rule(owner, Direction.EGRESS, TCP, _HTTPS, cidr, _exists(analysis, owner), AWS_APIS_RULE)
            rules.setdefault(rule[:5], rule)
        _addressed(findings, (AWS_APIS_RULE, path), [])


def _restated_egress(analysis: Analysis, owner: GroupKey) -> list[_Rule]:
    """The default allow-all egress of `owner`, if it has one that a standalone egress rule removes."""
    restated = []
    ipv6 = any(family.value is not Truth.FALSE for cluster in analysis.roles.clusters.values()
               for family in cluster.family)
    for perm in analysis.model.permissions:
        if (perm.group == owner and perm.direction is Direction.EGRESS and perm.source in _DEFAULT_SOURCES
                and isinstance(perm.peer, CidrPeer) and (perm.certain or ipv6) and not perm.guard.is_false):
            # Only where the default exists: where the user stripped it, their egress rules are the intent.
            restated.append(_Rule(owner, Direction.EGRESS, ALL_TRAFFIC, PortSet.span(0, 65535), perm.peer.cidr,
                                  perm.guard & _exists(analysis, owner), "default allow-all egress, restated"))
    return restated


def _exists(analysis: Analysis, group: GroupKey) -> Guard:
    known = analysis.model.groups.get(group)
    if group.origin is Origin.CLUSTER:
        cluster = analysis.roles.clusters.get(group.ident)
        return cluster.guard if cluster is not None else TRUE
    return known.guard if known is not None else TRUE


def _reference(group: GroupKey, parameters: Mapping[str, object]) -> object | None:
    """How a template names `group`; None for groups it cannot name (opaque, nested, by name)."""
    if STACK_SEPARATOR in group.ident:
        return None  # a companion's group: its template is where to add the rule
    if group.origin in (Origin.RESOURCE, Origin.PARAMETER):
        return {"Ref": group.ident}
    if group.origin is Origin.CLUSTER:
        return {"Fn::GetAtt": [group.ident, "ClusterSecurityGroupId"]}
    if group.origin is Origin.VPC_DEFAULT:
        return {"Fn::GetAtt": [group.ident, "DefaultSecurityGroup"]}
    if group.origin is Origin.PARAMETER_ITEM:
        return _parameter_item(group.ident, parameters)
    if group.origin is Origin.LITERAL:
        return group.ident
    if group.origin is Origin.IMPORT and re.fullmatch(r"[\w.:/-]+", group.ident):
        return {"Fn::ImportValue": group.ident}
    return None


def _parameter_item(ident: str, parameters: Mapping[str, object]) -> object | None:
    """`Groups[0]` as the template selects it: from the list a list parameter is, or from a string
    parameter split at its commas."""
    named = re.fullmatch(r"(.+)\[(\d+)\]", ident)
    if named is None or named.group(1) not in parameters:
        return None
    name, index = named.group(1), int(named.group(2))
    declared = parameters[name]
    kind = str(declared.get("Type", "")) if isinstance(declared, Mapping) else ""
    listed = "List<" in kind or kind == "CommaDelimitedList"  # SSM list parameters too
    source: object = {"Ref": name} if listed else {"Fn::Split": [",", {"Ref": name}]}
    return {"Fn::Select": [index, source]}


# -- rendering ---------------------------------------------------------------------------------


def _render(analysis: Analysis, rules: list[_Rule], taken: set[str], sentences: list[str],
            conditions_taken: Iterable[str] = ()) -> Suggestion:
    resources: dict[str, Json] = {}
    conditions: dict[str, object] = {}
    by_guard: dict[Guard, str] = {}
    known = set(analysis.model.parameters) | taken | set(conditions_taken)
    for rule in rules:
        for first, last in _ranges(rule):
            name = _unique(_name(rule, first), taken | set(resources))
            kind = "Egress" if rule.direction is Direction.EGRESS else "Ingress"
            props: Json = {"GroupId": _reference(rule.owner, analysis.model.parameters),
                           "IpProtocol": _protocol(rule.protocol)}
            if first is not None:
                props.update(FromPort=first, ToPort=last)
            props.update(_peer(rule, analysis.model.parameters))
            props["Description"] = f"Added for cfnlint-eks-sg {rule.reason}"[:255]
            resource: Json = {"Type": f"AWS::EC2::SecurityGroup{kind}", "Properties": props}
            condition = _condition(rule.guard, by_guard, conditions, known)
            if condition is not None:
                resource["Condition"] = condition
            resources[name] = resource
    return Suggestion(resources, conditions, list(dict.fromkeys(sentences)), {})


def _ranges(rule: _Rule) -> list[tuple[int | None, int | None]]:
    if rule.protocol == ALL_TRAFFIC:
        return [(None, None)]
    return [(r.first, r.last) for r in rule.ports.ranges]


def _protocol(protocol: IpProtocol) -> str:
    return {ALL_TRAFFIC: "-1", TCP: "tcp", UDP: "udp"}.get(protocol, str(protocol.number))


def _peer(rule: _Rule, parameters: Mapping[str, object]) -> Json:
    if isinstance(rule.peer, Cidr):
        return {"CidrIp": rule.peer.value}
    if isinstance(rule.peer, str):
        return {"CidrIpv6" if ":" in rule.peer else "CidrIp": rule.peer}
    prop = "DestinationSecurityGroupId" if rule.direction is Direction.EGRESS else "SourceSecurityGroupId"
    return {prop: _reference(rule.peer, parameters)}


def _name(rule: _Rule, first: int | None) -> str:
    protocol = "All" if rule.protocol == ALL_TRAFFIC else _protocol(rule.protocol).capitalize()
    port = "" if first is None else str(first)
    way = ("EgressTo" if rule.direction is Direction.EGRESS else "IngressFrom")
    return _alnum(f"{_group_name(rule.owner)}{protocol}{port}{way}{_peer_name(rule.peer)}")


def _group_name(group: GroupKey) -> str:
    return f"{group.ident}DefaultGroup" if group.origin is Origin.VPC_DEFAULT else group.ident  # Groups[0]: Groups0


def _peer_name(peer: GroupKey | str | Cidr) -> str:
    if isinstance(peer, GroupKey):
        return _group_name(peer)
    text = peer.text if isinstance(peer, Cidr) else peer
    if text in ("0.0.0.0/0", "::/0"):
        return "Anywhere" if text == "0.0.0.0/0" else "AnywhereV6"
    return "Remote" + text  # a hybrid network: Remote10800016 once cleaned


def _alnum(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]", "", text)
    return (cleaned or "Rule")[:200]


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}{number}", number + 1
    return candidate


def _condition(guard: Guard, by_guard: dict[Guard, str], conditions: dict[str, object],
               known: set[str]) -> str | None:
    """A condition name for `guard`: an existing one when it is a single condition, else a new one."""
    if guard.is_true:
        return None
    if len(guard.terms) == 1:
        (term,) = guard.terms
        if len(term) == 1:
            ((name, value),) = term
            if value:
                return name
    if guard not in by_guard:
        name = _unique("CfnLintEksSgFix", known | set(conditions))
        conditions[name] = _expression(guard)
        by_guard[guard] = name
    return by_guard[guard]


def _expression(guard: Guard) -> object:
    def literal(name: str, value: bool) -> object:
        return {"Condition": name} if value else {"Fn::Not": [{"Condition": name}]}

    terms = []
    for term in sorted(guard.terms, key=sorted):
        parts = [literal(n, v) for n, v in sorted(term)]
        terms.append(parts[0] if len(parts) == 1 else {"Fn::And": parts})
    return terms[0] if len(terms) == 1 else {"Fn::Or": terms}


def as_template_fragment(suggestion: Suggestion) -> Mapping[str, object]:
    """The top-level sections to merge into the template."""
    fragment: dict[str, object] = {}
    if suggestion.conditions:
        fragment["Conditions"] = suggestion.conditions
    if suggestion.resources:
        fragment["Resources"] = suggestion.resources
    return fragment
