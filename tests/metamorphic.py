"""Metamorphic tests: rewrites of EKS templates that change nothing a deployed stack allows.

A case is a seed template (the corpus' EKS templates, `templates/`, `tests/templates/`) plus one to
three transformations drawn by a seeded `random.Random`, each a small named function that rewrites
the template in place and returns a `Change` (what it did, how to map the new template's paths
back to the old one's, and how strictly findings compare):

- names: logical ids renamed consistently (`rename_ids`);
- order: resources, parameters, properties, rule items, group lists (`reorder_*`);
- text: YAML/JSON, short/long intrinsic forms, cfn-flip's clean-up (`serialize`);
- forms: a group, VPC or subnet named by Ref, GetAtt, Sub, Join, Select (`*_forms`); a literal
  written as `Fn::Join`/`Fn::Sub` or `Fn::FindInMap` over a new mapping (`literal_join`, `literal_in_map`);
- rules: ranges and CIDR blocks split in two rules, adjacent ranges merged, protocol spellings;
- conditions that are always true, on a resource or around a value (`always_*`);
- inline rules moved to standalone resources where EC2's default egress allows it;
- a literal replaced by a parameter whose only allowed value it is (`literal_to_parameter`): there
  findings may only move to IK0001 (E/W findings replaced by "cannot verify"), never add an E/W.

The findings of the rewritten template (decoded from text by cfn-lint, cfn-lint's condition engine,
`_analysis.analyse`) must equal the seed's, compared as a multiset of (rule, anchor) where the anchor
is the resource (parameter, Metadata) a finding points at, mapped back through renames and moves;
as full paths when every step is a pure reorder, rename or re-serialization. A mismatch is blamed on
the first step after which it shows. One case in `--cross-every` also runs through `cfnlint.api.lint`
(cfn-lint's rules and ours): our findings there must equal the fast path's, and the rewrite must not
add E0000/E1xxx/E3xxx errors the seed does not have.

    python -m tests.metamorphic --cases 6000 --seed 1        # cases, mismatches by transformation
    python -m tests.metamorphic --seed 1 --only 4711 --show  # replays one case, prints its template
"""

from __future__ import annotations

import argparse
import copy
import functools
import ipaddress
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Final

import cfn_flip
import yaml

from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.core._ports import ALL_TRAFFIC, ICMP, TCP, UDP, IpProtocol, parse_port, parse_protocol
from cfnlint_eks_sg.flows._roles import _CP_IMPORT, _CP_PARAMETER
from tests.conftest import CORPUS, FIXTURES, ROOT, TEMPLATES, cfg

Node = Any  # decoded JSON: shapes are checked with isinstance where a transformation relies on them
TreePath = tuple[str | int, ...]
Back = Callable[[TreePath], TreePath]
Key = tuple[str, object]  # (rule id, anchor or full path)

GROUP: Final = "AWS::EC2::SecurityGroup"
INGRESS: Final = "AWS::EC2::SecurityGroupIngress"
EGRESS: Final = "AWS::EC2::SecurityGroupEgress"
VPC: Final = "AWS::EC2::VPC"
SUBNET: Final = "AWS::EC2::Subnet"
CLUSTER: Final = "AWS::EKS::Cluster"
RULE_LISTS: Final = {"SecurityGroupIngress": INGRESS, "SecurityGroupEgress": EGRESS}
SECTIONS: Final = ("Resources", "Parameters", "Conditions", "Mappings", "Outputs")
RELEVANT: Final = frozenset({
    GROUP, INGRESS, EGRESS, CLUSTER, "AWS::EKS::Nodegroup", "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::LaunchConfiguration", "AWS::EC2::Instance", VPC,
    SUBNET, "AWS::EC2::VPCEndpoint", "AWS::EC2::VPCCidrBlock", "AWS::EC2::SpotFleet",
})
# Properties that list security groups (their order means nothing to EC2).
GROUP_LISTS: Final = frozenset({"SecurityGroupIds", "SecurityGroups", "GroupSet", "Groups", "SourceSecurityGroups",
                                "VpcSecurityGroupIds", "VPCSecurityGroups"})
FORMATS: Final = ("yaml", "yaml-long", "yaml-clean", "json-clean", "pyyaml")
CLEANING: Final = frozenset({"yaml-clean", "json-clean"})  # cfn-flip turns Fn::Join into Fn::Sub: paths move
CFN_ERRORS: Final = re.compile(r"E(0000|1\d{3}|3\d{3})")
CROSS_EVERY: Final = 20


# -- seeds ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Seed:
    name: str
    path: Path
    text: str  # the template as cfn-lint decodes it, written as JSON


