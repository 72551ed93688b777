"""Unit tests for the `resolve` stage: intrinsic functions expanded into guarded alternatives."""

from __future__ import annotations

import types

import pytest

from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._resolve import (
    MAX_DEPTH,
    NO_VALUE,
    Alt,
    _short,
    alternatives,
    canonical,
    function,
    get,
    is_map,
    list_items,
    name_token,
    present,
    references,
    short_form,
    sub_variables,
)

C = Guard.when("C", True)
NOT_C = Guard.when("C", False)
D = Guard.when("D", True)
NOT_D = Guard.when("D", False)
NO = {"Ref": "AWS::NoValue"}


def summary(alts: list[Alt]) -> list[tuple[object, tuple[str | int, ...], Guard]]:
    return [(a.value, a.path, a.guard) for a in alts]


# --- function -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "P"}, ("Ref", "P")),
        ({"Fn::If": ["C", 1, 2]}, ("Fn::If", ["C", 1, 2])),
        ({"Fn::GetAtt": ["R", "A"]}, ("Fn::GetAtt", ["R", "A"])),
        ({"Condition": "C"}, ("Condition", "C")),
        ({"Ref": None}, ("Ref", None)),
    ],
)
def test_function_recognises_intrinsics(value: object, expected: tuple[str, object]) -> None:
    assert function(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "P", "Other": 1},
        {},
        {"Key": "Name"},
        {"Fn:If": []},
        {1: "x"},
        "Ref",
        ["Ref", "P"],
        None,
        42,
    ],
)
def test_function_rejects_non_intrinsics(value: object) -> None:
    assert function(value) is None


# --- alternatives -------------------------------------------------------------------------------


def test_alternatives_plain_value() -> None:
    assert summary(list(alternatives("x", ("P",)))) == [("x", ("P",), TRUE)]


def test_alternatives_keeps_incoming_guard() -> None:
    assert summary(list(alternatives(5, ("P",), D))) == [(5, ("P",), D)]


def test_alternatives_if() -> None:
    alts = list(alternatives({"Fn::If": ["C", "a", "b"]}, ("Props", "X")))
    assert summary(alts) == [
        ("a", ("Props", "X", "Fn::If", 1), C),
        ("b", ("Props", "X", "Fn::If", 2), NOT_C),
    ]


def test_alternatives_if_combines_with_outer_guard() -> None:
    alts = list(alternatives({"Fn::If": ["C", "a", "b"]}, (), D))
    assert summary(alts) == [("a", ("Fn::If", 1), C & D), ("b", ("Fn::If", 2), NOT_C & D)]


def test_alternatives_nested_if() -> None:
    value = {"Fn::If": ["C", {"Fn::If": ["D", "cd", "c"]}, "n"]}
    assert summary(list(alternatives(value, ("P",)))) == [
        ("cd", ("P", "Fn::If", 1, "Fn::If", 1), C & D),
        ("c", ("P", "Fn::If", 1, "Fn::If", 2), C & NOT_D),
        ("n", ("P", "Fn::If", 2), NOT_C),
    ]


def test_alternatives_nested_if_same_condition_gives_false_guard() -> None:
    value = {"Fn::If": ["C", {"Fn::If": ["C", "yes", "impossible"]}, "no"]}
    alts = list(alternatives(value, ()))
    assert [a.value for a in alts] == ["yes", "impossible", "no"]
    assert alts[0].guard == C
    assert alts[1].guard.is_false
    assert alts[2].guard == NOT_C


def test_alternatives_no_value() -> None:
    assert summary(list(alternatives(NO, ("P",)))) == [(NO_VALUE, ("P",), TRUE)]
    value = {"Fn::If": ["C", "a", NO]}
    assert summary(list(alternatives(value, ()))) == [("a", ("Fn::If", 1), C), (NO_VALUE, ("Fn::If", 2), NOT_C)]


def test_alternatives_other_refs_are_values() -> None:
    assert [a.value for a in alternatives({"Ref": "Param"}, ())] == [{"Ref": "Param"}]


def test_alternatives_do_not_descend_into_containers() -> None:
    value = {"Key": {"Fn::If": ["C", "a", "b"]}}
    assert [a.value for a in alternatives(value, ())] == [value]


