"""Subnet blocks, VPC blocks, Fn::Cidr and prefix lists (the _addresses and _cidrs modules)."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg.core._cidrs import Block, Range, network
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.model._addresses import AddressReader
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


def select_cidr(index: int, block: object, count: object = 4, bits: object = 8) -> Json:
    return {"Fn::Select": [index, {"Fn::Cidr": [block, count, bits]}]}


VPC_BLOCK = {"Fn::GetAtt": ["Vpc", "CidrBlock"]}


def test_a_subnet_spanning_a_vpc_block_not_written_here_is_in_that_vpcs_primary_block() -> None:
    """`CidrBlock: !GetAtt Vpc.CidrBlock` with the VPC's block a parameter: the address is unknown, the block known."""
    found = AddressReader({"Resources": {"Vpc": res("AWS::EC2::VPC", CidrBlock=ref("VpcCidr")),
                                         "A": subnet(VPC_BLOCK)}}, Settings()).addresses([ref("A")])
    assert found.blocks == (Block(None, "Vpc"),)
    assert found.complete


def test_a_block_cut_from_the_vpc_block_stays_in_it_whatever_vpc_the_subnet_names() -> None:
    """A piece of `Fn::Cidr` over the VPC's block is in that VPC's primary block, even when the subnet's VpcId
    is a parameter."""
    found = reader(A=subnet(select_cidr(1, VPC_BLOCK), vpc="VpcParam")).addresses([ref("A")])
    assert found.blocks == (Block(net("10.0.1.0/24"), "Vpc"),)


def test_equal_subnets_give_equal_addresses() -> None:
    """Each block counts once, in the order first named; no subnet at all is not a known set of addresses."""
    two = reader(A=subnet("10.0.1.0/24"), B=subnet("10.0.2.0/24"))
    assert two.addresses([ref("A"), ref("B"), ref("A")]) == two.addresses([ref("A"), ref("B")])
    assert two.addresses([]).complete is False
    assert two.addresses([ref("Vpc")]).blocks == ()  # a VPC is not a subnet


@pytest.mark.parametrize(("value", "found"), [
    (select_cidr(2, VPC_BLOCK), Range((net("10.0.2.0/24"),), "Vpc", part=True)),  # in the VPC's block, a piece
    (select_cidr(0, "10.0.0.0/16", 1, 8), Range((net("10.0.0.0/24"),))),  # count 1 is valid
    (select_cidr(0, "10.0.0.0/16", 1, 16), Range((net("10.0.0.0/16"),))),  # 16 bits off a /16: the block itself
    (select_cidr(3, "10.0.0.0/30", 4, 0), Range((net("10.0.0.3/32"),))),  # 0 bits: single addresses
    (select_cidr(1, "10.0.0.0/16", "4", "8"), Range((net("10.0.1.0/24"),))),  # numbers written as text
    (select_cidr(1, select_cidr(1, "10.0.0.0/16"), 2, 4), Range((net("10.0.1.16/28"),))),
    (select_cidr(255, "10.0.0.0/16", 256, 8), Range((net("10.0.255.0/24"),))),  # Fn::Cidr's largest count
    ({"Fn::GetAtt": ["Vpc", "CidrBlock"]}, Range((net("10.0.0.0/16"),), "Vpc")),
    (" 10.0.0.0/8 ", Range((net("10.0.0.0/8"),))),
])
def test_cidr_expressions_read_as_cloudformation_evaluates_them(value: object, found: Range) -> None:
    """Literals, a VPC's block, and `Fn::Select` over `Fn::Cidr` (the n-th block of 2^bits addresses)."""
    assert reader().cidr_range(value) == found