@cache
def seeds() -> tuple[Seed, ...]:
    """The corpus' EKS templates, `templates/**` and `tests/templates/*` that cfn-lint decodes; not the
    nested-stack fixtures, nor a template whose settings name companion or nested files on disk."""
    from cfnlint.decode import decode

    paths: list[Path] = []
    eks = CORPUS / "eks"
    if eks.is_dir():
        paths += sorted(p for p in eks.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    paths += sorted(TEMPLATES.rglob("*.yaml")) + sorted(FIXTURES.glob("*.yaml"))
    found = []
    for path in paths:
        template, errors = decode(str(path))
        if errors or not isinstance(template, dict):
            continue
        metadata = template.get("Metadata")
        settings = metadata.get("cfnlint-eks-sg") if isinstance(metadata, dict) else None
        if isinstance(settings, dict) and {"companions", "nested_stacks", "nested_stack_urls"} & set(settings):
            continue
        name = str(path.relative_to(CORPUS) if path.is_relative_to(CORPUS) else path.relative_to(ROOT))
        found.append(Seed(name, path, json.dumps(template, default=str)))
    return tuple(found)


@cache
def seed_named(name: str) -> Seed:
    return next(seed for seed in seeds() if seed.name == name)


# -- text and findings ------------------------------------------------------------------------------

def render(template: Node, fmt: str) -> str:
    """The template as text: JSON, or one of FORMATS (cfn-flip's short or long YAML, its clean-up, PyYAML)."""
    text = json.dumps(template, indent=1, default=str)
    if fmt == "yaml":
        return str(cfn_flip.to_yaml(text))
    if fmt == "yaml-long":
        return str(cfn_flip.to_yaml(text, long_form=True))
    if fmt == "yaml-clean":
        return str(cfn_flip.to_yaml(text, clean_up=True))
    if fmt == "json-clean":
        return str(cfn_flip.to_json(text, clean_up=True))
    if fmt == "pyyaml":
        return str(yaml.safe_dump(json.loads(text), sort_keys=False, width=1000, allow_unicode=True))
    return text


def findings_of(text: str) -> list[Finding] | None:
    """Every finding of our rules, as cfn-lint's runner would have them computed; None if undecodable."""
    from cfnlint.decode import decode_str
    from cfnlint.template import Template

    from cfnlint_eks_sg._analysis import analyse

    template, errors = decode_str(text)
    if errors or not isinstance(template, dict):
        return None
    source: object = template
    conditions = None
    try:
        cfn = Template(None, template, ["us-east-1"])
        if "Transform" in template:
            if cfn.transform():
                return []  # cfn-lint reports E0001 and runs no rule
            source = cfn.template
        conditions = cfn.conditions
    except Exception:  # noqa: BLE001 - as _analysis._system_conditions: no engine only costs precision
        conditions = None
    return [finding for found in analyse(source, conditions).all_findings().values() for finding in found]


@dataclass(frozen=True)
class Linted:
    """What `cfnlint.api.lint` reports: our findings as (rule, path), and cfn-lint's own errors' ids."""

    ours: tuple[tuple[str, TreePath], ...]
    errors: frozenset[str]


@functools.lru_cache(maxsize=128)
def lint_text(text: str) -> Linted:
    from cfnlint.api import lint

    matches = lint(text, config=cfg(configure_rules={"IK1008": {"enabled": True}}))  # opt-in, as the fast path
    ours = tuple(sorted(((m.rule.id, tuple(getattr(m, "path", None) or ())) for m in matches
                         if m.rule.id[1:2] == "K"), key=str))
    return Linted(ours, frozenset(m.rule.id for m in matches if CFN_ERRORS.fullmatch(m.rule.id)))


@cache
def seed_findings(name: str) -> tuple[Finding, ...]:
    found = findings_of(render(json.loads(seed_named(name).text), "json"))
    return tuple(found or ())


@cache
def seed_lint(name: str) -> Linted:
    return lint_text(render(json.loads(seed_named(name).text), "json"))


# -- what a transformation returns, and how findings compare ---------------------------------------

def _same(path: TreePath) -> TreePath:
    return path


@dataclass(frozen=True)
class Change:
    detail: str
    kind: str = ""  # groups mismatches: the form, format or value kind used
    back: Back = _same  # a path of the new template -> the path it had before
    exact: bool = False  # nothing moved: findings compare with their full paths
    as_set: bool = False  # a rule became two (or two one): a per-rule finding may now come twice
    relaxed: bool = False  # a literal became a parameter: E/W findings may move to IK0001
    fmt: str | None = None  # the text format from now on
    merged: tuple[tuple[str, str], ...] = ()  # (deleted resource, the one that took its rules)


def anchor(path: Sequence[str | int]) -> str:
    """The resource, parameter, output ... a finding points at; the section for Metadata."""
    if not path:
        return "(template)"
    if path[0] in SECTIONS and len(path) > 1:
        return f"{path[0]}/{path[1]}"
    return str(path[0])


def back_through(changes: Sequence[Change], path: TreePath) -> TreePath:
    for change in reversed(changes):
        path = change.back(path)
    return path


def _aliases(changes: Sequence[Change]) -> dict[str, str]:
    """Anchors (in the seed's names) whose rules a merge moved to another resource."""
    aliases: dict[str, str] = {}
    for index, change in enumerate(changes):
        for gone, kept in change.merged:
            aliases[anchor(back_through(changes[:index], ("Resources", gone)))] = anchor(
                back_through(changes[:index], ("Resources", kept)))
    return aliases


@dataclass(frozen=True)
class Verdict:
    lost: tuple[Key, ...] = ()
    gained: tuple[Key, ...] = ()
    moved: bool = False  # accepted: only E/W/I findings replaced by IK0001 (a literal became a parameter)

    @property
    def same(self) -> bool:
        return not self.lost and not self.gained

    @property
    def ok(self) -> bool:
        return self.same or self.moved

    def signature(self) -> str:
        return (f"-[{','.join(sorted({k[0] for k in self.lost}))}] "
                f"+[{','.join(sorted({k[0] for k in self.gained}))}]")

    def lines(self, limit: int = 6) -> list[str]:
        shown = [f"lost {rule} at {where}" for rule, where in self.lost[:limit]]
        shown += [f"gained {rule} at {where}" for rule, where in self.gained[:limit]]
        return shown


def compare(before: Sequence[Finding], after: Sequence[Finding], changes: Sequence[Change]) -> Verdict:
    """The seed's findings against the rewritten template's, the latter mapped back to the seed's names."""
    exact = all(change.exact for change in changes)
    aliases = _aliases(changes)

    def key(finding: Finding, path: TreePath) -> Key:
        if exact:
            return finding.rule_id, "/".join(map(str, path))
        where = anchor(path)
        while where in aliases and aliases[where] != where:
            where = aliases[where]
        return finding.rule_id, where

    old = Counter(key(f, tuple(f.path)) for f in before)
    new = Counter(key(f, back_through(changes, tuple(f.path))) for f in after)
    if any(change.as_set for change in changes):
        old, new = Counter(set(old)), Counter(set(new))
    lost = tuple(sorted((old - new).elements(), key=str))
    gained = tuple(sorted((new - old).elements(), key=str))
    relaxed = any(change.relaxed for change in changes)
    moved = relaxed and bool(gained) and all(rule == "IK0001" for rule, _ in gained)
    return Verdict(lost, gained, moved)


# -- template helpers -------------------------------------------------------------------------------

def _fn(value: Node) -> tuple[str, Node] | None:
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if isinstance(name, str) and (name in ("Ref", "Condition") or name.startswith("Fn::")):
            return name, arg
    return None


def _resources(template: Node) -> dict[str, Node]:
    found = template.get("Resources") if isinstance(template, dict) else None
    return found if isinstance(found, dict) else {}


def _of_type(template: Node, *types: str) -> list[str]:
    return [name for name, res in _resources(template).items() if isinstance(res, dict) and res.get("Type") in types]


def _props(template: Node, name: str) -> dict[str, Node]:
    res = _resources(template).get(name)
    props = res.get("Properties") if isinstance(res, dict) else None
    return props if isinstance(props, dict) else {}


def _section(template: Node, name: str, create: bool = False) -> dict[str, Node] | None:
    found = template.get(name)
    if found is None and create:
        found = template[name] = {}
    return found if isinstance(found, dict) else None


def _taken(template: Node) -> set[str]:
    names: set[str] = set()
    for section in SECTIONS:
        found = template.get(section)
        if isinstance(found, dict):
            names |= {str(n) for n in found}
    return names


def _fresh(template: Node, rng: random.Random, prefix: str, also: set[str] | None = None) -> str:
    """A logical id no section uses, nor `also`, that no name-reading heuristic of the plugin matches."""
    taken = _taken(template) | (also or set())
    while True:
        name = f"{prefix}{rng.randrange(16 ** 6):06x}"
        if name not in taken and not _CP_PARAMETER.search(name) and not _CP_IMPORT.search(name):
            return name


def _literal(value: Node) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _order(count: int, rng: random.Random) -> list[int]:
    """A permutation (new index -> old index) that moves something."""
    order = list(range(count))
    rng.shuffle(order)
    if order == sorted(order) and count > 1:
        first, second = rng.sample(range(count), 2)
        order[first], order[second] = order[second], order[first]
    return order


def _reordered(mapping: dict[str, Node], rng: random.Random) -> bool:
    if len(mapping) < 2:
        return False
    items = list(mapping.items())
    order = _order(len(items), rng)
    mapping.clear()
    mapping.update(items[i] for i in order)
    return True


def _list_back(prefix: TreePath, order: Sequence[int]) -> Back:
    """Paths into the list at `prefix` whose items were reordered, added or removed: `order[new] = old`."""
    size = len(prefix)

    def back(path: TreePath) -> TreePath:
        index = path[size] if len(path) > size and path[:size] == prefix else None
        if isinstance(index, int) and 0 <= index < len(order):
            return (*prefix, order[index], *path[size + 1:])
        return path
    return back


def _renames_back(renamed: Mapping[str, Mapping[str, str]]) -> Back:
    """Paths in renamed (or copied) sections: section -> {new name: old name}."""
    def back(path: TreePath) -> TreePath:
        if len(path) > 1 and isinstance(path[0], str) and path[0] in renamed:
            old = renamed[path[0]].get(str(path[1]))
            if old is not None:
                return (path[0], old, *path[2:])
        return path
    return back


def _chain(*backs: Back) -> Back:
    def back(path: TreePath) -> TreePath:
        for one in backs:
            path = one(path)
        return path
    return back


@dataclass(frozen=True)
class Slot:
    """A value inside the template, where it can be replaced."""

    parent: Node
    key: str | int
    path: TreePath

    @property
    def value(self) -> Node:
        return self.parent[self.key]

    def set(self, value: Node) -> None:
        self.parent[self.key] = value


def _slots(parent: Node, key: str | int, path: TreePath, functions: bool) -> Iterator[Slot]:
    """The value at parent[key] and everything under it: into every intrinsic's arguments when
    `functions` (not Ref, GetAtt, FindInMap, Condition), else only into Fn::If branches."""
    yield Slot(parent, key, path)
    value = parent[key]
    fn = _fn(value)
    if fn is not None:
        name, arg = fn
        if name in ("Ref", "Fn::GetAtt", "Fn::FindInMap", "Condition"):
            return
        if not functions:
            if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                for branch in (1, 2):
                    yield from _slots(arg, branch, (*path, "Fn::If", branch), functions)
            return
    if isinstance(value, dict):
        for child in list(value):
            yield from _slots(value, child, (*path, child), functions)
    elif isinstance(value, list):
        for index in range(len(value)):
            yield from _slots(value, index, (*path, index), functions)


def _property_slots(template: Node, functions: bool, types: frozenset[str] | None = None) -> Iterator[Slot]:
    for name, res in _resources(template).items():
        if isinstance(res, dict) and isinstance(res.get("Properties"), dict) and (
                types is None or res.get("Type") in types):
            yield from _slots(res, "Properties", ("Resources", name, "Properties"), functions)


@dataclass(frozen=True)
class RuleSite:
    """A security-group rule: an item of a group's inline list, or a standalone resource's Properties."""

    owner: str  # the group, or the standalone resource
    list_key: str  # SecurityGroupIngress/Egress; "" for a standalone rule
    index: int
    rule: dict[str, Node]

    @property
    def inline(self) -> bool:
        return bool(self.list_key)


def _rule_sites(template: Node) -> list[RuleSite]:
    sites: list[RuleSite] = []
    for name, res in _resources(template).items():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties")
        if not isinstance(props, dict) or _fn(props) is not None:
            continue
        if res.get("Type") == GROUP:
            for key in RULE_LISTS:
                items = props.get(key)
                if isinstance(items, list):
                    sites += [RuleSite(name, key, i, item) for i, item in enumerate(items)
                              if isinstance(item, dict) and _fn(item) is None]
        elif res.get("Type") in (INGRESS, EGRESS):
            sites.append(RuleSite(name, "", -1, props))
    return sites


def _protocol(rule: Mapping[str, Node]) -> IpProtocol | None:
    value = rule.get("IpProtocol")
    return parse_protocol(value) if _literal(value) else None


def _ports(rule: Mapping[str, Node]) -> tuple[int, int] | None:
    first, last = rule.get("FromPort"), rule.get("ToPort")
    if not (_literal(first) and _literal(last)):
        return None
    low, high = parse_port(first), parse_port(last)
    return (low, high) if low is not None and high is not None and 0 <= low <= high <= 65535 else None


def _with_ports(rule: dict[str, Node], first: int, last: int) -> dict[str, Node]:
    """A copy of `rule` on first-last, each port written as the original was (int or string)."""
    made = copy.deepcopy(rule)
    made["FromPort"] = str(first) if isinstance(rule.get("FromPort"), str) else first
    made["ToPort"] = str(last) if isinstance(rule.get("ToPort"), str) else last
    return made


def _signature(rule: Mapping[str, Node], without: tuple[str, ...] = ("Description",)) -> str:
    """What EC2 compares to call two rules duplicates."""
    norm: dict[str, Node] = {k: v for k, v in rule.items() if k not in without}
    protocol = _protocol(rule)
    if protocol is not None:
        norm["IpProtocol"] = str(protocol)
    for key in ("FromPort", "ToPort"):
        if key in norm and _literal(norm[key]):
            norm[key] = parse_port(norm[key])
    return json.dumps(norm, sort_keys=True, default=str)


def _siblings(template: Node, site: RuleSite) -> list[dict[str, Node]]:
    """The rules EC2 would compare `site`'s with: the same list, or standalone rules of the same kind."""
    if site.inline:
        items = _props(template, site.owner).get(site.list_key)
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    kind = _resources(template)[site.owner].get("Type")
    return [_props(template, name) for name in _of_type(template, kind)]


def _referenced(template: Node) -> set[str]:
    """Logical ids something names (Ref, GetAtt, Sub, DependsOn)."""
    names: set[str] = set()

    def visit(node: Node) -> None:
        fn = _fn(node)
        if fn is not None:
            name, arg = fn
            if name == "Ref" and isinstance(arg, str):
                names.add(arg)
            elif name == "Fn::GetAtt":
                head = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(head, str):
                    names.add(head.split(".")[0])
            elif name == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    names.update(v.split(".")[0] for v in _SUB_NAME.findall(text))
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(template)
    for res in _resources(template).values():
        depends = res.get("DependsOn") if isinstance(res, dict) else None
        names.update(d for d in (depends if isinstance(depends, list) else [depends]) if isinstance(d, str))
    return names


def _split_rule(template: Node, site: RuleSite, first: dict[str, Node], second: dict[str, Node],
                rng: random.Random) -> Back:
    """`site`'s rule replaced by two: the second right after it in the list, or as a copy of the resource."""
    if site.inline:
        items = _props(template, site.owner)[site.list_key]
        items[site.index] = first
        items.insert(site.index + 1, second)
        order = [*range(site.index + 1), *range(site.index, len(items) - 1)]
        return _list_back(("Resources", site.owner, "Properties", site.list_key), order)
    resources = _resources(template)
    twin = _fresh(template, rng, "Split")
    resources[site.owner]["Properties"] = first
    copied = copy.deepcopy(resources[site.owner])
    copied["Properties"] = second
    resources[twin] = copied
    return _renames_back({"Resources": {twin: site.owner}})


def _unique(template: Node, site: RuleSite, made: Sequence[dict[str, Node]]) -> bool:
    """No new rule duplicates a rule already there (EC2 refuses duplicates)."""
    others = {_signature(rule) for rule in _siblings(template, site) if rule is not site.rule}
    signatures = [_signature(rule) for rule in made]
    return len(set(signatures)) == len(signatures) and not others & set(signatures)


# -- 1. names ---------------------------------------------------------------------------------------

_SUB_NAME: Final = re.compile(r"\$\{([^}!][^}]*)\}")


def _sub_renamed(text: str, names: Mapping[str, str], local: set[str]) -> str:
    def one(match: re.Match[str]) -> str:
        head, dot, tail = match.group(1).partition(".")
        if head in local or head not in names:
            return match.group(0)
        return "${" + names[head] + dot + tail + "}"
    return _SUB_NAME.sub(one, text)


def _renamed(node: Node, names: Mapping[str, str], conditions: Mapping[str, str], mappings: Mapping[str, str]) -> Node:
    """Every reference in `node` renamed: Ref, GetAtt (both forms), ${X} and ${X.Attr} in Fn::Sub
    (not its own variables), Fn::If and Condition names, Fn::FindInMap's map."""
    def again(value: Node) -> Node:
        return _renamed(value, names, conditions, mappings)

    if isinstance(node, list):
        return [again(item) for item in node]
    if not isinstance(node, dict):
        return node
    fn = _fn(node)
    if fn is not None:
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            return {name: names.get(arg, arg)}
        if name == "Fn::GetAtt" and isinstance(arg, str):
            head, dot, tail = arg.partition(".")
            return {name: names.get(head, head) + dot + tail}
        if name == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {name: [names.get(arg[0], arg[0]), *map(again, arg[1:])]}
        if name == "Fn::Sub" and isinstance(arg, str):
            return {name: _sub_renamed(arg, names, set())}
        if name == "Fn::Sub" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            local = {str(k) for k in arg[1]} if len(arg) > 1 and isinstance(arg[1], dict) else set()
            return {name: [_sub_renamed(arg[0], names, local), *map(again, arg[1:])]}
        if name == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {name: [conditions.get(arg[0], arg[0]), *map(again, arg[1:])]}
        if name == "Condition" and isinstance(arg, str):
            return {name: conditions.get(arg, arg)}
        if name == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {name: [mappings.get(arg[0], arg[0]), *map(again, arg[1:])]}
    return {key: again(value) for key, value in node.items()}


def rename_ids(template: Node, rng: random.Random) -> Change | None:
    """Resources, parameters, conditions and mappings renamed consistently. Parameters whose names
    tell the plugin they hold the control-plane group (`_roles._CP_PARAMETER`, `_CP_IMPORT`) keep
    theirs: renaming them changes what the template says, not only how."""
    pool: list[tuple[str, str]] = []
    for section in ("Resources", "Parameters", "Conditions", "Mappings"):
        found = _section(template, section)
        if found is None or (section == "Resources" and "Transform" in template):
            continue  # SAM names the resources it generates after their sources
        pool += [(section, name) for name in found if isinstance(name, str)
                 and not (section == "Parameters" and (_CP_PARAMETER.search(name) or _CP_IMPORT.search(name)))]
    if not pool:
        return None
    chosen = pool if rng.random() < 0.4 else rng.sample(pool, rng.randint(1, min(4, len(pool))))
    new: dict[str, dict[str, str]] = {}
    made: set[str] = set()
    for section, old in chosen:
        fresh = _fresh(template, rng, {"Resources": "R", "Parameters": "P", "Conditions": "C"}.get(section, "M"),
                       made)
        made.add(fresh)
        new.setdefault(section, {})[old] = fresh
    names = {**new.get("Resources", {}), **new.get("Parameters", {})}
    conditions, mappings = new.get("Conditions", {}), new.get("Mappings", {})
    rebuilt = _renamed(template, names, conditions, mappings)
    for section, renames in new.items():
        rebuilt[section] = {renames.get(k, k): v for k, v in rebuilt[section].items()}
    for res in [*_resources(rebuilt).values(), *(_section(rebuilt, "Outputs") or {}).values()]:
        if not isinstance(res, dict):
            continue
        if isinstance(res.get("Condition"), str):
            res["Condition"] = conditions.get(res["Condition"], res["Condition"])
        depends = res.get("DependsOn")
        if isinstance(depends, str):
            res["DependsOn"] = names.get(depends, depends)
        elif isinstance(depends, list):
            res["DependsOn"] = [names.get(d, d) if isinstance(d, str) else d for d in depends]
    _rename_metadata(rebuilt, names)
    template.clear()
    template.update(rebuilt)
    inverse = {section: {v: k for k, v in renames.items()} for section, renames in new.items()}
    shown = ", ".join(f"{old}->{fresh}" for renames in new.values() for old, fresh in renames.items())
    return Change(f"renamed {shown}", "all" if chosen is pool else "some", _renames_back(inverse), exact=True)


def _rename_metadata(template: Node, names: Mapping[str, str]) -> None:
    """Parameter names in the console's Interface metadata and logical names in the plugin's settings."""
    metadata = _section(template, "Metadata") or {}
    interface = metadata.get("AWS::CloudFormation::Interface")
    if isinstance(interface, dict):
        groups = interface.get("ParameterGroups")
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, dict) and isinstance(group.get("Parameters"), list):
                group["Parameters"] = [names.get(p, p) if isinstance(p, str) else p for p in group["Parameters"]]
        labels = interface.get("ParameterLabels")
        if isinstance(labels, dict):
            interface["ParameterLabels"] = {names.get(k, k): v for k, v in labels.items()}
    settings = metadata.get("cfnlint-eks-sg")
    if isinstance(settings, dict):
        for key in ("control_plane_security_groups", "node_security_groups"):
            value = settings.get(key)
            if isinstance(value, str):
                settings[key] = names.get(value, value)
            elif isinstance(value, list):
                settings[key] = [names.get(v, v) if isinstance(v, str) else v for v in value]