@pytest.mark.parametrize(
    "arg",
    [
        ["C", "a"],
        ["C", "a", "b", "c"],
        [1, "a", "b"],
        [None, "a", "b"],
        "C",
        {"C": ["a", "b"]},
        None,
        [],
    ],
)
def test_alternatives_malformed_if_yields_nothing(arg: object) -> None:
    assert list(alternatives({"Fn::If": arg}, ("P",))) == []


def test_alternatives_deep_nesting_stops_expanding() -> None:
    value: object = "leaf"
    for i in range(200):
        value = {"Fn::If": [f"C{i}", value, "other"]}
    alts = list(alternatives(value, ()))
    # MAX_DEPTH levels expanded, each with an "other" branch, plus the unexpanded remainder.
    assert len(alts) == MAX_DEPTH + 1
    assert sum(1 for a in alts if a.value == "other") == MAX_DEPTH
    remainder = [a for a in alts if a.value != "other"]
    assert len(remainder) == 1
    assert function(remainder[0].value) is not None
    assert len(remainder[0].guard.names()) == MAX_DEPTH


def test_alternatives_else_chain_stops_at_depth_cap() -> None:
    """An `Fn::If` chain through its false branches (`If [C0, "x0", If [C1, ...]]`) is expanded as deep as a
    then-chain: MAX_DEPTH levels, then the rest as one unexpanded value."""
    levels: list[object] = ["last"]
    for i in reversed(range(200)):
        levels.insert(0, {"Fn::If": [f"C{i}", f"x{i}", levels[0]]})
    alts = list(alternatives(levels[0], ()))
    assert [a.value for a in alts[:MAX_DEPTH]] == [f"x{i}" for i in range(MAX_DEPTH)]
    assert len(alts) == MAX_DEPTH + 1
    remainder = alts[-1]
    assert remainder.value is levels[MAX_DEPTH]
    assert remainder.guard == Guard(frozenset({frozenset((f"C{i}", False) for i in range(MAX_DEPTH))}))


# --- present ------------------------------------------------------------------------------------


def test_present_skips_none_and_no_value() -> None:
    assert list(present(None, ())) == []
    assert list(present(NO, ())) == []
    value = {"Fn::If": ["C", None, {"Fn::If": ["D", NO, "x"]}]}
    assert summary(list(present(value, ("P",)))) == [("x", ("P", "Fn::If", 2, "Fn::If", 2), NOT_C & NOT_D)]


def test_present_keeps_falsy_values() -> None:
    assert [a.value for a in present({"Fn::If": ["C", 0, ""]}, ())] == [0, ""]
    assert [a.value for a in present(False, ())] == [False]
    assert [a.value for a in present([], ())] == [[]]


# --- list_items ---------------------------------------------------------------------------------


def test_list_items_plain_list() -> None:
    assert summary(list(list_items(["a", "b"], ("L",)))) == [("a", ("L", 0), TRUE), ("b", ("L", 1), TRUE)]


def test_list_items_item_level_if() -> None:
    value = ["a", {"Fn::If": ["C", "b", NO]}, None, "c"]
    assert summary(list(list_items(value, ("L",)))) == [
        ("a", ("L", 0), TRUE),
        ("b", ("L", 1, "Fn::If", 1), C),
        ("c", ("L", 3), TRUE),
    ]


def test_list_items_list_level_if() -> None:
    value = {"Fn::If": ["C", ["a", "b"], ["z"]]}
    assert summary(list(list_items(value, ("L",)))) == [
        ("a", ("L", "Fn::If", 1, 0), C),
        ("b", ("L", "Fn::If", 1, 1), C),
        ("z", ("L", "Fn::If", 2, 0), NOT_C),
    ]


def test_list_items_both_levels_and_outer_guard() -> None:
    value = {"Fn::If": ["C", [{"Fn::If": ["D", "x", "y"]}], NO]}
    assert summary(list(list_items(value, (), TRUE))) == [
        ("x", ("Fn::If", 1, 0, "Fn::If", 1), C & D),
        ("y", ("Fn::If", 1, 0, "Fn::If", 2), C & NOT_D),
    ]


def test_list_items_non_list_yielded_once() -> None:
    ref = {"Ref": "Subnets"}
    assert summary(list(list_items(ref, ("L",)))) == [(ref, ("L",), TRUE)]
    assert summary(list(list_items("sg-1", ("L",), D))) == [("sg-1", ("L",), D)]


