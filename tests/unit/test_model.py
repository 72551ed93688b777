"""Unit tests for the model stage: group identity, permissions, default egress, attachments, node evidence."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import (
    ALL_PORTS,
    ALL_TRAFFIC,
    ICMP,
    ICMPV6,
    NO_PORTS,
    TCP,
    UDP,
    IpProtocol,
    PortSet,
)
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import (
    ANYWHERE_V4,
    ANYWHERE_V6,
    Attachment,
    CidrPeer,
    Compute,
    Direction,
    GroupKey,
    GroupPeer,
    Identity,
    Model,
    Origin,
    Permission,
    PrefixListPeer,
    Truth,
    UnknownPeer,
)
from tests.unit.pieces import Json, getatt, key, ref, res, rkey, sg, sub

X = Guard.when("X", True)
NOT_X = Guard.when("X", False)


# --- helpers --------------------------------------------------------------------------------------


def fn_if(cond: str, yes: object, no: object) -> Json:
    return {"Fn::If": [cond, yes, no]}


NO_VALUE: Json = {"Ref": "AWS::NoValue"}


def tmpl(resources: Json, parameters: Json | None = None, **extra: object) -> Json:
    out: Json = {"Resources": resources}
    if parameters is not None:
        out["Parameters"] = parameters
    out.update(extra)
    return out


def attachment(model: Model, name: str, variant: str = "") -> Attachment:
    return next(a for a in model.attachments if a.resource == name and a.variant == variant)


def member_keys(model: Model, name: str, variant: str = "") -> list[GroupKey]:
    return [m.key for m in attachment(model, name, variant).members]


def probe_keys(value: object, resources: Json | None = None, parameters: Json | None = None) -> list[GroupKey]:
    """The group keys an instance's SecurityGroupIds list resolves to."""
    all_resources: Json = {"Probe": res("AWS::EC2::Instance", SecurityGroupIds=value)}
    all_resources.update(resources or {})
    return member_keys(build_model(tmpl(all_resources, parameters)), "Probe")


def perms(
    model: Model, group: GroupKey, direction: Direction | None = None, source: str | None = None,
) -> list[Permission]:
    return [
        p for p in model.permissions
        if p.group == group
        and (direction is None or p.direction is direction)
        and (source is None or p.source == source)
    ]


def one_rule(rule: Json, parameters: Json | None = None) -> Permission:
    """The single ingress permission of a group with one inline ingress rule."""
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[rule])}, parameters))
    (perm,) = perms(model, rkey("G"), Direction.INGRESS)
    return perm


def cidr_rule(protocol: object, from_port: object = None, to_port: object = None) -> Json:
    rule: Json = {"IpProtocol": protocol, "CidrIp": "10.0.0.0/8"}
    if from_port is not None:
        rule["FromPort"] = from_port
    if to_port is not None:
        rule["ToPort"] = to_port
    return rule


# --- group identity ---------------------------------------------------------------------------------


def test_ref_and_getatt_group_id_are_the_same_group() -> None:
    keys = probe_keys(
        [ref("Nodes"), getatt("Nodes", "GroupId"), {"Fn::GetAtt": "Nodes.GroupId"}, sub("${Nodes}")],
        {"Nodes": sg()},
    )
    assert keys == [rkey("Nodes")] * 4


def test_getatt_cluster_security_group_id_is_the_cluster_group() -> None:
    keys = probe_keys(
        [getatt("Cl", "ClusterSecurityGroupId"), getatt("Cdk", "ClusterSecurityGroupId")],
        {"Cl": res("AWS::EKS::Cluster"), "Cdk": res("Custom::AWSCDK-EKS-Cluster")},
    )
    assert keys == [key(Origin.CLUSTER, "Cl"), key(Origin.CLUSTER, "Cdk")]


def test_other_getatt_shapes() -> None:
    keys = probe_keys(
        [getatt("Vpc", "DefaultSecurityGroup"), getatt("Child", "Outputs.NodeSG"), getatt("Nodes", "VpcId")],
        {"Vpc": res("AWS::EC2::VPC"), "Child": res("AWS::CloudFormation::Stack"), "Nodes": sg()},
    )
    assert [k.origin for k in keys] == [Origin.VPC_DEFAULT, Origin.NESTED, Origin.OPAQUE]
    assert keys[0].ident == "Vpc"
    assert keys[1].ident == "Child.NodeSG"


