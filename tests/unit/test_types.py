"""Unit tests for the model's values (`_groups`): group keys, permissions, settings, anchors and the Model's helpers."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg.core._cidrs import Range
from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, TCP, UDP, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._settings import Companion, Settings
from cfnlint_eks_sg.model._types import (
    CidrPeer,
    Direction,
    Group,
    GroupKey,
    GroupPeer,
    Identity,
    Model,
    Origin,
    Permission,
    PrefixListPeer,
    RemoteNetwork,
    Setting,
    Truth,
    _at,
    _masked,
    setting_in,
    setting_names,
)
from tests.unit.pieces import Json, key, rkey

X = Guard.when("X", True)
NOT_X = Guard.when("X", False)
Y = Guard.when("Y", True)


# --- GroupKey -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("origin", "text"), [
    (Origin.RESOURCE, "NodeSG"),
    (Origin.CLUSTER, "the EKS cluster security group of NodeSG"),
    (Origin.VPC_DEFAULT, "the default security group of NodeSG"),
    (Origin.PARAMETER, "parameter NodeSG"),
    (Origin.PARAMETER_ITEM, "parameter item NodeSG"),
    (Origin.IMPORT, "imported NodeSG"),
    (Origin.LITERAL, "NodeSG"),
    (Origin.NAME, "group named NodeSG"),
    (Origin.NESTED, "nested-stack output NodeSG"),
    (Origin.EXTERNAL_CLUSTER, "the EKS cluster security group of cluster NodeSG"),
    (Origin.OPAQUE, "the group NodeSG"),
])
def test_a_group_key_reads_as_where_the_group_comes_from(origin: Origin, text: str) -> None:
    """Findings name a group by its origin: a parameter, an import, a cluster's own group..."""
    assert str(key(origin, "NodeSG")) == text


@pytest.mark.parametrize(("origin", "created"), [
    (Origin.RESOURCE, True), (Origin.CLUSTER, True), (Origin.VPC_DEFAULT, True),
    (Origin.PARAMETER, False), (Origin.PARAMETER_ITEM, False), (Origin.IMPORT, False), (Origin.LITERAL, False),
    (Origin.NAME, False), (Origin.NESTED, False), (Origin.EXTERNAL_CLUSTER, False), (Origin.OPAQUE, False),
])
def test_only_groups_a_stack_creates_are_created_here(origin: Origin, created: bool) -> None:
    """Resources, cluster groups and a VPC's default group get their ids at deploy time; values do not."""
    assert key(origin, "A").created_here is created


def test_group_keys_are_one_object_per_group_and_equal_on_origin_and_name() -> None:
    a = key(Origin.PARAMETER, "Sg")
    assert a is key(Origin.PARAMETER, "Sg")
    assert a == GroupKey(Origin.PARAMETER, "Sg", "parameter")
    assert hash(a) == hash(GroupKey(Origin.PARAMETER, "Sg", "parameter"))
    assert (a.origin, a.ident, a.kind) == (Origin.PARAMETER, "Sg", "parameter")
    assert a != key(Origin.PARAMETER, "Other")
    assert a != key(Origin.IMPORT, "Sg")
    assert key(Origin.IMPORT, "a") < key(Origin.IMPORT, "b")


def test_a_key_built_directly_knows_its_origin() -> None:
    direct = GroupKey(Origin.IMPORT, "net-Sg", "import")
    assert (direct.origin, str(direct), direct.created_here) == (Origin.IMPORT, "imported net-Sg", False)
    assert direct == key(Origin.IMPORT, "net-Sg")


def test_group_keys_match_on_origin_and_name() -> None:
    """`case GroupKey(Origin.RESOURCE, name)` reads a key's origin and name."""
    match key(Origin.IMPORT, "net-Sg"):
        case GroupKey(Origin.IMPORT, name):
            assert name == "net-Sg"
        case _:
            pytest.fail("an import key did not match its origin")


