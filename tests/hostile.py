"""Hostile inputs: real EKS templates mutated where the plugin reads, linted as the cfn-lint CLI lints.

A case is a seed template (the EKS templates of the corpus and `templates/`) plus a few mutations,
each aimed at something the plugin reads: resource types, properties, security-group rules and
their ports, protocols and peers, intrinsic functions, conditions, tags, outputs, the plugin's
Metadata settings and companion paths, and sheer size (thousands of rules, deep `Fn::If`). The case
is written to a file and run through cfn-lint's own file runner with our rules and cfn-lint's error
rules (E0000-E0002), then through `cfn-lint-eks-sg explain` and `fix`.

A case fails when a rule of ours raises (an E0002 naming it), anything escapes cfn-lint's runner,
the commands exit other than 0 or 2 (or 1 for fix), write a traceback or more than one line of error for exit 2,
or a template of fewer than 100 resources takes 5 s or more.

The mutations draw from a `Chooser`: hypothesis in the test suite (so failures shrink), a seeded
`random.Random` here for long runs:

    python -m tests.hostile --cases 10000 --seed 1     # prints cases, failures, the slowest
    python -m tests.hostile --seed 1 --only 4711       # replays one case
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import logging
import math
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

import yaml

from tests.cli_like import OUR_CRASH, cfn_lint_itself_fails, lint_path, run_our_rules_directly

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CFNLINT_EKS_SG_CORPUS", ROOT.parent / "shared" / "corpus"))
SLOW_SECONDS = 5.0
SMALL_TEMPLATE = 100  # resources: below this a case must lint in under SLOW_SECONDS
T = TypeVar("T")
Json = object

GROUP_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
RELEVANT = (*GROUP_TYPES, "AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::EC2::LaunchTemplate",
            "AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::Instance", "AWS::EC2::VPC", "AWS::EC2::Subnet",
            "AWS::EC2::VPCEndpoint", "AWS::EC2::PrefixList", "AWS::CloudFormation::Stack",
            "Custom::AWSCDK-EKS-Cluster", "AWS::EC2::SpotFleet")


class Chooser(Protocol):
    """Where the randomness comes from: hypothesis' `data.draw` or a seeded `random.Random`."""

    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...


class RandomChooser:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


# -- hostile values --------------------------------------------------------------------------------

SCALARS: tuple[Json, ...] = (
    None, True, False, 0, -1, 1, 2**64, -(2**63), 1.5, -0.0, math.inf, math.nan, "", " ", "x", "-1", "true",
    "65536", "99999999999999999999999", "sg-", "sg-0123456789abcdef0", "pl-", "vpc-1", "${AWS::NoValue}",
    "\u00e9\u4e2d", "9" * 5000,
)
PORTS: tuple[Json, ...] = (-2, -1, 0, 1, 22, "443", "10250", " 443", "0x1bb", "0" * 20 + "443", "9" * 5000,
                           65535, 65536, 70000, 2**40, -(2**40),
                           1.5, 443.0, "1e3", "abc", "", None, True, [443], {"Ref": "AWS::NoValue"},
                           {"Ref": "MissingPort"}, {"Fn::If": ["MissingCondition", 443, 80]})
PROTOCOLS: tuple[Json, ...] = ("-1", -1, "tcp", "TCP", "6", 6, "udp", "17", "icmp", "1", "icmpv6", "58", "all",
                               "-2", "256", 256, "999", "", " tcp", "50", "6" * 5000, "0006", None, True, 6.0, ["tcp"],
                               {"Ref": "Protocol"}, {"Fn::If": ["C", "tcp", "-1"]})
CIDRS: tuple[Json, ...] = ("0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/33", "10.0.0.1", "300.0.0.0/8", "10.0.0.0/-1",
                           "10.0.0.0/8/8", "::/0", "fe80::/129", "2001:db8::/32", "10.0.0.0/08", "", "0/0", "1.2.3",
                           " 10.0.0.0/8", "10.0.0.0/ 8", None, 5, ["10.0.0.0/8"], {"Fn::Cidr": [1, 2, 3]},
                           {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 256, 8]}]},
                           {"Fn::GetAtt": ["MissingVpc", "CidrBlock"]})


