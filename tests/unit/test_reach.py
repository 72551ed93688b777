"""Unit tests for the reach stage: the tri-state verdict on one half of a flow."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from cfnlint_eks_sg.core._cidrs import Addresses, Block, Network, union_covers
from cfnlint_eks_sg.core._guards import Guard, Scenario
from cfnlint_eks_sg.core._ports import NO_PORTS, TCP, UDP, IpProtocol, PortSet
from cfnlint_eks_sg.flows._reach import (
    OTHER_SIDE,
    Doubt,
    Half,
    Opening,
    PermissionIndex,
    Reach,
    Side,
    Verdict,
    combined,
    ports_together,
    rule_label,
    rule_path,
)
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._permissions import IPV6_DEFAULT
from cfnlint_eks_sg.model._types import CidrPeer, Direction, GroupKey, Model, Origin
from tests.unit.pieces import Json, if_, ref, res, rkey, sg

P443 = PortSet.span(443, 443)
EPHEMERAL = PortSet.span(1025, 65535)
PARAMS: Json = {
    "P": {"Type": "AWS::EC2::SecurityGroup::Id"},
    "Q": {"Type": "AWS::EC2::SecurityGroup::Id"},
    "R": {"Type": "AWS::EC2::SecurityGroup::Id"},
    "Cidr": {"Type": "String"},
    "Blocks": {"Type": "CommaDelimitedList"},
}


def pkey(name: str) -> GroupKey:
    return GroupKey.make(Origin.PARAMETER, name)


def ingress(peer: Json, protocol: object = "tcp", first: object = 443, last: object = 443) -> Json:
    return {"IpProtocol": protocol, "FromPort": first, "ToPort": last, **peer}


egress = ingress  # the same rule shape: the peer property names the direction


def src(group: str) -> Json:
    return {"SourceSecurityGroupId": ref(group)}


def dst(group: str) -> Json:
    return {"DestinationSecurityGroupId": ref(group)}


def model_of(resources: Json, metadata: Json | None = None) -> Model:
    template: Json = {"Parameters": PARAMS, "Resources": resources}
    if metadata is not None:
        template["Metadata"] = metadata
    return build_model(template)


def half(
    model: Model,
    side: Sequence[GroupKey],
    direction: Direction,
    others: Sequence[GroupKey],
    *,
    ports: PortSet = P443,
    protocol: IpProtocol = TCP,
    side_known: bool = True,
    others_known: bool = True,
    scenario: Scenario | None = None,
    ipv6: bool = False,
) -> Half:
    opening = PermissionIndex(model).opening(
        Side(side, side_known), direction, toward=Side(others, others_known), protocol=protocol,
        scenario=scenario or {}, ipv6=ipv6,
    )
    return opening.verdict(direction, ports)


def ingress_on_a(
    *rules: Json,
    others: Sequence[GroupKey] = (rkey("Peer"),),
    ports: PortSet = P443,
    protocol: IpProtocol = TCP,
    side_known: bool = True,
    others_known: bool = True,
    scenario: Scenario | None = None,
    ipv6: bool = False,
) -> Half:
    """The ingress half on group A (inline `rules`) for traffic from `others`."""
    model = model_of({"A": sg(SecurityGroupIngress=list(rules)), "Peer": sg()})
    return half(model, [rkey("A")], Direction.INGRESS, others, ports=ports, protocol=protocol, side_known=side_known,
                others_known=others_known, scenario=scenario, ipv6=ipv6)


# --- union across groups, exact ports ---------------------------------------------------------------


def test_union_across_the_groups_of_one_side() -> None:
    model = model_of({
        "A": sg(SecurityGroupEgress=[egress(dst("Peer"), first=1025, last=30000)]),
        "B": sg(SecurityGroupEgress=[egress(dst("Peer"), first=30001, last=65535)]),
        "Peer": sg(),
    })
    both = half(model, [rkey("A"), rkey("B")], Direction.EGRESS, [rkey("Peer")], ports=EPHEMERAL)
    assert both == Half(Reach.ALLOWED, Direction.EGRESS)
    alone = half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")], ports=EPHEMERAL)
    assert alone.reach is Reach.BLOCKED
    assert alone.missing == PortSet.span(30001, 65535)


def test_a_rule_to_any_group_of_the_other_side_counts() -> None:
    model = model_of({"A": sg(SecurityGroupEgress=[egress(dst("Peer2"))]), "Peer": sg(), "Peer2": sg()})
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer"), rkey("Peer2")]).reach is Reach.ALLOWED
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")]).reach is Reach.BLOCKED


def test_exact_port_unions() -> None:
    adjacent = ingress_on_a(ingress(src("Peer"), first=1025, last=2000), ingress(src("Peer"), first=2001, last=65535),
                            ports=EPHEMERAL)
    assert adjacent.reach is Reach.ALLOWED
    gap = ingress_on_a(ingress(src("Peer"), first=1025, last=2000), ingress(src("Peer"), first=2002, last=65535),
                       ports=EPHEMERAL)
    assert gap.reach is Reach.BLOCKED
    assert gap.missing == PortSet.span(2001, 2001)


def test_ingress_rules_do_not_count_for_egress() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress(src("Peer"))], SecurityGroupEgress=[
        egress(dst("Other"), protocol="-1")]), "Peer": sg(), "Other": sg()})
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")]).reach is Reach.BLOCKED
    assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.ALLOWED


# --- peers that may equal the other side ---------------------------------------------------------------


def test_peer_that_may_equal_gives_unknown_not_blocked() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")})]), "Peer": sg()})
    maybe = half(model, [rkey("A")], Direction.INGRESS, [pkey("Q")])
    assert maybe.reach is Reach.UNKNOWN
    assert maybe.missing == NO_PORTS
    # the same parameter is the same group
    assert half(model, [rkey("A")], Direction.INGRESS, [pkey("P")]).reach is Reach.ALLOWED
    # a group this template creates can never be the parameter
    assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.BLOCKED


def test_literal_peers() -> None:
    rules = [ingress({"SourceSecurityGroupId": "sg-1"})]
    assert ingress_on_a(*rules, others=[GroupKey.make(Origin.LITERAL, "sg-1")]).reach is Reach.ALLOWED
    assert ingress_on_a(*rules, others=[GroupKey.make(Origin.LITERAL, "sg-2")]).reach is Reach.BLOCKED
    assert ingress_on_a(*rules, others=[pkey("P")]).reach is Reach.UNKNOWN


def test_unknown_membership_of_the_other_side_makes_every_group_peer_a_maybe() -> None:
    rules = [ingress(src("Peer"))]
    assert ingress_on_a(*rules, others=[rkey("Elsewhere")]).reach is Reach.BLOCKED
    assert ingress_on_a(*rules, others=[rkey("Elsewhere")], others_known=False).reach is Reach.UNKNOWN
    opaque = GroupKey.make(Origin.OPAQUE, "{Ref:'AWS::StackName'}")
    assert ingress_on_a(*rules, others=[rkey("Elsewhere"), opaque]).reach is Reach.UNKNOWN


def test_opaque_peer_may_be_anything() -> None:
    rule = ingress({"SourceSecurityGroupId": ref("AWS::StackName")})
    assert ingress_on_a(rule).reach is Reach.UNKNOWN


# --- visibility ----------------------------------------------------------------------------------------


def test_invisible_rules_give_unknown() -> None:
    model = model_of({"Peer": sg()})
    verdict = half(model, [pkey("P")], Direction.INGRESS, [rkey("Peer")])
    assert verdict == Half(Reach.UNKNOWN, Direction.INGRESS, why="the rules of parameter P are defined outside this "
                                                                  "template")


def test_one_invisible_group_prevents_blocked() -> None:
    model = model_of({"A": sg(), "Peer": sg()})
    assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.BLOCKED
    assert half(model, [rkey("A"), pkey("P")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.UNKNOWN


def test_visible_allowing_rule_on_an_external_group_is_enough() -> None:
    model = model_of({
        "Peer": sg(),
        "In": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("P"), SourceSecurityGroupId=ref("Peer"),
                  IpProtocol="tcp", FromPort=443, ToPort=443),
    })
    assert half(model, [pkey("P")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.ALLOWED
    assert half(model, [pkey("P")], Direction.INGRESS, [rkey("Peer")], ports=EPHEMERAL).reach is Reach.UNKNOWN


def test_unknown_membership_gives_unknown() -> None:
    model = model_of({"A": sg(), "Peer": sg()})
    assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")], side_known=False).reach is Reach.UNKNOWN
    assert half(model, [], Direction.INGRESS, [rkey("Peer")], side_known=False).reach is Reach.UNKNOWN


def test_unknown_membership_with_a_visible_allowing_rule_is_allowed() -> None:
    verdict = ingress_on_a(ingress(src("Peer")), side_known=False)
    assert verdict.reach is Reach.ALLOWED


def test_empty_side_gives_unknown() -> None:
    model = model_of({"Peer": sg()})
    verdict = half(model, [], Direction.EGRESS, [rkey("Peer")])
    assert verdict.reach is Reach.UNKNOWN
    assert verdict.why


def test_empty_other_side_may_equal_a_parameter_peer() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")})])})
    assert half(model, [rkey("A")], Direction.INGRESS, []).reach is Reach.UNKNOWN


def test_eks_cluster_group_self_rules() -> None:
    model = model_of({"Cl": res("AWS::EKS::Cluster"), "Nodes": sg()})
    cluster = GroupKey.make(Origin.CLUSTER, "Cl")
    assert half(model, [cluster], Direction.INGRESS, [cluster], ports=EPHEMERAL).reach is Reach.ALLOWED
    assert half(model, [cluster], Direction.INGRESS, [rkey("Nodes")]).reach is Reach.BLOCKED
    assert half(model, [cluster], Direction.EGRESS, [rkey("Nodes")]).reach is Reach.ALLOWED  # 0.0.0.0/0


def test_untrusted_cluster_group_defaults_give_unknown() -> None:
    model = model_of({"Cl": res("AWS::EKS::Cluster"), "Nodes": sg()},
                     metadata={"cfnlint-eks-sg": {"cluster_security_group_defaults": False}})
    cluster = GroupKey.make(Origin.CLUSTER, "Cl")
    assert half(model, [cluster], Direction.INGRESS, [cluster]).reach is Reach.UNKNOWN
    assert half(model, [cluster], Direction.EGRESS, [rkey("Nodes")]).reach is Reach.UNKNOWN


# --- CIDR and prefix-list peers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "ipv4_cluster", "ipv6_cluster"),
    [
        ({"CidrIp": "0.0.0.0/0"}, Reach.ALLOWED, Reach.BLOCKED),  # IPv4 never covers an IPv6 cluster
        ({"CidrIpv6": "::/0"}, Reach.BLOCKED, Reach.ALLOWED),
        ({"CidrIp": "10.0.0.0/8"}, Reach.UNKNOWN, Reach.BLOCKED),  # subnets unknown: undecidable for IPv4
        ({"CidrIp": "0.0.0.0/1"}, Reach.UNKNOWN, Reach.BLOCKED),
        ({"CidrIpv6": "fd00::/8"}, Reach.BLOCKED, Reach.UNKNOWN),
        ({"CidrIp": ref("Cidr")}, Reach.UNKNOWN, Reach.UNKNOWN),
        ({"CidrIp": "not-a-cidr"}, Reach.UNKNOWN, Reach.BLOCKED),
        ({"CidrIpv6": "0.0.0.0/0"}, Reach.BLOCKED, Reach.BLOCKED),  # wrong family for the property
        ({"SourcePrefixListId": "pl-63a5400a"}, Reach.UNKNOWN, Reach.UNKNOWN),
        ({}, Reach.UNKNOWN, Reach.UNKNOWN),  # no peer: its intended peer is unknown
    ],
)
def test_address_peers(peer: Json, ipv4_cluster: Reach, ipv6_cluster: Reach) -> None:
    assert ingress_on_a(ingress(peer)).reach is ipv4_cluster
    assert ingress_on_a(ingress(peer), ipv6=True).reach is ipv6_cluster


def subnets(*cidrs: str, complete: bool = True) -> Addresses:
    return Addresses(tuple(Block(ipaddress.ip_network(c)) for c in cidrs), complete)


@pytest.mark.parametrize("order", [("10.0.0.0/24", "10.0.1.0/24"), ("10.0.1.0/24", "10.0.0.0/24")])
def test_a_cidr_rule_must_cover_every_subnet_of_the_other_side_in_any_order(order: tuple[str, str]) -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"CidrIp": "10.0.0.0/24"})])})
    opening = _toward_addresses(model, subnets(*order))
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.BLOCKED
    both = subnets("10.0.0.0/24", "10.0.0.128/25")
    assert _toward_addresses(model, both).verdict(Direction.INGRESS, P443).reach is Reach.ALLOWED
    unknown_one_more = subnets(*order, complete=False)
    opening = _toward_addresses(model, unknown_one_more)
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.BLOCKED


@pytest.mark.parametrize(("entries", "reach"), [
    (["10.0.0.0/24", "10.0.1.0/24"], Reach.ALLOWED),
    (["10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24"], Reach.ALLOWED),  # the entries together
    (["10.0.0.0/24"], Reach.BLOCKED),  # the second subnet is left out
])
def test_a_prefix_list_of_the_template_covers_with_its_entries(entries: list[str], reach: Reach) -> None:
    model = model_of({
        "Pl": res("AWS::EC2::PrefixList", Entries=[{"Cidr": cidr} for cidr in entries]),
        "A": sg(SecurityGroupIngress=[ingress({"SourcePrefixListId": ref("Pl")})]),
    })
    opening = _toward_addresses(model, subnets("10.0.0.0/24", "10.0.1.0/24"))
    assert opening.verdict(Direction.INGRESS, P443).reach is reach


# --- protocols and ports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "first", "last", "reach"),
    [
        ("-1", -1, -1, Reach.ALLOWED),
        (-1, 0, 0, Reach.ALLOWED),
        ("6", 443, 443, Reach.ALLOWED),
        ("tcp", 0, 65535, Reach.ALLOWED),
        ("icmp", -1, -1, Reach.BLOCKED),
        ("icmp", 0, 443, Reach.BLOCKED),
        ("icmpv6", -1, -1, Reach.BLOCKED),
        ("udp", 443, 443, Reach.BLOCKED),
        ("47", 443, 443, Reach.BLOCKED),
        ("tcp", -1, -1, Reach.BLOCKED),  # invalid in EC2: opens nothing
        ("tcp", ref("Cidr"), ref("Cidr"), Reach.UNKNOWN),  # unreadable ports
        ("all", 443, 443, Reach.UNKNOWN),  # unreadable protocol
    ],
)
def test_protocols(protocol: object, first: object, last: object, reach: Reach) -> None:
    assert ingress_on_a(ingress(src("Peer"), protocol, first, last)).reach is reach


def test_icmp_never_satisfies_tcp_even_from_anywhere() -> None:
    assert ingress_on_a(ingress({"CidrIp": "0.0.0.0/0"}, "icmp", 8, 0)).reach is Reach.BLOCKED


def test_udp_flow_needs_udp() -> None:
    rules = [ingress(src("Peer"), "tcp", 53, 53)]
    assert ingress_on_a(*rules, protocol=UDP, ports=PortSet.span(53, 53)).reach is Reach.BLOCKED
    rules = [ingress(src("Peer"), "17", 53, 53)]
    assert ingress_on_a(*rules, protocol=UDP, ports=PortSet.span(53, 53)).reach is Reach.ALLOWED


def test_cdk_disallow_all_marker_blocks_egress() -> None:
    marker: Json = {"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86, "CidrIp": "255.255.255.255/32"}
    model = model_of({"A": sg(SecurityGroupEgress=[marker]), "Peer": sg()})
    verdict = half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")])
    assert verdict.reach is Reach.BLOCKED
    assert verdict.missing == P443


# --- default egress -----------------------------------------------------------------------------------------


def test_default_egress_allows_ipv4_clusters() -> None:
    model = model_of({"A": sg(), "Peer": sg()})
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")], ports=EPHEMERAL).reach is Reach.ALLOWED


def test_uncertain_default_ipv6_egress_never_makes_allowed() -> None:
    model = model_of({"A": sg(), "Peer": sg()})
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")], ipv6=True).reach is Reach.UNKNOWN
    explicit = model_of({"A": sg(SecurityGroupEgress=[egress({"CidrIpv6": "::/0"}, "-1")]), "Peer": sg()})
    assert half(explicit, [rkey("A")], Direction.EGRESS, [rkey("Peer")], ipv6=True).reach is Reach.ALLOWED


def test_stripped_default_egress_blocks() -> None:
    model = model_of({
        "A": sg(), "Peer": sg(), "Other": sg(),
        "Out": res("AWS::EC2::SecurityGroupEgress", GroupId=ref("A"), DestinationSecurityGroupId=ref("Other"),
                   IpProtocol="tcp", FromPort=443, ToPort=443),
    })
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Peer")]).reach is Reach.BLOCKED
    assert half(model, [rkey("A")], Direction.EGRESS, [rkey("Other")]).reach is Reach.ALLOWED


# --- BLOCKED names only what is surely missing -----------------------------------------------------------------


def test_blocked_reports_only_definitely_missing_ports() -> None:
    verdict = ingress_on_a(
        ingress({"SourceSecurityGroupId": ref("P")}, first=1025, last=2000),  # may be the peer
        ingress({"CidrIp": "10.0.0.0/8"}, first=2500, last=2999),  # may cover the peer
        ingress(src("Peer"), first=3000, last=65535),  # surely the peer
        others=[rkey("Peer"), pkey("Q")], ports=EPHEMERAL,
    )
    assert verdict.reach is Reach.BLOCKED
    assert verdict.missing == PortSet.span(2001, 2499)


def test_blocked_missing_is_the_uncovered_part_only() -> None:
    verdict = ingress_on_a(ingress(src("Peer"), first=1025, last=9999), ports=EPHEMERAL)
    assert verdict == Half(Reach.BLOCKED, Direction.INGRESS, missing=PortSet.span(10000, 65535))


# --- conditions -----------------------------------------------------------------------------------------------


def test_guards_are_filtered_by_scenario() -> None:
    rules: list[Json] = [{"Fn::If": ["Open", ingress(src("Peer")), {"Ref": "AWS::NoValue"}]}]
    assert ingress_on_a(*rules, scenario={"Open": True}).reach is Reach.ALLOWED
    assert ingress_on_a(*rules, scenario={"Open": False}).reach is Reach.BLOCKED
    assert ingress_on_a(*rules, scenario={"Other": False}).reach is Reach.ALLOWED  # unconstrained


def test_maybe_rules_are_filtered_by_scenario_too() -> None:
    rules: list[Json] = [{"Fn::If": ["Open", ingress({"SourceSecurityGroupId": ref("P")}), {"Ref": "AWS::NoValue"}]}]
    assert ingress_on_a(*rules, others=[pkey("Q")], scenario={"Open": True}).reach is Reach.UNKNOWN
    assert ingress_on_a(*rules, others=[pkey("Q")], scenario={"Open": False}).reach is Reach.BLOCKED


def test_conditional_standalone_egress_strips_the_default_in_its_scenario() -> None:
    model = model_of({
        "A": sg(), "Peer": sg(),
        "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Condition": "Strict", "Properties": {
            "GroupId": ref("A"), "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.0.0.0/8"}},
    })
    egress_half = [rkey("A")], Direction.EGRESS, [rkey("Peer")]
    assert half(model, *egress_half, scenario={"Strict": False}).reach is Reach.ALLOWED
    assert half(model, *egress_half, scenario={"Strict": True}).reach is Reach.BLOCKED


def test_condition_names() -> None:
    model = model_of({
        "A": {"Type": "AWS::EC2::SecurityGroup", "Condition": "HasA", "Properties": {
            "SecurityGroupIngress": [{"Fn::If": ["Open", ingress(src("Peer")), {"Ref": "AWS::NoValue"}]}]}},
        "Peer": sg(),
    })
    index = PermissionIndex(model)
    assert index.condition_names([rkey("A")], Direction.INGRESS) == {"HasA", "Open"}
    assert index.condition_names([rkey("A")], Direction.EGRESS) == {"HasA"}
    assert index.condition_names([rkey("Peer"), pkey("P")], Direction.INGRESS) == set()
    bare = PermissionIndex(model_of({"B": {"Type": "AWS::EC2::SecurityGroup", "Condition": "HasB",
                                           "Properties": {"SecurityGroupEgress": [egress({"CidrIp": "10.0.0.0/8"})]}}}))
    assert bare.condition_names([rkey("B")], Direction.INGRESS) == {"HasB"}  # no rule: the group's own condition


# --- identity: rules on keys that may name the group (issue 23, defects 1 and 2) -----------------------------


def _rule_on(group: object, **props: object) -> Json:
    return res("AWS::EC2::SecurityGroupIngress", GroupId=group, **ingress(src("Peer")), **props)


def test_a_rule_on_a_group_id_the_template_does_not_pin_down_may_be_any_groups() -> None:
    opaque = {"Fn::GetAtt": ["Lookup", "GroupId"]}
    model = model_of({"A": sg(), "Peer": sg(), "Lookup": res("Custom::Lookup"), "R": _rule_on(opaque)})
    verdict = half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")])
    assert verdict.reach is Reach.UNKNOWN and "which may be A" in verdict.why
    unknown_owner = GroupKey.make(Origin.OPAQUE, "!GetAtt Lookup.GroupId")
    assert _opening(model, [rkey("A")], [rkey("Peer")]).depends_on(P443) == (unknown_owner,)
    # It opens only what it says: other ports stay blocked.
    assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")],
                ports=PortSet.span(10250, 10250)).reach is Reach.BLOCKED


def test_a_rule_that_cannot_be_on_a_group_hides_none_that_may_be() -> None:
    opaque = {"Fn::GetAtt": ["Lookup", "GroupId"]}
    model = model_of({"A": sg(), "Peer": sg(), "Lookup": res("Custom::Lookup"),
                      "First": _rule_on({"Fn::ImportValue": "network-Sg"}), "Second": _rule_on(opaque)})
    opening = _opening(model, [rkey("A")], [rkey("Peer")])
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.UNKNOWN
    [doubt] = opening.unsure(P443)
    assert doubt.rule is not None and doubt.rule.path[:2] == ("Resources", "Second")
    assert doubt.reason == "it is a rule of the group !GetAtt Lookup.GroupId, which may be A"


def test_an_import_may_be_a_group_only_when_the_group_is_handed_out() -> None:
    imported = {"Fn::ImportValue": "network-Sg"}
    closed = model_of({"A": sg(), "Peer": sg(), "R": _rule_on(imported)})
    assert half(closed, [rkey("A")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.BLOCKED
    exported: Json = {"Parameters": PARAMS, "Resources": {"A": sg(), "Peer": sg(), "R": _rule_on(imported)},
                      "Outputs": {"A": {"Value": ref("A")}}}
    # Its own export is never this stack's import: still another group.
    assert half(build_model(exported), [rkey("A")], Direction.INGRESS, [rkey("Peer")]).reach is Reach.BLOCKED


def test_a_default_egress_is_in_doubt_only_where_a_conditional_rule_of_unknown_owner_exists() -> None:
    model = model_of({"A": sg(), "Lookup": res("Custom::Lookup"),
                      "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Condition": "C", "Properties": {
                          "GroupId": {"Fn::GetAtt": ["Lookup", "GroupId"]}, **egress({"CidrIp": "10.0.0.0/8"})}}})
    parts = {(str(p.peer.cidr) if isinstance(p.peer, CidrPeer) else "", p.guard, p.doubt.split(",")[0])
             for p in model.permissions if p.group == rkey("A") and p.source == "default egress"}
    sure, maybe = Guard.when("C", False), Guard.when("C", True)
    doubt = "a standalone egress rule on the group !GetAtt Lookup.GroupId"
    assert parts == {("0.0.0.0/0", sure, ""), ("0.0.0.0/0", maybe, doubt),
                     ("::/0", sure, IPV6_DEFAULT.split(",")[0]), ("::/0", maybe, doubt)}


def test_a_default_egress_a_rule_of_unknown_owner_may_have_stripped_is_only_maybe_there() -> None:
    model = model_of({"A": sg(), "Lookup": res("Custom::Lookup"),
                      "Out": res("AWS::EC2::SecurityGroupEgress", GroupId={"Fn::GetAtt": ["Lookup", "GroupId"]},
                                 **egress({"CidrIp": "10.0.0.0/8"}))})
    defaults = [p for p in model.permissions if p.group == rkey("A") and p.source == "default egress"]
    assert defaults and all(not p.certain for p in defaults)
    assert "would remove this default" in defaults[0].doubt


# --- ports that rules open together --------------------------------------------------------------------


def _covers_slash24(networks: list[Network]) -> bool:
    return union_covers(ipaddress.ip_network("10.0.0.0/24"), networks)


LOW, HIGH = (ipaddress.ip_network("10.0.0.0/25"),), (ipaddress.ip_network("10.0.0.128/25"),)


def ports(*spans: tuple[int, int]) -> PortSet:
    found = NO_PORTS
    for first, last in spans:
        found = found | PortSet.span(first, last)
    return found


@pytest.mark.parametrize(("parts", "known", "together"), [
    ([(LOW, ports((443, 443))), (HIGH, ports((443, 443)))], NO_PORTS, ports((443, 443))),
    ([(LOW, ports((443, 443)))], NO_PORTS, NO_PORTS),  # one rule alone is judged elsewhere
    ([(LOW, ports((443, 443))), (LOW, ports((443, 443)))], NO_PORTS, NO_PORTS),  # the same half twice
    ([(LOW, ports((443, 443))), (HIGH, ports((80, 80)))], NO_PORTS, NO_PORTS),  # each port from one half only
    ([(LOW, ports((0, 1000))), (HIGH, ports((500, 2000)))], NO_PORTS, ports((500, 1000))),
    ([(LOW, ports((10, 20))), (HIGH, ports((20, 30)))], NO_PORTS, ports((20, 20))),
    ([(LOW, ports((443, 444))), (HIGH, ports((443, 444)))], ports((443, 443)), ports((444, 444))),
    ([(LOW, ports((443, 445))), (HIGH, ports((443, 443))), (HIGH, ports((445, 445)))], NO_PORTS,
     ports((443, 443), (445, 445))),
    ([(LOW, ports((1, 9), (20, 29))), (HIGH, ports((1, 29)))], NO_PORTS, ports((1, 9), (20, 29))),
    ([(LOW, ports((1, 10))), (HIGH, ports((1, 10)))], ports((3, 5)), ports((1, 2), (6, 10))),  # known in between
    ([(LOW, ports((1, 29))), (HIGH, ports((10, 29)))], NO_PORTS, ports((10, 29))),  # one half first, then both
])
def test_ports_are_open_together_where_the_rules_opening_them_cover_the_target(
        parts: list[tuple[tuple[Network, ...], PortSet]], known: PortSet, together: PortSet) -> None:
    assert ports_together(parts, known, _covers_slash24) == together


# --- towards the internet (public AWS endpoints) -------------------------------------------------------


@pytest.mark.parametrize(("rules", "ipv4", "ipv6"), [
    ([{"CidrIp": "0.0.0.0/0"}], Reach.ALLOWED, Reach.BLOCKED),
    ([{"CidrIpv6": "::/0"}], Reach.BLOCKED, Reach.ALLOWED),
    ([{"CidrIp": "0.0.0.0/1"}, {"CidrIp": "128.0.0.0/1"}], Reach.ALLOWED, Reach.BLOCKED),
    ([{"CidrIpv6": "::/1"}, {"CidrIpv6": "8000::/1"}], Reach.BLOCKED, Reach.ALLOWED),
    ([{"CidrIp": "0.0.0.0/1"}], Reach.UNKNOWN, Reach.BLOCKED),  # may hold the endpoints' addresses
    ([{"CidrIp": "52.94.0.0/16"}], Reach.UNKNOWN, Reach.BLOCKED),
    ([{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}], Reach.BLOCKED, Reach.BLOCKED),  # never public
    ([{"CidrIpv6": "fd00::/8"}], Reach.BLOCKED, Reach.BLOCKED),
    ([{"CidrIp": ref("Cidr")}], Reach.UNKNOWN, Reach.UNKNOWN),  # a parameter may be 0.0.0.0/0: never BLOCKED
    ([{"CidrIpv6": ref("Cidr")}], Reach.UNKNOWN, Reach.UNKNOWN),
    ([{"CidrIpv6": "0.0.0.0/0"}], Reach.BLOCKED, Reach.BLOCKED),  # the wrong family for its property
    ([{"DestinationPrefixListId": "pl-63a5400a"}], Reach.BLOCKED, Reach.BLOCKED),  # gateway endpoints: own check
    ([{}], Reach.UNKNOWN, Reach.UNKNOWN),  # no peer at all: it may be anything
])
def test_egress_towards_the_internet(rules: list[Json], ipv4: Reach, ipv6: Reach) -> None:
    model = model_of({"A": sg(SecurityGroupEgress=[egress(rule) for rule in rules])})
    for family_is_ipv6, expected in ((False, ipv4), (True, ipv6)):
        opening = PermissionIndex(model).opening_to_internet(Side([rkey("A")]), protocol=TCP, scenario={},
                                                             ipv6=family_is_ipv6)
        assert opening.verdict(Direction.EGRESS, P443).reach is expected, (rules, family_is_ipv6)


# --- what an undecidable verdict hangs on (IK0001 names it) -----------------------------------------------


def _opening(model: Model, side: Sequence[GroupKey], others: Sequence[GroupKey]) -> Opening:
    return PermissionIndex(model).opening(Side(side), Direction.INGRESS, toward=Side(others), protocol=TCP,
                                          scenario={}, ipv6=False)


def _toward_addresses(model: Model, addresses: Addresses, ipv6: bool = False) -> Opening:
    """Ingress of group A from a side without groups in these subnets."""
    return PermissionIndex(model).opening(Side([rkey("A")]), Direction.INGRESS, toward=Side([]), protocol=TCP,
                                          scenario={}, ipv6=ipv6, addresses=addresses)


def test_an_undecidable_verdict_names_the_groups_whose_rules_are_elsewhere() -> None:
    model = model_of({"Peer": sg(), "In": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("P"),
                                              SourceSecurityGroupId=ref("Peer"), IpProtocol="tcp", FromPort=443,
                                              ToPort=443)})
    opening = _opening(model, [pkey("P"), pkey("Q")], [rkey("Peer")])
    assert opening.depends_on(EPHEMERAL) == (pkey("P"), pkey("Q"))
    assert opening.depends_on(P443) == ()  # allowed anyway: it hangs on nothing


def test_an_undecidable_verdict_names_the_peers_that_may_be_the_other_side() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")})])})
    opening = _opening(model, [rkey("A")], [pkey("Q")])
    assert opening.depends_on(P443) == (pkey("P"), pkey("Q"))
    assert opening.unsure(P443) == ()  # no visible rule of its own is in doubt
    assert _opening(model, [rkey("A")], [pkey("P")]).depends_on(P443) == ()


def test_an_undecidable_verdict_names_every_peer_that_may_be_the_other_side() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")})]),
                      "B": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("R")}),
                                                   ingress({"SourceSecurityGroupId": ref("P")})])})
    opening = _opening(model, [rkey("A"), rkey("B")], [pkey("Q")])
    assert opening.depends_on(P443) == (pkey("P"), pkey("Q"), pkey("R"))


def test_each_value_an_undecidable_verdict_hangs_on_is_named_once() -> None:
    """Two rules from the same parameter group: the verdict hangs on it (and on the other side) once each."""
    from_p: Json = {"SourceSecurityGroupId": ref("P")}
    model = model_of({"A": sg(SecurityGroupIngress=[ingress(from_p), ingress(from_p, first=10250, last=10250)])})
    assert _opening(model, [rkey("A")], [pkey("Q")]).doubtful == (pkey("P"), pkey("Q"))


def test_an_undecidable_verdict_names_its_rules_in_doubt() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"CidrIp": "10.0.0.0/8"})])})
    opening = _toward_addresses(model, subnets("10.1.0.0/24", complete=False))
    [doubt] = opening.unsure(P443)
    assert doubt.rule is not None and doubt.rule.path == ("Resources", "A", "Properties", "SecurityGroupIngress", 0,
                                                          "CidrIp")
    assert doubt.why(OTHER_SIDE) == "whether the subnets of the other side lie inside 10.0.0.0/8 is not known here"
    assert doubt.why("node group Ng") == "whether the subnets of node group Ng lie inside 10.0.0.0/8 is not known here"
    assert opening.unsure(PortSet.span(80, 80)) == ()  # 80 is surely closed: nothing to doubt
    assert opening.depends_on(P443) == ()


@pytest.mark.parametrize(("rules", "blocks", "ipv6", "reach", "why"), [
    ([{"CidrIp": "10.0.0.0/25"}, {"CidrIp": "10.0.0.128/25"}], subnets("10.0.0.0/24"), False, Reach.ALLOWED, ""),
    ([{"CidrIp": "10.0.0.0/25"}], subnets("10.0.0.0/24"), False, Reach.BLOCKED, ""),
    ([{"CidrIpv6": "::/1"}, {"CidrIpv6": "8000::/1"}], subnets("10.0.0.0/24"), True, Reach.ALLOWED, ""),
    ([{"CidrIpv6": "::/1"}], subnets("10.0.0.0/24"), True, Reach.UNKNOWN,
     "whether the IPv6 addresses of the other side lie inside ::/1 is not known here"),
    ([{"CidrIp": "10.0.0.0/8"}], subnets("10.0.0.0/24", complete=False), False, Reach.UNKNOWN,
     "whether the subnets of the other side lie inside 10.0.0.0/8 is not known here"),
    ([{"CidrIp": "10.0.0.0/8"}], Addresses(), False, Reach.UNKNOWN,
     "whether the subnets of the other side lie inside 10.0.0.0/8 is not known here"),
    ([{"CidrIp": "10.0.0.0/8", "FromPort": ref("Cidr")}], subnets("10.0.0.0/24"), False, Reach.UNKNOWN,
     "its IpProtocol or ports are not fixed here (a parameter, a mapping or an invalid value)"),
    ([{"CidrIp": "192.168.0.0/16"}, {"CidrIp": "10.0.0.0/8"}], subnets("10.0.0.0/24", complete=False), False,
     Reach.UNKNOWN, "whether the subnets of the other side lie inside 192.168.0.0/16 is not known here"),
    ([{}], subnets("10.0.0.0/24"), False, Reach.UNKNOWN, "it names no peer (EC2 rejects it)"),
    ([{"CidrIp": ref("Cidr")}], subnets("10.0.0.0/24"), False, Reach.UNKNOWN,
     "its peer (CidrIp !Ref Cidr) is not known here"),
    ([{"SourcePrefixListId": "pl-1"}], subnets("10.0.0.0/24"), False, Reach.UNKNOWN,
     "the entries of prefix list pl-1 are not known here"),
    ([{"SourcePrefixListId": "pl-1"}], subnets("10.0.0.0/24"), True, Reach.UNKNOWN,
     "the IPv6 entries of prefix list pl-1 are not modelled"),
    ([{"SourcePrefixListId": ref("Pl")}], subnets("10.0.0.0/24", complete=False), False, Reach.UNKNOWN,
     "whether the subnets of the other side lie inside prefix list ${Pl} is not known here"),
    ([{"CidrIp": {"Fn::Select": [0, ref("Blocks")]}}], subnets("10.0.0.0/24"), False, Reach.UNKNOWN,
     "its peer (CidrIp !Select [0, !Ref Blocks]) is not known here"),
])
def test_address_rules_are_judged_subnet_by_subnet(rules: list[Json], blocks: Addresses, ipv6: bool, reach: Reach,
                                                    why: str) -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress(rule) for rule in rules]),
                      "Pl": res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/16"}])})
    opening = _toward_addresses(model, blocks, ipv6=ipv6)
    verdict = opening.verdict(Direction.INGRESS, P443)
    assert (verdict.reach, verdict.why.partition(": ")[2] or verdict.why) == (reach, why)


def test_rules_are_named_and_placed_as_the_user_wrote_them() -> None:
    model = model_of({
        "A": sg(SecurityGroupIngress=[ingress(src("A")), ingress({})]),
        "In": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("A"), IpProtocol="tcp", FromPort=1, ToPort=2,
                  SourceSecurityGroupId=ref("A")),
        "Cl": res("AWS::EKS::Cluster"),
    })
    shown = {(rule_label(p), rule_path(p)) for p in model.permissions if p.group in (rkey("A"), pkey("X"))}
    assert shown == {
        ("the ingress rule A.SecurityGroupIngress[0]", ("Resources", "A", "Properties", "SecurityGroupIngress", 0)),
        ("the ingress rule A.SecurityGroupIngress[1]", ("Resources", "A", "Properties", "SecurityGroupIngress", 1)),
        ("the ingress rule In", ("Resources", "In")),
        (f"the default egress of {rkey('A')}", ("Resources", "A")),
    }
    eks = [(rule_label(p), rule_path(p)) for p in model.permissions if p.source == "EKS default"]
    assert ("the EKS default ingress rule of the EKS cluster security group of Cl", ("Resources", "Cl")) in eks


def test_a_peer_nothing_decides_gives_its_own_reason() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")})])})
    verdict = half(model, [rkey("A")], Direction.INGRESS, [pkey("Q")])
    assert verdict == Half(Reach.UNKNOWN, Direction.INGRESS, why="a rule whose peer is not decidable here may allow it")
    egress_verdict = half(model_of({"A": sg(SecurityGroupEgress=[egress({"DestinationSecurityGroupId": ref("P")})])}),
                          [rkey("A")], Direction.EGRESS, [pkey("Q")])
    assert egress_verdict.direction is Direction.EGRESS and egress_verdict.reach is Reach.UNKNOWN


def test_what_a_side_opens_when_it_is_one_of_two_things() -> None:
    rule = model_of({"A": sg(SecurityGroupIngress=[ingress(src("A"))])}).permissions[0]
    first, second = Doubt(rule, P443, "first"), Doubt(None, P443, "second")
    this = Opening(PortSet.span(22, 22) | P443, PortSet.span(80, 80), "", (pkey("P"),), (pkey("Q"),), (first,))
    that = Opening(P443, PortSet.span(8080, 8080), "hidden", (pkey("P"), pkey("R")), (pkey("S"),),
                   (first, second))
    why = Doubt(None, NO_PORTS, "the setting", ("Resources", "Cl"), "the cluster's IpFamily")
    either = this.either(that, why)
    assert either == Opening(P443, PortSet.span(22, 22) | PortSet.span(80, 80) | PortSet.span(8080, 8080), "hidden",
                             (pkey("P"), pkey("R")), (pkey("Q"), pkey("S")),
                             (first, second, why._replace(ports=PortSet.span(22, 22))))
    same = this.either(this, why)
    assert same == this  # nothing differs: nothing to doubt


# --- what each rule counts for, and what an undecidable verdict names (issue 24) ------------------------------

CIDR_PORTS: Json = {"FromPort": ref("Cidr"), "ToPort": ref("Cidr")}  # ports a parameter gives: not fixed here
UNFIXED_PORTS = "its IpProtocol or ports are not fixed here (a parameter, a mapping or an invalid value)"


def test_a_rule_of_a_group_that_may_be_this_one_may_open_its_way_to_the_internet() -> None:
    """A has no internet egress of its own, but a rule on a GroupId the template cannot pin down may be A's."""
    model = model_of({
        "A": sg(SecurityGroupEgress=[egress({"CidrIp": "10.0.0.0/8"})]), "Lookup": res("Custom::Lookup"),
        "Out": res("AWS::EC2::SecurityGroupEgress", GroupId={"Fn::GetAtt": ["Lookup", "GroupId"]},
                   **egress({"CidrIp": "0.0.0.0/0"})),
    })
    opening = PermissionIndex(model).opening_to_internet(Side([rkey("A")]), protocol=TCP, scenario={}, ipv6=False)
    assert opening.verdict(Direction.EGRESS, P443).reach is Reach.UNKNOWN
    assert opening.verdict(Direction.EGRESS, PortSet.span(80, 80)).reach is Reach.BLOCKED


