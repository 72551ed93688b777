"""Pipeline stage `resolve`: intrinsic functions to values, each under the guard where it holds.

Raw template values are `object` here and nowhere else past this module: every function is total
over arbitrary decoded JSON/YAML (lists where maps belong, unknown functions, non-string keys) and
returns a value, an empty result or an `Unknown`, never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final, NamedTuple, TypeGuard

from cfnlint_eks_sg.core._guards import TRUE, Guard

Path = tuple[str | int, ...]

MAX_DEPTH: Final = 32


class _NoValue:
    """`Ref: AWS::NoValue`: the property or list item is absent in that branch."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()
_SCALARS: Final = (str, int, float, list, type(None))


def is_map(value: object) -> TypeGuard[Mapping[object, object]]:  # pragma: no mutate block
    """`isinstance(value, Mapping)`, without the abstract-class check for the common cases.

    Not mutated: mutmut's wrapper would hide the TypeGuard from mypy, which then rejects every caller."""
    return isinstance(value, dict) or (not isinstance(value, _SCALARS) and isinstance(value, Mapping))


class Alt(NamedTuple):
    """One alternative of a value: `value` holds when `guard` does; `path` locates it."""

    guard: Guard
    value: object
    path: Path


def function(value: object) -> tuple[str, object] | None:
    """`(name, argument)` when `value` is a single-key intrinsic-function map, else None."""
    if is_map(value) and len(value) == 1:
        ((key, arg),) = value.items()
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition"):
            return key, arg
    return None


def alternatives(value: object, path: Path, guard: Guard = TRUE, depth: int = 0) -> Iterator[Alt]:
    """Expand `Fn::If` (nested too) into guarded alternatives; `AWS::NoValue` becomes NO_VALUE."""
    if not is_map(value):
        yield Alt(guard, value, path)
        return
    fn = function(value)
    if depth < MAX_DEPTH and fn is not None and fn[0] == "Fn::If":
        arg = fn[1]
        if (
            isinstance(arg, list)
            and len(arg) == 3
            and isinstance(arg[0], str)
        ):
            name = arg[0]
            yield from alternatives(arg[1], (*path, "Fn::If", 1), guard & Guard.when(name, True), depth + 1)
            yield from alternatives(arg[2], (*path, "Fn::If", 2), guard & Guard.when(name, False), depth + 1)
            return
        return  # a malformed Fn::If: cfn-lint reports it (E1028); it contributes nothing here
    if fn == ("Ref", "AWS::NoValue"):
        yield Alt(guard, NO_VALUE, path)
        return
    yield Alt(guard, value, path)


def present(value: object, path: Path, guard: Guard = TRUE) -> Iterator[Alt]:
    """Alternatives of a value that are there: not absent (None), not AWS::NoValue."""
    return (alt for alt in alternatives(value, path, guard) if alt.value is not NO_VALUE and alt.value is not None)


def list_items(value: object, path: Path, guard: Guard = TRUE, keep_null: bool = False) -> Iterator[Alt]:
    """Items of a list-valued property, with `Fn::If` at list level and item level expanded.

    A value that is not a literal list (`Ref` to a list parameter, `Fn::Split`, ...) is yielded
    once, as an item the caller must interpret. With `keep_null`, null items are yielded as None
    (a value someone meant to write but that is not there).
    """
    for alt in present(value, path, guard):
        if isinstance(alt.value, list):
            for index, item in enumerate(alt.value):
                if item is None and keep_null:
                    yield Alt(alt.guard, None, (*alt.path, index))
                else:
                    yield from present(item, (*alt.path, index), alt.guard)
        else:
            yield alt


def get(mapping: object, key: str) -> object:
    """`mapping[key]` when mapping is a map holding key, else None (total over any input)."""
    if is_map(mapping):
        return mapping.get(key)
    return None


