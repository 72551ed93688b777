"""Subnet blocks, VPC blocks, Fn::Cidr and prefix lists (the _addresses and _cidrs modules)."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg._addresses import AddressReader
from cfnlint_eks_sg._cidrs import Block, Range, network
from cfnlint_eks_sg._model import Settings
from tests.unit.pieces import Json, ref, res

VPC = res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16")


def reader(**resources: Json) -> AddressReader:
    return AddressReader({"Resources": {"Vpc": VPC, **resources}}, Settings())


def subnet(cidr: object, vpc: str = "Vpc") -> Json:
    return res("AWS::EC2::Subnet", VpcId=ref(vpc), CidrBlock=cidr)


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    found = network(text)
    assert found is not None
    return found


def test_literal_subnet_inside_the_vpc_block_is_in_its_primary_block() -> None:
    found = reader(A=subnet("10.0.3.0/24")).addresses([ref("A")])
    assert found.complete
    assert found.blocks == (Block(net("10.0.3.0/24"), "Vpc"),)


def test_select_over_cidr_of_the_vpc_block() -> None:
    cidr = {"Fn::Select": [2, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]}
    found = reader(A=subnet(cidr)).addresses([ref("A")])
    assert found.blocks == (Block(net("10.0.2.0/24"), "Vpc"),)


def test_select_past_the_count_is_unknown() -> None:
    cidr = {"Fn::Select": [4, {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}]}
    assert reader(A=subnet(cidr)).addresses([ref("A")]).blocks == (Block(None),)


def test_secondary_block_subnet_is_not_in_the_primary_block() -> None:
    found = reader(A=subnet("100.64.0.0/20")).addresses([ref("A")])
    assert found.blocks == (Block(net("100.64.0.0/20"), None),)
    assert Range((), "Vpc").covers(found.blocks[0]) is None
    assert Range((net("10.0.0.0/16"),), "Vpc").covers(found.blocks[0]) is False


def test_parameter_subnets_make_addresses_incomplete() -> None:
    found = reader(A=subnet("10.0.0.0/24")).addresses([ref("A"), ref("SubnetParam")])
    assert not found.complete
    assert found.blocks == (Block(net("10.0.0.0/24"), "Vpc"),)


@pytest.mark.parametrize(
    ("block", "covered"),
    [
        (Block(net("10.0.1.0/24")), True),
        (Block(net("10.1.0.0/24")), False),
        (Block(net("fd00::/64")), False),  # never across IP versions (subnet_of would raise)
        (Block(None), None),
        (Block(None, "Vpc"), True),
    ],
)
def test_range_coverage(block: Block, covered: bool | None) -> None:
    assert Range((net("10.0.0.0/16"),), "Vpc").covers(block) is covered


def test_getatt_vpc_cidr_block_names_the_primary_block() -> None:
    found = reader().cidr_range({"Fn::GetAtt": "Vpc.CidrBlock"})
    assert found == Range((net("10.0.0.0/16"),), "Vpc")


def test_customer_prefix_list_with_literal_entries() -> None:
    pl = res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/24"}, {"Cidr": "10.0.1.0/24"}])
    found = reader(Pl=pl).prefix_list_range(ref("Pl"))
    assert found is not None
    assert found.covers(Block(net("10.0.1.0/25"))) is True
    assert found.covers(Block(net("10.0.2.0/25"))) is False
    assert reader().prefix_list_range("pl-63a5400a") is None


@pytest.mark.parametrize("bad", [None, 5, "10.0.0.0/33", {"Fn::Cidr": ["10.0.0.0/16", 100000, 8]}, [1, 2]])
def test_unreadable_cidrs_are_unknown(bad: object) -> None:
    assert reader().cidr_range({"Fn::Select": [0, bad]}) is None