def test_a_rule_naming_a_group_of_the_other_side_hangs_only_on_its_own_ports() -> None:
    """The rule names P, which is on the other side: whether it allows the flow depends on its ports, not on
    whether P may be Q."""
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")}) | CIDR_PORTS])})
    opening = _opening(model, [rkey("A")], [pkey("P"), pkey("Q")])
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.UNKNOWN
    assert opening.depends_on(P443) == ()
    [doubt] = opening.unsure(P443)
    rule = next(p for p in model.permissions if p.direction is Direction.INGRESS)
    assert (doubt.rule, doubt.reason) == (rule, UNFIXED_PORTS)


def test_every_rule_naming_a_peer_that_may_be_the_other_side_counts() -> None:
    """A rule from the other side's own group comes first; the next one, from R, may be from it too."""
    model = model_of({"A": sg(SecurityGroupIngress=[ingress({"SourceSecurityGroupId": ref("P")}),
                                                   ingress({"SourceSecurityGroupId": ref("R")}, first=80, last=80)])})
    opening = _opening(model, [rkey("A")], [pkey("P")])
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.ALLOWED
    assert opening.verdict(Direction.INGRESS, PortSet.span(80, 80)).reach is Reach.UNKNOWN
    assert opening.depends_on(PortSet.span(80, 80)) == (pkey("R"), pkey("P"))