def canonical(value: object, depth: int = 0) -> str:
    """A stable text for an expression, so equal intrinsics compare equal (line marks ignored)."""
    if depth > MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        items = sorted((str(k), canonical(v, depth + 1)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v, depth + 1) for v in value) + "]"
    if isinstance(value, str):
        return repr(str(value))
    return repr(value)


MAX_SHOWN: Final = 120


def short_form(value: object, depth: int = 0) -> str:
    """An expression as a person writes it in YAML (`!GetAtt Lookup.GroupId`, `!ImportValue !Sub "${Env}-Sg"`):
    stable for equal expressions (line marks ignored), cut short past MAX_SHOWN characters."""
    text = _short(value, depth)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


def _short(value: object, depth: int) -> str:
    if depth > MAX_DEPTH:
        return "..."
    fn = function(value)
    if fn is not None:
        name, arg = fn
        tag = "!" + name.removeprefix("Fn::")  # !Ref, !GetAtt, !Sub, !ImportValue...
        if name == "Fn::GetAtt" and isinstance(arg, list) and all(isinstance(a, str) for a in arg):
            return f"{tag} {'.'.join(str(a) for a in arg)}"
        return f"{tag} {_short(arg, depth + 1)}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_short(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v, depth + 1) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"' if any(c in str(value) for c in " :{}[],#$") or not value else str(value)
    return repr(value)


_SUB_VAR: Final = re.compile(r"\$\{([^}!][^}]*)\}")


def name_token(value: object, depth: int = 0) -> str | None:
    """A symbolic text for a name-like value: literal text, `${Param}` for a Ref, Sub templates.

    `!Ref ClusterName`, `!Sub "${ClusterName}"` and a cluster's `Name: !Ref ClusterName` all give
    `${ClusterName}`, so tags and bootstrap arguments compare with cluster names symbolically.
    Returns None when the value cannot be written down (ImportValue, Join of unknowns, ...).
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    fn = function(value)
    if fn is None:
        return None
    name, arg = fn
    if name == "Ref" and isinstance(arg, str):
        return "${" + str(arg) + "}"
    if name == "Fn::ImportValue":
        # The same import is the same value wherever it is written (a cluster's name and its nodes' tags).
        inner = name_token(arg, depth + 1)
        return None if inner is None else f"!ImportValue({inner})"
    if name == "Fn::Sub":
        template, variables = arg, None
        if isinstance(arg, list) and arg:
            template = arg[0]
            variables = arg[1] if len(arg) > 1 else None
        if not isinstance(template, str):
            return None
        text = str(template)
        if not isinstance(variables, Mapping):
            return text
        tokens: dict[str, str] = {}
        for var, sub in variables.items():
            token = name_token(sub, depth + 1)
            if token is None or not isinstance(var, str):
                return None
            tokens[str(var)] = token
        # One pass, so a substituted token is never substituted again.
        return _SUB_VAR.sub(lambda m: tokens.get(m.group(1), m.group(0)), text)
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        parts = arg[1]
        if not isinstance(parts, list):
            return None
        pieces = [name_token(p, depth + 1) for p in parts]
        if any(t is None for t in pieces):
            return None
        return str(arg[0]).join(t for t in pieces if t is not None)
    return None


def sub_variables(template: str) -> list[str]:
    """`${Name}` references of an Fn::Sub string (`${!Literal}` escapes excluded)."""
    return _SUB_VAR.findall(template)


def references(value: object, depth: int = 0) -> Iterator[str]:
    """Logical ids a value refers to with `Ref`, `Fn::GetAtt` or `${Name}` in `Fn::Sub`."""
    if depth > MAX_DEPTH:
        return
    fn = function(value)
    if fn is not None:
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            yield str(arg)
        elif name == "Fn::GetAtt":
            target = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(target, str):
                yield str(target).split(".")[0]
        elif name == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                yield from (v.split(".")[0] for v in sub_variables(str(text)))
    if isinstance(value, Mapping):
        for item in value.values():
            yield from references(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from references(item, depth + 1)