def test_parameter_is_an_external_group_whatever_its_default() -> None:
    params: Json = {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id", "Default": "sg-0123"}}
    keys = probe_keys([ref("Cp"), sub("${Cp}")], parameters=params)
    assert keys == [key(Origin.PARAMETER, "Cp")] * 2
    assert keys[0] != key(Origin.LITERAL, "sg-0123")


def test_list_parameter_is_one_parameter_group() -> None:
    params: Json = {"Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}}
    assert probe_keys(ref("Groups"), parameters=params) == [key(Origin.PARAMETER, "Groups")]


def test_select_on_a_list_parameter_is_a_parameter_item() -> None:
    params: Json = {
        "Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"},
        "Csv": {"Type": "CommaDelimitedList"},
    }
    keys = probe_keys(
        [{"Fn::Select": [1, ref("Groups")]}, {"Fn::Select": ["0", {"Fn::Split": [",", ref("Csv")]}]}],
        parameters=params,
    )
    assert keys == [key(Origin.PARAMETER_ITEM, "Groups[1]"), key(Origin.PARAMETER_ITEM, "Csv[0]")]


def test_select_from_a_literal_list() -> None:
    keys = probe_keys([{"Fn::Select": [1, ["sg-1", ref("Nodes")]]}], {"Nodes": sg()})
    assert keys == [rkey("Nodes")]


def test_split_of_a_list_parameter() -> None:
    params: Json = {"Csv": {"Type": "CommaDelimitedList"}}
    assert probe_keys({"Fn::Split": [",", ref("Csv")]}, parameters=params) == [key(Origin.PARAMETER, "Csv")]


def test_split_over_sub_and_join_2019_node_template() -> None:
    # SecurityGroups: !Split [",", !Sub ["${L},${NodeSecurityGroup}", {L: !Join [",", !Ref MySecurityGroups]}]]
    params: Json = {"MySecurityGroups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}}
    value = {"Fn::Split": [",", {"Fn::Sub": [
        "${L},${NodeSecurityGroup}", {"L": {"Fn::Join": [",", ref("MySecurityGroups")]}},
    ]}]}
    keys = probe_keys(value, {"NodeSecurityGroup": sg()}, params)
    assert keys == [key(Origin.PARAMETER, "MySecurityGroups"), rkey("NodeSecurityGroup")]


def test_split_over_sub_with_literal_pieces() -> None:
    value = {"Fn::Split": [",", sub("${A}, sg-0abc ,${B}")]}
    keys = probe_keys(value, {"A": sg(), "B": sg()})
    assert keys == [rkey("A"), key(Origin.LITERAL, "sg-0abc"), rkey("B")]


def test_import_value() -> None:
    keys = probe_keys([{"Fn::ImportValue": "net-NodeSG"}, {"Fn::ImportValue": sub("${Stack}::SecurityGroup")}])
    assert keys == [key(Origin.IMPORT, "net-NodeSG"), key(Origin.IMPORT, "${Stack}::SecurityGroup")]


def test_literal_ids() -> None:
    keys = probe_keys(["sg-0123", " sg-0456 ", ""])
    assert keys == [key(Origin.LITERAL, "sg-0123"), key(Origin.LITERAL, "sg-0456")]


def test_unknown_expression_is_opaque() -> None:
    (only,) = probe_keys([ref("AWS::StackName")])
    assert only.origin is Origin.OPAQUE


def test_group_name_lookup() -> None:
    resources: Json = {
        "Named": sg(GroupName="web"),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroups": ["web", "elsewhere"]}),
        "Ng": res("AWS::EKS::Nodegroup", ClusterName="c", LaunchTemplate={"Id": ref("Lt")}),
        "ByName": res("AWS::EC2::SecurityGroupIngress", GroupName="web", IpProtocol="tcp", FromPort=22, ToPort=22,
                      SourceSecurityGroupName="web"),
    }
    model = build_model(tmpl(resources))
    assert member_keys(model, "Ng") == [rkey("Named"), key(Origin.NAME, "elsewhere")]
    (rule,) = perms(model, rkey("Named"), Direction.INGRESS)
    assert rule.peer == GroupPeer(rkey("Named"))
    assert rule.source == "standalone"


@pytest.mark.parametrize(("peer", "expected"), [
    ({"SourceSecurityGroupName": "nameless"}, GroupPeer(key(Origin.NAME, "nameless"))),
    ({"SourceSecurityGroupId": "nameless"}, GroupPeer(key(Origin.LITERAL, "nameless"))),
    ({"SourceSecurityGroupId": ""}, UnknownPeer("SourceSecurityGroupId is empty")),
    ({"CidrIp": {"Ref": "P"}}, UnknownPeer("CidrIp !Ref P", "{Ref:'P'}")),
    ({"CidrIpv6": {"Ref": "P"}}, UnknownPeer("CidrIpv6 !Ref P")),
    ({"CidrIp": {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}},
     CidrPeer("!Select [0, !Cidr [10.0.0.0/16, 2, 8]]", 4)),
    ({"CidrIpv6": {"Fn::Select": [0, {"Fn::Cidr": ["fd00::/56", 2, 64]}]}},
     CidrPeer('!Select [0, !Cidr ["fd00::/56", 2, 64]]', 6)),
    ({"SourcePrefixListId": {"Ref": "Pl"}}, PrefixListPeer("${Pl}")),
    ({"SourcePrefixListId": {"Fn::ImportValue": "shared-pl"}}, PrefixListPeer("!ImportValue(shared-pl)")),
    ({"SourcePrefixListId": {"Fn::GetAtt": ["Pl", "Arn"]}}, PrefixListPeer("!GetAtt Pl.Arn")),
])
def test_each_way_of_writing_a_peer(peer: Json, expected: object) -> None:
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **peer}
    found = one_rule(rule, {"P": {"Type": "String"}, "Pl": {"Type": "String"}}).peer
    assert (found, type(found)) == (expected, type(expected))
    if isinstance(found, UnknownPeer) and isinstance(expected, UnknownPeer):
        assert (found.why, found.cidr) == (expected.why, expected.cidr)


def test_a_cidr_the_template_computes_covers_what_it_computes() -> None:
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "CidrIp": {"Fn::Select": [1, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}}
    peer = one_rule(rule).peer
    assert isinstance(peer, CidrPeer) and peer.covers is not None
    assert [str(n) for n in peer.covers.networks] == ["10.0.1.0/24"]


def test_group_name_in_an_id_list_also_resolves() -> None:
    assert probe_keys(["web", "nameless"], {"Named": sg(GroupName="web")}) == [
        rkey("Named"), key(Origin.LITERAL, "nameless"),
    ]


def test_keys_differ_by_origin() -> None:
    assert key(Origin.PARAMETER, "X") != key(Origin.IMPORT, "X")
    assert key(Origin.RESOURCE, "X") != key(Origin.CLUSTER, "X")
    assert len({key(Origin.PARAMETER, "X"), key(Origin.PARAMETER, "X"), key(Origin.IMPORT, "X")}) == 2


# --- Model.identity -----------------------------------------------------------------------------------

SAME, DIFFERENT, UNKNOWN = Identity.SAME, Identity.DIFFERENT, Identity.UNKNOWN


@pytest.mark.parametrize(
    ("a", "b", "handed", "expected"),
    [
        (rkey("A"), rkey("A"), False, SAME),
        (rkey("A"), rkey("B"), True, DIFFERENT),
        (rkey("A"), key(Origin.PARAMETER, "P"), False, DIFFERENT),
        (rkey("A"), key(Origin.PARAMETER, "P"), True, DIFFERENT),  # a stack cannot be given its own group
        (rkey("A"), key(Origin.PARAMETER, "nodes::P"), True, UNKNOWN),  # another stack's parameter
        (rkey("A"), key(Origin.PARAMETER_ITEM, "nodes::P[0]"), True, UNKNOWN),
        (rkey("A"), key(Origin.PARAMETER_ITEM, "nodes::P[0]"), False, DIFFERENT),
        (rkey("cluster::A"), key(Origin.IMPORT, "x-ControlPlane"), True, UNKNOWN),
        (rkey("cluster::A"), key(Origin.IMPORT, "x-ControlPlane"), False, DIFFERENT),
        (rkey("nodes::A"), key(Origin.IMPORT, "x-ControlPlane"), True, DIFFERENT),  # never its own export
        (rkey("cluster::A"), key(Origin.PARAMETER, "P"), True, UNKNOWN),
        (key(Origin.CLUSTER, "Cl"), key(Origin.IMPORT, "I"), False, DIFFERENT),
        (key(Origin.CLUSTER, "Cl"), key(Origin.IMPORT, "I"), True, UNKNOWN),
        (key(Origin.VPC_DEFAULT, "Vpc"), key(Origin.LITERAL, "sg-1"), False, DIFFERENT),
        (key(Origin.CLUSTER, "Cl"), key(Origin.EXTERNAL_CLUSTER, "c"), True, DIFFERENT),
        (key(Origin.PARAMETER, "P"), key(Origin.PARAMETER, "Q"), False, UNKNOWN),
        (key(Origin.PARAMETER, "P"), key(Origin.PARAMETER_ITEM, "P[0]"), False, UNKNOWN),
        (key(Origin.PARAMETER, "P"), key(Origin.LITERAL, "sg-1"), False, UNKNOWN),
        (key(Origin.IMPORT, "I"), key(Origin.EXTERNAL_CLUSTER, "c"), False, UNKNOWN),
        (key(Origin.NAME, "web"), key(Origin.LITERAL, "sg-1"), False, UNKNOWN),
        (key(Origin.LITERAL, "sg-1"), key(Origin.LITERAL, "sg-1"), False, SAME),
        (key(Origin.LITERAL, "sg-1"), key(Origin.LITERAL, "sg-2"), False, DIFFERENT),
        (key(Origin.OPAQUE, "?"), rkey("A"), False, UNKNOWN),
        (key(Origin.CLUSTER, "Cl"), key(Origin.OPAQUE, "?"), False, UNKNOWN),
    ],
)
def test_identity_is_three_valued(a: GroupKey, b: GroupKey, handed: bool, expected: Identity) -> None:
    """A created group may be another stack's value only when it is handed out (output, export)."""
    model = Model()
    for value in (a, b):
        model.used_in(value, ("Resources", "nodes::Rule"))  # imports and literal ids: named by the nodes' stack
    if handed:
        model.exported |= {k for k in (a, b) if k.created_here}
    assert model.identity(a, b) is expected
    assert model.identity(b, a) is expected


# --- rules --------------------------------------------------------------------------------------------


def test_inline_rules() -> None:
    model = build_model(tmpl({
        "G": sg(
            SecurityGroupIngress=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": ref("Peer")},
                {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "CidrIpv6": "fd00::/8"},
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "SourcePrefixListId": "pl-123"},
            ],
            SecurityGroupEgress=[
                {"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250, "DestinationSecurityGroupId": ref("Peer")},
            ],
        ),
        "Peer": sg(),
    }))
    ingress = perms(model, rkey("G"), Direction.INGRESS)
    assert [(p.peer, p.protocol, p.ports, p.source) for p in ingress] == [
        (GroupPeer(rkey("Peer")), TCP, PortSet.span(443, 443), "inline"),
        (CidrPeer("fd00::/8", 6), UDP, PortSet.span(53, 53), "inline"),
        (PrefixListPeer("pl-123"), TCP, PortSet.span(80, 80), "inline"),
    ]
    assert ingress[0].path == ("Resources", "G", "Properties", "SecurityGroupIngress", 0, "SourceSecurityGroupId")
    assert all(p.guard == TRUE and p.certain for p in ingress)
    (egress,) = perms(model, rkey("G"), Direction.EGRESS)
    assert (egress.peer, egress.ports, egress.source) == (GroupPeer(rkey("Peer")), PortSet.span(10250, 10250), "inline")
    assert model.groups[rkey("G")].rules_visible