def _wrong_arity() -> list[Json]:
    return [
        {"Fn::If": []}, {"Fn::If": ["C"]}, {"Fn::If": ["C", 1]}, {"Fn::If": ["C", 1, 2, 3]}, {"Fn::If": "C"},
        {"Fn::If": [[], 1, 2]}, {"Fn::If": [{"Ref": "C"}, 1, 2]}, {"Fn::If": ["MissingCondition", "sg-1", "sg-2"]},
        {"Fn::Select": []}, {"Fn::Select": [0]}, {"Fn::Select": ["x", [1]]}, {"Fn::Select": [99, ["sg-1"]]},
        {"Fn::Select": [-1, ["sg-1"]]}, {"Fn::Select": [0, "sg-1"]}, {"Fn::Select": [0, [], 1]},
        {"Fn::Sub": []}, {"Fn::Sub": [1, 2, 3]}, {"Fn::Sub": ["${X}", []]}, {"Fn::Sub": "${Missing.Attr}"},
        {"Fn::Sub": ["${X}", {"X": {"Fn::Sub": 5}}]}, {"Fn::Sub": "${"}, {"Fn::Sub": None},
        {"Fn::GetAtt": []}, {"Fn::GetAtt": "NoDot"}, {"Fn::GetAtt": ["A", "B", "C"]}, {"Fn::GetAtt": [1, 2]},
        {"Fn::GetAtt": ["Missing", "GroupId"]}, {"Fn::GetAtt": "Missing.GroupId"}, {"Fn::GetAtt": None},
        {"Ref": "Missing"}, {"Ref": []}, {"Ref": 5}, {"Ref": None}, {"Ref": {"Ref": "X"}},
        {"Fn::ImportValue": []}, {"Fn::ImportValue": {"Fn::Sub": []}}, {"Fn::Join": 5}, {"Fn::Join": [",", 5]},
        {"Fn::Join": [5, [1, 2]]}, {"Fn::Split": [None]},
        {"Fn::Split": ["", {"Fn::Sub": "${A},${B}"}]}, {"Fn::Split": [",", {"Fn::Sub": 5}]},
        {"Fn::FindInMap": [1]}, {"Fn::FindInMap": ["Missing", "a", "b"]}, {"Fn::Base64": []}, {"Fn::GetAZs": 5},
        {"Fn::Cidr": ["x", "y", "z"]}, {"Fn::Equals": [1]}, {"Condition": "MissingCondition"},
        {"Ref": "A", "Fn::If": []}, {"Fn::Unknown": 1}, {"Fn::Transform": {"Name": 5}},
    ]


WRONG_ARITY: tuple[Json, ...] = tuple(_wrong_arity())


def hostile_value(choose: Chooser) -> Json:
    kind = choose.choice(("scalar", "scalar", "intrinsic", "intrinsic", "container", "port", "cidr", "protocol"))
    if kind == "scalar":
        return choose.choice(SCALARS)
    if kind == "intrinsic":
        return copy.deepcopy(choose.choice(WRONG_ARITY))
    if kind == "port":
        return copy.deepcopy(choose.choice(PORTS))
    if kind == "cidr":
        return copy.deepcopy(choose.choice(CIDRS))
    if kind == "protocol":
        return copy.deepcopy(choose.choice(PROTOCOLS))
    return copy.deepcopy(choose.choice(({}, [], [None], [[]], {"a": None}, {"Key": 1, "Value": None}, [{}, 5, None],
                                        {"Fn::If": None}, [{"Ref": "AWS::NoValue"}], {"1": {"2": {"3": [4]}}})))


# -- where the plugin reads --------------------------------------------------------------------------

Route = tuple[object, ...]


