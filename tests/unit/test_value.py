"""Unit tests for `_value.Value` and `_value.record`: the immutable values every stage keys its maps and sets by,
and the typed records stages hand each other."""

from __future__ import annotations

import copy
import ipaddress
import pickle

import pytest

from cfnlint_eks_sg.core._cidrs import Range
from cfnlint_eks_sg.core._ports import PortRange, PortSet
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.model._types import CidrPeer, GroupKey, Origin, PrefixListPeer


def test_equal_on_the_key_alone() -> None:
    covers = Range((ipaddress.ip_network("10.0.0.0/8"),))
    assert CidrPeer("10.0.0.0/8", 4, covers) == CidrPeer("10.0.0.0/8", 4)
    assert hash(CidrPeer("10.0.0.0/8", 4, covers)) == hash(CidrPeer("10.0.0.0/8", 4))
    assert CidrPeer("10.0.0.0/8", 4) != CidrPeer("10.0.0.0/8", 6)
    assert PrefixListPeer("pl-1", covers) == PrefixListPeer("pl-1")
    assert GroupKey(Origin.RESOURCE, "Sg", "resource") == GroupKey(Origin.RESOURCE, "Sg", "resource")
    assert GroupKey(Origin.RESOURCE, "Sg", "resource") != GroupKey(Origin.PARAMETER, "Sg", "parameter")
    assert GroupKey.make(Origin.IMPORT, "X") is GroupKey.make(Origin.IMPORT, "X")


def test_values_of_two_classes_never_compare() -> None:
    assert PrefixListPeer("pl-1") != CidrPeer("pl-1", 4)
    assert PortSet(()) != ()
    assert PortRange(1, 2) != (1, 2)
    assert len({PrefixListPeer("x"), CidrPeer("x", 4), GroupKey(Origin.LITERAL, "x", "literal")}) == 3
    with pytest.raises(TypeError):
        _ = PortRange(1, 2) < PortSet.span(1, 2)


def test_order_follows_the_key() -> None:
    ranges = [PortRange(5, 9), PortRange(1, 10), PortRange(1, 2)]
    assert sorted(ranges) == [PortRange(1, 2), PortRange(1, 10), PortRange(5, 9)]
    assert PortRange(1, 2) <= PortRange(1, 2) < PortRange(1, 3)
    assert PortRange(2, 2) >= PortRange(1, 9) > PortRange(1, 8)
    keys = [GroupKey.make(Origin.RESOURCE, "B"), GroupKey.make(Origin.PARAMETER, "A")]
    keys.append(GroupKey.make(Origin.RESOURCE, "A"))
    assert [(k.ident, k.kind) for k in sorted(keys)] == [("A", "parameter"), ("A", "resource"), ("B", "resource")]


def test_values_are_immutable() -> None:
    value = PortRange(1, 2)
    with pytest.raises(AttributeError):
        value.first = 3
    with pytest.raises(AttributeError):
        del value.last
    with pytest.raises(AttributeError):
        value.other = 1
    assert (value.first, value.last) == (1, 2)


def test_repr_names_the_fields_not_the_caches() -> None:
    assert repr(PortSet.span(1, 2)) == "PortSet(ranges=(PortRange(first=1, last=2),))"
    imported = "GroupKey(origin=<Origin.IMPORT: 'import'>, ident='X', kind='import')"
    assert repr(GroupKey.make(Origin.IMPORT, "X")) == imported


