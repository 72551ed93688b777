"""Mutation testing: break compliant templates on purpose and check the right rule fires.

Mutants are derived programmatically from compliant templates: delete each rule, narrow its port
range by one port at either end, switch `-1` to `tcp`, swap its peer for an unrelated group, put it
under a condition that can be false; restrict node egress, add a second cluster on the same
control-plane group, tag a second group on the nodes for the cluster. An
independent brute-force oracle (every port, every group, EC2's semantics written out again; it
shares no code with the plugin) decides what each mutant breaks; many mutants are equivalent (a
self `-1` rule still covers a deleted narrower one). The test fails on any miss and any false alarm.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cfn_flip import to_json

from cfnlint_eks_sg._analysis import analyse
from tests.conftest import CORPUS, FIXTURES, TEMPLATES, corpus_or_skip, summary

Json = dict[str, object]
CLUSTER_GROUP = "<cluster group>"
FLOW_RULES = ("EK1001", "EK1002", "WK1003", "WK1004", "EK1005", "WK1009")
CHECKED = (*FLOW_RULES, "WK2001", "WK2003")


@dataclass(frozen=True)
class Source:
    """A compliant template and, as test data, which groups each role carries."""

    path: Path
    control_plane: tuple[str, ...]
    node_groups: tuple[tuple[str, ...], ...]
    external: tuple[str, ...] = ()  # groups whose rules live in another stack: undecidable when needed


EXTERNAL_CLUSTER_GROUP = "<the cluster group of a cluster defined elsewhere>"
OFFICIAL_NODE_TEMPLATE = "eks/amazon-eks-ami/2022-05-09_9ba701dc__amazon-eks-nodegroup.yaml"

SOURCES = (
    Source(TEMPLATES / "seed-style-cluster.yaml", ("ControlPlaneSecurityGroup", CLUSTER_GROUP),
           (("NodeSecurityGroup",),)),
    Source(FIXTURES / "wk1009-all-traffic.pass.yaml", ("ControlPlaneSecurityGroup", CLUSTER_GROUP),
           (("BlueSecurityGroup",), ("GreenSecurityGroup",))),
    Source(FIXTURES / "wk1004-443-and-high-ports.pass.yaml", ("ControlPlaneSecurityGroup", CLUSTER_GROUP),
           (("NodesSecurityGroup",),)),
    Source(CORPUS / OFFICIAL_NODE_TEMPLATE, ("ClusterControlPlaneSecurityGroup", EXTERNAL_CLUSTER_GROUP),
           (("NodeSecurityGroup",),), external=("ClusterControlPlaneSecurityGroup", EXTERNAL_CLUSTER_GROUP)),
)


def load(path: Path) -> Json:
    loaded = json.loads(to_json(path.read_text()))
    assert isinstance(loaded, dict)
    return loaded


# -- the oracle -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OracleRule:
    owner: str
    egress: bool
    protocol: str  # "all", "tcp", "udp", "other"
    first: int
    last: int
    peer: str  # a group name, CLUSTER_GROUP, or "world"


def _group_name(value: object) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target, attribute = value["Fn::GetAtt"]
        return CLUSTER_GROUP if attribute == "ClusterSecurityGroupId" else str(target)
    return f"unresolved {value!r}"


def _oracle_rule(owner: str, egress: bool, body: dict[str, object]) -> OracleRule:
    raw = str(body.get("IpProtocol")).lower()
    protocol = {"-1": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}.get(raw, "other")
    first, last = int(str(body.get("FromPort", -1))), int(str(body.get("ToPort", -1)))
    if body.get("CidrIp") == "0.0.0.0/0":
        peer = "world"
    else:
        peer = _group_name(body.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"))
    return OracleRule(owner, egress, protocol, first, last, peer)


def oracle_rules(template: Json) -> tuple[list[OracleRule], set[str]]:
    """All rules, and the groups whose default allow-all egress survives."""
    resources = template["Resources"]
    assert isinstance(resources, dict)
    rules: list[OracleRule] = []
    has_egress: set[str] = set()
    groups = {CLUSTER_GROUP}
    for name, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::EC2::SecurityGroup":
            groups.add(name)
            for item in props.get("SecurityGroupIngress", []):
                rules.append(_oracle_rule(name, False, item))
            for item in props.get("SecurityGroupEgress", []):
                rules.append(_oracle_rule(name, True, item))
                has_egress.add(name)
        elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            egress = kind.endswith("Egress")
            owner = _group_name(props["GroupId"])
            rules.append(_oracle_rule(owner, egress, props))
            if egress:
                has_egress.add(owner)
    # The EKS cluster group: all from itself, all to itself, all out unless a standalone egress strips it.
    rules += [OracleRule(CLUSTER_GROUP, False, "all", 0, 0, CLUSTER_GROUP),
              OracleRule(CLUSTER_GROUP, True, "all", 0, 0, CLUSTER_GROUP)]
    return rules, groups - has_egress


def _opens(rule: OracleRule, protocol: str, port: int) -> bool:
    if rule.protocol == "all":
        return True
    if protocol == "all" or rule.protocol != protocol:
        return False
    return rule.first <= port <= rule.last


def _allowed(rules: list[OracleRule], default_out: set[str], side: tuple[str, ...], egress: bool,
             other: tuple[str, ...], protocol: str, port: int) -> bool:
    if egress and any(group in default_out for group in side):
        return True
    return any(rule.owner in side and rule.egress == egress and _opens(rule, protocol, port)
               and (rule.peer == "world" or rule.peer in other) for rule in rules)


def _half(rules: list[OracleRule], default_out: set[str], side: tuple[str, ...], egress: bool,
          other: tuple[str, ...], protocol: str, port: int, external: tuple[str, ...]) -> str:
    if _allowed(rules, default_out, side, egress, other, protocol, port):
        return "allowed"
    # A group whose rules live elsewhere may allow it: only a fully visible side is blocked.
    return "unknown" if any(group in external for group in side) else "blocked"


def _flow(rules: list[OracleRule], default_out: set[str], initiator: tuple[str, ...], responder: tuple[str, ...],
          protocol: str, ports: range, external: tuple[str, ...] = ()) -> bool:
    """False when some port of the flow is surely blocked on a half (one port at a time)."""
    for port in ports:
        halves = (_half(rules, default_out, initiator, True, responder, protocol, port, external),
                  _half(rules, default_out, responder, False, initiator, protocol, port, external))
        if "blocked" in halves:
            return False
    return True


def oracle(template: Json, source: Source) -> set[str]:
    """The rules this template must trigger (flows, and a control-plane group shared by clusters)."""
    resources = template["Resources"]
    assert isinstance(resources, dict)
    clusters = [r for r in resources.values() if r["Type"] == "AWS::EKS::Cluster"]
    listed = [json.dumps(g, sort_keys=True) for c in clusters
              for g in c["Properties"]["ResourcesVpcConfig"].get("SecurityGroupIds", [])]
    shared = {"WK2001"} if len(listed) != len(set(listed)) else set()
    shared |= _tagged_twice(resources)
    # A rule under a condition that can be false is missing in that scenario.
    template = copy.deepcopy(template)
    for name in [n for n, r in resources.items() if "Condition" in r]:
        del template["Resources"][name]  # type: ignore[attr-defined]
    return shared | _flows(template, source)


def _cluster_tagged(resource: dict[str, object]) -> bool:
    for tag in resource.get("Properties", {}).get("Tags", []):  # type: ignore[attr-defined]
        key = tag.get("Key")
        text = key.get("Fn::Sub") if isinstance(key, dict) else key
        if isinstance(text, str) and text.startswith("kubernetes.io/cluster/"):
            return True
    return False


def _tagged_twice(resources: dict[str, dict[str, object]]) -> set[str]:
    """WK2003: a launch template puts two cluster-tagged groups on the same nodes."""
    for resource in resources.values():
        if resource["Type"] != "AWS::EC2::LaunchTemplate":
            continue
        listed = resource["Properties"]["LaunchTemplateData"].get("SecurityGroupIds", [])  # type: ignore[index]
        tagged = [g for g in listed if isinstance(g, dict) and _cluster_tagged(resources.get(str(g.get("Ref")), {}))]
        if len(tagged) > 1:
            return {"WK2003"}
    return set()


def _flows(template: Json, source: Source) -> set[str]:
    rules, default_out = oracle_rules(template)
    cp = source.control_plane
    ext = source.external
    broken: set[str] = set()
    for nodes in source.node_groups:
        if not _flow(rules, default_out, nodes, cp, "tcp", range(443, 444), ext):
            broken.add("EK1001")
        if not _flow(rules, default_out, cp, nodes, "tcp", range(10250, 10251), ext):
            broken.add("EK1002")
        if not _flow(rules, default_out, cp, nodes, "tcp", range(443, 444), ext):
            broken.add("WK1004")
        webhook_ports = [p for p in range(1025, 65536) if p != 10250]
        if not all(_flow(rules, default_out, cp, nodes, "tcp", range(p, p + 1), ext) for p in webhook_ports):
            broken.add("WK1003")
        for other in source.node_groups:
            if not (_flow(rules, default_out, nodes, other, "tcp", range(53, 54), ext)
                    and _flow(rules, default_out, nodes, other, "udp", range(53, 54), ext)):
                broken.add("EK1005")
            if not _flow(rules, default_out, nodes, other, "all", range(0, 1), ext):
                broken.add("WK1009")
    return broken


# -- mutants ----------------------------------------------------------------------------------------------


def _rule_slots(template: Json) -> Iterator[tuple[str, dict[str, object], list[object] | None]]:
    """(description, rule body, containing list or None for a standalone resource)."""
    resources = template["Resources"]
    assert isinstance(resources, dict)
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            yield name, props, None
        elif resource["Type"] == "AWS::EC2::SecurityGroup":
            for key in ("SecurityGroupIngress", "SecurityGroupEgress"):
                for index, item in enumerate(props.get(key, [])):
                    yield f"{name}.{key}[{index}]", item, props[key]


def mutants(template: Json, source: Source) -> Iterator[tuple[str, Json]]:
    yield from _rule_mutants(template)
    for nodes in source.node_groups:  # restrict node egress to HTTP
        mutant = copy.deepcopy(template)
        mutant["Resources"][nodes[0]]["Properties"]["SecurityGroupEgress"] = [  # type: ignore[index]
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}]
        yield f"restrict-egress {nodes[0]}", mutant
    for nodes in source.node_groups:  # tag a second group on the same nodes for the cluster
        mutant = copy.deepcopy(template)
        resources = mutant["Resources"]
        templates = [r for r in resources.values() if r["Type"] == "AWS::EC2::LaunchTemplate"  # type: ignore[attr-defined]
                     and {"Ref": nodes[0]} in r["Properties"]["LaunchTemplateData"].get("SecurityGroupIds", [])]
        if templates:
            resources["SecondTagged"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {  # type: ignore[index]
                "GroupDescription": "second", "Tags": copy.deepcopy(resources[nodes[0]]["Properties"]["Tags"])}}  # type: ignore[index]
            templates[0]["Properties"]["LaunchTemplateData"]["SecurityGroupIds"].append({"Ref": "SecondTagged"})
            yield f"tag-second-group {nodes[0]}", mutant
    mutant = copy.deepcopy(template)  # a second cluster on the same control-plane group
    clusters = [r for r in mutant["Resources"].values() if r["Type"] == "AWS::EKS::Cluster"]  # type: ignore[attr-defined]
    if not clusters:
        return
    first = clusters[0]
    mutant["Resources"]["SecondCluster"] = {  # type: ignore[index]
        "Type": "AWS::EKS::Cluster", "Properties": {
            "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": copy.deepcopy(first["Properties"]["ResourcesVpcConfig"])}}
    yield "second-cluster", mutant


def _rule_mutants(template: Json) -> Iterator[tuple[str, Json]]:
    count = len(list(_rule_slots(template)))
    for position in range(count):
        for operator in ("delete", "narrow-low", "narrow-high", "to-tcp", "swap-peer", "conditional"):
            mutant = copy.deepcopy(template)
            mutant["Resources"]["Unrelated"] = {  # type: ignore[index]
                "Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "unrelated"}}
            mutant["Conditions"] = {"Maybe": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-3"]}}
            name, body, container = list(_rule_slots(mutant))[position]
            if _apply(operator, mutant, name, body, container):
                yield f"{operator} {name}", mutant


def _apply(operator: str, mutant: Json, name: str, body: dict[str, object], container: list[object] | None) -> bool:
    ranged = str(body.get("IpProtocol")) not in ("-1",)
    if operator == "conditional":
        if container is not None:
            return False  # inline items have no Condition; Fn::If covers them in the fixtures
        mutant["Resources"][name]["Condition"] = "Maybe"  # type: ignore[index]
        return True
    if operator == "delete":
        if container is None:
            del mutant["Resources"][name]  # type: ignore[attr-defined]
        else:
            container.remove(body)
        return True
    if operator in ("narrow-low", "narrow-high") and ranged and "FromPort" in body:
        first, last = int(str(body["FromPort"])), int(str(body["ToPort"]))
        if first == last:
            return False  # narrowing a single port is deleting it
        body["FromPort" if operator == "narrow-low" else "ToPort"] = first + 1 if operator == "narrow-low" else last - 1
        return True
    if operator == "to-tcp" and not ranged:
        body.update(IpProtocol="tcp", FromPort=body.get("FromPort", 0), ToPort=body.get("ToPort", 65535))
        if int(str(body["FromPort"])) < 0:
            body.update(FromPort=0, ToPort=65535)
        return True
    for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
        if operator == "swap-peer" and key in body:
            body[key] = {"Ref": "Unrelated"}
            return True
    return False


# -- the test ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.path.name)
def test_mutants_raise_exactly_what_the_oracle_says(source: Source) -> None:
    if source.path.is_relative_to(CORPUS):
        corpus_or_skip()
    original = load(source.path)
    assert oracle(original, source) == set(), "the source must be compliant for the oracle"
    generated = equivalent = detected = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    for description, mutant in mutants(original, source):
        generated += 1
        expected = oracle(mutant, source)
        found = {rule_id for rule_id, findings in analyse(mutant).all_findings().items() if rule_id in CHECKED}
        if not expected:
            equivalent += 1
        elif expected <= found:
            detected += 1
        if expected - found:
            missed.append(f"{description}: expected {sorted(expected)}, got {sorted(found)}")
        if found - expected:
            false_alarms.append(f"{description}: expected {sorted(expected)}, got {sorted(found)}")
    summary(f"mutation {source.path.name}: generated {generated}, equivalent {equivalent}, "
          f"detected {detected}, missed {len(missed)}, false alarms {len(false_alarms)}")
    assert generated > 10
    assert missed == []
    assert false_alarms == []