# -- 2. order ---------------------------------------------------------------------------------------

def reorder_resources(template: Node, rng: random.Random) -> Change | None:
    resources = _section(template, "Resources")
    if resources is None or not _reordered(resources, rng):
        return None
    return Change(f"resources reordered: {', '.join(list(resources)[:4])}, ...", exact=True)


def reorder_parameters(template: Node, rng: random.Random) -> Change | None:
    parameters = _section(template, "Parameters")
    if parameters is None or not _reordered(parameters, rng):
        return None
    return Change(f"parameters reordered: {', '.join(list(parameters)[:4])}, ...", exact=True)


def reorder_properties(template: Node, rng: random.Random) -> Change | None:
    """The keys of every resource's Properties, and of every inline rule."""
    mappings: list[dict[str, Node]] = [_props(template, name) for name in _resources(template)]
    mappings += [site.rule for site in _rule_sites(template) if site.inline]
    moved = sum(_reordered(mapping, rng) for mapping in mappings)
    return Change(f"keys reordered in {moved} mappings", exact=True) if moved else None


def reorder_rule_items(template: Node, rng: random.Random) -> Change | None:
    lists = [(name, key) for name in _of_type(template, GROUP) for key in RULE_LISTS
             if isinstance(_props(template, name).get(key), list) and len(_props(template, name)[key]) > 1]
    if not lists:
        return None
    backs: list[Back] = []
    for name, key in rng.sample(lists, rng.randint(1, len(lists))):
        items = _props(template, name)[key]
        order = _order(len(items), rng)
        items[:] = [items[i] for i in order]
        backs.append(_list_back(("Resources", name, "Properties", key), order))
    return Change(f"rule items reordered in {len(backs)} lists", back=_chain(*backs), exact=True)


