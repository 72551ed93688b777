"""CIDR values: the subnets a role lives in, and what a CIDR or prefix-list peer covers.

A CIDR rule covers a role only when every subnet of the role lies inside it, in the same IP
version (spec M-9); a VPC's primary block, named by `Fn::GetAtt Vpc.CidrBlock`, covers the
subnets known to lie in it, never those of secondary blocks.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Final, NamedTuple

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_CIDR_COUNT: Final = 4096  # Fn::Cidr's own limit is 256; stay bounded on hostile input


class Block(NamedTuple):
    """One subnet of a role: its IPv4 network when known, and the VPC whose primary block holds it."""

    network: Network | None
    vpc_primary: str | None = None
    expression: str = ""  # a block written as an expression (a parameter): a rule naming the same covers it
    apart: tuple[str, ...] = ()  # expressions of blocks known not to overlap it: a rule naming one never covers it


class Addresses(NamedTuple):
    """The subnets a role's interfaces live in; `complete` when every one of them is known here."""

    blocks: tuple[Block, ...] = ()
    complete: bool = False
    subnets: tuple[str, ...] = ()  # the logical ids of those this template creates, each once


UNKNOWN_ADDRESSES: Final = Addresses()


class Range(NamedTuple):
    """What a CIDR or prefix-list peer covers: networks, and/or a VPC's primary block by reference (or, `part`, a
    piece cut from that block with `Fn::Cidr`, which lies in it and covers only itself)."""

    networks: tuple[Network, ...] = ()
    vpc_primary: str | None = None
    part: bool = False

    @property
    def whole_vpc(self) -> str | None:
        """The VPC whose whole primary block this is, by reference (`GetAtt Vpc.CidrBlock`)."""
        return None if self.part else self.vpc_primary

    def covers(self, block: Block) -> bool | None:
        """True/False when decidable, None when the block's address is not known."""
        if self.whole_vpc is not None and block.vpc_primary == self.whole_vpc:
            return True
        if block.network is None or not self.networks:
            return None  # an unknown subnet, or a VPC block that is not written down here
        return union_covers(block.network, self.networks)  # a prefix list's entries together


def union_covers(target: Network, networks: Iterable[Network]) -> bool:
    """Whether the networks together hold every address of `target`. CIDR blocks nest or are apart: merged, they
    cover it when one holds it or the ones inside it add up to its size."""
    inner = []
    for net in networks:
        if net.version != target.version:
            continue
        if inside(target, net):
            return True
        if inside(net, target):
            inner.append(net)
    merged = ipaddress.collapse_addresses(inner)  # type: ignore[type-var]  # one version, checked
    return sum(net.num_addresses for net in merged) == target.num_addresses


_EVERYWHERE: Final = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}


def reaches_internet(networks: Iterable[Network], version: int) -> bool:
    """Whether the networks together hold every address the internet routes in that IP version (0.0.0.0/1 and
    128.0.0.0/1 do; so does everything but RFC 1918): every gap they leave lies off the internet."""
    merged = list(ipaddress.collapse_addresses(n for n in networks if n.version == version))  # type: ignore[type-var]
    whole = _EVERYWHERE[version]
    start = int(whole.network_address)
    gaps: list[tuple[int, int]] = []
    for net in merged:  # sorted and apart
        if int(net.network_address) > start:
            gaps.append((start, int(net.network_address) - 1))
        start = int(net.broadcast_address) + 1
    if start <= int(whole.broadcast_address):
        gaps.append((start, int(whole.broadcast_address)))
    address = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    for first, last in gaps:
        for piece in ipaddress.summarize_address_range(address(first), address(last)):
            if not off_internet(piece):
                return False
    return True


def off_internet(net: Network) -> bool:
    """Addresses the internet never routes to: RFC 1918, unique local, and the other special ranges
    (100.64.0.0/10 shared address space too, which `is_private` leaves out)."""
    return not net.is_global


def inside(inner: Network, outer: Network) -> bool:
    # subnet_of raises TypeError across versions (cpython Lib/ipaddress.py): compare versions first.
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]  # one version


def network(text: object) -> Network | None:
    if not isinstance(text, str):
        return None
    return _parsed(str(text).strip())


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Network | None:
    """Parsed once per distinct text: templates repeat a few ranges on many rules."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