def test_list_items_absent() -> None:
    assert list(list_items(None, ())) == []
    assert list(list_items(NO, ())) == []
    assert list(list_items([], ())) == []


def test_list_items_nested_list_item_is_a_value() -> None:
    assert [a.value for a in list_items([["a"]], ())] == [["a"]]


# --- get ----------------------------------------------------------------------------------------


def test_get() -> None:
    assert get({"A": 1}, "A") == 1
    assert get({"A": 1}, "B") is None
    assert get(["A"], "A") is None
    assert get("A", "A") is None
    assert get(None, "A") is None
    assert get(3, "A") is None


# --- canonical ----------------------------------------------------------------------------------


def test_canonical_ignores_dict_order() -> None:
    a = {"Fn::GetAtt": ["R", "GroupId"], "x": {"b": 1, "a": [2, "3"]}}
    b = {"x": {"a": [2, "3"], "b": 1}, "Fn::GetAtt": ["R", "GroupId"]}
    assert canonical(a) == canonical(b)


def test_canonical_distinguishes_values() -> None:
    assert canonical({"Ref": "A"}) != canonical({"Ref": "B"})
    assert canonical("1") != canonical(1)
    assert canonical(1) != canonical(True)
    assert canonical(["a", "b"]) != canonical(["b", "a"])
    assert canonical(["a"]) != canonical("a")
    assert canonical({"a": 1}) != canonical([["a", 1]])
    assert canonical(None) != canonical("None")


def test_canonical_stable() -> None:
    value = {"Fn::Sub": ["${A}-x", {"A": {"Ref": "P"}}]}
    assert canonical(value) == canonical({"Fn::Sub": ["${A}-x", {"A": {"Ref": "P"}}]})
    assert canonical({"Ref": "P"}) == "{Ref:'P'}"


def test_canonical_str_subclass_equals_str() -> None:
    class Marked(str):
        __slots__ = ()

    assert canonical(Marked("x")) == canonical("x")
    assert canonical({Marked("k"): Marked("v")}) == canonical({"k": "v"})


def test_canonical_deep_nesting_does_not_raise() -> None:
    value: object = "leaf"
    for _ in range(5000):
        value = {"Fn::Join": ["", [value]]}
    text = canonical(value)
    assert "..." in text
    assert "leaf" not in text


# --- name_token ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("my-cluster", "my-cluster"),
        ("", ""),
        (42, "42"),
        ({"Ref": "ClusterName"}, "${ClusterName}"),
        ({"Ref": "AWS::StackName"}, "${AWS::StackName}"),
        ({"Fn::Sub": "${ClusterName}"}, "${ClusterName}"),
        ({"Fn::Sub": "${AWS::StackName}-nodes"}, "${AWS::StackName}-nodes"),
        ({"Fn::Sub": ["${ClusterName}"]}, "${ClusterName}"),
        ({"Fn::Sub": ["${N}-sg", {"N": {"Ref": "ClusterName"}}]}, "${ClusterName}-sg"),
        ({"Fn::Sub": ["${N}-${N}", {"N": "x"}]}, "x-x"),
        ({"Fn::Sub": ["${N}-${Other}", {"N": 7}]}, "7-${Other}"),
        ({"Fn::Sub": ["${N}", {"N": {"Fn::Sub": "${Env}-c"}}]}, "${Env}-c"),
        ({"Fn::Sub": ["${A}/${B}", {}]}, "${A}/${B}"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}, "a-${Env}-3"),
        ({"Fn::Join": ["", []]}, ""),
        ({"Fn::Join": ["/", [{"Fn::Join": ["-", ["x", "y"]]}, "z"]]}, "x-y/z"),
    ],
)
def test_name_token(value: object, expected: str) -> None:
    assert name_token(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"Fn::ImportValue": "ClusterName"}, "!ImportValue(ClusterName)"),
    ({"Fn::ImportValue": {"Fn::Sub": "${Net}-ClusterName"}}, "!ImportValue(${Net}-ClusterName)"),
    ({"Fn::Sub": ["${N}", {"N": {"Fn::ImportValue": "X"}}]}, "!ImportValue(X)"),
    ({"Fn::Join": ["-", ["a", {"Fn::ImportValue": "X"}]]}, "a-!ImportValue(X)"),
])
def test_name_token_of_an_import_is_the_same_wherever_it_is_written(value: object, expected: str) -> None:
    # Issue 23 (trial): a cluster named by an import and its nodes' tag or bootstrap naming the same import.
    assert name_token(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        1.5,
        ["a"],
        {"Name": "x"},
        {"Fn::GetAtt": ["Cluster", "Arn"]},
        {"Ref": ["P"]},
        {"Ref": None},
        {"Fn::Sub": []},
        {"Fn::Sub": [{"Ref": "P"}]},
        {"Fn::Sub": 5},
        {"Fn::Sub": ["${N}", {"N": None}]},
        {"Fn::Sub": ["${N}", {1: "x"}]},
        {"Fn::Join": ["-", {"Ref": "List"}]},
        {"Fn::Join": ["-"]},
        {"Fn::Join": [1, ["a"]]},
        {"Fn::Join": "a"},
        {"Fn::If": ["C", "a", "b"]},
    ],
)
def test_name_token_unwritable(value: object) -> None:
    assert name_token(value) is None