def reorder_group_ids(template: Node, rng: random.Random) -> Change | None:
    """Lists of security groups (clusters, launch templates, instances, endpoints, ...)."""
    lists = [slot for slot in _property_slots(template, functions=False)
             if slot.key in GROUP_LISTS and isinstance(slot.value, list) and len(slot.value) > 1]
    if not lists:
        return None
    backs: list[Back] = []
    for slot in rng.sample(lists, rng.randint(1, len(lists))):
        order = _order(len(slot.value), rng)
        slot.set([slot.value[i] for i in order])
        backs.append(_list_back(slot.path, order))
    return Change(f"group lists reordered: {', '.join('/'.join(map(str, s.path[1:])) for s in lists[:3])}",
                  back=_chain(*backs), exact=True)


# -- 3. text ----------------------------------------------------------------------------------------

def serialize(template: Node, rng: random.Random) -> Change | None:
    """Written as YAML (short or long intrinsic forms, cfn-flip's clean-up), JSON via cfn-flip, or PyYAML."""
    fmt = rng.choice(FORMATS)
    return Change(f"written as {fmt}", fmt, fmt=fmt, exact=fmt not in CLEANING)


# -- 4. ways of naming the same thing ----------------------------------------------------------------

ID_ATTRIBUTE: Final = {GROUP: "GroupId", VPC: "VpcId", SUBNET: "SubnetId"}
FORMS: Final = ("ref", "getatt-dot", "getatt-list", "sub", "sub-attr", "join", "join-attr", "select", "select-attr",
                "sub-var", "sub-var-attr")


def _form(form: str, name: str, attr: str) -> Node:
    by_ref = form in ("ref", "sub", "join", "select", "sub-var")
    inner: Node = {"Ref": name} if by_ref else {"Fn::GetAtt": [name, attr]}
    return {
        "ref": inner, "getatt-list": inner, "getatt-dot": {"Fn::GetAtt": f"{name}.{attr}"},
        "sub": {"Fn::Sub": "${" + name + "}"}, "sub-attr": {"Fn::Sub": "${" + name + "." + attr + "}"},
        "join": {"Fn::Join": ["", [inner]]}, "join-attr": {"Fn::Join": ["", [inner]]},
        "select": {"Fn::Select": [0, [inner]]}, "select-attr": {"Fn::Select": [0, [inner]]},
        "sub-var": {"Fn::Sub": ["${Id}", {"Id": inner}]}, "sub-var-attr": {"Fn::Sub": ["${Id}", {"Id": inner}]},
    }[form]


def _id_reference(template: Node, value: Node, rtype: str) -> tuple[str, str] | None:
    """(resource, current form) when `value` is `Ref X` or `GetAtt X.<id attribute>` of a `rtype`."""
    fn = _fn(value)
    if fn is None:
        return None
    name, arg = fn
    types = {n: r.get("Type") for n, r in _resources(template).items() if isinstance(r, dict)}
    if name == "Ref" and isinstance(arg, str) and types.get(arg) == rtype:
        return arg, "ref"
    if name == "Fn::GetAtt":
        if isinstance(arg, str) and arg.partition(".")[2] == ID_ATTRIBUTE[rtype] and types.get(
                arg.partition(".")[0]) == rtype:
            return arg.partition(".")[0], "getatt-dot"
        if isinstance(arg, list) and len(arg) == 2 and arg[1] == ID_ATTRIBUTE[rtype] and isinstance(arg[0], str) \
                and types.get(arg[0]) == rtype:
            return arg[0], "getatt-list"
    return None