@pytest.mark.parametrize(("ident", "stack"), [
    ("NodeSG", ""), ("nodes::NodeSG", "nodes"), ("a::b::NodeSG", "a"), ("::NodeSG", ""),
])
def test_a_group_key_names_the_stack_that_creates_it(ident: str, stack: str) -> None:
    assert rkey(ident).stack == stack


def test_truth_of_a_boolean() -> None:
    assert Truth.of(True) is Truth.TRUE
    assert Truth.of(False) is Truth.FALSE


# --- peers ------------------------------------------------------------------------------------------


def test_cidr_peers_are_equal_on_their_text_and_family_whatever_they_cover() -> None:
    covers = Range((ipaddress.ip_network("10.0.0.0/8"),))
    assert CidrPeer("10.0.0.0/8", 4, covers) == CidrPeer("10.0.0.0/8", 4)
    assert CidrPeer("10.0.0.0/8", 4) != CidrPeer("10.0.0.0/8", 6)
    assert CidrPeer("10.0.0.0/8", 4) != CidrPeer("10.0.0.0/16", 4)
    peer = CidrPeer("10.0.0.0/8", 4, covers)
    assert (peer.cidr, peer.version, peer.covers) == ("10.0.0.0/8", 4, covers)
    assert CidrPeer("10.0.0.0/8", 4).covers is None


def test_prefix_list_peers_are_equal_on_their_id() -> None:
    covers = Range((ipaddress.ip_network("10.0.0.0/8"),))
    assert PrefixListPeer("pl-1", covers) == PrefixListPeer("pl-1")
    assert PrefixListPeer("pl-1") != PrefixListPeer("pl-2")
    assert (PrefixListPeer("pl-1", covers).ident, PrefixListPeer("pl-1", covers).covers) == ("pl-1", covers)
    assert PrefixListPeer("pl-1").covers is None


# --- Permission.opens -----------------------------------------------------------------------------


def permission(protocol: IpProtocol | None, ports: PortSet = NO_PORTS, doubt: str = "") -> Permission:
    return Permission(rkey("G"), Direction.INGRESS, GroupPeer(rkey("P")), protocol, ports, TRUE, (), "inline", doubt)


HTTPS = PortSet.span(443, 443)


@pytest.mark.parametrize(("perm", "flow", "surely", "maybe"), [
    (permission(None), TCP, NO_PORTS, ALL_PORTS),  # unreadable: may open anything
    (permission(None, doubt="maybe"), TCP, NO_PORTS, ALL_PORTS),
    (permission(ALL_TRAFFIC, ALL_PORTS), TCP, ALL_PORTS, NO_PORTS),
    (permission(ALL_TRAFFIC, ALL_PORTS), UDP, ALL_PORTS, NO_PORTS),
    (permission(TCP, HTTPS), TCP, HTTPS, NO_PORTS),
    (permission(TCP, HTTPS), UDP, NO_PORTS, NO_PORTS),
    (permission(UDP, HTTPS), TCP, NO_PORTS, NO_PORTS),
    (permission(TCP, HTTPS, doubt="the ::/0 half"), TCP, NO_PORTS, HTTPS),
    (permission(ALL_TRAFFIC, ALL_PORTS, doubt="the ::/0 half"), UDP, NO_PORTS, ALL_PORTS),
    (permission(TCP, HTTPS, doubt="the ::/0 half"), UDP, NO_PORTS, NO_PORTS),
])
def test_what_a_rule_opens_surely_and_possibly(perm: Permission, flow: IpProtocol, surely: PortSet,
                                              maybe: PortSet) -> None:
    """A rule in doubt only possibly opens what it would open; an unreadable protocol possibly opens all."""
    assert perm.opens(flow) == (surely, maybe)


def test_a_rule_is_certain_without_doubt() -> None:
    assert permission(TCP, HTTPS).certain
    assert not permission(TCP, HTTPS, doubt="the ::/0 half").certain