def test_name_token_ref_sub_and_literal_agree() -> None:
    assert name_token({"Ref": "ClusterName"}) == name_token({"Fn::Sub": "${ClusterName}"})
    assert name_token({"Fn::Sub": ["${X}", {"X": {"Ref": "ClusterName"}}]}) == name_token({"Ref": "ClusterName"})


def test_name_token_sub_variables_are_not_substituted_twice() -> None:
    # CloudFormation replaces ${A} with the value of parameter B; the variable B (="x") must not apply to it.
    assert name_token({"Fn::Sub": ["${A}", {"A": {"Ref": "B"}, "B": "x"}]}) == "${B}"


def test_name_token_deep_join_nesting_does_not_raise() -> None:
    value: object = "x"
    for _ in range(5000):
        value = {"Fn::Join": ["", [value]]}
    assert name_token(value) in (None, "x")


def test_name_token_deep_sub_nesting_does_not_raise() -> None:
    value: object = "x"
    for _ in range(5000):
        value = {"Fn::Sub": ["${A}", {"A": value}]}
    assert name_token(value) in (None, "x")


def test_name_token_moderate_nesting() -> None:
    value: object = "x"
    for _ in range(MAX_DEPTH):
        value = {"Fn::Join": ["", [value]]}
    assert name_token(value) == "x"


@pytest.mark.parametrize(("levels", "expected"), [(MAX_DEPTH, "${ClusterName}"), (MAX_DEPTH + 1, None)])
def test_name_token_through_sub_variables_up_to_the_depth_cap(levels: int, expected: str | None) -> None:
    """`!Sub ["${V}", {V: !Sub ["${V}", {V: ... !Ref ClusterName}]}]` is `${ClusterName}` up to MAX_DEPTH
    levels of variables; deeper is not written down."""
    value: object = {"Ref": "ClusterName"}
    for _ in range(levels):
        value = {"Fn::Sub": ["${V}", {"V": value}]}
    assert name_token(value) == expected


# --- sub_variables ------------------------------------------------------------------------------


def test_sub_variables() -> None:
    assert sub_variables("${A}-${AWS::Region}-${!Literal}-${B.Arn}") == ["A", "AWS::Region", "B.Arn"]
    assert sub_variables("no vars $A {B}") == []


# --- short_form: how findings write an expression ------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ({"Ref": "A"}, "!Ref A"),
    ({"Fn::GetAtt": ["Sg", "GroupId"]}, "!GetAtt Sg.GroupId"),
    ({"Fn::GetAtt": "Sg.GroupId"}, "!GetAtt Sg.GroupId"),
    ({"Fn::GetAtt": ["Sg", {"Ref": "Attr"}]}, "!GetAtt [Sg, !Ref Attr]"),
    ({"Fn::ImportValue": {"Fn::Sub": "${Env}-Sg"}}, '!ImportValue !Sub "${Env}-Sg"'),
    ({"Fn::Select": [0, {"Ref": "L"}]}, "!Select [0, !Ref L]"),
    ({"Fn::Join": ["", ["a", {"Ref": "B"}]]}, '!Join ["", [a, !Ref B]]'),
    ({"Condition": "X"}, "!Condition X"),
    ({"Key": "v", "Other": [1, 2]}, "{Key: v, Other: [1, 2]}"),
    ("plain-text_1.2", "plain-text_1.2"),
    *[(f"a{c}b", f'"a{c}b"') for c in " :{}[],#$"],
    ("", '""'),
    (None, "None"),
    (3, "3"),
])
def test_short_form_writes_what_a_person_writes(value: object, shown: str) -> None:
    assert short_form(value) == shown