def _rewrite_ids(template: Node, rng: random.Random, rtype: str) -> Change | None:
    """Up to three places that name a `rtype` of this template, rewritten in one other form.

    A group's Ref is its id only with a VpcId (in a default VPC it is the group's name), so a group
    without one keeps to forms of the same function (Ref forms or GetAtt forms)."""
    sites: list[tuple[Slot, str, str]] = []
    places = list(_property_slots(template, functions=True))
    for name, output in (_section(template, "Outputs") or {}).items():
        if isinstance(output, dict) and "Value" in output:
            places += _slots(output, "Value", ("Outputs", name, "Value"), True)
    for slot in places:
        found = _id_reference(template, slot.value, rtype)
        if found is not None:
            sites.append((slot, *found))
    if not sites:
        return None
    form = rng.choice(FORMS)
    attr = ID_ATTRIBUTE[rtype]
    done = []
    for slot, name, current in rng.sample(sites, min(len(sites), rng.randint(1, 3))):
        free = rtype != GROUP or "VpcId" in _props(template, name)
        same_kind = (current == "ref") == (form in ("ref", "sub", "join", "select", "sub-var"))
        if form == current or not (free or same_kind):
            continue
        slot.set(_form(form, name, attr))
        done.append("/".join(map(str, slot.path)))
    if not done:
        return None
    return Change(f"{form} at {', '.join(done)}", form)


def group_forms(template: Node, rng: random.Random) -> Change | None:
    return _rewrite_ids(template, rng, GROUP)


def vpc_forms(template: Node, rng: random.Random) -> Change | None:
    return _rewrite_ids(template, rng, VPC)


def subnet_forms(template: Node, rng: random.Random) -> Change | None:
    return _rewrite_ids(template, rng, SUBNET)


@dataclass(frozen=True)
class ValueSite:
    """A literal the plugin reads: a port, protocol, CIDR or a cluster or VPC setting."""

    slot: Slot
    kind: str


_CLUSTER_VALUES: Final = (
    (("Version",), "version"), (("KubernetesNetworkConfig", "IpFamily"), "ip-family"),
    (("KubernetesNetworkConfig", "ServiceIpv4Cidr"), "service-cidr"),
    (("ResourcesVpcConfig", "EndpointPrivateAccess"), "endpoint-access"),
    (("ResourcesVpcConfig", "EndpointPublicAccess"), "endpoint-access"),
)


def _value_sites(template: Node) -> list[ValueSite]:
    found: list[ValueSite] = []
    for site in _rule_sites(template):
        for key, kind in (("FromPort", "port"), ("ToPort", "port"), ("IpProtocol", "protocol"), ("CidrIp", "cidr"),
                          ("CidrIpv6", "cidr")):
            if isinstance(site.rule.get(key), (str, int)):
                path = ("Resources", site.owner, "Properties", *((site.list_key, site.index) if site.inline else ()))
                found.append(ValueSite(Slot(site.rule, key, (*path, key)), kind))

    def add(name: str, keys: tuple[str, ...], kind: str) -> None:
        parent: Node = _props(template, name)
        for key in keys[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get(keys[-1]), (str, int)):
            found.append(ValueSite(Slot(parent, keys[-1], ("Resources", name, "Properties", *keys)), kind))

    for name in _of_type(template, CLUSTER):
        for keys, kind in _CLUSTER_VALUES:
            add(name, keys, kind)
        cidrs = (_props(template, name).get("ResourcesVpcConfig") or {}).get("PublicAccessCidrs") \
            if isinstance(_props(template, name).get("ResourcesVpcConfig"), dict) else None
        if isinstance(cidrs, list):
            found += [ValueSite(Slot(cidrs, i, ("Resources", name, "Properties", "ResourcesVpcConfig",
                                                "PublicAccessCidrs", i)), "cidr")
                      for i, v in enumerate(cidrs) if isinstance(v, str)]
    for name in _of_type(template, VPC):
        add(name, ("EnableDnsHostnames",), "dns")
        add(name, ("EnableDnsSupport",), "dns")
        add(name, ("CidrBlock",), "cidr")
    for name in _of_type(template, SUBNET, "AWS::EC2::VPCCidrBlock"):
        add(name, ("CidrBlock",), "cidr")
    return found


def literal_join(template: Node, rng: random.Random) -> Change | None:
    """A string literal (CIDR, protocol, IP family, version) as `Fn::Join` of its pieces, or a Sub
    without variables. Strings only: CloudFormation refuses Join where an integer or boolean belongs."""
    sites = [s for s in _value_sites(template) if isinstance(s.slot.value, str) and s.slot.value
             and "${" not in s.slot.value]
    if not sites:
        return None
    form = rng.choice(("join", "join-split", "sub"))
    done = []
    for site in rng.sample(sites, min(len(sites), rng.randint(1, 2))):
        text = site.slot.value
        if form == "sub":
            site.slot.set({"Fn::Sub": text})
        elif form == "join-split" and len(text) > 1:
            cut = rng.randint(1, len(text) - 1)
            site.slot.set({"Fn::Join": ["", [text[:cut], text[cut:]]]})
        else:
            site.slot.set({"Fn::Join": ["", [text]]})
        done.append(f"{'/'.join(map(str, site.slot.path[1:]))} {text!r}")
    return Change(f"{form}: {', '.join(done)}", form)


def literal_in_map(template: Node, rng: random.Random) -> Change | None:
    """A literal moved into a new Mappings entry and read back with `Fn::FindInMap` and literal keys."""
    sites = [s for s in _value_sites(template) if _literal(s.slot.value)]
    mappings = _section(template, "Mappings", create=True) if sites else None
    if mappings is None:
        return None
    name = _fresh(template, rng, "Fixed")
    entry: dict[str, Node] = {}
    mappings[name] = {"Values": entry}
    kinds: list[str] = []
    where: list[str] = []
    for index, site in enumerate(rng.sample(sites, min(len(sites), rng.randint(1, 2)))):
        entry[f"V{index}"] = site.slot.value
        site.slot.set({"Fn::FindInMap": [name, "Values", f"V{index}"]})
        kinds.append(site.kind)
        where.append("/".join(map(str, site.slot.path[1:])))
    return Change(f"{', '.join(where)} read from Mappings {name}: {entry}", "+".join(sorted(set(kinds))))


# -- 5. rules split, merged, spelled ---------------------------------------------------------------

def split_port_range(template: Node, rng: random.Random) -> Change | None:
    """A TCP/UDP rule on F-T as two rules, F-M and M+1-T."""
    sites = [s for s in _rule_sites(template) if _protocol(s.rule) in (TCP, UDP)
             and (ports := _ports(s.rule)) is not None and ports[0] < ports[1]]
    rng.shuffle(sites)
    for site in sites:
        low, high = _ports(site.rule) or (0, 0)
        cut = rng.randint(low, high - 1)
        first, second = _with_ports(site.rule, low, cut), _with_ports(site.rule, cut + 1, high)
        if _unique(template, site, (first, second)):
            back = _split_rule(template, site, first, second, rng)
            return Change(f"{site.owner}{'.' + site.list_key if site.inline else ''} {low}-{high} split at {cut}",
                          "inline" if site.inline else "standalone", back, as_set=True)
    return None


def merge_port_ranges(template: Node, rng: random.Random) -> Change | None:
    """Two rules on adjacent or overlapping TCP/UDP ranges, otherwise equal, as one."""
    def mergeable(a: Mapping[str, Node], b: Mapping[str, Node]) -> bool:
        pa, pb = _ports(a), _ports(b)
        return (_protocol(a) in (TCP, UDP) and pa is not None and pb is not None and pa != pb
                and pa[0] <= pb[1] + 1 and pb[0] <= pa[1] + 1
                and _signature(a, ("Description", "FromPort", "ToPort"))
                == _signature(b, ("Description", "FromPort", "ToPort")))

    pairs: list[tuple[RuleSite, RuleSite]] = []
    sites = _rule_sites(template)
    referenced = _referenced(template)
    resources = _resources(template)
    for i, a in enumerate(sites):
        for b in sites[i + 1:]:
            together = (a.inline and b.inline and (a.owner, a.list_key) == (b.owner, b.list_key)) or (
                not a.inline and not b.inline and b.owner not in referenced
                and {k: v for k, v in resources[a.owner].items() if k != "Properties"}
                == {k: v for k, v in resources[b.owner].items() if k != "Properties"})
            if together and mergeable(a.rule, b.rule):
                pairs.append((a, b))
    rng.shuffle(pairs)
    for a, b in pairs:
        pa, pb = _ports(a.rule) or (0, 0), _ports(b.rule) or (0, 0)
        merged = _with_ports(a.rule, min(pa[0], pb[0]), max(pa[1], pb[1]))
        others = {_signature(r) for r in _siblings(template, a) if r is not a.rule and r is not b.rule}
        if _signature(merged) in others:
            continue
        if a.inline:
            items = _props(template, a.owner)[a.list_key]
            items[a.index] = merged
            del items[b.index]
            order = [i for i in range(len(items) + 1) if i != b.index]
            back = _list_back(("Resources", a.owner, "Properties", a.list_key), order)
            return Change(f"{a.owner}.{a.list_key}[{a.index}] and [{b.index}] merged", "inline", back, as_set=True)
        resources[a.owner]["Properties"] = merged
        del resources[b.owner]
        return Change(f"{b.owner} merged into {a.owner}", "standalone", as_set=True, merged=((b.owner, a.owner),))
    return None