@pytest.mark.parametrize("value", [
    select_cidr(0, "10.0.0.0/16", 0, 8),  # Fn::Cidr makes 1 to 256 blocks
    select_cidr(0, "10.0.0.0/16", ref("Count"), 8),
    select_cidr(0, "10.0.0.0/16", 4, ref("Bits")),
    select_cidr(0, "10.0.0.0/16", 4, 17),  # a /15 does not fit in a /16
    select_cidr(0, ref("Block"), 4, 8),
    select_cidr(0, {"Fn::GetAtt": ["VpcFromParameter", "CidrBlock"]}, 4, 8),  # the VPC's block is not written
    {"Fn::Select": [ref("Index"), {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}]},
    {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 4]}]},
    {"Fn::Select": [0, ["10.0.0.0/24"], "extra"]},
    {"Fn::Join": ["0", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}]},  # a text, not one of the blocks
    {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]},
    {"Fn::GetAtt": ["Vpc", "CidrBlockAssociations"]},
    {"Fn::GetAtt": ["Cluster", "CidrBlock"]},  # not a VPC
    {"Fn::GetAtt": []},
    {"Fn::ImportValue": "network-VpcCidr"},
])
def test_cidr_expressions_the_template_does_not_fix_are_unknown(value: object) -> None:
    resources: dict[str, Json] = {"VpcFromParameter": res("AWS::EC2::VPC", CidrBlock=ref("Cidr")),
                                  "Cluster": res("AWS::EKS::Cluster", CidrBlock="10.0.0.0/16")}
    assert reader(**resources).cidr_range(value) is None


def test_a_vpc_block_written_elsewhere_is_known_by_reference_only() -> None:
    """`!GetAtt Vpc.CidrBlock` of a VPC whose block is a parameter covers that VPC's primary block and no address."""
    found = reader(Other=res("AWS::EC2::VPC", CidrBlock=ref("Cidr"))).cidr_range({"Fn::GetAtt": ["Other", "CidrBlock"]})
    assert found == Range((), "Other")


def _nested_cidr(levels: int) -> object:
    """`levels` of `Fn::Select [0, Fn::Cidr [..., 1, 8]]` around a literal /24 (each keeps the same block)."""
    value: object = "10.0.0.0/24"
    for _ in range(levels):
        value = select_cidr(0, value, 1, 8)
    return value


def test_nested_cidr_expressions_are_read_to_a_bounded_depth() -> None:
    """Hostile nesting stops being read after 8 levels of `Fn::Select` over `Fn::Cidr`."""
    assert reader().cidr_range(_nested_cidr(8)) == Range((net("10.0.0.0/24"),))
    assert reader().cidr_range(_nested_cidr(9)) is None


@pytest.mark.parametrize("value", [
    ref("Pl"),
    {"Fn::GetAtt": ["Pl", "PrefixListId"]},
    {"Fn::GetAtt": "Pl.PrefixListId"},
])
def test_every_spelling_of_a_customer_prefix_list_reads_its_entries(value: object) -> None:
    pl = res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/24"}, {"Cidr": "10.0.1.0/24"}])
    assert reader(Pl=pl).prefix_list_range(value) == Range((net("10.0.0.0/24"), net("10.0.1.0/24")))


@pytest.mark.parametrize("value", [
    ref("Open"),  # an entry that is not a literal CIDR: the list is not known
    ref("NoEntries"),
    ref("Vpc"),
    ref("PlParam"),
    {"Fn::GetAtt": []},
    {"Fn::GetAtt": 5},
    {"Fn::ImportValue": "network-Pl"},
])
def test_prefix_lists_the_template_does_not_write_down_are_unknown(value: object) -> None:
    resources: dict[str, Json] = {
        "Open": res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/24"}, {"Cidr": ref("Cidr")}]),
        "NoEntries": res("AWS::EC2::PrefixList", Entries=ref("EntryList")),
        "None": res("AWS::EC2::PrefixList", Entries=[{"Cidr": "10.0.0.0/24"}]),  # a malformed reference is not it
    }
    assert reader(**resources).prefix_list_range(value) is None


def test_vpcs_with_their_blocks() -> None:
    """A VPC's primary block, then the blocks added to it; unknown blocks are left out."""
    found = reader(
        Second=res("AWS::EC2::VPCCidrBlock", VpcId=ref("Vpc"), CidrBlock="100.64.0.0/16"),
        Ipv6=res("AWS::EC2::VPCCidrBlock", VpcId=ref("Vpc"), AmazonProvidedIpv6CidrBlock=True),
        Elsewhere=res("AWS::EC2::VPCCidrBlock", VpcId=ref("VpcParam"), CidrBlock="100.65.0.0/16"),
        Open=res("AWS::EC2::VPC", CidrBlock=ref("Cidr")),
    )
    found.read_vpcs()
    assert found.model.vpcs == {"Vpc": (net("10.0.0.0/16"), net("100.64.0.0/16")), "Open": ()}


def test_subnet_values_are_the_items_of_a_list() -> None:
    assert reader().subnet_values([ref("A"), ref("B")]) == [ref("A"), ref("B")]
    assert reader().subnet_values(ref("SubnetList")) == [ref("SubnetList")]