# --- RemoteNetwork, Setting ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ({"Ref": "RemoteNodeCidr"}, "!Ref RemoteNodeCidr"),
    ("10.80.0.0/16", "10.80.0.0/16"),
    ({"Ref": 5}, "text"),
    ({"Ref": "A", "Other": 1}, "text"),
    ({"Fn::Select": [0, {"Ref": "L"}]}, "text"),
])
def test_a_remote_network_reads_as_written(value: object, shown: str) -> None:
    cidr = value if isinstance(value, str) else "text"
    network = RemoteNetwork("node", cidr, value, None, TRUE, ())
    assert network.shown == shown


def test_an_unknown_setting_says_what_gives_it() -> None:
    setting = Setting(Truth.UNKNOWN, TRUE, (), shown="!Ref Private")
    assert setting.why == "is given by !Ref Private, which this template does not fix"
    assert setting.explicit


@pytest.mark.parametrize(("settings", "scenario", "default", "expected"), [
    ((), {}, Truth.FALSE, Truth.FALSE),
    ((), {}, Truth.TRUE, Truth.TRUE),
    ((Setting(Truth.TRUE, X, ()),), {"X": False}, Truth.FALSE, Truth.FALSE),  # the resource is not there
    ((Setting(Truth.TRUE, X, ()),), {"X": True}, Truth.FALSE, Truth.TRUE),
    ((Setting(Truth.TRUE, X, ()), Setting(Truth.FALSE, NOT_X, ())), {"X": False}, Truth.TRUE, Truth.FALSE),
    ((Setting(Truth.TRUE, X, ()), Setting(Truth.TRUE, NOT_X, ())), {}, Truth.FALSE, Truth.TRUE),
    ((Setting(Truth.TRUE, X, ()), Setting(Truth.FALSE, NOT_X, ())), {}, Truth.FALSE, Truth.UNKNOWN),
    ((Setting(Truth.UNKNOWN, TRUE, ()),), {}, Truth.FALSE, Truth.UNKNOWN),
])
def test_a_setting_in_a_scenario(settings: tuple[Setting, ...], scenario: dict[str, bool], default: Truth,
                                 expected: Truth) -> None:
    """One value where the scenario fixes the branch, UNKNOWN where it leaves branches that differ open."""
    assert setting_in(settings, scenario, default) is expected


def test_setting_in_defaults_to_false() -> None:
    assert setting_in((), {}) is Truth.FALSE


def test_the_conditions_a_setting_depends_on() -> None:
    settings = (Setting(Truth.TRUE, X & Y, ()), Setting(Truth.FALSE, NOT_X, ()), Setting(Truth.TRUE, TRUE, ()))
    assert setting_names(settings) == frozenset({"X", "Y"})
    assert setting_names(()) == frozenset()


# --- Settings ---------------------------------------------------------------------------------------------


def settings_of(**raw: object) -> Settings:
    return Settings.from_template({"Metadata": {"cfnlint-eks-sg": raw}})


@pytest.mark.parametrize(("value", "trusted"), [
    (False, False), ("false", False), (True, True), ("true", True), (None, True), (0, True), ("no", True),
])
def test_only_false_turns_off_the_cluster_group_defaults(value: object, trusted: bool) -> None:
    assert settings_of(cluster_security_group_defaults=value).cluster_security_group_defaults is trusted


@pytest.mark.parametrize(("value", "names"), [
    (["CpSG", "Other"], ("CpSG", "Other")),
    ("CpSG", ("CpSG",)),
    (["CpSG", 5, {"Ref": "X"}], ("CpSG",)),
    (None, ()),
    (5, ()),
])
def test_group_name_settings_take_a_name_or_a_list(value: object, names: tuple[str, ...]) -> None:
    settings = settings_of(control_plane_security_groups=value, node_security_groups=value)
    assert settings.control_plane_security_groups == names
    assert settings.node_security_groups == names


def test_settings_without_metadata_are_the_defaults() -> None:
    assert Settings.from_template({}) == Settings()
    assert Settings.from_template({"Metadata": {"cfnlint-eks-sg": "on"}}) == Settings()
    assert Settings() == Settings(True, (), (), (), False, ())


