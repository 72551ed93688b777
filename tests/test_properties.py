"""Property-based tests: random security-group graphs against a brute-force oracle, and random
malformed shapes that must never raise.

The oracle shares no code with the plugin: it reads the generated rules directly and checks one
port at a time, with EC2's semantics written out again (protocol -1 opens everything, tcp opens its
port range, a group without inline egress and without standalone egress allows everything out).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.core._ports import TCP, UDP
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Direction

GROUPS = ["Cp", "NodeA", "NodeB", "Other"]
PORTS_OF_INTEREST = (53, 443, 8443, 10250)


@dataclass(frozen=True)
class Rule:
    owner: str
    egress: bool
    protocol: str  # "tcp", "udp", "-1", "icmp"
    first: int
    last: int
    peer: str  # a group name or "world"
    standalone: bool


rules_strategy = st.lists(
    st.builds(
        Rule,
        owner=st.sampled_from(GROUPS),
        egress=st.booleans(),
        protocol=st.sampled_from(["tcp", "udp", "-1", "icmp", "6"]),
        first=st.sampled_from([0, 53, 443, 1025, 8443, 10250]),
        last=st.sampled_from([53, 443, 1024, 10249, 10250, 65535]),
        peer=st.sampled_from([*GROUPS, "world"]),
        standalone=st.booleans(),
    ),
    max_size=14,
)


def template(rules: list[Rule], node_groups: list[str]) -> dict[str, object]:
    """Cluster with control-plane group Cp; one self-managed node group carrying `node_groups`."""
    resources: dict[str, object] = {}
    for group in GROUPS:
        inline_in = [_inline(r) for r in rules if r.owner == group and not r.egress and not r.standalone]
        inline_out = [_inline(r) for r in rules if r.owner == group and r.egress and not r.standalone]
        props: dict[str, object] = {"GroupDescription": group, "VpcId": "vpc-1"}
        if inline_in:
            props["SecurityGroupIngress"] = inline_in
        if inline_out:
            props["SecurityGroupEgress"] = inline_out
        resources[group] = {"Type": "AWS::EC2::SecurityGroup", "Properties": props}
    for index, rule in enumerate(rules):
        if rule.standalone:
            kind = "Egress" if rule.egress else "Ingress"
            props = {"GroupId": {"Ref": rule.owner}, **_inline(rule)}
            resources[f"Rule{index}"] = {"Type": f"AWS::EC2::SecurityGroup{kind}", "Properties": props}
    resources["Cluster"] = {"Type": "AWS::EKS::Cluster", "Properties": {
        "Name": "c", "RoleArn": "arn:aws:iam::1:role/x",
        "ResourcesVpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": [{"Ref": "Cp"}]}}}
    resources["Nodes"] = {"Type": "AWS::EC2::Instance", "Properties": {
        "ImageId": "ami-1", "SecurityGroupIds": [{"Ref": g} for g in node_groups],
        "Tags": [{"Key": "kubernetes.io/cluster/c", "Value": "owned"}]}}
    return {"Resources": resources}


def _inline(rule: Rule) -> dict[str, object]:
    body: dict[str, object] = {"IpProtocol": rule.protocol, "FromPort": rule.first, "ToPort": rule.last}
    if rule.protocol == "icmp":
        body.update(FromPort=-1, ToPort=-1)
    key = ("DestinationSecurityGroupId" if rule.egress else "SourceSecurityGroupId")
    if rule.peer == "world":
        body["CidrIp"] = "0.0.0.0/0"
    else:
        body[key] = {"Ref": rule.peer}
    return body


# -- the oracle ---------------------------------------------------------------------------------------------


def _opens(rule: Rule, port: int) -> bool:
    if rule.protocol == "-1":
        return True
    if rule.protocol in ("tcp", "6"):
        return rule.first <= port <= rule.last
    return False  # udp and icmp never carry a TCP connection


def _half_allows(rules: list[Rule], side: list[str], egress: bool, other: list[str], port: int) -> bool:
    for group in side:
        mine = [r for r in rules if r.owner == group and r.egress == egress]
        if egress and not [r for r in mine if not r.standalone] and not [r for r in mine if r.standalone]:
            return True  # the default allow-all egress of a group with no egress rules at all
        for rule in mine:
            if _opens(rule, port) and (rule.peer == "world" or rule.peer in other):
                return True
    return False


def oracle_blocked(rules: list[Rule], initiator: list[str], responder: list[str], port: int) -> bool:
    egress = _half_allows(rules, initiator, True, responder, port)
    ingress = _half_allows(rules, responder, False, initiator, port)
    return not (egress and ingress)


# -- properties ---------------------------------------------------------------------------------------------


@given(rules=rules_strategy, node_groups=st.lists(st.sampled_from(["NodeA", "NodeB", "Other"]),
                                                  min_size=1, max_size=3, unique=True))
def test_minimum_flows_match_the_brute_force_oracle(rules: list[Rule], node_groups: list[str]) -> None:
    analysis = analyse(template(rules, node_groups))
    # The control plane carries Cp and the EKS cluster group, whose rules are only its defaults here:
    # all from itself (the nodes never carry it) and all out.
    control_plane = ["Cp"]
    nodes_to_cp_blocked = (not _half_allows(rules, node_groups, True, control_plane, 443)
                           or not _half_allows(rules, control_plane, False, node_groups, 443))
    cp_to_nodes_blocked = not _half_allows(rules, node_groups, False, control_plane, 10250)
    assert bool(analysis.findings_for("EK1001")) == nodes_to_cp_blocked
    assert bool(analysis.findings_for("EK1002")) == cp_to_nodes_blocked


hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12)
    | st.sampled_from(["sg-1", "-1", "tcp", "0.0.0.0/0", "::/0", "AWS::NoValue", "Cp", "Cluster"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["Ref", "Fn::If", "Fn::GetAtt", "Fn::Sub", "Fn::Select", "Fn::Split",
                                       "Fn::Join", "Fn::ImportValue", "Fn::Cidr", "Fn::Bogus", "Condition", "Key",
                                       "Value", "IpProtocol", "FromPort", "ToPort", "CidrIp", "GroupId", "x"])
                      | st.integers(-3, 3) | st.none(),  # non-string keys, as YAML allows
                      children, max_size=3),
    max_leaves=20,
)

SLOTS = [
    ("Cp", "SecurityGroupIngress"), ("Cp", "SecurityGroupEgress"), ("Cp", "Tags"),
    ("Cluster", "ResourcesVpcConfig"), ("Cluster", "Name"), ("Nodes", "SecurityGroupIds"),
    ("Nodes", "Tags"), ("Nodes", "UserData"), ("Nodes", "NetworkInterfaces"), ("Nodes", "LaunchTemplate"),
]


SELF_REFERENCING = st.sampled_from([
    {"Fn::Not": [{"Condition": "C"}]},
    {"Fn::And": [{"Condition": "D"}, {"Condition": "C"}]},
])


@given(values=st.lists(st.tuples(st.sampled_from(SLOTS), hostile_values), min_size=1, max_size=4),
       conditions=st.dictionaries(st.sampled_from(["C", "D"]), hostile_values | SELF_REFERENCING, max_size=2),
       stripped=st.lists(st.sampled_from(["Cp", "Cluster", "Nodes", "NodeA"]), max_size=2))
def test_malformed_shapes_never_raise(
    values: list[tuple[tuple[str, str], object]], conditions: dict[str, object], stripped: list[str],
) -> None:
    built = template([], ["NodeA"])
    resources = built["Resources"]
    assert isinstance(resources, dict)
    for (resource, prop), value in values:
        resources[resource]["Properties"][prop] = value
    for resource in stripped:
        resources[resource].pop("Properties", None)  # missing Properties
    built["Conditions"] = conditions
    analysis = analyse(built)
    analysis.all_findings()  # every rule's findings, flows included


# -- protocols and ports over the whole port space ---------------------------------------------------------

RAW_PROTOCOLS = ["-1", -1, "tcp", "TCP", "Tcp", "6", 6, "udp", "UDP", "17", 17, "icmp", "1", "icmpv6", "58",
                 "50", "132", "255", "256", "all", "any", " tcp ", True, None]
RAW_PORTS = st.one_of(st.integers(-2, 65537), st.integers(-2, 65537).map(str), st.sampled_from(["", "x", None]))


def _oracle_ports(raw_protocol: object, raw_from: object, raw_to: object, flow: int) -> set[int]:
    """EC2's rule written out again: which destination ports of protocol `flow` (6 or 17) it opens."""
    if isinstance(raw_protocol, bool) or raw_protocol is None:
        return set()
    text = str(raw_protocol).strip().lower()
    if text == "-1":
        return set(range(65536))
    number = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}.get(text)
    if number is None and text.isascii() and text.isdigit() and int(text) <= 255:
        number = int(text)
    if number != flow:
        return set()  # another protocol (even "all ports" of it) carries no TCP or UDP
    try:
        first, last = int(str(raw_from)), int(str(raw_to))
    except ValueError:
        return set()
    if not 0 <= first <= last <= 65535:
        return set()  # tcp/udp with -1 or a reversed or out-of-range pair opens nothing
    return set(range(first, last + 1))


@settings(max_examples=60, deadline=None)
@given(protocol=st.sampled_from(RAW_PROTOCOLS), first=RAW_PORTS, last=RAW_PORTS)
def test_protocol_and_ports_match_the_oracle_on_every_port(protocol: object, first: object, last: object) -> None:
    rule = {"IpProtocol": protocol, "FromPort": first, "ToPort": last, "CidrIp": "0.0.0.0/0"}
    if first is None:
        del rule["FromPort"]
    if last is None:
        del rule["ToPort"]
    template = {"Resources": {"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "g", "SecurityGroupIngress": [rule]}}}}
    (permission,) = [p for p in build_model(template).permissions if p.direction is Direction.INGRESS]
    for flow, number in ((TCP, 6), (UDP, 17)):
        surely, _ = permission.opens(flow)
        got = {port for r in surely.ranges for port in range(r.first, r.last + 1)}
        assert got == _oracle_ports(protocol, first, last, number)