def test_standalone_rules_on_own_and_external_groups() -> None:
    params: Json = {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    model = build_model(tmpl({
        "Nodes": sg(),
        "In": res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Nodes", "GroupId"), IpProtocol="tcp",
                  FromPort=10250, ToPort=10250, SourceSecurityGroupId=ref("Cp")),
        "Out": res("AWS::EC2::SecurityGroupEgress", GroupId=ref("Cp"), IpProtocol="tcp",
                   FromPort=10250, ToPort=10250, DestinationSecurityGroupId=ref("Nodes")),
    }, params))
    (rule_in,) = perms(model, rkey("Nodes"), Direction.INGRESS)
    assert (rule_in.peer, rule_in.ports, rule_in.source) == (
        GroupPeer(key(Origin.PARAMETER, "Cp")), PortSet.span(10250, 10250), "standalone",
    )
    assert rule_in.path == ("Resources", "In", "Properties", "SourceSecurityGroupId")
    (rule_out,) = perms(model, key(Origin.PARAMETER, "Cp"), Direction.EGRESS)
    assert rule_out.peer == GroupPeer(rkey("Nodes"))
    external = model.groups[key(Origin.PARAMETER, "Cp")]
    assert not external.rules_visible
    assert external.path == ("Parameters", "Cp")


def test_rule_without_peer_and_odd_peers() -> None:
    params: Json = {"Cidr": {"Type": "String"}}
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[
        {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1},
        {"IpProtocol": "tcp", "FromPort": 2, "ToPort": 2, "CidrIp": ref("Cidr")},
        {"IpProtocol": "tcp", "FromPort": 3, "ToPort": 3, "SourceSecurityGroupId": ""},
    ])}, params))
    peers = [p.peer for p in perms(model, rkey("G"), Direction.INGRESS)]
    assert peers[0] is None
    assert isinstance(peers[1], UnknownPeer)
    assert isinstance(peers[2], UnknownPeer)


@pytest.mark.parametrize(
    ("raw", "protocol", "ports"),
    [
        (-1, ALL_TRAFFIC, ALL_PORTS),
        ("-1", ALL_TRAFFIC, ALL_PORTS),
        ("tcp", TCP, PortSet.span(443, 443)),
        ("TCP", TCP, PortSet.span(443, 443)),
        (" Tcp ", TCP, PortSet.span(443, 443)),
        ("6", TCP, PortSet.span(443, 443)),
        (6, TCP, PortSet.span(443, 443)),
        ("udp", UDP, PortSet.span(443, 443)),
        (17, UDP, PortSet.span(443, 443)),
        ("icmp", ICMP, NO_PORTS),
        ("1", ICMP, NO_PORTS),
        ("ICMPv6", ICMPV6, NO_PORTS),
        (58, ICMPV6, NO_PORTS),
        ("47", IpProtocol(47), ALL_PORTS),
        (50, IpProtocol(50), ALL_PORTS),
    ],
)
def test_ip_protocol_spellings(raw: object, protocol: IpProtocol, ports: PortSet) -> None:
    perm = one_rule(cidr_rule(raw, 443, 443))
    assert perm.protocol == protocol
    assert perm.ports == ports


@pytest.mark.parametrize("raw", ["all", "any", "256", True, None])
def test_invalid_protocols_are_unreadable(raw: object) -> None:
    perm = one_rule(cidr_rule(raw, 443, 443))
    assert perm.protocol is None
    assert perm.opens(TCP) == (NO_PORTS, ALL_PORTS)


def test_all_traffic_ignores_ports() -> None:
    perm = one_rule(cidr_rule("-1", 443, 443))
    assert perm.ports == ALL_PORTS
    perm = one_rule(cidr_rule(-1))
    assert perm.ports == ALL_PORTS


@pytest.mark.parametrize(
    ("from_port", "to_port", "ports"),
    [
        ("1025", "65535", PortSet.span(1025, 65535)),
        (" 443 ", 443, PortSet.span(443, 443)),
        (-1, -1, NO_PORTS),  # tcp with -1 is rejected by EC2: it opens nothing
        ("-1", "-1", NO_PORTS),
        (90, 80, NO_PORTS),
        (0, 70000, NO_PORTS),
        (None, None, NO_PORTS),
    ],
)
def test_tcp_ports(from_port: object, to_port: object, ports: PortSet) -> None:
    perm = one_rule(cidr_rule("tcp", from_port, to_port))
    assert perm.protocol == TCP  # readable, whatever it opens
    assert perm.ports == ports


def test_ports_given_by_intrinsics_are_unreadable() -> None:
    params: Json = {"Port": {"Type": "Number", "Default": 443}}
    perm = one_rule(cidr_rule("tcp", ref("Port"), ref("Port")), params)
    assert perm.protocol is None
    assert perm.opens(TCP) == (NO_PORTS, ALL_PORTS)
    perm = one_rule(cidr_rule("tcp", 443, {"Fn::FindInMap": ["M", "K", "V"]}))
    assert perm.protocol is None


def test_intrinsic_ports_do_not_matter_for_all_traffic_or_icmp() -> None:
    params: Json = {"Port": {"Type": "Number"}}
    assert one_rule(cidr_rule("-1", ref("Port"), ref("Port")), params).protocol == ALL_TRAFFIC
    assert one_rule(cidr_rule("icmp", ref("Port"), ref("Port")), params).protocol == ICMP


def test_protocol_given_by_intrinsic_is_unreadable() -> None:
    params: Json = {"Proto": {"Type": "String", "Default": "tcp"}}
    assert one_rule(cidr_rule(ref("Proto"), 443, 443), params).protocol is None


# --- Fn::If ----------------------------------------------------------------------------------------------


def test_if_around_a_rule_item() -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[
        fn_if("X", cidr_rule("tcp", 443, 443), NO_VALUE),
        cidr_rule("tcp", 22, 22),
    ])}))
    rules = perms(model, rkey("G"), Direction.INGRESS)
    assert [(p.ports, p.guard) for p in rules] == [(PortSet.span(443, 443), X), (PortSet.span(22, 22), TRUE)]
    assert rules[0].path == ("Resources", "G", "Properties", "SecurityGroupIngress", 0, "Fn::If", 1, "CidrIp")


def test_if_around_the_whole_list() -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=fn_if(
        "X", [cidr_rule("tcp", 443, 443)], [cidr_rule("tcp", 80, 80), cidr_rule("udp", 53, 53)],
    ))}))
    rules = perms(model, rkey("G"), Direction.INGRESS)
    assert [(p.protocol, p.ports, p.guard) for p in rules] == [
        (TCP, PortSet.span(443, 443), X),
        (TCP, PortSet.span(80, 80), NOT_X),
        (UDP, PortSet.span(53, 53), NOT_X),
    ]