@pytest.mark.parametrize(("raw", "follow"), [
    ({"nested_stacks": True}, True),
    ({"nested_stacks": "true"}, True),
    ({"nested_stacks": False}, False),
    ({"nested_stacks": "yes"}, False),
    ({"nested_stacks": 1}, False),
    ({}, False),
    ({"nested_stack_urls": {"https://bucket/": "stacks"}}, True),  # a URL map means follow them
    ({"nested_stack_urls": {"": "stacks"}}, False),
])
def test_nested_stacks_are_followed_when_asked_or_mapped(raw: Json, follow: bool) -> None:
    assert settings_of(**raw).nested_stacks is follow


def test_nested_stack_urls_longest_prefix_first() -> None:
    urls = {"https://b/": "short", "https://b/deep/": "deep", 5: "number", "https://c/": 7, "": "empty"}
    assert settings_of(nested_stack_urls=urls).nested_stack_urls == (
        ("https://b/deep/", "deep"), ("https://b/", "short"))
    assert settings_of(nested_stack_urls=["https://b/"]).nested_stack_urls == ()


def test_companions_as_paths_or_mappings() -> None:
    companions = [
        " cluster.yaml ",
        {"path": "nodes.yaml", "stack_name": "prod-nodes", "parameters": {"NodeSG": "NodeSecurityGroup", "X": 5}},
        {"path": "other.yaml", "stack_name": ""},
        {"path": "   "},
        {"stack_name": "lost"},
        5,
        {"path": "p.yaml", "stack_name": 7, "parameters": ["A"]},
    ]
    assert settings_of(companions=companions).companions == (
        Companion("cluster.yaml", None, ("Metadata", "cfnlint-eks-sg", "companions", 0)),
        Companion("nodes.yaml", "prod-nodes", ("Metadata", "cfnlint-eks-sg", "companions", 1),
                  (("NodeSG", "NodeSecurityGroup"),)),
        Companion("other.yaml", None, ("Metadata", "cfnlint-eks-sg", "companions", 2)),
        Companion("p.yaml", None, ("Metadata", "cfnlint-eks-sg", "companions", 6)),
    )
    assert settings_of(companions="cluster.yaml").companions == ()


# --- _at and _masked: what anchors compare --------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ((), {"A": [1, {"B": 2}], "S": "xyz"}),
    (("A",), [1, {"B": 2}]),
    (("A", 1, "B"), 2),
    (("A", 0), 1),
    (("A", 2), None),
    (("A", -1), None),  # no counting from the end
    (("A", "0"), None),
    (("A", 0, "B"), None),
    (("Z",), None),
    (("A", 1, "B", 0), None),  # a number has no items
    (("S", 0), None),  # nor does a string
])
def test_what_a_template_holds_at_a_path(path: Path, expected: object) -> None:
    assert _at({"A": [1, {"B": 2}], "S": "xyz"}, path) == expected


@pytest.mark.parametrize(("value", "text"), [
    ({"Ref": "NodeSG"}, "!Ref"),
    ({"Fn::GetAtt": ["NodeSG", "GroupId"]}, "!GetAtt .GroupId"),
    ({"Fn::GetAtt": "NodeSG.GroupId"}, "!GetAtt .GroupId"),
    ({"Fn::GetAtt": []}, "!GetAtt ."),
    ({"Fn::GetAtt": ["Nested", "Outputs.SgId"]}, "!GetAtt .Outputs.SgId"),
    ({"Fn::GetAtt": "Nested.Outputs.SgId"}, "!GetAtt .Outputs.SgId"),  # both spellings read the same
    ({"Fn::GetAtt": ["Broken"]}, "!GetAtt .Broken"),  # malformed, but read without raising
    ({"Key": "Value"}, "{Key:'Value'}"),
    ({"Fn::Sub": "${Cl}-nodes"}, "!Sub ${}-nodes"),
    ({"Fn::Sub": "${Cl.Arn}/${!Literal}"}, "!Sub ${.Arn}/${!Literal}"),
    ({"Fn::Sub": ["${Cl}", {}]}, "{Fn::Sub:['${Cl}',{}]}"),
    ({"B": 1, "A": "x"}, "{A:'x',B:1}"),
    ({"Type": "T", "DependsOn": "Other"}, "{Type:'T'}"),
    ([3, 1, 2], "[1,2,3]"),
    ("text", "'text'"),
    (None, "None"),
])
def test_a_masked_value_leaves_out_logical_ids(value: object, text: str) -> None:
    """What a value holds, read the same when resources are renamed or keys reordered."""
    assert _masked(value) == text