def _routes(node: Json, route: Route = (), depth: int = 0) -> Iterator[Route]:
    yield route
    if depth > 40:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _routes(value, (*route, key), depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _routes(value, (*route, index), depth + 1)


def _at(node: Json, route: Route) -> Json:
    for step in route:
        node = node[step]  # type: ignore[index]
    return node


def _set(template: dict[str, Json], route: Route, value: Json) -> None:
    if not route:
        return
    parent = _at(template, route[:-1])
    parent[route[-1]] = value  # type: ignore[index]


def _resources(template: dict[str, Json]) -> dict[str, Json]:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        resources = {}
        template["Resources"] = resources
    return resources


def _of_type(template: dict[str, Json], types: Sequence[str]) -> list[str]:
    return [name for name, res in _resources(template).items()
            if isinstance(res, dict) and res.get("Type") in types]


def _rule_routes(template: dict[str, Json]) -> list[Route]:
    """Every security-group rule: inline items and standalone resources' Properties."""
    found: list[Route] = []
    for name, res in _resources(template).items():
        if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
            continue
        props = res["Properties"]
        if res.get("Type") == GROUP_TYPES[0]:
            for key in ("SecurityGroupIngress", "SecurityGroupEgress"):
                items = props.get(key)
                if isinstance(items, list):
                    found += [("Resources", name, "Properties", key, i) for i, item in enumerate(items)
                              if isinstance(item, dict)]
        elif res.get("Type") in GROUP_TYPES[1:]:
            found.append(("Resources", name, "Properties"))
    return found


# -- mutations --------------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Json], Chooser], str]


def replace_anywhere_relevant(template: dict[str, Json], choose: Chooser) -> str:
    """Any value inside a resource the plugin reads, or in Conditions, Parameters, Outputs, Metadata."""
    roots: list[Route] = [("Resources", n) for n in _of_type(template, RELEVANT)]
    roots += [(key,) for key in ("Conditions", "Parameters", "Outputs", "Metadata", "Mappings") if key in template]
    if not roots:
        return "nothing relevant"
    root = choose.choice(roots)
    routes = [r for r in _routes(_at(template, root), root)][:4000]
    route = choose.choice(routes)
    value = hostile_value(choose)
    if not route[1:]:
        return "skipped"
    _set(template, route, value)
    return f"{'/'.join(map(str, route))} = {value!r:.60}"


def hostile_type(template: dict[str, Json], choose: Chooser) -> str:
    """Rain modules and macros: a resource Type that is a mapping, a list, a number, nothing."""
    names = _of_type(template, RELEVANT) or list(_resources(template))
    if not names:
        return "no resources"
    name = choose.choice(names)
    value = choose.choice(({"Fn::Rain::Module": "bucket.yml"}, ["AWS::EC2::SecurityGroup"], None, 5, True, "",
                           "AWS::EC2::SecurityGroup ", "aws::ec2::securitygroup", {"Ref": "Type"}))
    res = _resources(template)[name]
    if isinstance(res, dict):
        res["Type"] = copy.deepcopy(value)
    return f"{name}.Type = {value!r}"


def hostile_resource(template: dict[str, Json], choose: Chooser) -> str:
    """A whole resource, or its Properties, of the wrong shape."""
    names = _of_type(template, RELEVANT)
    if not names:
        return "no relevant resources"
    name = choose.choice(names)
    res = _resources(template)[name]
    value = choose.choice((None, [], "x", 5, {"Properties": None}, [{"Type": "AWS::EC2::SecurityGroup"}]))
    if choose.choice((True, False)) and isinstance(res, dict):
        res["Properties"] = copy.deepcopy(choose.choice((None, [], "nope", 5, {"": None}, [{"GroupId": "sg-1"}])))
        return f"{name}.Properties = {res['Properties']!r}"
    _resources(template)[name] = copy.deepcopy(value)
    return f"{name} = {value!r}"


def hostile_rule_field(template: dict[str, Json], choose: Chooser) -> str:
    """A port, protocol, peer or group of one security-group rule."""
    rules = _rule_routes(template)
    if not rules:
        return "no rules"
    route = choose.choice(rules)
    rule = _at(template, route)
    assert isinstance(rule, dict)
    key = choose.choice(("FromPort", "ToPort", "IpProtocol", "CidrIp", "CidrIpv6", "SourceSecurityGroupId",
                         "DestinationSecurityGroupId", "SourcePrefixListId", "DestinationPrefixListId", "GroupId",
                         "GroupName", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "swap-ports"))
    if key == "swap-ports":
        rule["FromPort"], rule["ToPort"] = choose.choice(((443, 22), (65535, 0), (10250, 10249), (-1, 443)))
        return f"{'/'.join(map(str, route))} FromPort > ToPort"
    pool = {"FromPort": PORTS, "ToPort": PORTS, "IpProtocol": PROTOCOLS, "CidrIp": CIDRS, "CidrIpv6": CIDRS}.get(key)
    value = copy.deepcopy(choose.choice(pool)) if pool else hostile_value(choose)
    rule[key] = value
    return f"{'/'.join(map(str, route))}.{key} = {value!r:.60}"


def hostile_rule_list(template: dict[str, Json], choose: Chooser) -> str:
    """SecurityGroupIngress/Egress as a mapping, a string, a list holding None or lists."""
    groups = _of_type(template, GROUP_TYPES[:1])
    if not groups:
        return "no groups"
    name = choose.choice(groups)
    res = _resources(template)[name]
    props = res.get("Properties") if isinstance(res, dict) else None
    if not isinstance(props, dict):
        return "no properties"
    key = choose.choice(("SecurityGroupIngress", "SecurityGroupEgress"))
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}
    value: Json = choose.choice((rule, [None], [rule, None], [[rule]], "all", None, [], [{}],
                           {"Fn::If": ["MissingCondition", [rule], {"Ref": "AWS::NoValue"}]}, [{"Fn::If": ["C", rule]}],
                           {"Ref": "AWS::NoValue"}, [{"Ref": "AWS::NoValue"}], {"Fn::GetAtt": ["X", "Y"]}))
    props[key] = copy.deepcopy(value)
    return f"{name}.{key} = {value!r:.60}"


