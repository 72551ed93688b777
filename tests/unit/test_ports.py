"""Unit tests for the `ports` stage: port ranges, exact port-set algebra, protocol/port parsing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfnlint_eks_sg.core._ports import (
    ALL_PORTS,
    ALL_TRAFFIC,
    ICMP,
    ICMPV6,
    MAX_PORT,
    NO_PORTS,
    TCP,
    UDP,
    IpProtocol,
    PortRange,
    PortSet,
    opens,
    parse_port,
    parse_protocol,
    port_set,
)


def ps(*pairs: tuple[int, int]) -> PortSet:
    return PortSet.of(*(PortRange(a, b) for a, b in pairs))


def pairs(s: PortSet) -> list[tuple[int, int]]:
    return [(r.first, r.last) for r in s.ranges]


# --- PortRange --------------------------------------------------------------------------------


def test_port_range_accepts_bounds() -> None:
    assert (PortRange(0, MAX_PORT).first, PortRange(0, MAX_PORT).last) == (0, 65535)
    assert PortRange(5, 5).first == 5


@pytest.mark.parametrize(("first", "last"), [(-1, 5), (5, 4), (0, 65536), (65536, 65536), (-1, -1)])
def test_port_range_rejects_invalid(first: int, last: int) -> None:
    with pytest.raises(ValueError):
        PortRange(first, last)


def test_port_range_str() -> None:
    assert str(PortRange(22, 22)) == "22"
    assert str(PortRange(1025, 65535)) == "1025-65535"


def test_port_range_ordering() -> None:
    assert sorted([PortRange(5, 9), PortRange(1, 10), PortRange(1, 2)]) == [
        PortRange(1, 2),
        PortRange(1, 10),
        PortRange(5, 9),
    ]


# --- PortSet.of / span ------------------------------------------------------------------------


def test_of_empty() -> None:
    assert PortSet.of() == NO_PORTS
    assert not PortSet.of()
    assert pairs(PortSet.of()) == []


def test_of_sorts_disjoint_ranges() -> None:
    assert pairs(ps((100, 200), (1, 2))) == [(1, 2), (100, 200)]


def test_of_merges_overlapping() -> None:
    assert pairs(ps((1, 10), (5, 20))) == [(1, 20)]


def test_of_merges_contained() -> None:
    assert pairs(ps((1, 100), (5, 20))) == [(1, 100)]


def test_of_merges_adjacent() -> None:
    assert pairs(ps((1, 10), (11, 20))) == [(1, 20)]


def test_of_keeps_gap_of_one() -> None:
    assert pairs(ps((1, 10), (12, 20))) == [(1, 10), (12, 20)]


def test_of_merges_chain_out_of_order() -> None:
    assert pairs(ps((30, 40), (1, 10), (11, 29), (41, 41))) == [(1, 41)]


def test_of_duplicates() -> None:
    assert pairs(ps((7, 7), (7, 7))) == [(7, 7)]


def test_equal_sets_compare_equal_regardless_of_construction() -> None:
    assert ps((1, 5), (6, 10)) == ps((1, 10))
    assert ps((1, 5), (6, 10)) != ps((1, 9))


def test_span() -> None:
    assert pairs(PortSet.span(443, 443)) == [(443, 443)]
    assert PortSet.span(0, 65535) == ALL_PORTS
    with pytest.raises(ValueError):
        PortSet.span(10, 9)


def test_bool() -> None:
    assert bool(ps((0, 0))) is True
    assert bool(NO_PORTS) is False


# --- | - & covers in str ----------------------------------------------------------------------


def test_union() -> None:
    assert pairs(ps((1, 5)) | ps((10, 20))) == [(1, 5), (10, 20)]
    assert pairs(ps((1, 5)) | ps((6, 20))) == [(1, 20)]
    assert pairs(ps((1, 5), (10, 20)) | ps((4, 11))) == [(1, 20)]


def test_union_with_empty() -> None:
    a = ps((1, 5))
    assert a | NO_PORTS == a
    assert NO_PORTS | a == a
    assert NO_PORTS | NO_PORTS == NO_PORTS


def test_difference_splits_range() -> None:
    assert pairs(ps((1, 100)) - ps((10, 20))) == [(1, 9), (21, 100)]


def test_difference_multiple_holes() -> None:
    assert pairs(ps((0, 100)) - ps((0, 0), (10, 20), (50, 60), (100, 100))) == [(1, 9), (21, 49), (61, 99)]


def test_difference_trims_edges() -> None:
    assert pairs(ps((10, 20)) - ps((0, 12))) == [(13, 20)]
    assert pairs(ps((10, 20)) - ps((18, 30))) == [(10, 17)]


def test_difference_covering_range_removes_all() -> None:
    assert ps((10, 20)) - ps((0, 30)) == NO_PORTS
    assert ps((10, 20)) - ps((10, 20)) == NO_PORTS


def test_difference_one_subtrahend_spans_many_ranges() -> None:
    assert pairs(ps((1, 5), (10, 15), (20, 25)) - ps((3, 22))) == [(1, 2), (23, 25)]


def test_difference_disjoint_and_empty() -> None:
    a = ps((10, 20))
    assert a - ps((30, 40)) == a
    assert a - NO_PORTS == a
    assert NO_PORTS - a == NO_PORTS


def test_difference_at_max_port() -> None:
    assert pairs(ALL_PORTS - ps((65535, 65535))) == [(0, 65534)]
    assert pairs(ALL_PORTS - ps((0, 0))) == [(1, 65535)]
    assert ALL_PORTS - ALL_PORTS == NO_PORTS


def test_intersection() -> None:
    assert pairs(ps((1, 10), (20, 30)) & ps((5, 25))) == [(5, 10), (20, 25)]
    assert ps((1, 10)) & ps((11, 20)) == NO_PORTS
    assert ps((1, 10)) & NO_PORTS == NO_PORTS
    assert ALL_PORTS & ps((53, 53)) == ps((53, 53))


def test_covers() -> None:
    assert ps((0, 100)).covers(ps((10, 20), (90, 100)))
    assert not ps((0, 100)).covers(ps((10, 20), (90, 101)))
    assert ps((1, 5), (6, 10)).covers(ps((3, 8)))
    assert not ps((1, 5), (7, 10)).covers(ps((3, 8)))
    assert ps((1, 1)).covers(NO_PORTS)
    assert NO_PORTS.covers(NO_PORTS)
    assert not NO_PORTS.covers(ps((1, 1)))
    assert ALL_PORTS.covers(ALL_PORTS)


def test_contains() -> None:
    s = ps((10, 20), (30, 30))
    assert 10 in s
    assert 20 in s
    assert 30 in s
    assert 9 not in s
    assert 21 not in s
    assert 31 not in s
    assert "15" not in s
    assert None not in s


def test_str() -> None:
    assert str(NO_PORTS) == "no ports"
    assert str(ps((22, 22))) == "22"
    assert str(ps((22, 22), (1025, 65535))) == "22, 1025-65535"


# --- parse_protocol ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("-1", None),
        (-1, None),
        (" -1 ", None),
        ("tcp", 6),
        ("TCP", 6),
        ("Tcp", 6),
        (" tcp ", 6),
        ("6", 6),
        (6, 6),
        ("udp", 17),
        ("UDP", 17),
        ("17", 17),
        (17, 17),
        ("icmp", 1),
        ("ICMP", 1),
        ("1", 1),
        (1, 1),
        ("icmpv6", 58),
        ("ICMPv6", 58),
        ("58", 58),
        (58, 58),
        ("50", 50),
        (50, 50),
        ("0", 0),
        ("255", 255),
        (255, 255),
    ],
)
def test_parse_protocol_valid(raw: object, number: int | None) -> None:
    proto = parse_protocol(raw)
    assert proto is not None
    assert proto.number == number
    assert proto == IpProtocol(number)


@pytest.mark.parametrize(
    "raw",
    ["all", "any", "ALL", "256", 256, "-2", -2, "", "tcp6", "6.0", 6.0, True, False, None, {}, {"Ref": "P"}, [6]],
)
def test_parse_protocol_invalid(raw: object) -> None:
    assert parse_protocol(raw) is None


def test_parse_protocol_number_too_large_to_print_is_invalid() -> None:
    """Python refuses to print ints of 4,300+ digits: such a protocol is invalid, never a crash."""
    assert parse_protocol(10**5000) is None
    assert parse_protocol(-(10**5000)) is None


def test_protocol_constants() -> None:
    assert parse_protocol("-1") == ALL_TRAFFIC
    assert parse_protocol("tcp") == TCP
    assert parse_protocol("17") == UDP
    assert parse_protocol(1) == ICMP
    assert parse_protocol("icmpv6") == ICMPV6


def test_protocol_properties() -> None:
    assert TCP.has_ports and UDP.has_ports
    assert not ALL_TRAFFIC.has_ports
    assert not ICMP.has_ports
    assert not IpProtocol(50).has_ports
    assert ICMP.is_icmp and ICMPV6.is_icmp
    assert not TCP.is_icmp and not ALL_TRAFFIC.is_icmp and not IpProtocol(50).is_icmp


def test_protocol_names() -> None:
    assert str(ALL_TRAFFIC) == "all traffic"
    assert [TCP.name, UDP.name, ICMP.name, ICMPV6.name] == ["TCP", "UDP", "ICMP", "ICMPv6"]
    assert str(IpProtocol(50)) == "protocol 50"


def test_parse_protocol_unicode_digit_is_invalid_not_an_error() -> None:
    assert parse_protocol("\u00b2") is None  # SUPERSCRIPT TWO


# --- parse_port -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (22, 22),
        (0, 0),
        (-1, -1),
        ("22", 22),
        (" 443 ", 443),
        ("-1", -1),
        ("65535", 65535),
        ("70000", 70000),
        (70000, 70000),
    ],
)
def test_parse_port_numbers(raw: object, expected: int) -> None:
    assert parse_port(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "-", "abc", "22a", "1-2", "2.5", 22.0, True, False, None, {"Ref": "Port"}, [22]],
)
def test_parse_port_garbage(raw: object) -> None:
    assert parse_port(raw) is None


def test_parse_port_double_minus_is_garbage_not_an_error() -> None:
    assert parse_port("--5") is None


def test_parse_port_unicode_digit_is_garbage_not_an_error() -> None:
    assert parse_port("\u00b2") is None  # SUPERSCRIPT TWO


# --- port_set ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_port", "to_port"),
    [(-1, -1), (None, None), (22, 22), (0, 65535), (5, 1), (None, 80), (100000, 7)],
)
def test_port_set_all_traffic_opens_everything(from_port: int | None, to_port: int | None) -> None:
    assert port_set(ALL_TRAFFIC, from_port, to_port) == ALL_PORTS


@pytest.mark.parametrize(("from_port", "to_port"), [(-1, -1), (None, None), (22, 22), (9, 3)])
def test_port_set_other_protocol_opens_everything(from_port: int | None, to_port: int | None) -> None:
    assert port_set(IpProtocol(50), from_port, to_port) == ALL_PORTS
    assert port_set(IpProtocol(0), from_port, to_port) == ALL_PORTS


@pytest.mark.parametrize("proto", [TCP, UDP])
def test_port_set_tcp_udp_range(proto: IpProtocol) -> None:
    assert port_set(proto, 443, 443) == ps((443, 443))
    assert port_set(proto, 1025, 65535) == ps((1025, 65535))
    assert port_set(proto, 0, 65535) == ALL_PORTS


@pytest.mark.parametrize("proto", [TCP, UDP])
@pytest.mark.parametrize(
    ("from_port", "to_port"),
    [(-1, -1), (-1, 80), (0, -1), (None, None), (None, 80), (80, None), (90, 80), (0, 65536), (65536, 65536)],
)
def test_port_set_tcp_udp_invalid_opens_nothing(proto: IpProtocol, from_port: int | None, to_port: int | None) -> None:
    assert port_set(proto, from_port, to_port) == NO_PORTS


@pytest.mark.parametrize("proto", [ICMP, ICMPV6])
@pytest.mark.parametrize(("from_port", "to_port"), [(-1, -1), (8, 0), (0, 65535), (None, None)])
def test_port_set_icmp_opens_no_ports(proto: IpProtocol, from_port: int | None, to_port: int | None) -> None:
    assert port_set(proto, from_port, to_port) == NO_PORTS


# --- opens ------------------------------------------------------------------------------------


def test_opens_all_traffic_rule_opens_every_flow() -> None:
    assert opens(ALL_TRAFFIC, ALL_PORTS, TCP) == ALL_PORTS
    assert opens(ALL_TRAFFIC, ALL_PORTS, UDP) == ALL_PORTS
    assert opens(ALL_TRAFFIC, ALL_PORTS, IpProtocol(50)) == ALL_PORTS


def test_opens_same_protocol_gives_rule_ports() -> None:
    assert opens(TCP, ps((443, 443)), TCP) == ps((443, 443))
    assert opens(UDP, ps((53, 53)), UDP) == ps((53, 53))
    assert opens(IpProtocol(50), ALL_PORTS, IpProtocol(50)) == ALL_PORTS


def test_opens_different_protocol_gives_nothing() -> None:
    assert opens(TCP, ps((443, 443)), UDP) == NO_PORTS
    assert opens(UDP, ALL_PORTS, TCP) == NO_PORTS
    assert opens(IpProtocol(50), ALL_PORTS, TCP) == NO_PORTS
    assert opens(TCP, ALL_PORTS, ALL_TRAFFIC) == NO_PORTS


# --- property test against a brute-force oracle -----------------------------------------------

# Ports clustered at both ends of the port space so ranges overlap, touch and hit 0 and 65535.
_PORT = st.one_of(st.integers(0, 60), st.integers(MAX_PORT - 60, MAX_PORT))
_RANGE = st.tuples(_PORT, st.integers(0, 25)).map(lambda t: (t[0], min(t[0] + t[1], MAX_PORT)))
_RANGES = st.lists(_RANGE, max_size=5)


def _ints(ranges: list[tuple[int, int]]) -> set[int]:
    return {p for a, b in ranges for p in range(a, b + 1)}


def _set_of(s: PortSet) -> set[int]:
    return _ints(pairs(s))


def _normal(s: PortSet) -> bool:
    rs = s.ranges
    return all(r.first <= r.last for r in rs) and all(a.last + 1 < b.first for a, b in itertools.pairwise(rs))


@settings(max_examples=200, deadline=None)
@given(_RANGES, _RANGES)
def test_port_set_algebra_matches_brute_force(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> None:
    a, b = ps(*xs), ps(*ys)
    sa, sb = _ints(xs), _ints(ys)
    assert _set_of(a) == sa
    for result, expected in ((a | b, sa | sb), (a - b, sa - sb), (b - a, sb - sa), (a & b, sa & sb)):
        assert _normal(result)
        assert _set_of(result) == expected
        assert result == ps(*pairs(result))
    assert a.covers(b) == (sb <= sa)
    assert b.covers(a) == (sa <= sb)
    for port in (0, 1, 30, 61, MAX_PORT - 61, MAX_PORT - 1, MAX_PORT):
        assert (port in a) == (port in sa)