def test_masking_stops_at_deep_nesting() -> None:
    deep: object = "x"
    for _ in range(20):
        deep = [deep]
    assert _masked(deep) == "[" * 17 + "..." + "]" * 17


def test_masking_stops_at_deep_nesting_of_mappings() -> None:
    deep: object = "x"
    for _ in range(20):
        deep = {"a": deep}
    assert _masked(deep) == "{a:" * 17 + "..." + "}" * 17


def test_masking_reads_sixteen_levels_of_mappings() -> None:
    deep: object = "x"
    for _ in range(16):
        deep = {"a": deep}
    assert _masked(deep) == "{a:" * 16 + "'x'" + "}" * 16


def test_masking_reads_sixteen_levels() -> None:
    deep: object = "x"
    for _ in range(16):
        deep = [deep]
    assert _masked(deep) == "[" * 16 + "'x'" + "]" * 16


# --- Model: anchors, places, stacks --------------------------------------------------------------------


RESOURCES: dict[str, Json] = {
    "Zed": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Ref": "A"}, "FromPort": 22}},
    "Alpha": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Ref": "B"}, "FromPort": 443},
              "DependsOn": "Zed"},
    "Mid": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Ref": "C"}, "FromPort": 22}},
}


def anchored() -> Model:
    return Model(resources=RESOURCES)  # type: ignore[arg-type]


def test_an_anchor_reads_what_the_resource_holds() -> None:
    model = anchored()
    assert model.anchor_key(("Resources", "Zed", "Properties", "FromPort")) == (
        "{Properties:{FromPort:22,GroupId:!Ref},Type:'AWS::EC2::SecurityGroupIngress'}", "Properties/FromPort", "22",
        "Zed")


def test_an_anchor_numbers_list_items_alike() -> None:
    model = Model(resources={"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "SecurityGroupIngress": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/0"}]}}})
    first = model.anchor_key(("Resources", "G", "Properties", "SecurityGroupIngress", 1, "CidrIp"))
    assert first[1:] == ("Properties/SecurityGroupIngress/#/CidrIp", "'0.0.0.0/0'", "G")
    second = model.anchor_key(("Resources", "G", "Properties", "SecurityGroupIngress", 0, "CidrIp"))
    assert second[1:] == ("Properties/SecurityGroupIngress/#/CidrIp", "'10.0.0.0/8'", "G")
    assert first < second  # same place, told apart by what it holds, not by the order of the list


@pytest.mark.parametrize("path", [
    ("Resources", "Gone", "Properties"), ("Outputs", "X", "Value"), ("Resources",), (),
])
def test_places_outside_known_resources_anchor_by_their_path(path: Path) -> None:
    assert anchored().anchor_key(path) == ("~", "/".join(map(str, path)), "", "")


def test_the_first_place_is_the_same_whatever_the_names_and_order() -> None:
    """Resources with equal content decide by name; different content decides by content, not by name."""
    model = anchored()
    g = rkey("G")
    model.places[g] = [("Resources", name, "Properties", "FromPort") for name in ("Zed", "Mid", "Alpha")]
    assert model.first_place(model.places, g) == ("Resources", "Mid", "Properties", "FromPort")
    model.places[g].reverse()
    assert model.first_place(model.places, g) == ("Resources", "Mid", "Properties", "FromPort")
    assert model.first_place(model.places, rkey("Nowhere")) is None
    model.peer_places[g] = []
    assert model.first_place(model.peer_places, g) is None