def hostile_conditions(template: dict[str, Json], choose: Chooser) -> str:
    """Conditions that name missing conditions or each other, used on resources and in Fn::If."""
    conditions = template.setdefault("Conditions", {})
    if not isinstance(conditions, dict):
        conditions = template["Conditions"] = {}
    shape = choose.choice(("missing", "cycle", "self", "garbage"))
    if shape == "missing":
        conditions["Bad"] = {"Fn::Not": [{"Condition": "Nowhere"}]}
    elif shape == "cycle":
        conditions["Bad"] = {"Fn::And": [{"Condition": "Worse"}, {"Fn::Equals": ["a", "a"]}]}
        conditions["Worse"] = {"Fn::Or": [{"Condition": "Bad"}, {"Fn::Equals": ["a", "b"]}]}
    elif shape == "self":
        conditions["Bad"] = {"Fn::Not": [{"Condition": "Bad"}]}
    else:
        conditions["Bad"] = copy.deepcopy(choose.choice((None, [], "x", 5, {"Fn::Equals": [1]}, {"Fn::If": []},
                                                         {"Fn::Not": "x"}, {"Condition": 5})))
    names = _of_type(template, RELEVANT)
    if names:
        name = choose.choice(names)
        res = _resources(template)[name]
        if isinstance(res, dict):
            res["Condition"] = choose.choice(("Bad", "Nowhere", 5, ["Bad"], None))
            props = res.get("Properties")
            if isinstance(props, dict) and props:
                key = choose.choice(sorted(props, key=str))
                props[key] = {"Fn::If": [choose.choice(("Bad", "Nowhere", "Worse")), props[key],
                                         {"Ref": "AWS::NoValue"}]}
    return f"conditions {shape}"


def hostile_settings(template: dict[str, Json], choose: Chooser) -> str:
    """The plugin's own Metadata settings with wrong types, and companion or nested paths that leave the tree."""
    metadata = template.get("Metadata")
    if not isinstance(metadata, dict):
        metadata = template["Metadata"] = {}
    key = choose.choice(("cluster_security_group_defaults", "control_plane_security_groups", "node_security_groups",
                         "companions", "nested_stacks", "nested_stack_urls", "whole"))
    paths = ("/etc/passwd", "../../../../etc/hosts", "..", ".", "companion.yaml", "./companion.yaml", "missing.yaml",
             "//server/share/x.yaml", "C:\\x.yaml", "\x00", "", 5, None, True, ["companion.yaml"],
             {"path": 5}, {"path": "companion.yaml", "stack_name": [], "parameters": {"A": 5, 1: "x"}},
             {"path": "../companion.yaml"}, "companion.yaml" * 200)
    value: Json
    if key == "companions":
        value = [copy.deepcopy(choose.choice(paths)) for _ in range(choose.integer(0, 3))]
        if choose.choice((True, False)):
            value = copy.deepcopy(choose.choice(paths))
    elif key == "nested_stack_urls":
        value = choose.choice(({"https://bucket/": ".."}, {"": "."}, {"s3://b/": "/etc"}, ["x"], 5,
                               {"https://b/": 5}, {5: "x"}))
    elif key == "whole":
        value = choose.choice((None, [], "x", 5, True))
    else:
        value = hostile_value(choose)
    if key == "whole":
        metadata["cfnlint-eks-sg"] = value
    else:
        settings = metadata.get("cfnlint-eks-sg")
        if not isinstance(settings, dict):
            settings = metadata["cfnlint-eks-sg"] = {}
        settings[key] = value
        if key == "nested_stack_urls" or choose.choice((True, False)):
            settings.setdefault("nested_stacks", choose.choice((True, "true", 1, "yes")))
    return f"Metadata.cfnlint-eks-sg.{key} = {value!r:.60}"


