"""Mutants across a stack boundary: an eksctl cluster stack and two node group stacks as one system.

The linted stack is the first node group; the cluster stack and a second node group stack are its
companions. Every rule of every stack is mutated (tests/test_mutation.py's operators); the
brute-force oracle of tests/test_mutation.py judges the combined system, restricted to the flows
that involve the linted node group, which are exactly what a lint run of that stack reports.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

from cfnlint_eks_sg._analysis import analyse_system
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.load._companions import load
from cfnlint_eks_sg.load._system import combine
from tests.conftest import corpus_or_skip, summary
from tests.test_mutation import CLUSTER_GROUP, FLOW_RULES, _flow, _rule_mutants, oracle_rules
from tests.unit.pieces import Json

CLUSTER = "eks/eksctl/pkg__cfn__template__testdata__cluster-example-1.json"
NODES = "eks/eksctl/pkg__cfn__template__testdata__nodegroup-example-old-format-1.json"
FILES = ("cluster.json", "nodes.json", "more-nodes.json")
CONTROL_PLANE = ("cluster::ControlPlaneSecurityGroup", CLUSTER_GROUP)
SHARED = "cluster::ClusterSharedNodeSecurityGroup"
LINTED, OTHER = (SHARED, "SG"), (SHARED, "more-nodes::SG")


def _stacks() -> dict[str, Json]:
    corpus = corpus_or_skip()
    nodes = json.loads((corpus / NODES).read_text())
    nodes["Metadata"] = {"cfnlint-eks-sg": {"companions": ["cluster.json", "more-nodes.json"]}}
    more = copy.deepcopy(nodes)
    del more["Metadata"]
    return {"cluster.json": json.loads((corpus / CLUSTER).read_text()), "nodes.json": nodes, "more-nodes.json": more}


def _expected(stacks: dict[str, Json], root: Path) -> set[str]:
    """What the oracle says is broken on the flows that involve the linted node group (the stacks
    are on disk already: `_found` wrote them)."""
    loaded, refused = load(str(root / "nodes.json"), Settings.from_template(stacks["nodes.json"]).companions)
    assert not refused
    system = combine(stacks["nodes.json"], loaded)
    for name in [n for n, r in system["Resources"].items() if "Condition" in r]:
        del system["Resources"][name]  # a rule under a condition that can be false is missing then
    rules, out = oracle_rules(system)
    broken: set[str] = set()
    checks = [
        ("EK1001", LINTED, CONTROL_PLANE, "tcp", range(443, 444)),
        ("EK1002", CONTROL_PLANE, LINTED, "tcp", range(10250, 10251)),
        ("WK1004", CONTROL_PLANE, LINTED, "tcp", range(443, 444)),
        *(("WK1003", CONTROL_PLANE, LINTED, "tcp", range(p, p + 1)) for p in range(1025, 65536) if p != 10250),
    ]
    for other in (LINTED, OTHER):
        for source, target in ((LINTED, other), (other, LINTED)):
            checks += [("EK1005", source, target, "tcp", range(53, 54)),
                       ("EK1005", source, target, "udp", range(53, 54)),
                       ("WK1009", source, target, "all", range(0, 1))]
    for rule_id, source, target, protocol, ports in checks:
        if rule_id not in broken and not _flow(rules, out, source, target, protocol, ports):
            broken.add(rule_id)
    return broken


def _found(stacks: dict[str, Json], root: Path) -> set[str]:
    for name, template in stacks.items():
        (root / name).write_text(json.dumps(template))
    analysis = analyse_system(stacks["nodes.json"], str(root / "nodes.json"), None)
    return {rule_id for rule_id in analysis.all_findings() if rule_id in FLOW_RULES}


def _mutants(stacks: dict[str, Json]) -> Iterator[tuple[str, dict[str, Json]]]:
    for name in FILES:
        for description, mutant in _rule_mutants(stacks[name]):
            yield f"{name}: {description}", {**stacks, name: mutant}


def test_mutants_of_every_stack_are_caught_in_the_linted_one(tmp_path: Path) -> None:
    stacks = _stacks()
    assert _found(stacks, tmp_path) == set() == _expected(stacks, tmp_path)
    generated = equivalent = detected = 0
    wrong: list[str] = []
    for description, mutant in _mutants(stacks):
        generated += 1
        found, expected = _found(mutant, tmp_path), _expected(mutant, tmp_path)
        equivalent += not expected
        detected += bool(expected) and expected == found
        if found != expected:
            wrong.append(f"{description}: expected {sorted(expected)}, found {sorted(found)}")
    summary(f"system mutation (eksctl cluster + 2 node group stacks): generated {generated}, equivalent "
            f"{equivalent}, detected {detected}, wrong {len(wrong)}")
    assert generated > 30
    assert not wrong, "\n".join(wrong)