def test_anchors_of_one_resource_do_not_depend_on_what_was_read_first() -> None:
    model = anchored()
    path: Path = ("Resources", "Alpha", "Properties", "GroupId")
    first = model.anchor_key(path)
    assert model.anchor_key(("Resources", "Alpha")) [0] == first[0]
    assert model.anchor_key(path) == first == anchored().anchor_key(path)
    assert first[0] == "{Properties:{FromPort:443,GroupId:!Ref},Type:'AWS::EC2::SecurityGroupIngress'}"


def test_used_in_notes_the_stacks_that_name_a_value() -> None:
    model = Model()
    imported = key(Origin.IMPORT, "net-Sg")
    model.used_in(imported, ("Resources", "nodes::Rule", "Properties"))
    model.used_in(imported, ("Resources", "Rule"))
    model.used_in(imported, ("Outputs",))  # too short to name a stack
    model.used_in(rkey("Made"), ("Resources", "nodes::Rule"))  # a created group is not a value
    assert model.value_stacks == {imported: {"nodes", ""}}
    model.used_in(imported, ("Resources", "outer::inner::Rule"))  # the stack, as `GroupKey.stack` reads it
    assert model.value_stacks[imported] == {"nodes", "", rkey("outer::inner::Sg").stack}


def test_a_group_is_closed_when_created_here_and_kept() -> None:
    model = Model()
    model.exported.add(rkey("Handed"))
    assert model.closed(rkey("Kept"))
    assert not model.closed(rkey("Handed"))
    assert not model.closed(key(Origin.IMPORT, "Kept"))
    assert model.closed(key(Origin.CLUSTER, "Cl"))


@pytest.mark.parametrize("system", [
    Model(parameters={"nodes::NodeGroups": {}}),
    Model(resources={"nodes::Lt": {"Type": "AWS::EC2::LaunchTemplate"}}),
])
def test_eks_hands_out_the_cluster_group_to_the_other_stacks_of_a_system(system: Model) -> None:
    """Node stacks deployed apart are often given the cluster security group (DescribeCluster) as a parameter:
    another stack's parameter may be it; the cluster's own stack still cannot be given it."""
    cluster = key(Origin.CLUSTER, "Cl")
    assert system.handed_out(cluster) and not system.closed(cluster)
    assert system.identity(cluster, key(Origin.PARAMETER_ITEM, "nodes::NodeGroups[0]")) is Identity.UNKNOWN
    assert system.identity(cluster, key(Origin.PARAMETER, "NodeGroups")) is Identity.DIFFERENT
    literal = key(Origin.LITERAL, "sg-0123")  # written in another stack: only a handed-out group may be it
    system.used_in(literal, ("Resources", "nodes::Rule"))
    assert system.identity(cluster, literal) is Identity.DIFFERENT
    assert not system.handed_out(rkey("Kept")) and system.closed(rkey("Kept"))


def test_a_template_alone_keeps_its_cluster_group() -> None:
    alone = Model(parameters={"NodeGroups": {}}, resources={"Lt": {"Type": "AWS::EC2::LaunchTemplate"}})
    assert not alone.handed_out(key(Origin.CLUSTER, "Cl")) and alone.closed(key(Origin.CLUSTER, "Cl"))


def test_identity_of_a_created_group_and_a_value_of_the_same_stack() -> None:
    """A stack is never handed its own group back, whichever stack names the value."""
    model = Model()
    made = rkey("nodes::Sg")
    model.exported.add(made)
    imported = key(Origin.IMPORT, "x-Sg")
    model.used_in(imported, ("Resources", "nodes::Rule"))
    assert model.identity(made, imported).value == "different"
    model.used_in(imported, ("Resources", "Rule"))
    assert model.identity(made, imported).value == "unknown"
    assert model.identity(made, key(Origin.LITERAL, "sg-1")).value == "different"  # named by no stack