def test_a_rule_its_condition_leaves_out_does_not_hide_the_rules_after_it() -> None:
    model = model_of({"A": sg(SecurityGroupIngress=[if_("C", ingress(src("Peer"))),
                                                   ingress(src("Peer"), first=80, last=80)]), "Peer": sg()})
    for scenario, reach in (({"C": False}, Reach.BLOCKED), ({"C": True}, Reach.ALLOWED)):
        assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")], scenario=scenario).reach is reach
        assert half(model, [rkey("A")], Direction.INGRESS, [rkey("Peer")], scenario=scenario,
                    ports=PortSet.span(80, 80)).reach is Reach.ALLOWED


def test_a_side_with_rules_elsewhere_hangs_on_that_group_not_on_its_visible_rules() -> None:
    """IK0001 names P, whose rules are not here; A's rule in doubt is no cause of its own then."""
    model = model_of({"A": sg(SecurityGroupIngress=[ingress(src("Peer")) | CIDR_PORTS]), "Peer": sg()})
    opening = _opening(model, [rkey("A"), pkey("P")], [rkey("Peer")])
    verdict = opening.verdict(Direction.INGRESS, P443)
    assert (verdict.reach, verdict.why) == (Reach.UNKNOWN, "the rules of parameter P are defined outside this template")
    assert opening.unsure(P443) == ()
    assert opening.depends_on(P443) == (pkey("P"),)