@pytest.mark.parametrize("value", [PortSet.span(1, 9), GroupKey.make(Origin.NAME, "n"), CidrPeer("::/0", 6)])
def test_copies_and_pickles_are_equal(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
    assert copy.copy(value) == value


def test_order_is_strict_where_it_should_be() -> None:
    same, other = PortRange(1, 2), PortRange(1, 2)
    assert not same < other and not same > other and same <= other and same >= other
    assert PortRange(1, 3) > PortRange(1, 2) and not PortRange(1, 2) >= PortRange(1, 3)


@pytest.mark.parametrize("compare", ["__lt__", "__le__", "__gt__", "__ge__", "__eq__"])
def test_comparing_with_another_class_is_left_to_python(compare: str) -> None:
    assert getattr(PortRange(1, 2), compare)(PortSet.span(1, 2)) is NotImplemented
    assert getattr(PortRange(1, 2), compare)((1, 2)) is NotImplemented


def test_hashes_spread_over_values() -> None:
    assert len({hash(PortRange(i, i)) for i in range(200)}) == 200
    assert len({hash(CidrPeer(f"10.0.{i}.0/24", 4)) for i in range(200)}) == 200


def test_the_refusal_names_the_field_and_the_class() -> None:
    value = PortSet.span(1, 2)
    with pytest.raises(AttributeError, match="cannot assign to field 'ranges' of an immutable PortSet"):
        value.ranges = ()
    with pytest.raises(AttributeError, match="cannot delete field 'ranges' of an immutable PortSet"):
        del value.ranges


@pytest.mark.parametrize(("compare", "low_high", "same", "high_low"), [
    ("__lt__", True, False, False),
    ("__le__", True, True, False),
    ("__gt__", False, False, True),
    ("__ge__", False, True, True),
])
def test_each_comparison_answers_for_its_own_class_itself(compare: str, low_high: bool, same: bool,
                                                          high_low: bool) -> None:
    """NotImplemented is only for another class: a value of its own class gets the answer of the key order."""
    low, high = PortRange(1, 2), PortRange(1, 3)
    assert getattr(low, compare)(high) is low_high
    assert getattr(low, compare)(PortRange(1, 2)) is same
    assert getattr(high, compare)(low) is high_low


@record
class _Pair(Record):
    """A record for these tests: two fields, the second with a default."""

    first: str
    second: int = 7


@record
class _Other(Record):
    first: str
    second: int


def test_a_record_takes_its_fields_by_position_or_name_with_defaults() -> None:
    assert _Pair("a", 1) == _Pair(first="a", second=1) == _Pair("a", second=1)
    assert _Pair("a").second == 7
    assert (_Pair("a", 1).first, _Pair("a", 1).second) == ("a", 1)
    assert list(_Pair("a", 1)) == ["a", 1]
    assert _Pair._fields == ("first", "second") == _Pair.__match_args__
    assert repr(_Pair("a", 1)) == "_Pair(first='a', second=1)"
    assert _Pair.__doc__ == "A record for these tests: two fields, the second with a default."


@pytest.mark.parametrize(("args", "kwargs", "error"), [
    (("a", 1, 2), {}, "_Pair takes 2 fields, got 3"),
    (("a",), {"first": "b"}, "_Pair: unexpected or repeated field 'first'"),
    ((), {"third": 1, "first": "a"}, "_Pair: unexpected or repeated field 'third'"),
    ((), {"second": 1}, "_Pair: missing first"),
])
def test_a_record_refuses_a_wrong_set_of_fields(args: tuple[object, ...], kwargs: dict[str, object],
                                                error: str) -> None:
    with pytest.raises(TypeError) as raised:
        _Pair(*args, **kwargs)  # type: ignore[arg-type]
    assert str(raised.value) == error
    with pytest.raises(TypeError, match=r"^_Other: missing first, second$"):
        _Other()  # type: ignore[call-arg]


def test_a_record_is_an_immutable_value_of_all_its_fields() -> None:
    pair = _Pair("a", 1)
    with pytest.raises(AttributeError):
        pair.first = "b"  # type: ignore[misc]  # mypy knows it is frozen, too
    assert not hasattr(pair, "__dict__")
    assert {_Pair("a", 1), _Pair("a", 1), _Pair("a", 2)} == {_Pair("a", 1), _Pair("a", 2)}
    assert _Pair("a", 1) != _Pair("a", 2) and _Pair("a", 1) != _Pair("b", 1)
    assert _Pair("a", 1) != _Other("a", 1)  # another record with the same fields is another value
    assert sorted([_Pair("b", 1), _Pair("a", 2), _Pair("a", 1)]) == [_Pair("a", 1), _Pair("a", 2), _Pair("b", 1)]
    assert pickle.loads(pickle.dumps(pair)) == pair and copy.copy(pair) == pair


def test_a_record_matches_by_position() -> None:
    match _Pair("a", 3):
        case _Pair(first, second):
            assert (first, second) == ("a", 3)
        case _:
            pytest.fail("no match")