def test_if_inside_rule_fields() -> None:
    rule: Json = {
        "IpProtocol": fn_if("P", "tcp", "udp"),
        "FromPort": fn_if("X", 443, 10250),
        "ToPort": 10250,
        "SourceSecurityGroupId": fn_if("Y", ref("A"), ref("B")),
    }
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[rule]), "A": sg(), "B": sg()}))
    got = {(p.protocol, p.ports, p.peer, p.guard) for p in perms(model, rkey("G"), Direction.INGRESS)}
    expected = set()
    for proto, p_guard in ((TCP, Guard.when("P", True)), (UDP, Guard.when("P", False))):
        for ports, x_guard in ((PortSet.span(443, 10250), X), (PortSet.span(10250, 10250), NOT_X)):
            for peer, y_guard in ((rkey("A"), Guard.when("Y", True)), (rkey("B"), Guard.when("Y", False))):
                expected.add((proto, ports, GroupPeer(peer), p_guard & x_guard & y_guard))
    assert got == expected


def test_resource_condition_guards_its_rules() -> None:
    model = build_model(tmpl({
        "G": {"Type": "AWS::EC2::SecurityGroup", "Condition": "X",
              "Properties": {"SecurityGroupIngress": [fn_if("Y", cidr_rule("tcp", 1, 1), NO_VALUE)]}},
    }))
    (rule,) = perms(model, rkey("G"), Direction.INGRESS)
    assert rule.guard == X & Guard.when("Y", True)
    assert model.groups[rkey("G")].guard == X


def test_if_in_group_lists_guards_members() -> None:
    model = build_model(tmpl({
        "A": sg(), "B": sg(),
        "Probe": res("AWS::EC2::Instance", SecurityGroupIds=[
            ref("A"), fn_if("X", ref("B"), NO_VALUE), fn_if("Y", "sg-1", NO_VALUE),
        ]),
    }))
    members = attachment(model, "Probe").members
    assert [(m.key, m.guard) for m in members] == [
        (rkey("A"), TRUE), (rkey("B"), X), (key(Origin.LITERAL, "sg-1"), Guard.when("Y", True)),
    ]
    assert members[1].path == ("Resources", "Probe", "Properties", "SecurityGroupIds", 1, "Fn::If", 1)


# --- default egress -------------------------------------------------------------------------------------


def default_egress(model: Model, group: str) -> list[Permission]:
    return perms(model, rkey(group), Direction.EGRESS, "default egress")


@pytest.mark.parametrize("egress", ["absent", [], NO_VALUE, [NO_VALUE]])
def test_default_egress_without_inline_egress(egress: object) -> None:
    props: Json = {} if egress == "absent" else {"SecurityGroupEgress": egress}
    model = build_model(tmpl({"G": sg(**props)}))
    defaults = default_egress(model, "G")
    assert [(p.peer, p.protocol, p.ports, p.guard, p.certain) for p in defaults] == [
        (ANYWHERE_V4, ALL_TRAFFIC, ALL_PORTS, TRUE, True),
        (ANYWHERE_V6, ALL_TRAFFIC, ALL_PORTS, TRUE, False),  # the ::/0 half is uncertain
    ]
    assert defaults[0].path == ("Resources", "G", "Properties")


def test_inline_egress_replaces_the_default() -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupEgress=[cidr_rule("tcp", 443, 443)])}))
    assert default_egress(model, "G") == []
    assert len(perms(model, rkey("G"), Direction.EGRESS)) == 1


def test_cdk_disallow_all_marker_replaces_the_default() -> None:
    marker: Json = {"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86, "CidrIp": "255.255.255.255/32"}
    model = build_model(tmpl({"G": sg(SecurityGroupEgress=[marker])}))
    assert default_egress(model, "G") == []
    (rule,) = perms(model, rkey("G"), Direction.EGRESS)
    assert rule.protocol == ICMP and rule.opens(TCP) == (NO_PORTS, NO_PORTS)


def test_conditional_inline_egress_leaves_the_default_in_the_other_branch() -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupEgress=fn_if("X", [cidr_rule("tcp", 443, 443)], NO_VALUE))}))
    assert [p.guard for p in default_egress(model, "G")] == [NOT_X, NOT_X]


def test_two_conditional_inline_egress_rules_each_remove_the_default() -> None:
    rules = [fn_if("X", cidr_rule("tcp", 443, 443), NO_VALUE), fn_if("Y", cidr_rule("tcp", 80, 80), NO_VALUE)]
    model = build_model(tmpl({"G": sg(SecurityGroupEgress=rules)}))
    guards = {p.guard for p in default_egress(model, "G")}
    assert guards == {Guard.when("X", False) & Guard.when("Y", False)}
    for scenario, present in [({"X": False, "Y": False}, True), ({"X": True, "Y": False}, False),
                              ({"X": False, "Y": True}, False), ({"X": True, "Y": True}, False)]:
        assert all(g.holds(scenario) is present for g in guards)


@pytest.mark.parametrize("owner", [ref("G"), getatt("G", "GroupId")])
def test_standalone_egress_removes_the_default(owner: Json) -> None:
    model = build_model(tmpl({
        "G": sg(),
        "Out": res("AWS::EC2::SecurityGroupEgress", GroupId=owner, IpProtocol="tcp", FromPort=443, ToPort=443,
                   CidrIp="10.0.0.0/8"),
    }))
    assert default_egress(model, "G") == []
    assert [p.source for p in perms(model, rkey("G"), Direction.EGRESS)] == ["standalone"]


def test_standalone_ingress_keeps_the_default() -> None:
    model = build_model(tmpl({
        "G": sg(),
        "In": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("G"), IpProtocol="tcp", FromPort=443, ToPort=443,
                  CidrIp="10.0.0.0/8"),
    }))
    assert len(default_egress(model, "G")) == 2