def _address_opening(rules: list[Json], blocks: Addresses, ipv6: bool = False) -> Opening:
    model = model_of({"A": sg(SecurityGroupIngress=[ingress(rule) for rule in rules]),
                      "Pl": res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/16"}])})
    return _toward_addresses(model, blocks, ipv6=ipv6)


def test_a_rule_that_covers_no_subnet_of_the_other_side_is_never_in_doubt() -> None:
    """192.168.0.0/16 never covers 10.0.0.0/24, whatever its ports: only the parameter range may."""
    opening = _address_opening([{"CidrIp": "192.168.0.0/16"} | CIDR_PORTS, {"CidrIp": ref("Cidr")}],
                               subnets("10.0.0.0/24"))
    assert [doubt.reason for doubt in opening.unsure(P443)] == ["its peer (CidrIp !Ref Cidr) is not known here"]


def test_a_rule_in_doubt_on_every_subnet_is_named_once() -> None:
    opening = _address_opening([{"CidrIp": "10.0.0.0/8"} | CIDR_PORTS], subnets("10.0.0.0/24", "10.0.1.0/24"))
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.UNKNOWN
    assert [doubt.reason for doubt in opening.unsure(P443)] == [UNFIXED_PORTS]


def test_a_range_in_doubt_is_no_cause_where_another_rule_surely_opens_the_ports() -> None:
    """IPv4 or IPv6 is not fixed: 0.0.0.0/0 opens 443 to IPv4 anyway, so only the family decides, never whether
    the subnets lie inside 10.0.0.0/8."""
    rules: list[Json] = [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]
    as_ipv4 = _address_opening(rules, subnets("10.0.0.0/24", complete=False))
    as_ipv6 = _address_opening(rules, subnets("10.0.0.0/24", complete=False), ipv6=True)
    assert as_ipv4.doubts == ()
    family = Doubt(None, NO_PORTS, "the setting", ("Resources", "Cl"), "the cluster's IpFamily")
    either = as_ipv4.either(as_ipv6, family)
    assert either.verdict(Direction.INGRESS, P443).reach is Reach.UNKNOWN
    assert either.unsure(P443) == (family._replace(ports=P443),)


def test_a_prefix_list_of_ipv4_entries_never_surely_admits_ipv6_traffic() -> None:
    """The template's prefix list holds 10.0.0.0/16, which covers the subnet's IPv4 block: IPv6 traffic is
    another matter."""
    assert _address_opening([{"SourcePrefixListId": ref("Pl")}], subnets("10.0.0.0/24")).verdict(
        Direction.INGRESS, P443).reach is Reach.ALLOWED
    verdict = _address_opening([{"SourcePrefixListId": ref("Pl")}], subnets("10.0.0.0/24"), ipv6=True).verdict(
        Direction.INGRESS, P443)
    assert verdict.reach is not Reach.ALLOWED


def test_a_range_this_template_cannot_read_may_or_may_not_reach_the_internet() -> None:
    """10.0.0.0/33 is no range: what it names is not known here, like a parameter's (never BLOCKED)."""
    model = model_of({"A": sg(SecurityGroupEgress=[egress({"CidrIp": "10.0.0.0/33"})])})
    opening = PermissionIndex(model).opening_to_internet(Side([rkey("A")]), protocol=TCP, scenario={}, ipv6=False)
    assert opening.verdict(Direction.EGRESS, P443).reach is Reach.UNKNOWN


@pytest.mark.parametrize(("entries", "ipv6", "blocks"), [
    (["::/1", "8000::/1"], True, subnets("10.0.0.0/24")),
    (["::/0"], True, subnets("10.0.0.0/24")),
    (["0.0.0.0/1", "128.0.0.0/1"], False, Addresses()),
])
def test_a_prefix_list_whose_entries_hold_every_address_covers_any_subnet(
        entries: list[str], ipv6: bool, blocks: Addresses) -> None:
    """Whatever the subnets' blocks (IPv6 blocks are not modelled; here the IPv4 ones are not known), a prefix list
    that holds every address of the flow's family admits the whole other side, alone or next to other rules."""
    model = model_of({
        "A": sg(SecurityGroupIngress=[ingress({"SourcePrefixListId": ref("Everything")}),
                                      ingress({"CidrIp": "192.168.0.0/16"})]),
        "Everything": res("AWS::EC2::PrefixList", Entries=[{"Cidr": cidr} for cidr in entries]),
    })
    opening = _toward_addresses(model, blocks, ipv6=ipv6)
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.ALLOWED


def test_a_prefix_list_holding_part_of_the_ipv6_space_stays_undecided() -> None:
    """::/1 alone: whether the other side's IPv6 addresses lie inside it is not known (not modelled)."""
    model = model_of({
        "A": sg(SecurityGroupIngress=[ingress({"SourcePrefixListId": ref("Half")}), ingress({"CidrIp": "10.0.0.0/8"})]),
        "Half": res("AWS::EC2::PrefixList", Entries=[{"Cidr": "::/1"}]),
    })
    opening = _toward_addresses(model, subnets("10.0.0.0/24"), ipv6=True)
    verdict = opening.verdict(Direction.INGRESS, P443)
    assert (verdict.reach, verdict.why.partition(": ")[2]) == (
        Reach.UNKNOWN, "the IPv6 entries of prefix list ${Half} are not modelled")


def test_a_prefix_list_holding_every_ipv6_address_admits_no_ipv4_traffic() -> None:
    """::/0 in a prefix list is every IPv6 address and no IPv4 one: an IPv4 flow stays closed."""
    model = model_of({
        "A": sg(SecurityGroupIngress=[ingress({"SourcePrefixListId": ref("Ipv6")})]),
        "Ipv6": res("AWS::EC2::PrefixList", AddressFamily="IPv6", Entries=[{"Cidr": "::/0"}]),
    })
    opening = _toward_addresses(model, subnets("10.0.0.0/24"))
    assert opening.verdict(Direction.INGRESS, P443).reach is Reach.BLOCKED


DNS = ((TCP, PortSet.span(53, 53)), (UDP, PortSet.span(53, 53)))


@pytest.mark.parametrize(("halves", "verdict"), [
    ((Half(Reach.ALLOWED, Direction.EGRESS), Half(Reach.ALLOWED, Direction.EGRESS)), Verdict(Reach.ALLOWED)),
    # Blocked on any protocol is blocked, with what no rule allows per protocol; an unknown one does not hide it.
    ((Half(Reach.UNKNOWN, Direction.EGRESS, why="a"), Half(Reach.BLOCKED, Direction.EGRESS, PortSet.span(53, 53))),
     Verdict(Reach.BLOCKED, ((UDP, PortSet.span(53, 53)),))),
    ((Half(Reach.BLOCKED, Direction.EGRESS, PortSet.span(53, 53)),
      Half(Reach.BLOCKED, Direction.EGRESS, PortSet.span(53, 53))),
     Verdict(Reach.BLOCKED, ((TCP, PortSet.span(53, 53)), (UDP, PortSet.span(53, 53))))),
    # Else unknown on any: the first one's why.
    ((Half(Reach.ALLOWED, Direction.EGRESS), Half(Reach.UNKNOWN, Direction.EGRESS, why="b")),
     Verdict(Reach.UNKNOWN, why="b")),
    ((Half(Reach.UNKNOWN, Direction.EGRESS, why="a"), Half(Reach.UNKNOWN, Direction.EGRESS, why="b")),
     Verdict(Reach.UNKNOWN, why="a")),
])
def test_a_flow_half_over_several_protocols(halves: tuple[Half, Half], verdict: Verdict) -> None:
    assert combined(DNS, halves) == verdict


def test_a_flow_half_needs_one_verdict_per_protocol() -> None:
    with pytest.raises(ValueError):
        combined(DNS, [Half(Reach.BLOCKED, Direction.EGRESS, PortSet.span(53, 53))])


def test_a_rule_naming_a_piece_of_the_vpc_block_covers_that_piece_only() -> None:
    """Kubelet ingress from `Select [0, Cidr [GetAtt Vpc.CidrBlock, 4, 8]]` (10.0.0.0/24) does not reach the control
    plane's subnet 10.0.1.0/24 of the same VPC: EK1002 (the piece was once taken for the whole VPC block)."""
    from cfnlint_eks_sg._analysis import analyse

    piece = {"Fn::Select": [0, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]}
    subnet_b = {"Fn::Select": [1, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]}
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": subnet_b}},
        "Cp": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "cp", "VpcId": {"Ref": "Vpc"}}},
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"RoleArn": "r", "ResourcesVpcConfig": {
            "SubnetIds": [{"Ref": "Sub"}], "SecurityGroupIds": [{"Ref": "Cp"}]}}},
        "NodeSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "n", "SecurityGroupIngress": [
            {"IpProtocol": "-1", "CidrIp": piece}]}},
        "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
            "SecurityGroupIds": [{"Ref": "NodeSg"}]}}},
        "Nodes": {"Type": "AWS::EKS::Nodegroup", "Properties": {"ClusterName": {"Ref": "Cluster"}, "NodeRole": "n",
                                                                "Subnets": [{"Ref": "Sub"}],
                                                                "LaunchTemplate": {"Id": {"Ref": "Lt"}}}},
    }}
    assert analyse(template).findings_for("EK1002")