def split_cidr(template: Node, rng: random.Random) -> Change | None:
    """A rule on a CIDR block as two rules, one on each half."""
    candidates = []
    for site in _rule_sites(template):
        for key in ("CidrIp", "CidrIpv6"):
            value = site.rule.get(key)
            if isinstance(value, str):
                try:
                    net = ipaddress.ip_network(value.strip(), strict=False)
                except ValueError:
                    continue
                if net.prefixlen < net.max_prefixlen and (net.version == 6) == (key == "CidrIpv6"):
                    candidates.append((site, key, net))
    rng.shuffle(candidates)
    for site, key, net in candidates:
        low, high = net.subnets(prefixlen_diff=1)
        first, second = copy.deepcopy(site.rule), copy.deepcopy(site.rule)
        first[key], second[key] = str(low), str(high)
        if _unique(template, site, (first, second)):
            back = _split_rule(template, site, first, second, rng)
            return Change(f"{site.owner}{'.' + site.list_key if site.inline else ''} {net} as {low} + {high}",
                          f"{'inline' if site.inline else 'standalone'}-v{net.version}", back, as_set=True)
    return None


SPELLINGS: Final[dict[IpProtocol, tuple[str | int, ...]]] = {
    ALL_TRAFFIC: ("-1", -1), TCP: ("tcp", "TCP", "6", 6), UDP: ("udp", "UDP", "17", 17), ICMP: ("icmp", "1", 1),
}


def protocol_spelling(template: Node, rng: random.Random) -> Change | None:
    """IpProtocol in another spelling EC2 accepts: -1 as string or number, tcp as TCP, 6, "6"."""
    sites = [s for s in _rule_sites(template) if _protocol(s.rule) in SPELLINGS]
    if not sites:
        return None
    done = []
    for site in rng.sample(sites, rng.randint(1, len(sites))):
        current = site.rule["IpProtocol"]
        options = [s for s in SPELLINGS[_protocol(site.rule) or TCP]
                   if not (type(s) is type(current) and s == current)]
        site.rule["IpProtocol"] = rng.choice(options)
        done.append(f"{current!r}->{site.rule['IpProtocol']!r}")
    return Change(f"IpProtocol {', '.join(done[:4])}{' ...' if len(done) > 4 else ''}")


# -- 6. conditions that are always true ------------------------------------------------------------

ALWAYS: Final[dict[str, Node]] = {
    "equals": {"Fn::Equals": ["a", "a"]},
    "equals-region": {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "AWS::Region"}]},
    "not-equals": {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]},
}


def _always(template: Node, rng: random.Random) -> tuple[str, str] | None:
    conditions = _section(template, "Conditions", create=True)
    if conditions is None:
        return None
    form = rng.choice(sorted(ALWAYS))
    name = _fresh(template, rng, "Always")
    conditions[name] = copy.deepcopy(ALWAYS[form])
    return name, form


def always_condition_resource(template: Node, rng: random.Random) -> Change | None:
    """A resource put under a condition that is always true (and-ed with the one it had)."""
    depended: set[Node] = set()
    for res in _resources(template).values():
        depends = res.get("DependsOn") if isinstance(res, dict) else None
        depended.update(depends if isinstance(depends, list) else [depends])
    names = [n for n in _of_type(template, *RELEVANT) if n not in depended]  # cfn-lint E3005 otherwise
    if not names or _section(template, "Conditions", create=True) is None:
        return None
    resource = _resources(template)[rng.choice(names)]
    made = _always(template, rng)
    if made is None:
        return None
    always, form = made
    own = resource.get("Condition")
    if isinstance(own, str):
        both = _fresh(template, rng, "Both")
        template["Conditions"][both] = {"Fn::And": [{"Condition": always}, {"Condition": own}]}
        resource["Condition"] = both
        return Change(f"Condition {own} -> {both} ({always} and {own})", f"{form}+and")
    resource["Condition"] = always
    return Change(f"Condition {always} ({form}) on a {resource.get('Type')}", form)


# Properties that may be left out: AWS::NoValue in the branch never taken keeps cfn-lint content (it
# checks both branches of an Fn::If even when the condition is static).
OPTIONAL: Final = frozenset({
    "Description", "Tags", "SecurityGroupIngress", "SecurityGroupEgress", "SecurityGroupIds", "EndpointPrivateAccess",
    "EndpointPublicAccess", "PublicAccessCidrs", "KubernetesNetworkConfig", "IpFamily", "ServiceIpv4Cidr", "Version",
    "EnableDnsHostnames", "EnableDnsSupport", "MapPublicIpOnLaunch", "RemoteAccess", "Labels", "Taints", "UserData",
    "KeyName", "MetadataOptions", "BlockDeviceMappings", "Logging", "EncryptionConfig", "AccessConfig",
})
OPTIONAL_ITEMS: Final = frozenset({"Tags", "SecurityGroupIngress", "SecurityGroupEgress"}) | GROUP_LISTS
NO_VALUE: Final = {"Ref": "AWS::NoValue"}


def _may_be_absent(slot: Slot) -> bool:
    if isinstance(slot.key, int):
        return len(slot.path) > 1 and slot.path[-2] in OPTIONAL_ITEMS and len(slot.parent) > 1
    return slot.key in OPTIONAL


def _other(slot: Slot, rng: random.Random) -> Node:
    """What the branch never taken holds: AWS::NoValue where the property may be absent, else a
    different value of the same kind, else the same value (never another resource: a dependency
    in a dead branch is still a dependency, and may close a cycle)."""
    value = slot.value
    if _may_be_absent(slot) and rng.random() < 0.5:
        return dict(NO_VALUE)
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
        return not value if isinstance(value, bool) else str(value.lower() != "true").lower()
    if slot.key in ("FromPort", "ToPort") and isinstance(value, int):
        return value + 1 if 0 <= value < 65535 else 0
    if slot.key == "IpProtocol" and _literal(value) and parse_protocol(value) is not None:
        if parse_protocol(value) == ALL_TRAFFIC:
            return "50"  # ESP: like -1 it takes no ports (cfn-lint wants ports for tcp and udp, E3687)
        return "udp" if parse_protocol(value) != UDP else "tcp"
    if slot.key in ("CidrIp", "CidrIpv6") and isinstance(value, str):
        return "192.0.2.0/24" if slot.key == "CidrIp" else "2001:db8::/32"
    return copy.deepcopy(value)


def always_if_value(template: Node, rng: random.Random) -> Change | None:
    """A property value (or list item) of a resource the plugin reads as `Fn::If [Always, value, other]`."""
    slots = [s for s in _property_slots(template, functions=False, types=RELEVANT) if len(s.path) > 3]
    if not slots or _section(template, "Conditions", create=True) is None:
        return None
    slot = rng.choice(slots)
    made = _always(template, rng)
    if made is None:
        return None
    always, form = made
    other = _other(slot, rng)
    branch = "novalue" if other == NO_VALUE else "same" if other == slot.value else "other"
    slot.set({"Fn::If": [always, slot.value, other]})
    return Change(f"{'/'.join(map(str, slot.path))} under Fn::If {always} ({form}), else {other!r:.40}", branch)


# -- 7. inline rules moved out ----------------------------------------------------------------------