def nested_stack(template: dict[str, Json], choose: Chooser) -> str:
    """A nested stack whose TemplateURL points anywhere, followed when the settings ask for it."""
    url = choose.choice(("companion.yaml", "../companion.yaml", "/etc/passwd", "https://bucket/x.yaml", 5, None,
                         {"Fn::Sub": "https://${AWS::Region}/x.yaml"}, ".", "companion.yaml/.."))
    _resources(template)["HostileStack"] = {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": url, "Parameters": choose.choice(({"A": {"Ref": "Missing"}}, None, [], "x"))}}
    metadata = template.setdefault("Metadata", {})
    if isinstance(metadata, dict):
        metadata["cfnlint-eks-sg"] = {"nested_stacks": True}
    return f"nested stack at {url!r}"


def many_rules(template: dict[str, Json], choose: Chooser) -> str:
    """Thousands of standalone rules on one group."""
    groups = _of_type(template, GROUP_TYPES[:1])
    target: Json = {"Ref": choose.choice(groups)} if groups else "sg-1"
    count = choose.choice((2000, 500))
    resources = _resources(template)
    for i in range(count):
        resources[f"Hostile{i}"] = {"Type": choose.choice(GROUP_TYPES[1:]), "Properties": {
            "GroupId": target, "IpProtocol": choose.choice(("tcp", "udp", "-1", "icmp")), "FromPort": i % 65536,
            "ToPort": (i * 31) % 65536, "CidrIp": f"10.{i % 256}.0.0/16"}}
    return f"{count} rules on {target!r}"


def deep_if(template: dict[str, Json], choose: Chooser) -> str:
    """`Fn::If` nested 200 deep around a value the plugin reads."""
    rules = _rule_routes(template)
    names = _of_type(template, RELEVANT)
    conditions = template.setdefault("Conditions", {})
    route: Route
    if isinstance(conditions, dict):
        conditions.setdefault("Deep", {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]})
    use_rule: bool = choose.choice((True, False))
    if rules and use_rule:
        route = (*choose.choice(rules), choose.choice(("FromPort", "CidrIp", "SourceSecurityGroupId")))
    elif names:
        name = choose.choice(names)
        res = _resources(template)[name]
        props = res.get("Properties") if isinstance(res, dict) else None
        if not isinstance(props, dict) or not props:
            return "no properties"
        route = ("Resources", name, "Properties", choose.choice(sorted(props, key=str)))
    else:
        return "nothing to nest"
    try:
        value = _at(template, route)
    except (KeyError, IndexError, TypeError):
        value = "sg-1"
    depth = choose.choice((200, 120))
    for level in range(depth):
        value = {"Fn::If": ["Deep", value, {"Ref": "AWS::NoValue"}] if level % 2 else ["Deep", "sg-1", value]}
    _set(template, route, value)
    return f"{'/'.join(map(str, route))} in Fn::If x{depth}"


def drop_something(template: dict[str, Json], choose: Chooser) -> str:
    """A required key removed: a Ref target, a group a rule names, a section."""
    targets = [*_resources(template), "Conditions", "Parameters", "Outputs", "Mappings"]
    victim = choose.choice(targets)
    if victim in _resources(template):
        del _resources(template)[victim]
    else:
        template.pop(victim, None)
    return f"dropped {victim}"