def test_conditional_standalone_egress_keeps_the_default_only_when_false() -> None:
    model = build_model(tmpl({
        "G": sg(),
        "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Condition": "Y", "Properties": {
            "GroupId": ref("G"), "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}},
    }))
    not_y = Guard.when("Y", False)
    assert [p.guard for p in default_egress(model, "G")] == [not_y, not_y]
    (rule,) = perms(model, rkey("G"), Direction.EGRESS, "standalone")
    assert rule.guard == Guard.when("Y", True)


def test_default_egress_follows_the_group_condition() -> None:
    model = build_model(tmpl({"G": {"Type": "AWS::EC2::SecurityGroup", "Condition": "X", "Properties": {}}}))
    assert [p.guard for p in default_egress(model, "G")] == [X, X]


def test_no_default_egress_for_external_groups() -> None:
    params: Json = {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    model = build_model(tmpl({
        "In": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("Cp"), IpProtocol="tcp", FromPort=443, ToPort=443,
                  CidrIp="10.0.0.0/8"),
    }, params))
    assert perms(model, key(Origin.PARAMETER, "Cp"), Direction.EGRESS) == []


# --- the EKS cluster group -------------------------------------------------------------------------------


def cluster_defaults(model: Model, name: str) -> list[tuple[Direction, object, Guard]]:
    return [(p.direction, p.peer, p.guard) for p in perms(model, key(Origin.CLUSTER, name), source="EKS default")]


def test_cluster_group_default_rules() -> None:
    model = build_model(tmpl({"Cl": res("AWS::EKS::Cluster", Name="prod")}))
    me = GroupPeer(key(Origin.CLUSTER, "Cl"))
    assert cluster_defaults(model, "Cl") == [
        (Direction.INGRESS, me, TRUE),
        (Direction.EGRESS, me, TRUE),
        (Direction.EGRESS, ANYWHERE_V4, TRUE),
    ]
    assert all(p.protocol == ALL_TRAFFIC and p.certain for p in perms(model, key(Origin.CLUSTER, "Cl")))
    group = model.groups[key(Origin.CLUSTER, "Cl")]
    assert group.rules_visible
    assert [name for name, _ in group.cluster_tags] == ["${Cl}", "prod"]


def test_cluster_group_default_rules_in_full_where_the_template_leaves_things_open() -> None:
    """A conditional IPv6 family, a Version from a parameter, and a conditional standalone egress rule: each EKS
    rule keeps all traffic on all ports, the cluster's place, and the doubt that goes with it."""
    model = build_model(tmpl({
        "Cl": res("AWS::EKS::Cluster", Version={"Ref": "Version"},
                  KubernetesNetworkConfig={"IpFamily": fn_if("X", "ipv6", "ipv4")}),
        "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Condition": "Strip", "Properties": {
            "GroupId": getatt("Cl", "ClusterSecurityGroupId"), "IpProtocol": "-1", "CidrIp": "10.0.0.0/8"}},
    }, {"Version": {"Type": "String"}}))
    me = GroupPeer(key(Origin.CLUSTER, "Cl"))
    kept = Guard.when("Strip", False)
    found = [(p.direction, p.peer, p.protocol, p.ports, p.guard, p.path, p.source, p.doubt)
             for p in perms(model, key(Origin.CLUSTER, "Cl")) if p.source == "EKS default"]
    place = ("Resources", "Cl")
    assert found == [
        (Direction.INGRESS, me, ALL_TRAFFIC, ALL_PORTS, TRUE, place, "EKS default", ""),
        (Direction.EGRESS, me, ALL_TRAFFIC, ALL_PORTS, TRUE, place, "EKS default",
         "EKS adds it from Kubernetes 1.33, and the cluster's Version is !Ref Version"),
        (Direction.EGRESS, ANYWHERE_V4, ALL_TRAFFIC, ALL_PORTS, kept, place, "EKS default", ""),
        (Direction.EGRESS, ANYWHERE_V6, ALL_TRAFFIC, ALL_PORTS, kept & Guard.when("X", True), place, "EKS default",
         ""),
    ]


def test_ipv6_cluster_group_keeps_the_ipv4_allow_all_and_adds_v6() -> None:
    # Issue 23, defect 6c: EC2 gives every new group 0.0.0.0/0 egress; EKS adds ::/0 on IPv6 clusters.
    model = build_model(tmpl({"Cl": res("AWS::EKS::Cluster", KubernetesNetworkConfig={"IpFamily": "ipv6"})}))
    assert [s.value for s in model.clusters[0].family] == [Truth.TRUE]
    peers = [peer for _, peer, _ in cluster_defaults(model, "Cl")]
    assert ANYWHERE_V6 in peers and ANYWHERE_V4 in peers


@pytest.mark.parametrize(("family", "expected"), [
    ("ipv6", Truth.TRUE), ("IPv4", Truth.FALSE), ({"Ref": "Family"}, Truth.UNKNOWN), (None, Truth.FALSE)])
def test_ip_family_is_read_never_assumed(family: object, expected: Truth) -> None:
    # Issue 23, defect 4: a family given by an expression is UNKNOWN, not EKS's default.
    network = {"IpFamily": family} if family is not None else {}
    model = build_model(tmpl({"Cl": res("AWS::EKS::Cluster", KubernetesNetworkConfig=network)}))
    (setting,) = model.clusters[0].family
    assert setting.value is expected
    v6 = [p for p in perms(model, key(Origin.CLUSTER, "Cl")) if p.peer == ANYWHERE_V6]
    # Where the family is not fixed, ::/0 exists whenever it decides anything (on IPv6 traffic).
    assert [p.certain for p in v6] == {Truth.TRUE: [True], Truth.FALSE: [], Truth.UNKNOWN: [True]}[expected]


@pytest.mark.parametrize(("version", "egress_to_itself"), [
    (None, True), ("1.33", True), (1.34, True), ("1.32", False), ("1.29", False), ({"Ref": "Version"}, None)])
def test_cluster_group_egress_to_itself_from_kubernetes_1_33(version: object, egress_to_itself: bool | None) -> None:
    # Issue 23, defect 6b: EKS gives its group an outbound all-traffic rule to itself from 1.33 (EFA).
    props = {"Version": version} if version is not None else {}
    model = build_model(tmpl({"Cl": res("AWS::EKS::Cluster", **props)}))
    me = GroupPeer(key(Origin.CLUSTER, "Cl"))
    to_itself = [p for p in perms(model, key(Origin.CLUSTER, "Cl")) if p.direction is Direction.EGRESS and p.peer == me]
    if egress_to_itself is None:
        assert [p.certain for p in to_itself] == [False]
    else:
        assert [p.certain for p in to_itself] == ([True] if egress_to_itself else [])


def test_standalone_egress_strips_the_cluster_group_anywhere_egress_but_not_self_rules() -> None:
    model = build_model(tmpl({
        "Cl": res("AWS::EKS::Cluster"),
        "Out": res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"),
                   IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.0.0.0/8"),
    }))
    defaults = cluster_defaults(model, "Cl")
    assert all(g.is_false for d, peer, g in defaults if peer == ANYWHERE_V4)
    assert [g for d, peer, g in defaults if isinstance(peer, GroupPeer)] == [TRUE, TRUE]


@pytest.mark.parametrize("value", [False, "false"])
def test_cluster_security_group_defaults_false(value: object) -> None:
    template = tmpl(
        {
            "Cl": res("AWS::EKS::Cluster"),
            "In": res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Cl", "ClusterSecurityGroupId"),
                      IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.0.0.0/8"),
        },
        Metadata={"cfnlint-eks-sg": {"cluster_security_group_defaults": value}},
    )
    assert not Settings.from_template(template).cluster_security_group_defaults
    model = build_model(template)
    assert cluster_defaults(model, "Cl") == []
    assert not model.groups[key(Origin.CLUSTER, "Cl")].rules_visible
    assert [p.source for p in perms(model, key(Origin.CLUSTER, "Cl"))] == ["standalone"]


def test_settings_default_to_trusting_the_cluster_group() -> None:
    assert Settings.from_template({}).cluster_security_group_defaults
    trusted: Json = {"Metadata": {"cfnlint-eks-sg": {"cluster_security_group_defaults": True}}}
    assert Settings.from_template(trusted) == Settings()


def test_cluster_additional_groups_and_name_tokens() -> None:
    params: Json = {"ClusterName": {"Type": "String"}}
    model = build_model(tmpl({
        "Cp": sg(),
        "Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X", "Properties": {
            "Name": ref("ClusterName"),
            "ResourcesVpcConfig": {"SecurityGroupIds": [ref("Cp"), fn_if("Y", "sg-1", NO_VALUE)]},
        }},
    }, params))
    (cluster,) = model.clusters
    assert cluster.name_tokens == ("${Cl}", "${ClusterName}")
    assert [(m.key, m.guard) for m in cluster.additional] == [
        (rkey("Cp"), X), (key(Origin.LITERAL, "sg-1"), X & Guard.when("Y", True)),
    ]
    assert cluster.additional[0].path == ("Resources", "Cl", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0)
    assert cluster.guard == X


def test_cdk_cluster_config_is_camel_case() -> None:
    model = build_model(tmpl({
        "Cp": sg(),
        "Cl": res("Custom::AWSCDK-EKS-Cluster", Config={
            "name": "prod",
            "resourcesVpcConfig": {"securityGroupIds": [getatt("Cp", "GroupId")], "subnetIds": ["subnet-1"]},
        }),
    }))
    (cluster,) = model.clusters
    assert [m.key for m in cluster.additional] == [rkey("Cp")]
    assert "prod" in cluster.name_tokens


