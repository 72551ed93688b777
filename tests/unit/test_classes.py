"""Node groups one half of a node-to-node flow treats alike: classes of one for the peers a rule may single out,
one class per bucket (existence, presence of a group, and subnets when address rules decide) for the rest."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg.core._cidrs import UNKNOWN_ADDRESSES, Addresses, Block
from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg.flows._classes import PeerClass, PeerDirectory, present_guard
from cfnlint_eks_sg.flows._reach import PermissionIndex
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Direction, GroupKey, Origin
from tests.unit.pieces import Json, ref, rkey, sg

ALL = {"IpProtocol": "-1"}
TEMPLATE: Json = {
    "Parameters": {"Shared": {"Type": "AWS::EC2::SecurityGroup::Id"}},
    "Resources": {
        # Sg0 admits Sg1 by group, and sends to 10.0.0.0/16 by address.
        "Sg0": sg(SecurityGroupIngress=[{**ALL, "SourceSecurityGroupId": ref("Sg1")}],
                  SecurityGroupEgress=[{**ALL, "CidrIp": "10.0.0.0/16"}]),
        "Sg1": sg(), "Sg2": sg(), "Sg3": sg(), "Sg4": sg(), "Sg5": sg(),
        # SgF admits a parameter's group, which may be any group another stack made (an import too).
        "SgF": sg(SecurityGroupIngress=[{**ALL, "SourceSecurityGroupId": ref("Shared")}]),
    },
}
FIRST, EXTRA = Guard.when("First", True), Guard.when("Extra", True)
IMPORTED = GroupKey.make(Origin.IMPORT, "network-Sg")
OPAQUE = GroupKey.make(Origin.OPAQUE, "!GetAtt Lookup.GroupId")
SUBNET = Addresses((Block(ipaddress.ip_network("10.0.3.0/24")),), True)

# Endpoint positions: 0 Sg0 (exists when First), 1 Sg1, 2 Sg2, 3 Sg3 (in a known subnet), 4 Sg4 (exists when
# Extra), 5 an imported group, 6 Sg5 with members not all known, 7 a group the template cannot pin down, 8 SgF.
KEYS = [frozenset({rkey("Sg0")}), frozenset({rkey("Sg1")}), frozenset({rkey("Sg2")}), frozenset({rkey("Sg3")}),
        frozenset({rkey("Sg4")}), frozenset({IMPORTED}), frozenset({rkey("Sg5")}), frozenset({OPAQUE}),
        frozenset({rkey("SgF")})]
KNOWN = [True, True, True, True, True, True, False, True, True]
GUARDS = [FIRST, TRUE, TRUE, TRUE, EXTRA, TRUE, TRUE, TRUE, TRUE]
ADDRESSES = [UNKNOWN_ADDRESSES, UNKNOWN_ADDRESSES, UNKNOWN_ADDRESSES, SUBNET, *[UNKNOWN_ADDRESSES] * 5]


def directory() -> tuple[PeerDirectory, PermissionIndex]:
    model = build_model(TEMPLATE)
    return PeerDirectory(KEYS, KNOWN, GUARDS, GUARDS, ADDRESSES, model), PermissionIndex(model)


def shape(found: list[PeerClass]) -> list[tuple[tuple[int, ...], int, bool]]:
    """Each class as (listed, total, whether it is a bucket)."""
    return [(c.listed, c.total, c.bucket is not None) for c in found]


def test_peers_a_group_rule_names_are_judged_one_by_one() -> None:
    """Sg0's ingress names Sg1: Sg1 is a class of one, with Sg0 itself and the endpoints any rule may match
    (members not all known, an opaque group); the rest are grouped by when they exist."""
    peers, index = directory()
    assert shape(list(peers.classes(index, 0, Direction.INGRESS))) == [
        ((0,), 1, False), ((1,), 1, False), ((6,), 1, False), ((7,), 1, False),
        # Sg0's own bucket (First) holds only Sg0, a class of one already: no empty class for it.
        ((2, 3, 5), 4, True),  # the first three named, four in all: Sg2, Sg3, the import, SgF
        ((4,), 1, True),  # Sg4 exists under another condition
    ]


def test_every_endpoint_is_in_exactly_one_class() -> None:
    peers, index = directory()
    for position in range(len(KEYS)):
        for direction in (Direction.INGRESS, Direction.EGRESS):
            found = list(peers.classes(index, position, direction))
            everyone = sorted(p for c in found for p in peers.members(index, position, direction, c))
            assert everyone == list(range(len(KEYS)))
            assert sum(c.total for c in found) == len(KEYS)


def test_a_class_stands_for_all_its_members() -> None:
    peers, index = directory()
    bucket = next(c for c in peers.classes(index, 0, Direction.INGRESS) if c.total == 4)
    assert peers.members(index, 0, Direction.INGRESS, bucket) == [2, 3, 5, 8]
    assert peers.members(index, 0, Direction.INGRESS, PeerClass((1,), 1)) == [1]


def test_a_rule_naming_a_foreign_group_singles_out_every_foreign_group() -> None:
    """SgF admits a parameter's group, which may be the import another endpoint carries (or the opaque one)."""
    peers, index = directory()
    found = list(peers.classes(index, 8, Direction.INGRESS))
    assert shape(found) == [
        ((5,), 1, False), ((6,), 1, False), ((7,), 1, False), ((8,), 1, False),
        ((0,), 1, True), ((1, 2, 3), 3, True), ((4,), 1, True),
    ]
    assert peers.members(index, 8, Direction.INGRESS, found[5]) == [1, 2, 3]


def test_subnets_matter_only_when_address_rules_decide() -> None:
    """Sg0's egress is a CIDR rule: Sg3, in a known subnet, is judged apart; its ingress names groups only."""
    peers, index = directory()
    egress = list(peers.classes(index, 0, Direction.EGRESS))
    assert shape(egress) == [
        ((0,), 1, False), ((6,), 1, False), ((7,), 1, False),
        ((1, 2, 5), 4, True), ((3,), 1, True), ((4,), 1, True),
    ]
    assert peers.members(index, 0, Direction.EGRESS, egress[3]) == [1, 2, 5, 8]
    assert egress[4].bucket == (TRUE, TRUE, SUBNET)
    ingress = list(peers.classes(index, 0, Direction.INGRESS))
    assert ingress[4].bucket == (TRUE, TRUE, None)


def test_a_group_without_rules_treats_all_its_peers_alike_but_the_unknown_ones() -> None:
    peers, index = directory()
    assert shape(list(peers.classes(index, 2, Direction.INGRESS))) == [
        ((2,), 1, False), ((6,), 1, False), ((7,), 1, False),
        ((0,), 1, True), ((1, 3, 5), 4, True), ((4,), 1, True),
    ]


@pytest.mark.parametrize(("guards", "present"), [
    ([], FALSE),  # no group: never present
    ([TRUE], TRUE),
    ([FIRST, EXTRA], FIRST | EXTRA),  # present when any of them is
    ([FIRST, FALSE], FIRST),
])
def test_a_node_group_has_a_group_when_any_of_its_guarded_groups_is_there(guards: list[Guard],
                                                                           present: Guard) -> None:
    assert present_guard(guards) == present