def inline_to_standalone(template: Node, rng: random.Random) -> Change | None:
    """Inline rules of a group as AWS::EC2::SecurityGroupIngress/Egress resources.

    Ingress always; egress only while the group keeps an unconditional inline egress rule, or all of
    them at once: without inline egress a group has EC2's allow-all, and any standalone egress takes
    it away (eksctl#6455), so moving only some would change nothing, moving the last alone would."""
    options: list[tuple[str, str, list[int], int]] = []
    for name in _of_type(template, GROUP):
        for key in RULE_LISTS:
            items = _props(template, name).get(key)
            if not isinstance(items, list):
                continue
            plain = [i for i, item in enumerate(items) if isinstance(item, dict) and _fn(item) is None]
            if plain:
                options.append((name, key, plain, len(items)))
    rng.shuffle(options)
    for name, key, plain, size in options:
        if key == "SecurityGroupIngress":
            moved = rng.sample(plain, rng.randint(1, len(plain)))
        elif len(plain) == size and (len(plain) == 1 or rng.random() < 0.5):
            moved = list(plain)
        elif len(plain) > 1:
            moved = rng.sample(plain, rng.randint(1, len(plain) - 1))
        else:
            continue
        return _move_out(template, rng, name, key, sorted(moved))
    return None


def _move_out(template: Node, rng: random.Random, group: str, key: str, moved: list[int]) -> Change:
    resources = _resources(template)
    props = _props(template, group)
    items = props[key]
    owner: Node = {"Ref": group} if "VpcId" in props else {"Fn::GetAtt": [group, "GroupId"]}
    made: dict[str, tuple[int, Node]] = {}
    for index in moved:
        name = _fresh(template, rng, "Moved", set(made))
        resource: dict[str, Node] = {"Type": RULE_LISTS[key], "Properties": {"GroupId": copy.deepcopy(owner),
                                                                            **items[index]}}
        if isinstance(resources[group].get("Condition"), str):
            resource["Condition"] = resources[group]["Condition"]
        made[name] = (index, resource)
    kept = [i for i in range(len(items)) if i not in moved]
    items[:] = [items[i] for i in kept]
    emptied = not items
    if emptied and rng.random() < 0.5:
        del props[key]
    for name, (_, resource) in made.items():
        resources[name] = resource
    prefix: TreePath = ("Resources", group, "Properties", key)
    origin = {name: index for name, (index, _) in made.items()}

    def back(path: TreePath) -> TreePath:
        if len(path) > 1 and path[0] == "Resources" and path[1] in origin:
            rest = path[3:] if len(path) > 2 and path[2] == "Properties" else ()
            return ("Resources", group) if rest[:1] == ("GroupId",) else (*prefix, origin[str(path[1])], *rest)
        return _list_back(prefix, kept)(path)

    every = "all" if emptied else "some"
    return Change(f"{group}.{key} items {moved} moved to {', '.join(made)}", f"{key[13:].lower()}-{every}", back)


# -- 8. literals as parameters ----------------------------------------------------------------------

def literal_to_parameter(template: Node, rng: random.Random) -> Change | None:
    """A literal replaced by `Ref` to a new parameter whose only allowed value it is (Default absent or
    equal). The plugin never reads parameter values, so findings may only turn into IK0001."""
    sites = [s for s in _value_sites(template) if _literal(s.slot.value) or isinstance(s.slot.value, bool)]
    parameters = _section(template, "Parameters", create=True) if sites else None
    if parameters is None:
        return None
    site = rng.choice(sites)
    value = site.slot.value
    allowed: Node
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
        kind, allowed = "String", str(value).lower()
    elif site.kind == "port" and parse_port(value) is not None:
        kind, allowed = "Number", parse_port(value)
    else:
        kind, allowed = "String", str(value)
    name = _fresh(template, rng, "Fixed")
    parameter: dict[str, Node] = {"Type": kind, "AllowedValues": [allowed]}
    if rng.random() < 0.5:
        parameter["Default"] = allowed
    parameters[name] = parameter
    site.slot.set({"Ref": name})
    return Change(f"{'/'.join(map(str, site.slot.path))} = {value!r} as parameter {name} ({kind}, "
                  f"{'with' if 'Default' in parameter else 'no'} Default)", site.kind, relaxed=True)


Transform = Callable[[Node, random.Random], Change | None]
TRANSFORMS: Final[tuple[Transform, ...]] = (
    rename_ids, reorder_resources, reorder_parameters, reorder_properties, reorder_rule_items, reorder_group_ids,
    serialize, group_forms, vpc_forms, subnet_forms, literal_join, literal_in_map, split_port_range,
    merge_port_ranges, split_cidr, protocol_spelling, always_condition_resource, always_if_value,
    inline_to_standalone, literal_to_parameter,
)
BY_NAME: Final = {t.__name__: t for t in TRANSFORMS}


# -- cases ------------------------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    change: Change
    template: Node  # the template after this step
    fmt: str  # the format after this step

    def __str__(self) -> str:
        return f"{self.name}[{self.change.kind}]: {self.change.detail}" if self.change.kind else \
            f"{self.name}: {self.change.detail}"


@dataclass
class Case:
    number: int
    seed: str
    steps: list[Step] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [step.change for step in self.steps]


def make_case(run: int, number: int, pool: Sequence[Transform] = TRANSFORMS) -> Case:
    """Case `number` of run `run`: a seed and one to three transformations that apply to it. The same
    whichever process draws it, so any case replays."""
    rng = random.Random(f"{run}:{number}")
    for _ in range(50):
        seed = rng.choice(seeds())
        template = json.loads(seed.text)
        case = Case(number, seed.name)
        wanted, fmt = rng.randint(1, 3), "json"
        for _ in range(12):
            if len(case.steps) == wanted:
                break
            transform = rng.choice(pool)
            if transform is serialize and fmt != "json":
                continue  # one text format per case
            change = transform(template, rng)
            if change is None:
                continue
            fmt = change.fmt or fmt
            case.steps.append(Step(transform.__name__, change, copy.deepcopy(template), fmt))
        if case.steps:
            return case
    raise RuntimeError(f"no transformation of {[t.__name__ for t in pool]} applies to any seed")


@dataclass(frozen=True)
class Outcome:
    """One case, as plain data (it crosses process boundaries)."""

    number: int
    seed: str
    steps: tuple[str, ...]
    labels: tuple[str, ...]  # name[kind] of each step
    problem: str = ""  # "", "mismatch", "undecodable", "crash"
    culprit: str = ""  # name[kind] of the first step after which the problem shows
    step: int = 0  # its number (1-based)
    signature: str = ""
    lines: tuple[str, ...] = ()
    relaxed: bool = False
    moved: bool = False
    checked: bool = False
    drift: tuple[str, ...] = ()  # the fast path and cfnlint.api disagree on our findings
    invalid: tuple[str, ...] = ()  # cfn-lint errors the seed does not have
    seconds: float = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.split("[")[0] for label in self.labels)

    @property
    def failed(self) -> bool:
        return bool(self.problem or self.drift or self.invalid)

    def report(self) -> str:
        head = f"case {self.number} (seed {self.seed}): {self.problem or 'ok'}"
        if self.culprit:
            head += f" after step {self.step}, {self.culprit}"
        return "\n".join([head, *(f"  - {s}" for s in self.steps), *(f"    {line}" for line in self.lines),
                          *(f"    cfnlint.api differs: {d}" for d in self.drift),
                          *(f"    new cfn-lint error {e}" for e in self.invalid)])


def _label(step: Step) -> str:
    return f"{step.name}[{step.change.kind}]" if step.change.kind else step.name


def run_case(case: Case, cross_check: bool = False) -> Outcome:
    """The case's findings against its seed's; a problem is blamed on the first step that shows it."""
    started = time.perf_counter()
    before = seed_findings(case.seed)
    problem, culprit, step, verdict = "", "", 0, Verdict()
    text = render(case.steps[-1].template, case.steps[-1].fmt)
    after: list[Finding] | None = None
    try:
        after = findings_of(text)
        if after is None:
            problem = "undecodable"
        else:
            verdict = compare(before, after, case.changes)
            problem = "" if verdict.ok else "mismatch"
        if problem:
            problem, step, verdict = _first_failing(case, before)
            culprit = _label(case.steps[step - 1])
    except Exception:  # noqa: BLE001 - an engine crash is a finding of this suite, not its end
        problem, culprit, step = "crash", _label(case.steps[-1]), len(case.steps)
        verdict = Verdict(lost=(("traceback", traceback.format_exc(limit=-3).strip().splitlines()[-1]),))
    relaxed = any(change.relaxed for change in case.changes)
    outcome = Outcome(
        case.number, case.seed, tuple(map(str, case.steps)), tuple(map(_label, case.steps)), problem, culprit, step,
        verdict.signature() if problem == "mismatch" else "", tuple(verdict.lines()) if problem else (),
        relaxed, relaxed and verdict.moved)
    if cross_check and after is not None:
        outcome = _cross_checked(outcome, case, text, after)
    return replace(outcome, seconds=time.perf_counter() - started)


