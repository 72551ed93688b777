"""Unit tests for the CIDR algebra: whether blocks together reach every internet address."""

from __future__ import annotations

import ipaddress

import pytest

from cfnlint_eks_sg.core._cidrs import Block, Network, Range, inside, reaches_internet, union_covers


def nets(*texts: str) -> list[Network]:
    return [ipaddress.ip_network(t) for t in texts]


def everything_but(*texts: str) -> list[Network]:
    """The blocks of the whole address space of their version except `texts` (all of one version)."""
    holes = nets(*texts)
    whole = ipaddress.ip_network("0.0.0.0/0" if holes[0].version == 4 else "::/0")
    rest: list[Network] = [whole]
    for hole in holes:
        rest = [piece for net in rest for piece in _without(net, hole)]
    return rest


def _without(net: Network, hole: Network) -> list[Network]:
    if isinstance(net, ipaddress.IPv4Network) and isinstance(hole, ipaddress.IPv4Network) and hole.subnet_of(net):
        return list(net.address_exclude(hole))
    if isinstance(net, ipaddress.IPv6Network) and isinstance(hole, ipaddress.IPv6Network) and hole.subnet_of(net):
        return list(net.address_exclude(hole))
    return [net]


@pytest.mark.parametrize(("blocks", "version", "reaches"), [
    (nets("0.0.0.0/0"), 4, True),
    (nets("128.0.0.0/1", "0.0.0.0/1"), 4, True),  # halves, in any order
    (nets("0.0.0.0/1"), 4, False),  # the upper half is missing
    (nets("128.0.0.0/1"), 4, False),  # the lower half is missing
    (everything_but("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"), 4, True),  # only private gaps
    (everything_but("0.0.0.0/8"), 4, True),  # a gap at the start that the internet never routes
    (everything_but("240.0.0.0/4"), 4, True),  # a gap at the end likewise
    (everything_but("100.64.0.0/10"), 4, True),  # shared address space is off the internet too
    (everything_but("8.8.8.0/24"), 4, False),  # one public /24 left out
    (everything_but("8.8.8.8/32"), 4, False),  # one public address left out
    (everything_but("0.0.0.0/32"), 4, True),  # the first address, never routed
    (everything_but("2600::1/128"), 6, False),
    (everything_but("10.0.0.0/8", "203.0.113.0/24"), 4, True),  # documentation range: never routed
    (everything_but("10.0.0.0/8", "198.51.99.0/24"), 4, False),
    (nets("::/0"), 4, False),  # the other version counts for nothing
    (nets("0.0.0.0/0"), 6, False),
    (nets("::/1", "8000::/1"), 6, True),
    (everything_but("fc00::/7"), 6, True),  # unique local addresses are off the internet
    (everything_but("2600::/16"), 6, False),
    ([], 4, False),
])
def test_reaches_internet(blocks: list[Network], version: int, reaches: bool) -> None:
    assert reaches_internet(blocks, version) is reaches


@pytest.mark.parametrize(("target", "blocks", "covered"), [
    ("10.0.0.0/24", ["::/0", "10.0.0.0/24"], True),  # a block of the other version first changes nothing
    ("10.0.0.0/24", ["::/0", "10.0.0.0/25", "10.0.0.128/25"], True),
    ("10.0.0.0/24", ["10.0.0.0/25", "::/0"], False),
    ("fd00::/64", ["10.0.0.0/8", "fd00::/8"], True),
])
def test_union_covers(target: str, blocks: list[str], covered: bool) -> None:
    assert union_covers(ipaddress.ip_network(target), nets(*blocks)) is covered


@pytest.mark.parametrize(("inner", "outer", "result"), [
    ("10.0.0.0/24", "10.0.0.0/16", True),
    ("10.0.0.0/16", "10.0.0.0/24", False),
    ("fd00::/64", "fd00::/8", True),
    ("fd00::/8", "fd00::/64", False),
    ("10.0.0.0/8", "::/0", False),  # versions never nest
    ("::/0", "0.0.0.0/0", False),
])
def test_inside(inner: str, outer: str, result: bool) -> None:
    assert inside(ipaddress.ip_network(inner), ipaddress.ip_network(outer)) is result


def test_a_piece_of_the_vpc_block_covers_only_itself() -> None:
    """`Fn::Select` over `Fn::Cidr` of `GetAtt Vpc.CidrBlock` lies in the VPC's primary block; a rule naming it covers
    that piece, not every subnet of the block (it once did)."""
    piece = Range((ipaddress.ip_network("10.0.0.0/24"),), "Vpc", part=True)
    assert piece.covers(Block(ipaddress.ip_network("10.0.1.0/24"), "Vpc")) is False
    assert piece.covers(Block(ipaddress.ip_network("10.0.0.0/24"), "Vpc")) is True
    assert piece.covers(Block(None, "Vpc")) is None
    assert Range((), "Vpc").covers(Block(None, "Vpc")) is True  # the whole block, by reference