# --- attachments -----------------------------------------------------------------------------------------


def lt(**data: object) -> Json:
    return res("AWS::EC2::LaunchTemplate", LaunchTemplateData=data)


def nodegroup(**props: object) -> Json:
    return res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"), **props)


BASE: Json = {"Cl": res("AWS::EKS::Cluster"), "NodeSG": sg(), "Other": sg()}


def build(extra: Json, parameters: Json | None = None) -> Model:
    resources = dict(BASE)
    resources.update(extra)
    return build_model(tmpl(resources, parameters))


def test_managed_node_group_without_launch_template_needs_the_cluster_group() -> None:
    model = build({"Ng": nodegroup()})
    ng = attachment(model, "Ng")
    assert ng.compute is Compute.MANAGED_NODEGROUP
    assert ng.members == ()
    assert ng.members_known
    assert ng.needs_cluster_group == TRUE
    assert ng.cluster_names == ("${Cl}",)


def test_conditional_managed_node_group_needs_the_cluster_group_under_its_condition() -> None:
    model = build({"Ng": {"Type": "AWS::EKS::Nodegroup", "Condition": "X", "Properties": {"ClusterName": "prod"}}})
    ng = attachment(model, "Ng")
    assert ng.guard == X and ng.needs_cluster_group == X
    assert ng.cluster_names == ("prod",)


@pytest.mark.parametrize(
    "spec",
    [
        {"Id": ref("Lt")},
        {"Id": getatt("Lt", "LaunchTemplateId")},
        {"Id": {"Fn::GetAtt": "Lt.LaunchTemplateId"}},
        {"Name": "node-lt"},
    ],
)
def test_managed_node_group_with_launch_template_groups(spec: Json) -> None:
    model = build({
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName="node-lt",
                  LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Ng": nodegroup(LaunchTemplate=spec),
    })
    ng = attachment(model, "Ng")
    assert [m.key for m in ng.members] == [rkey("NodeSG")]
    assert ng.members[0].path == ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)
    assert ng.members_known
    assert ng.needs_cluster_group.is_false


def test_managed_node_group_launch_template_by_symbolic_name() -> None:
    model = build({
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName=sub("${AWS::StackName}-nodes"),
                  LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Ng": nodegroup(LaunchTemplate={"Name": sub("${AWS::StackName}-nodes")}),
    })
    assert member_keys(model, "Ng") == [rkey("NodeSG")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"SecurityGroupIds": [ref("NodeSG"), getatt("Cl", "ClusterSecurityGroupId")]},
         [rkey("NodeSG"), key(Origin.CLUSTER, "Cl")]),
        ({"SecurityGroups": ["sg-1"]}, [key(Origin.LITERAL, "sg-1")]),
        ({"SecurityGroupIds": [ref("NodeSG")], "SecurityGroups": ["named"]},
         [rkey("NodeSG"), key(Origin.NAME, "named")]),
        ({"NetworkInterfaces": [{"DeviceIndex": 0, "Groups": [ref("NodeSG")]}]}, [rkey("NodeSG")]),
        ({"NetworkInterfaces": [{"Groups": [ref("NodeSG")]}]}, [rkey("NodeSG")]),
        ({"NetworkInterfaces": [
            {"DeviceIndex": 1, "Groups": [ref("Other")]},
            {"DeviceIndex": "0", "Groups": [ref("NodeSG")]},
        ]}, [rkey("NodeSG")]),
    ],
)
def test_launch_template_group_sources(data: Json, expected: list[GroupKey]) -> None:
    model = build({"Lt": lt(**data), "Ng": nodegroup(LaunchTemplate={"Id": ref("Lt")})})
    assert member_keys(model, "Ng") == expected
    assert attachment(model, "Ng").needs_cluster_group.is_false


def test_launch_template_without_groups_gets_the_cluster_group() -> None:
    model = build({"Lt": lt(ImageId="ami-1"), "Ng": nodegroup(LaunchTemplate={"Id": ref("Lt")})})
    ng = attachment(model, "Ng")
    assert ng.members == () and ng.members_known
    assert ng.needs_cluster_group == TRUE


def test_launch_template_with_conditional_groups() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=fn_if("X", [ref("NodeSG")], NO_VALUE)),
        "Ng": nodegroup(LaunchTemplate={"Id": ref("Lt")}),
    })
    ng = attachment(model, "Ng")
    assert [(m.key, m.guard) for m in ng.members] == [(rkey("NodeSG"), X)]
    assert ng.needs_cluster_group == NOT_X


@pytest.mark.parametrize("spec", [{"Id": "lt-0123"}, {"Name": "made-elsewhere"}, {"Id": {"Fn::ImportValue": "lt"}}])
def test_unresolvable_launch_template(spec: Json) -> None:
    model = build({"Ng": nodegroup(LaunchTemplate=spec)})
    ng = attachment(model, "Ng")
    assert not ng.members_known
    assert ng.members == ()
    assert ng.needs_cluster_group.is_false  # do not assume the cluster group


ASG_TAGS: list[object] = [{"Key": "kubernetes.io/cluster/prod", "Value": "owned", "PropagateAtLaunch": True}]


def asg(**props: object) -> Json:
    return res("AWS::AutoScaling::AutoScalingGroup", Tags=ASG_TAGS, **props)


@pytest.mark.parametrize(
    "spec",
    [{"LaunchTemplateId": ref("Lt")}, {"LaunchTemplateName": sub("${AWS::StackName}")}],
)
def test_auto_scaling_group_via_launch_template(spec: Json) -> None:
    model = build({
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName=sub("${AWS::StackName}"),
                  LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Asg": asg(LaunchTemplate=spec),
    })
    group = attachment(model, "Asg")
    assert group.compute is Compute.AUTO_SCALING_GROUP
    assert [m.key for m in group.members] == [rkey("NodeSG")]
    assert group.members_known
    assert group.variant == ""
    assert group.needs_cluster_group.is_false  # only managed node groups get the cluster group from EKS


def test_auto_scaling_group_mixed_instances_policy_with_overrides() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Lt2": lt(SecurityGroupIds=[ref("Other")]),
        "Asg": asg(MixedInstancesPolicy={"LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")},
            "Overrides": [
                {"InstanceType": "m5.large"},
                {"InstanceType": "m6i.large", "LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt2")}},
                {"InstanceType": "m7i.large", "LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")}},
            ],
        }}),
    })
    variants = [a for a in model.attachments if a.resource == "Asg"]
    assert [(a.variant, [m.key for m in a.members]) for a in variants] == [
        ("Lt", [rkey("NodeSG")]), ("Lt2", [rkey("Other")]),
    ]


def test_auto_scaling_group_via_launch_configuration() -> None:
    model = build({
        "Named": sg(GroupName="named"),
        "Lc": res("AWS::AutoScaling::LaunchConfiguration", SecurityGroups=[ref("NodeSG"), "named"]),
        "Asg": asg(LaunchConfigurationName=ref("Lc")),
    })
    group = attachment(model, "Asg")
    assert [m.key for m in group.members] == [rkey("NodeSG"), rkey("Named")]
    assert group.members[0].path == ("Resources", "Lc", "Properties", "SecurityGroups", 0)
    assert group.members_known


@pytest.mark.parametrize(
    "props",
    [
        {"LaunchConfigurationName": "made-elsewhere"},
        {"LaunchConfigurationName": ref("LcParam")},
        {"LaunchTemplate": {"LaunchTemplateId": "lt-0123"}},
        {"InstanceId": "i-0123"},
    ],
)
def test_auto_scaling_group_with_external_launch_data(props: Json) -> None:
    model = build({"Asg": asg(**props)}, {"LcParam": {"Type": "String"}})
    group = attachment(model, "Asg")
    assert not group.members_known
    assert group.members == ()