def _first_failing(case: Case, before: Sequence[Finding]) -> tuple[str, int, Verdict]:
    """The problem of the shortest prefix of the case that has one (the whole case has), and its length."""
    for count in range(1, len(case.steps) + 1):
        steps = case.steps[:count]
        after = findings_of(render(steps[-1].template, steps[-1].fmt))
        if after is None:
            return "undecodable", count, Verdict()
        verdict = compare(before, after, [s.change for s in steps])
        if not verdict.ok:
            return "mismatch", count, verdict
    raise AssertionError("the whole case has a problem, so a prefix has")


def _cross_checked(outcome: Outcome, case: Case, text: str, fast: Sequence[Finding]) -> Outcome:
    """Our findings through `cfnlint.api.lint` equal the fast path's; no new cfn-lint errors."""
    linted = lint_text(text)
    unique = {(f.rule_id, tuple(f.path), f.fields) for f in fast}  # cfn-lint drops repeated matches
    ours = Counter((rule, path) for rule, path, _ in unique)
    theirs = Counter(linted.ours)
    drift = [f"fast only {rule} at {'/'.join(map(str, path))}" for rule, path in (ours - theirs).elements()]
    drift += [f"cfnlint.api only {rule} at {'/'.join(map(str, path))}" for rule, path in (theirs - ours).elements()]
    invalid = sorted(linted.errors - seed_lint(case.seed).errors)
    return replace(outcome, checked=True, drift=tuple(sorted(drift)[:6]), invalid=tuple(invalid))


# -- the long run -----------------------------------------------------------------------------------

def case_number(run: int, number: int, only: Sequence[str] = ()) -> Case:
    pool = tuple(BY_NAME[name] for name in only) or TRANSFORMS
    return make_case(run, number, pool)


def _work(job: tuple[int, int, int, tuple[str, ...], int]) -> list[Outcome]:
    """Cases start..stop-1 of run `run` in this process."""
    run, start, stop, only, cross_every = job
    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)  # cfn-lint reads ./.cfnlintrc and ~/.cfnlintrc: there are none here
        os.environ["HOME"] = work
        outcomes = []
        for number in range(start, stop):
            try:
                case = case_number(run, number, only)
            except Exception:  # noqa: BLE001 - a broken transformation is reported, the run goes on
                why = traceback.format_exc(limit=-2).strip().splitlines()
                outcomes.append(Outcome(number, "?", (), (), "transformation error", lines=tuple(why[-3:])))
                continue
            outcomes.append(run_case(case, cross_every > 0 and number % cross_every == 0))
        return outcomes


def summary(outcomes: Sequence[Outcome], seconds: float | None = None, examples: int = 4) -> str:
    """Cases per transformation, literal_to_parameter's accepted outcomes per kind of literal, the
    cross-checks, and the problems grouped by the step that first shows them (most frequent first),
    each with its commonest changes and its shortest example."""
    lines = []
    failed = [o for o in outcomes if o.problem]
    head = f"cases: {len(outcomes)}  with a problem: {len(failed)}"
    if seconds is not None:
        head += f"  seconds: {seconds:.0f}"
    lines.append(head + "  " + "  ".join(f"{k}: {v}" for k, v in sorted(Counter(o.problem for o in failed).items())))
    applied = Counter(name for o in outcomes for name in set(o.names))
    blamed = Counter(o.culprit.split("[")[0] for o in failed)
    lines.append("cases per transformation (cases using it / problems first shown after it):")
    lines += [f"  {name:28} {applied[name]:6} {blamed[name]:6}" for name in BY_NAME]
    relaxed = [o for o in outcomes if o.relaxed]
    lines.append("literal_to_parameter cases by literal (identical / moved to IK0001 / problem):")
    kinds = sorted({label for o in relaxed for label in o.labels if label.startswith("literal_to_parameter")})
    for kind in ["", *kinds]:
        some = [o for o in relaxed if not kind or kind in o.labels]
        lines.append(f"  {kind or 'all':40} {sum(not o.problem and not o.moved for o in some):6} "
                     f"{sum(o.moved and not o.problem for o in some):6} {sum(bool(o.problem) for o in some):6}")
    checked = [o for o in outcomes if o.checked]
    lines.append(f"cross-checked through cfnlint.api: {len(checked)}; fast path drifted: "
                 f"{sum(bool(o.drift) for o in checked)}; new E0000/E1xxx/E3xxx: "
                 f"{sum(bool(o.invalid) for o in checked)}")
    lines += ["  " + o.report().replace("\n", "\n  ") for o in checked if o.drift or o.invalid]
    groups: dict[str, list[Outcome]] = {}
    for o in failed:
        groups.setdefault(o.culprit, []).append(o)
    if groups:
        lines.append("problems by the step that first shows them (most frequent first):")
    for culprit, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"  {culprit}: {len(members)} cases")
        changes = Counter(o.signature or o.problem for o in members)
        for signature, count in changes.most_common(examples):
            numbers = [str(o.number) for o in members if (o.signature or o.problem) == signature][:5]
            lines.append(f"    {signature}: {count} (e.g. {', '.join(numbers)})")
        if len(changes) > examples:
            lines.append(f"    ... and {len(changes) - examples} other changes")
        sample = min(members, key=lambda o: (len(o.steps), o.number))
        lines.append("    " + sample.report().replace("\n", "\n    "))
    return "\n".join(lines)


def _replay(run: int, number: int, only: Sequence[str], show: bool) -> int:
    case = case_number(run, number, only)
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        os.environ["HOME"] = work
        outcome = run_case(case, cross_check=True)
    before = seed_findings(case.seed)
    text = render(case.steps[-1].template, case.steps[-1].fmt)
    after = findings_of(text) or []
    out = [outcome.report(), "findings of the seed:"]
    out += [f"  {f.rule_id} {'/'.join(map(str, f.path))}" for f in before]
    out.append("findings after the rewrite (paths in the rewritten template):")
    out += [f"  {f.rule_id} {'/'.join(map(str, f.path))}" for f in after]
    if show:
        out += ["rewritten template:", text]
    sys.stdout.write("\n".join(out) + "\n")
    return 1 if outcome.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1, help="the run: case N of a run is always the same")
    parser.add_argument("--only", type=int, help="replay this one case of the run, with its findings")
    parser.add_argument("--show", action="store_true", help="with --only: print the rewritten template")
    parser.add_argument("--transforms", default="", help="comma-separated transformation names to draw from")
    parser.add_argument("--cross-every", type=int, default=CROSS_EVERY,
                        help="every Nth case also runs through cfnlint.api (0: never)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    only = tuple(n for n in args.transforms.split(",") if n)
    unknown = [n for n in only if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown transformations {unknown}; known: {', '.join(BY_NAME)}")
    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
    if args.only is not None:
        return _replay(args.seed, args.only, only, args.show)
    chunk = 25
    jobs = [(args.seed, n, min(n + chunk, args.cases), only, args.cross_every) for n in range(0, args.cases, chunk)]
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for batch in pool.map(_work, jobs):
            outcomes += batch
            if len(outcomes) % 1000 < len(batch):
                sys.stderr.write(f"... {len(outcomes)} cases, {time.perf_counter() - started:.0f}s\n")
            for outcome in batch:
                if outcome.failed:
                    sys.stderr.write(f"{outcome.problem or 'cross-check'} case {outcome.number} (replay: --seed "
                                     f"{args.seed} --only {outcome.number}) after step {outcome.step} "
                                     f"{outcome.culprit or '-'}: "
                                     f"{outcome.signature or '; '.join(outcome.drift + outcome.invalid)}\n")
    sys.stdout.write(summary(outcomes, time.perf_counter() - started) + f"\nseed: {args.seed}  jobs: {args.jobs}\n")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
