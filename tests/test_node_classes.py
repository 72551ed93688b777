"""Node-to-node flows are checked per half against classes of alike peers (`_classes`).

The property: on random templates with several node groups, every class's verdict equals, for
each of its members and in every scenario, what a pairwise evaluation of that one pair gives
(both halves, the way every pair was checked before classes). The pairwise evaluation is the
reference the mutation tests and the brute-force oracles already hold to EC2's semantics.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.core._guards import Scenarios
from cfnlint_eks_sg.flows import _classes
from cfnlint_eks_sg.flows._flows import Link, LinkResult, LinkState, evaluate
from cfnlint_eks_sg.flows._reach import Half, PermissionIndex
from cfnlint_eks_sg.flows._requirements import REQUIREMENTS, Channel
from cfnlint_eks_sg.model._types import Direction
from tests.unit.pieces import Json

POOL = ["A", "B", "C", "D"]
CIDRS = ["10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0"]
# Foreign groups are rarer than the template's own, so that classes of several members are common.
PEERS = [*POOL, *POOL, "Param", "sg-0peer", *CIDRS, *CIDRS]
OPAQUE = {"Fn::Join": ["", ["sg-", {"Ref": "Color"}]]}  # a group id no reading can name
CONDITIONS = ["X", "Y"]
NODE_TRAFFIC = [(protocol, ports) for req in REQUIREMENTS if req.channel is Channel.NODES_TO_NODES
                for protocol, ports in req.traffic]

@dataclass(frozen=True)
class NodeSpec:
    members: tuple[tuple[str, str | None], ...]  # (group, condition it is attached under)
    subnet: str = "One"
    elsewhere: bool = False  # its groups are in a launch template defined elsewhere
    condition: str | None = None


@dataclass(frozen=True)
class RuleSpec:
    owner: str
    egress: bool
    protocol: str
    ports: tuple[int, int]
    peer: str
    condition: str | None = None


member = st.tuples(st.sampled_from([*POOL, *POOL, *POOL, "Param", "sg-0member", "opaque"]),
                   st.sampled_from([None, None, *CONDITIONS]))
node_group = st.builds(
    NodeSpec,
    members=st.lists(member, max_size=2).map(tuple),
    subnet=st.sampled_from(["One", "Two"]),
    elsewhere=st.sampled_from([False, False, False, True]),
    condition=st.sampled_from([None, None, *CONDITIONS]),
)
rule = st.builds(
    RuleSpec,
    owner=st.sampled_from(POOL),
    egress=st.booleans(),
    protocol=st.sampled_from(["tcp", "udp", "-1"]),
    ports=st.sampled_from([(53, 53), (0, 65535), (443, 443), (1, 52)]),
    peer=st.sampled_from(PEERS),
    condition=st.sampled_from([None, None, *CONDITIONS]),
)


def _group(name: str) -> object:
    return name if name.startswith("sg-") else OPAQUE if name == "opaque" else {"Ref": name}


def _guarded(resource: Json, condition: str | None) -> Json:
    return {**resource, "Condition": condition} if condition else resource


def template(nodes: list[NodeSpec], rules: list[RuleSpec]) -> Json:
    resources: Json = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "One": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"}},
        "Two": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/24"}},
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
            "Name": "c", "RoleArn": "arn:aws:iam::1:role/x",
            "ResourcesVpcConfig": {"SubnetIds": [{"Ref": "One"}], "SecurityGroupIds": [{"Ref": "A"}]}}},
    }
    for group in POOL:
        resources[group] = {"Type": "AWS::EC2::SecurityGroup",
                            "Properties": {"GroupDescription": group, "VpcId": {"Ref": "Vpc"}}}
    for index, node in enumerate(nodes):
        props: Json = {"ImageId": "ami-1", "SubnetId": {"Ref": node.subnet},
                       "Tags": [{"Key": "kubernetes.io/cluster/c", "Value": "owned"}]}
        if node.elsewhere:
            props["LaunchTemplate"] = {"LaunchTemplateId": "lt-0123", "Version": "1"}
        else:
            props["SecurityGroupIds"] = [
                _group(name) if condition is None else {"Fn::If": [condition, _group(name), {"Ref": "AWS::NoValue"}]}
                for name, condition in node.members
            ]
        resources[f"Nodes{index}"] = _guarded({"Type": "AWS::EC2::Instance", "Properties": props}, node.condition)
    for index, spec in enumerate(rules):
        props = {"GroupId": {"Ref": spec.owner}, "IpProtocol": spec.protocol,
                 "FromPort": spec.ports[0], "ToPort": spec.ports[1]}
        if "/" in spec.peer:
            props["CidrIp"] = spec.peer
        else:
            props["DestinationSecurityGroupId" if spec.egress else "SourceSecurityGroupId"] = _group(spec.peer)
        kind = "Egress" if spec.egress else "Ingress"
        resources[f"Rule{index}"] = _guarded({"Type": f"AWS::EC2::SecurityGroup{kind}", "Properties": props},
                                             spec.condition)
    return {
        "Parameters": {"Param": {"Type": "AWS::EC2::SecurityGroup::Id"}, "Color": {"Type": "String"}},
        "Conditions": {name: {"Fn::Equals": [{"Ref": "Color"}, name]} for name in CONDITIONS},
        "Resources": resources,
    }


def _state(result: LinkResult, scenario: dict[str, bool]) -> LinkState | None:
    """The state of `result` that `scenario` falls in (its names are a subset of the full set)."""
    found = [s for s in result.states if all(scenario[n] == v for n, v in s.scenario.items())]
    assert len(found) <= 1
    return found[0] if found else None


def _half(state: LinkState | None, direction: Direction) -> list[Half] | None:
    if state is None:
        return None
    openings = state.egress if direction is Direction.EGRESS else state.ingress
    return [openings[protocol].verdict(direction, ports) for protocol, ports in NODE_TRAFFIC]


def _node(*members: str, subnet: str = "One") -> NodeSpec:
    return NodeSpec(tuple((m, None) for m in members), subnet)


def _all_from(peer: str) -> RuleSpec:
    return RuleSpec("A", False, "-1", (0, 65535), peer)


@settings(max_examples=max(settings().max_examples, 500))  # the classes need many shapes to meet each case
# Cases random search meets rarely: a rule from a parameter group and a node group carrying a literal
# id (they may be one group); a node group whose group id cannot be read; subnets a CIDR rule splits.
@example(nodes=[_node("A"), _node("sg-0member"), _node("C")], rules=[_all_from("Param")])
@example(nodes=[_node("A"), _node("opaque"), _node("C")], rules=[_all_from("B")])
@example(nodes=[_node("A"), _node("B", subnet="Two"), _node("C")], rules=[_all_from("10.0.1.0/24")])
@given(nodes=st.lists(node_group, min_size=3, max_size=7), rules=st.lists(rule, max_size=12))
def test_each_class_verdict_equals_the_pairwise_verdict_of_every_member(
    nodes: list[NodeSpec], rules: list[RuleSpec],
) -> None:
    with mock.patch.object(_classes, "LISTED", len(nodes)):  # list every member of a class
        analysis = analyse(template(nodes, rules))
    index = PermissionIndex(analysis.model)
    scenarios = Scenarios(None, CONDITIONS)
    protocols = list(dict.fromkeys(protocol for protocol, _ in NODE_TRAFFIC))
    every = [dict(zip(CONDITIONS, values, strict=True)) for values in itertools.product((True, False), repeat=2)]
    covered: set[tuple[int, int, Direction]] = set()
    for result in analysis.links:
        link = result.link
        if link.channel is not Channel.NODES_TO_NODES:
            continue
        (direction,) = link.halves
        assert link.total == len(link.peers) and link.all_peers() == link.peers
        for peer in link.peers:
            initiator, responder = (peer, link.responder) if direction is Direction.INGRESS else (link.initiator, peer)
            pair = evaluate(index, scenarios, Link(Channel.NODES_TO_NODES, link.cluster, initiator, responder),
                            protocols)
            for scenario in every:
                assert _half(_state(result, scenario), direction) == _half(_state(pair, scenario), direction), (
                    initiator.label, responder.label, direction, scenario)
            pair_id = (id(initiator), id(responder), direction)
            assert pair_id not in covered  # each pair and half belongs to one class only
            covered.add(pair_id)
    endpoints = {id(r.link.responder) for r in analysis.links if r.link.channel is Channel.NODES_TO_NODES}
    assert len(covered) == 2 * len(endpoints) ** 2  # and every pair and half to one
