"""Pipeline stage `ports`: IP protocols, port ranges and exact port-set algebra."""

from __future__ import annotations

import functools
import re
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._value import Value, set_field

MAX_PORT: Final = 65535


class PortRange(Value):
    """Inclusive; 0 <= first <= last <= 65535. Ordered by first port, then last."""

    __slots__ = ("first", "last")
    __match_args__ = ("first", "last")
    first: int
    last: int

    def __init__(self, first: int, last: int) -> None:
        if not 0 <= first <= last <= MAX_PORT:
            raise ValueError(f"bad port range {first}-{last}")
        set_field(self, "first", first)
        set_field(self, "last", last)

    def key(self) -> tuple[int, int]:
        return self.first, self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


class PortSet(Value):
    """Sorted, non-overlapping, non-adjacent ranges, so equal sets compare equal."""

    __slots__ = ("ranges",)
    __match_args__ = ("ranges",)
    ranges: tuple[PortRange, ...]

    def __init__(self, ranges: tuple[PortRange, ...] = ()) -> None:
        set_field(self, "ranges", ranges)

    def key(self) -> tuple[PortRange, ...]:
        return self.ranges

    @classmethod
    def of(cls, *ranges: PortRange) -> PortSet:
        """The only way in: sorts and merges overlapping or adjacent ranges."""
        merged: list[PortRange] = []
        for r in sorted(ranges):
            if merged and r.first <= merged[-1].last + 1:
                last = merged[-1]
                merged[-1] = PortRange(last.first, max(last.last, r.last))
            else:
                merged.append(r)
        return cls(tuple(merged))

    @classmethod
    def span(cls, first: int, last: int) -> PortSet:
        return cls.of(PortRange(first, last))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: PortSet) -> PortSet:
        if not other.ranges:
            return self
        if not self.ranges:
            return other
        return PortSet.of(*self.ranges, *other.ranges)

    def __sub__(self, other: PortSet) -> PortSet:
        """What of `self` is still uncovered by `other` (two-pointer sweep)."""
        out: list[PortRange] = []
        j = 0
        theirs = other.ranges
        for r in self.ranges:
            first = r.first
            while j < len(theirs) and theirs[j].last < first:
                j += 1
            k = j
            while k < len(theirs) and theirs[k].first <= r.last:
                if theirs[k].first > first:
                    out.append(PortRange(first, theirs[k].first - 1))
                first = max(first, theirs[k].last + 1)
                k += 1
            if first <= r.last:
                out.append(PortRange(first, r.last))
        return PortSet(tuple(out))

    def __and__(self, other: PortSet) -> PortSet:
        return self - (self - other)

    def covers(self, other: PortSet) -> bool:
        return not (other - self).ranges

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(r.first <= port <= r.last for r in self.ranges)

    def __str__(self) -> str:
        return ", ".join(str(r) for r in self.ranges) if self.ranges else "no ports"


NO_PORTS: Final = PortSet()
ALL_PORTS: Final = PortSet.span(0, MAX_PORT)


class IpProtocol(NamedTuple):
    """An EC2 IpProtocol: `number` is the IANA protocol number, None for `-1` (all protocols)."""

    number: int | None

    @property
    def name(self) -> str:
        if self.number is None:
            return "all traffic"
        return _NAMES.get(self.number, f"protocol {self.number}")

    @property
    def has_ports(self) -> bool:
        """TCP and UDP filter on destination ports; every other protocol is all-or-nothing."""
        return self.number in (6, 17)

    @property
    def is_icmp(self) -> bool:
        """ICMP FromPort/ToPort are a type and a code, never a port range."""
        return self.number in (1, 58)

    def __str__(self) -> str:
        return self.name


_DIGITS: Final = re.compile(r"0*[0-9]{1,9}")  # ASCII only: str.isdigit() accepts "²", which int() rejects
_INTEGER: Final = re.compile(r"-?0*[0-9]{1,9}")  # int() refuses 4,300+ digits; no port needs ten
_NAMES: Final = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6"}
_BY_NAME: Final = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}

ALL_TRAFFIC: Final = IpProtocol(None)
TCP: Final = IpProtocol(6)
UDP: Final = IpProtocol(17)
ICMP: Final = IpProtocol(1)
ICMPV6: Final = IpProtocol(58)


def parse_protocol(raw: object) -> IpProtocol | None:
    """Every spelling CloudFormation accepts: `-1` as string or int, names in any case, numbers.

    Returns None for a value that is not a valid protocol (EC2 rejects `all`, `any`, 256, ...).
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        if not -1 <= raw <= 255:
            return None  # before str(), which refuses ints of 4,300+ digits
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip().lower()
    else:
        return None
    if text == "-1":
        return ALL_TRAFFIC
    if text in _BY_NAME:
        return _protocol(_BY_NAME[text])
    if _DIGITS.fullmatch(text) and int(text) <= 255:
        return _protocol(int(text))
    return None


@functools.lru_cache(maxsize=256)
def _protocol(number: int) -> IpProtocol:
    """One object per protocol number: templates repeat a handful thousands of times."""
    return IpProtocol(number)


def parse_port(raw: object) -> int | None:
    """A FromPort/ToPort value as an int (strings are coerced); None when it is not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
    return None


@functools.lru_cache(maxsize=4096)
def port_set(protocol: IpProtocol, from_port: int | None, to_port: int | None) -> PortSet:
    """The destination ports a rule opens for `protocol`.

    `-1` and protocols without ports open every port whatever FromPort/ToPort say; tcp/udp need
    both ports in 0-65535 (EC2 rejects `-1` for them, so such a rule opens nothing); ICMP has no
    ports at all (its FromPort/ToPort are type and code).
    """
    if protocol.is_icmp:
        return NO_PORTS
    if not protocol.has_ports:
        return ALL_PORTS
    if from_port is None or to_port is None:
        return NO_PORTS
    if not 0 <= from_port <= to_port <= MAX_PORT:
        return NO_PORTS
    return PortSet.span(from_port, to_port)


def opens(rule_protocol: IpProtocol, rule_ports: PortSet, flow_protocol: IpProtocol) -> PortSet:
    """The ports of `flow_protocol` that a rule of `rule_protocol` on `rule_ports` lets through."""
    if rule_protocol == ALL_TRAFFIC:
        return ALL_PORTS
    if rule_protocol == flow_protocol:
        return rule_ports
    return NO_PORTS