MUTATIONS: tuple[Mutation, ...] = (
    replace_anywhere_relevant, replace_anywhere_relevant, replace_anywhere_relevant, hostile_type,
    hostile_resource, hostile_rule_field, hostile_rule_field, hostile_rule_list, hostile_conditions,
    hostile_settings, nested_stack, drop_something,
)
HEAVY: tuple[Mutation, ...] = (deep_if, many_rules)  # one case in HEAVY_ODDS: they cost seconds, not milliseconds
HEAVY_ODDS = 12


# -- seeds ------------------------------------------------------------------------------------------

@cache
def seeds() -> tuple[tuple[str, str], ...]:
    """(name, JSON text) of each EKS template of the corpus and of `templates/` that cfn-lint decodes."""
    from cfnlint.decode import decode

    paths = sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    eks = CORPUS / "eks"
    if eks.is_dir():
        paths += sorted(p for p in eks.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    found = []
    for path in paths:
        template, errors = decode(str(path))
        if errors or not isinstance(template, dict):
            continue
        name = path.relative_to(ROOT if path.is_relative_to(ROOT) else CORPUS)
        found.append((str(name), json.dumps(template, default=str)))
    return tuple(found)


@dataclass
class Case:
    seed: str
    template: dict[str, Json]
    mutations: list[str] = field(default_factory=list)
    fmt: str = "yaml"
    companion: dict[str, Json] | None = None  # written next to it as companion.yaml


def make_case(choose: Chooser) -> Case:
    name, text = choose.choice(seeds())
    template = json.loads(text)
    case = Case(name, template, fmt=choose.choice(("yaml", "json")))
    chosen = [choose.choice(MUTATIONS) for _ in range(choose.integer(1, 4))]
    if choose.integer(1, HEAVY_ODDS) == 1:
        chosen.append(choose.choice(HEAVY))
    for mutation in chosen:
        case.mutations.append(f"{mutation.__name__}: {mutation(template, choose)}")
    if choose.integer(0, 5) == 0:  # a companion next to it, itself mutated, for the settings that name one
        companion_name, companion_text = choose.choice(seeds())
        companion = json.loads(companion_text)
        hostile_rule_field(companion, choose)
        case.template.setdefault("Metadata", {})
        metadata = case.template["Metadata"]
        if isinstance(metadata, dict):
            settings = metadata.setdefault("cfnlint-eks-sg", {})
            if isinstance(settings, dict):
                settings.setdefault("companions", ["companion.yaml"])
        case.mutations.append(f"companion: {companion_name}")
        case.companion = companion
    return case


def _text(template: Json, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(template, indent=1, allow_nan=True, default=str)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # PyYAML's writer recurses ~10 frames a level: 200-deep Fn::If
    try:
        return str(yaml.safe_dump(template, sort_keys=False, width=1000))
    finally:
        sys.setrecursionlimit(limit)


# -- running a case ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    case: Case
    seconds: float
    resources: int
    problems: list[str]
    undecodable: bool = False
    cfn_lint_failure: bool = False  # cfn-lint's runner raises on it with none of our rules (its bug, not ours)


def lint_file(path: Path) -> list[tuple[str, str]]:
    """(rule id, message) of each match, as `cfn-lint --append-rules cfnlint_eks_sg` runs one file."""
    return [(m.rule.id, m.message) for m in lint_path(path)]


def _command(argv: list[str]) -> tuple[int | str, str]:
    from cfnlint_eks_sg.cli._main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | str = main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else str(stop.code)
    return code, err.getvalue()


def run_case(case: Case, directory: Path, commands: bool = True) -> Outcome:
    path = directory / f"template.{case.fmt}"
    path.write_text(_text(case.template, case.fmt))
    if case.companion is not None:
        (directory / "companion.yaml").write_text(_text(case.companion, "yaml"))
    resources = case.template.get("Resources")
    count = len(resources) if isinstance(resources, dict) else 0
    problems: list[str] = []
    started = time.perf_counter()
    cfn_lint_failure = False
    try:
        found = lint_file(path)
    except Exception:  # noqa: BLE001 - the point: nothing of ours may escape cfn-lint's runner
        found, escaped = [], traceback.format_exc()
        cfn_lint_failure = cfn_lint_itself_fails(path)
        if not cfn_lint_failure:
            problems.append("escaped cfn-lint's runner:\n" + escaped)
        else:  # plain cfn-lint breaks on it too: our rules still must not, run the way the runner runs them
            try:
                found = [(m.rule.id, m.message) for m in run_our_rules_directly(path)]
            except Exception:  # noqa: BLE001
                if "cfnlint_eks_sg" in traceback.format_exc():
                    problems.append("raised outside cfn-lint's guard:\n" + traceback.format_exc())
    seconds = time.perf_counter() - started
    problems += [f"{rule}: {message}" for rule, message in found if rule == "E0002" and OUR_CRASH.search(message)]
    if count < SMALL_TEMPLATE and seconds >= SLOW_SECONDS:
        problems.append(f"{count} resources linted in {seconds:.1f}s")
    undecodable = any(rule == "E0000" for rule, _ in found)
    if commands:
        for command in ("explain", "fix"):
            try:
                code, err = _command([command, str(path)])
            except Exception:  # noqa: BLE001
                problems.append(f"{command} raised:\n" + traceback.format_exc())
                continue
            if code not in (0, 1, 2) or (code == 1 and command != "fix"):
                problems.append(f"{command} exited {code!r}")
            if "Traceback" in err:
                problems.append(f"{command} wrote a traceback")
            if code == 2 and len(err.strip().splitlines()) != 1:
                problems.append(f"{command} exited 2 with {len(err.strip().splitlines())} lines of error")
    for leftover in directory.iterdir():
        leftover.unlink()
    return Outcome(case, seconds, count, problems, undecodable, cfn_lint_failure)


def report(outcome: Outcome) -> str:
    case = outcome.case
    return "\n".join([f"seed {case.seed} ({case.fmt}); mutations:", *(f"  - {m}" for m in case.mutations),
                      *outcome.problems])


# -- the long run ---------------------------------------------------------------------------------

def case_number(seed: int, number: int) -> Case:
    """Case `number` of run `seed`: the same whichever process draws it, so any failure can be replayed."""
    return make_case(RandomChooser(random.Random(f"{seed}:{number}")))


Result = tuple[int, float, int, bool, bool, str]  # number, seconds, resources, undecodable, cfn-lint failed, report


def _work(job: tuple[int, int, int, bool]) -> list[Result]:
    """Cases start..stop-1 of run `seed` in this process."""
    seed, start, stop, commands = job
    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)  # cfn-lint's own complaints about the input
    results = []
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)  # cfn-lint reads ./.cfnlintrc: there is none here
        directory = Path(work) / "case"
        directory.mkdir()
        for number in range(start, stop):
            outcome = run_case(case_number(seed, number), directory, commands)
            results.append((number, outcome.seconds, outcome.resources, outcome.undecodable,
                            outcome.cfn_lint_failure, report(outcome) if outcome.problems else ""))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, help="replay this one case of the run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-commands", action="store_true", help="skip explain and fix (faster)")
    args = parser.parse_args(argv)
    numbers = [args.only] if args.only is not None else list(range(args.cases))
    chunk = 50
    jobs = [(args.seed, n, min(n + chunk, numbers[-1] + 1), not args.no_commands)
            for n in range(numbers[0], numbers[-1] + 1, chunk)]
    started = time.perf_counter()
    results: list[Result] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for batch in pool.map(_work, jobs):
            results += batch
            if len(results) % 1000 < len(batch):
                sys.stderr.write(f"... {len(results)} cases, {time.perf_counter() - started:.0f}s\n")
            for number, *_, failed in batch:
                if failed:
                    sys.stderr.write(f"FAIL case {number} (replay: --seed {args.seed} --only {number}): {failed}\n")
    elapsed = time.perf_counter() - started
    failures = sum(1 for r in results if r[5])
    undecodable = sum(1 for r in results if r[3])
    broken = sum(1 for r in results if r[4])
    sys.stdout.write(f"cases: {len(results)}  failures: {failures}  seconds: {elapsed:.0f}  seed: {args.seed}  "
                     f"jobs: {args.jobs}\n"
                     f"undecodable by cfn-lint (E0000, no rule runs): {undecodable}\n"
                     f"plain cfn-lint's runner raises too (our rules then run directly): {broken}\n")
    for number, seconds, resources, *_ in sorted(results, key=lambda r: -r[1])[:5]:
        sys.stdout.write(f"slowest: case {number}, {seconds:.2f}s, {resources} resources\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