def test_short_form_cuts_long_and_deep_expressions() -> None:
    assert short_form("a" * 120) == "a" * 120
    assert short_form("a" * 121) == "a" * 117 + "..."
    deep: object = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert short_form(deep) == "[" * (MAX_DEPTH + 1) + "...]" + "]" * MAX_DEPTH


# --- references: what a value names -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "named"), [
    ({"Ref": "Sg"}, ["Sg"]),
    ({"Fn::GetAtt": ["Sg", "GroupId"]}, ["Sg"]),
    ({"Fn::GetAtt": "Sg.GroupId"}, ["Sg"]),
    ({"Fn::Sub": "${Sg.GroupId},${Other}-${!Escaped}"}, ["Sg", "Other"]),
    ({"Fn::Sub": ["${A}-${B}", {"B": {"Ref": "Sg"}}]}, ["A", "B", "Sg"]),
    ([{"Ref": "A"}, [{"Fn::GetAtt": ["B", "Arn"]}], {"Key": {"Ref": "C"}}], ["A", "B", "C"]),
    ({"Fn::If": ["Cond", {"Ref": "A"}, {"Fn::Sub": "${B}"}]}, ["A", "B"]),
    ({"Ref": ["not", "a", "name"]}, []),
    ({"Fn::GetAtt": []}, []),
    ("${NotASub}", []),
    (None, []),
])
def test_references_name_every_logical_id_a_value_uses(value: object, named: list[str]) -> None:
    assert list(references(value)) == named


@pytest.mark.parametrize("wrap", ["List", "Map"])
def test_references_stop_at_the_depth_limit(wrap: str) -> None:
    def nested(levels: int) -> object:
        value: object = {"Ref": "Deep"}
        for _ in range(levels):
            value = [value] if wrap == "List" else {"k": value}
        return value

    assert list(references(nested(MAX_DEPTH))) == ["Deep"]
    assert list(references(nested(MAX_DEPTH + 1))) == []


def test_list_items_keep_null_items_where_asked() -> None:
    value = {"Fn::If": ["C", [None, "a"], ["b"]]}
    assert list(list_items(value, ("P",), keep_null=True)) == [
        Alt(C, None, ("P", "Fn::If", 1, 0)), Alt(C, "a", ("P", "Fn::If", 1, 1)), Alt(NOT_C, "b", ("P", "Fn::If", 2, 0)),
    ]
    assert [a.value for a in list_items(value, ("P",))] == ["a", "b"]


def test_what_counts_as_a_map() -> None:
    assert is_map({}) and is_map(types.MappingProxyType({"a": 1}))
    assert not is_map([]) and not is_map("text") and not is_map(None) and not is_map(b"bytes")


def test_no_value_shows_as_what_the_template_wrote() -> None:
    assert repr(NO_VALUE) == "AWS::NoValue"


# --- every reader stops at MAX_DEPTH levels, and not one level sooner ---------------------------------------


def _nested(wrap: str, levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"List": [value], "Map": {"k": value}, "Fn": {"Fn::Base64": value},
                 "Import": {"Fn::ImportValue": value}}[wrap]
    return value


@pytest.mark.parametrize("wrap", ["List", "Map", "Fn"])
def test_expressions_are_written_out_to_max_depth(wrap: str) -> None:
    assert "..." not in _short(_nested(wrap, MAX_DEPTH), 0)
    assert "..." in _short(_nested(wrap, MAX_DEPTH + 1), 0)
    assert "..." not in canonical(_nested(wrap, MAX_DEPTH))
    assert "..." in canonical(_nested(wrap, MAX_DEPTH + 1))


def test_name_tokens_are_read_to_max_depth() -> None:
    assert name_token(_nested("Import", MAX_DEPTH)) == "!ImportValue(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert name_token(_nested("Import", MAX_DEPTH + 1)) is None


def test_fn_if_branches_are_expanded_to_max_depth_on_either_side() -> None:
    value: object = "x"
    for level in range(MAX_DEPTH):
        value = {"Fn::If": [f"C{level}", "other", value]}
    alts = list(alternatives(value, ()))
    assert [a.value for a in alts].count("x") == 1
    assert len(alts) == MAX_DEPTH + 1