def test_a_new_model_is_empty() -> None:
    model = Model()
    assert (model.groups, model.standalone, model.places, model.peer_places, model.uses, model.endpoints) == (
        {}, [], {}, {}, [], [])
    assert (model.vpcs, model.referenced, model.exported, model.value_stacks, model.permissions) == (
        {}, set(), set(), {}, [])
    assert (model.assumed, model.attachments, model.clusters, model.parameters, model.resources, model.fed) == (
        [], [], [], {}, {}, {})
    assert model.settings == Settings()
    settings = Settings(cluster_security_group_defaults=False)
    parameters: dict[str, Json] = {"P": {"Type": "String"}}
    built = Model(parameters, settings, RESOURCES)  # type: ignore[arg-type]
    assert (built.parameters, built.settings, built.resources) == (parameters, settings, RESOURCES)


# --- external cluster groups -------------------------------------------------------------------------------


def test_a_cluster_defined_elsewhere_has_the_rules_eks_restores() -> None:
    model = Model()
    group = model.external_cluster_group("prod", ("Resources", "Ng", "Properties", "ClusterName"))
    assert group == key(Origin.EXTERNAL_CLUSTER, "prod")
    assert model.groups[group] == Group(group, rules_visible=False, guard=TRUE, path=(),
                                        cluster_tags=(("prod", TRUE),), tags=("kubernetes.io/cluster/prod",))
    inbound, outbound = model.permissions
    assert inbound == Permission(group, Direction.INGRESS, GroupPeer(group), ALL_TRAFFIC, ALL_PORTS, TRUE, (),
                                 "EKS default")
    assert outbound[:8] == (group, Direction.EGRESS, GroupPeer(group), ALL_TRAFFIC, ALL_PORTS, TRUE, (),
                            "EKS default")
    assert outbound.doubt == ("EKS adds it from Kubernetes 1.33, and the version of a cluster defined elsewhere is "
                              "not known here")
    assert inbound.certain and not outbound.certain
    assert model.places == {group: [("Resources", "Ng", "Properties", "ClusterName")]}


def test_a_cluster_defined_elsewhere_is_added_once_and_noted_at_each_place() -> None:
    model = Model()
    first = model.external_cluster_group("prod", ("Resources", "A"))
    again = model.external_cluster_group("prod", ("Resources", "B"))
    quiet = model.external_cluster_group("prod")
    assert first is again is quiet
    assert len(model.groups) == 1
    assert len(model.permissions) == 2
    assert model.places[first] == [("Resources", "A"), ("Resources", "B")]


def test_a_cluster_defined_elsewhere_without_trusted_defaults_has_no_rules() -> None:
    model = Model(settings=Settings(cluster_security_group_defaults=False))
    group = model.external_cluster_group("prod")
    assert model.permissions == []
    assert model.places == {}
    assert not model.groups[group].rules_visible


def _cidr(text: str, version: int) -> CidrPeer:
    return CidrPeer(text, version, Range((ipaddress.ip_network(text),)))


@pytest.mark.parametrize(("peer", "anywhere", "misfiled"), [
    (_cidr("0.0.0.0/0", 4), True, False),
    (_cidr("::/0", 6), True, False),
    (_cidr("::/0", 4), False, True),  # ::/0 in CidrIp: EC2 rejects it, it is no path anywhere
    (_cidr("0.0.0.0/0", 6), False, True),
    (_cidr("10.0.0.0/8", 4), False, False),
    (_cidr("10.0.0.0/8", 6), False, True),
    (CidrPeer("!Ref Cidr", 4), False, False),  # not known here: neither
])
def test_the_internet_and_ranges_ec2_rejects(peer: CidrPeer, anywhere: bool, misfiled: bool) -> None:
    """The internet is a /0 of the peer's own family; a range of the other family (EC2 rejects it) opens nothing."""
    assert (peer.anywhere, peer.misfiled) == (anywhere, misfiled)
    rule = Permission(GroupKey.make(Origin.RESOURCE, "G"), Direction.EGRESS, peer, TCP, PortSet.span(443, 443), TRUE,
                      (), "inline")
    assert rule.anywhere is anywhere
    # A rule EC2 rejects for its range opens nothing; any other opens its ports.
    assert rule.opens(TCP) == ((NO_PORTS, NO_PORTS) if misfiled else (PortSet.span(443, 443), NO_PORTS))
    assert rule._replace(peer=PrefixListPeer("pl-1")).anywhere is False