def test_instance_groups() -> None:
    model = build({
        "Named": sg(GroupName="named"),
        "A": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")], SecurityGroups=["named"]),
        "B": res("AWS::EC2::Instance", NetworkInterfaces=[
            {"DeviceIndex": "0", "GroupSet": [ref("NodeSG"), "sg-1"]},
            {"DeviceIndex": "1", "GroupSet": [ref("Other")]},
        ]),
        "C": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
        "Lt": lt(SecurityGroupIds=[ref("Other")]),
        "D": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": "lt-0123"}),
        "E": res("AWS::EC2::Instance", ImageId="ami-1"),
    })
    assert attachment(model, "A").compute is Compute.INSTANCE
    assert member_keys(model, "A") == [rkey("NodeSG"), rkey("Named")]
    assert member_keys(model, "B") == [rkey("NodeSG"), key(Origin.LITERAL, "sg-1")]
    assert attachment(model, "B").members[0].path == ("Resources", "B", "Properties", "NetworkInterfaces", 0,
                                                      "GroupSet", 0)
    assert member_keys(model, "C") == [rkey("Other")]
    assert not attachment(model, "D").members_known
    assert attachment(model, "E").members == () and attachment(model, "E").members_known


# --- node evidence ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag_key", "expected"),
    [
        ("kubernetes.io/cluster/prod", ("prod",)),
        (sub("kubernetes.io/cluster/${ClusterName}"), ("${ClusterName}",)),
        ({"Fn::Join": ["", ["kubernetes.io/cluster/", ref("ClusterName")]]}, ("${ClusterName}",)),
        ("kubernetes.io/cluster/", ()),
        ("Name", ()),
        ({"Fn::ImportValue": "x"}, ()),  # a tag key that is an import names no cluster
    ],
)
def test_cluster_tag_on_an_auto_scaling_group(tag_key: object, expected: tuple[str, ...]) -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                   Tags=[{"Key": tag_key, "Value": "owned", "PropagateAtLaunch": True}]),
    }, {"ClusterName": {"Type": "String"}})
    assert attachment(model, "Asg").cluster_names == expected


def test_cluster_tag_on_the_node_group_is_evidence() -> None:
    model = build({
        "Tagged": sg(Tags=[{"Key": sub("kubernetes.io/cluster/${ClusterName}"), "Value": "owned"}]),
        "Lt": lt(SecurityGroupIds=[ref("Tagged")]),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    }, {"ClusterName": {"Type": "String"}})
    assert attachment(model, "Asg").cluster_names == ("${ClusterName}",)
    tagged = model.groups[rkey("Tagged")]
    assert [name for name, _ in tagged.cluster_tags] == ["${ClusterName}"]
    assert tagged.tags == ("kubernetes.io/cluster/${ClusterName}",)


def test_conditional_cluster_tag_carries_its_guard() -> None:
    model = build({"Tagged": sg(Tags=[fn_if("X", {"Key": "kubernetes.io/cluster/prod", "Value": "owned"}, NO_VALUE)])})
    assert model.groups[rkey("Tagged")].cluster_tags == (("prod", X),)


@pytest.mark.parametrize(
    ("user_data", "expected"),
    [
        ({"Fn::Base64": sub("#!/bin/bash\nset -o xtrace\n/etc/eks/bootstrap.sh ${ClusterName} ${BootstrapArgs}\n")},
         ("${ClusterName}",)),
        ({"Fn::Base64": {"Fn::Join": ["", ["#!/bin/bash\n/etc/eks/bootstrap.sh ", ref("ClusterName"), " --b x\n"]]}},
         ("${ClusterName}",)),
        ({"Fn::Base64": "#!/bin/bash\n/etc/eks/bootstrap.sh 'prod'\n"}, ("prod",)),
        ({"Fn::Base64": sub("---\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n"
                            "    apiServerEndpoint: https://x\n    name: ${ClusterName}\n")},
         ("${ClusterName}",)),
        ({"Fn::Base64": sub('[settings.kubernetes]\ncluster-name = "${ClusterName}"\napi-server = "https://x"\n')},
         ("${ClusterName}",)),
        ({"Fn::Base64": sub("<powershell>\n& $EKSBootstrapScriptFile -EKSClusterName ${ClusterName} 3>&1\n"
                            "</powershell>")},
         ("${ClusterName}",)),
        ({"Fn::Base64": {"Fn::Sub": ["/etc/eks/bootstrap.sh ${N}", {"N": ref("Cl")}]}}, ("${Cl}",)),
        ({"Fn::Base64": {"Fn::Join": ["", ["/etc/eks/bootstrap.sh ", {"Fn::ImportValue": "x"}, "\n"]]}},
         ("!ImportValue(x)",)),
        ({"Fn::Base64": "#!/bin/bash\necho hello\n"}, ()),
    ],
)
def test_bootstrap_user_data(user_data: object, expected: tuple[str, ...]) -> None:
    model = build({
        "Lc": res("AWS::AutoScaling::LaunchConfiguration", SecurityGroups=[ref("NodeSG")], UserData=user_data),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchConfigurationName=ref("Lc")),
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], UserData=user_data),
        "Asg2": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
        "Vm": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")], UserData=user_data),
    }, {"ClusterName": {"Type": "String"}})
    assert attachment(model, "Asg").cluster_names == expected
    assert attachment(model, "Asg2").cluster_names == expected
    assert attachment(model, "Vm").cluster_names == expected


def test_launch_template_tag_specifications_are_evidence() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned"}]},
        ]),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
        "Vm": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    })
    assert attachment(model, "Asg").cluster_names == ("${Cl}",)
    assert attachment(model, "Vm").cluster_names == ("${Cl}",)


def test_instance_tags_are_evidence() -> None:
    model = build({"Vm": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")],
                             Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}])})
    assert attachment(model, "Vm").cluster_names == ("prod",)


def test_instance_without_evidence_has_no_cluster_names() -> None:
    model = build({"Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")],
                                  UserData={"Fn::Base64": "#!/bin/bash\nyum install -y kubectl\n"})})
    assert attachment(model, "Bastion").cluster_names == ()


def test_instance_with_own_groups_keeps_launch_template_evidence() -> None:
    model = build({
        "Lt": lt(UserData={"Fn::Base64": sub("#!/bin/bash\n/etc/eks/bootstrap.sh ${Cl}\n")}),
        "Vm": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")],
                  LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    })
    assert member_keys(model, "Vm") == [rkey("NodeSG")]  # the instance's own groups win (EC2 semantics)
    assert attachment(model, "Vm").cluster_names == ("${Cl}",)


def test_malformed_input_does_not_raise() -> None:
    model = build_model({"Resources": {
        "A": "not a map",
        "B": {"Type": "AWS::EC2::SecurityGroup", "Properties": ["odd"]},
        "C": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": ["odd", {"Fn::If": ["X"]}]}},
        "D": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": None},
        "E": {"Type": "AWS::EKS::Nodegroup", "Properties": {"LaunchTemplate": ["odd"]}},
    }, "Parameters": ["odd"]})
    # E joins a cluster defined elsewhere: the model holds the group EKS made for it
    assert set(model.groups) == {rkey("B"), rkey("C"), GroupKey.make(Origin.EXTERNAL_CLUSTER, "(unnamed)")}
    assert [a.resource for a in model.attachments] == ["E"]


def test_model_is_pure() -> None:
    template = tmpl({"G": sg(SecurityGroupIngress=[cidr_rule("tcp", 443, 443)]), "Cl": res("AWS::EKS::Cluster")})
    first, second = build_model(template), build_model(template)
    assert first.permissions == second.permissions
    assert first.groups == second.groups


# --- reading rules: branches, defaults of parameters, peers, default egress (issue 24) ---------------------------

OPAQUE_ID: Json = getatt("Lookup", "GroupId")  # a GroupId this template cannot pin down: it may be any group


def standalone(kind: str, group: object, condition: str | None = None, **rule: object) -> Json:
    """An AWS::EC2::SecurityGroup<kind> resource on `group`, under `condition` when given."""
    resource = res(f"AWS::EC2::SecurityGroup{kind}", GroupId=group, **rule)
    return {**resource, "Condition": condition} if condition is not None else resource


def test_two_conditional_standalone_egress_rules_each_remove_the_default() -> None:
    model = build_model(tmpl({
        "G": sg(),
        "Out1": standalone("Egress", ref("G"), "X", **cidr_rule("tcp", 443, 443)),
        "Out2": standalone("Egress", ref("G"), "Y", **cidr_rule("tcp", 80, 80)),
    }))
    neither = Guard.when("X", False) & Guard.when("Y", False)
    assert [p.guard for p in default_egress(model, "G")] == [neither, neither]


def test_a_default_egress_exists_only_where_no_rule_removes_it() -> None:
    """Inline egress under X removes it there; a rule on an unknown group under X may have too, but there it is
    gone anyway: no default in doubt is left, not even one that holds nowhere."""
    model = build_model(tmpl({
        "G": sg(SecurityGroupEgress=fn_if("X", [cidr_rule("tcp", 443, 443)], NO_VALUE)),
        "Lookup": res("Custom::Lookup"),
        "Out": standalone("Egress", OPAQUE_ID, "X", **cidr_rule("tcp", 443, 443)),
    }))
    assert [(p.peer, p.guard, p.certain) for p in default_egress(model, "G")] == [
        (ANYWHERE_V4, NOT_X, True), (ANYWHERE_V6, NOT_X, False)]


def test_a_group_with_inline_egress_does_not_keep_the_next_group_from_its_default() -> None:
    model = build_model(tmpl({"A": sg(SecurityGroupEgress=[cidr_rule("tcp", 443, 443)]), "B": sg()}))
    assert default_egress(model, "A") == []
    assert [p.peer for p in default_egress(model, "B")] == [ANYWHERE_V4, ANYWHERE_V6]


def test_the_eks_default_egress_a_rule_on_an_unknown_group_may_remove_says_so() -> None:
    model = build_model(tmpl({
        "Cl": res("AWS::EKS::Cluster", KubernetesNetworkConfig={"IpFamily": "ipv6"}),
        "Lookup": res("Custom::Lookup"),
        "Out": standalone("Egress", OPAQUE_ID, None, **cidr_rule("tcp", 443, 443)),
    }))
    doubt = ("a standalone egress rule on the group !GetAtt Lookup.GroupId, which may be the EKS cluster security "
             "group of Cl, would remove this default (eksctl#6455)")
    anywhere = [(p.peer, p.doubt) for p in perms(model, key(Origin.CLUSTER, "Cl"), Direction.EGRESS, "EKS default")
                if not isinstance(p.peer, GroupPeer)]
    assert anywhere == [(ANYWHERE_V4, doubt), (ANYWHERE_V6, doubt)]


def test_ports_a_condition_chooses_give_one_permission_per_branch() -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[cidr_rule("tcp", 443, fn_if("X", 443, 444))])}))
    assert [(p.ports, p.guard) for p in perms(model, rkey("G"), Direction.INGRESS)] == [
        (PortSet.span(443, 443), X), (PortSet.span(443, 444), NOT_X)]


def test_a_rule_whose_protocol_is_not_fixed_here_names_no_ports() -> None:
    perm = one_rule(cidr_rule(ref("Proto")), {"Proto": {"Type": "String"}})
    assert (perm.protocol, perm.ports, perm.opens(TCP)) == (None, NO_PORTS, (NO_PORTS, ALL_PORTS))


def test_a_rule_notes_where_it_names_its_peer_group() -> None:
    model = build_model(tmpl({"A": sg(SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": ref("B")}]),
                              "B": sg()}))
    assert model.peer_places[rkey("B")] == [("Resources", "A", "Properties", "SecurityGroupIngress", 0,
                                             "SourceSecurityGroupId")]


WORLD_CIDR: Json = {"Type": "String", "Default": "0.0.0.0/0"}
PORT_22: Json = {"Type": "Number", "Default": 22}


@pytest.mark.parametrize(("rule", "parameters", "assumed"), [
    # Every value a Default gives is named, in the order of the rule's properties.
    ({"FromPort": ref("Port"), "ToPort": ref("Last"), "CidrIp": ref("Cidr")},
     {"Port": PORT_22, "Last": {"Type": "Number", "Default": 23}, "Cidr": WORLD_CIDR},
     ["with the default 22 of parameter Port, the default 23 of parameter Last, the default 0.0.0.0/0 of parameter "
      "Cidr"]),
    # Ports from a parameter without a Default stay unread; the range's Default is still assumed.
    ({"FromPort": ref("Free"), "ToPort": ref("Free"), "CidrIp": ref("Cidr")},
     {"Free": {"Type": "Number"}, "Cidr": WORLD_CIDR}, ["with the default 0.0.0.0/0 of parameter Cidr"]),
    # A Default the parameter's AllowedValues refuse is never what a deployment gets.
    ({"FromPort": ref("Port"), "ToPort": 22, "CidrIp": "0.0.0.0/0"}, {"Port": {**PORT_22, "AllowedValues": [443]}},
     []),
    # A range parameter that can never be the whole internet never opens a group to it.
    ({"CidrIp": ref("Cidr")}, {"Cidr": {"Type": "String", "Default": "10.0.0.0/8",
                                        "AllowedValues": ["10.0.0.0/8", "192.168.0.0/16"]}}, []),
    ({"CidrIp": ref("Cidr")}, {"Cidr": {**WORLD_CIDR, "AllowedPattern": r"0\.0\.0\.0/0|10\..*"}},
     ["with the default 0.0.0.0/0 of parameter Cidr"]),
    # Each range property against its own parameter.
    ({"CidrIp": ref("Cidr"), "CidrIpv6": ref("Cidr6")},
     {"Cidr": {"Type": "String", "Default": "10.0.0.0/8", "AllowedPattern": r"10\..*"},
      "Cidr6": {"Type": "String", "Default": "::/0"}}, ["with the default ::/0 of parameter Cidr6"]),
])
def test_rules_are_also_read_with_the_defaults_a_deployment_gets(rule: Json, parameters: Json,
                                                                  assumed: list[str]) -> None:
    model = build_model(tmpl({"G": sg(SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                                             **rule}])}, parameters))
    assert sorted({p.assumed for p in model.assumed}) == assumed


def test_a_rule_read_with_defaults_is_the_same_rule_with_the_default_values() -> None:
    model = build_model(tmpl({"G": sg(), "In": standalone("Ingress", ref("G"), None, IpProtocol="tcp", FromPort=22,
                                                           ToPort=22, CidrIp=ref("Cidr"))}, {"Cidr": WORLD_CIDR}))
    [perm] = model.assumed
    assert perm == Permission(rkey("G"), Direction.INGRESS, ANYWHERE_V4, TCP, PortSet.span(22, 22), TRUE,
                              ("Resources", "In", "Properties", "CidrIp"), "standalone",
                              assumed="with the default 0.0.0.0/0 of parameter Cidr")
