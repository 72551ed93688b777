"""Pipeline stage `model` (values): every way of writing a value reduced to one form, before anything reads it.

CloudFormation offers many spellings of one value: `!Sub "${Sg.GroupId}"`, `!GetAtt Sg.GroupId`,
`!Join ["", [!Ref Sg]]` and `!Select [0, [!Ref Sg]]` all name the group `Sg`; `!GetAtt Subnet.SubnetId`
is `!Ref Subnet`; The readers see the reduced
form only, so a fact never depends on how the template spells it (STYLE.md 3.4). What cannot be reduced
stays an expression, which the readers treat as unknown.

The reduction keeps every mapping and list of the template where it is, so a path into the reduced
template is a path into the written one; an expression is replaced only by a scalar or by `Ref`/`GetAtt`,
never by something that holds an `Fn::If` (whose branch paths would then point nowhere).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from cfnlint_eks_sg.core._resolve import MAX_DEPTH, canonical, function, get, is_map

# Attributes whose value is what `Ref` returns for that type (the resource's physical id).
_REF_ALIASES: Final = {
    "AWS::EC2::SecurityGroup": frozenset({"GroupId", "Id"}),
    "AWS::EC2::VPC": frozenset({"VpcId"}),
    "AWS::EC2::Subnet": frozenset({"SubnetId"}),
    "AWS::EC2::LaunchTemplate": frozenset({"LaunchTemplateId"}),
    "AWS::EC2::PrefixList": frozenset({"PrefixListId"}),
    "AWS::EC2::RouteTable": frozenset({"RouteTableId"}),
    "AWS::EC2::NetworkAcl": frozenset({"Id"}),
    "AWS::EC2::InternetGateway": frozenset({"InternetGatewayId"}),
    "AWS::EC2::VPCEndpoint": frozenset({"Id"}),
    "AWS::EC2::TransitGateway": frozenset({"Id"}),
}
_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
KEEP: Final = object()  # what a reduction returns for an expression that stays as written (None is a value)

def _scalar(value: object) -> bool:
    """A literal CloudFormation would render as text (booleans render differently: left alone)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


class Reducer:
    """Reduces expressions of one template; built once per template from its types, parameters and mappings."""

    def __init__(self, types: Mapping[str, str], mappings: object, conditions: object = None) -> None:
        self._types = types
        self._mappings = mappings if is_map(mappings) else {}
        self._conditions = conditions if is_map(conditions) else {}
        self._static: dict[str, bool | None] = {}

    def reduce(self, value: object, depth: int = 0) -> object:
        """`value` with every expression in it reduced; containers are rebuilt only where something changed."""
        if depth > MAX_DEPTH or isinstance(value, (str, int, float)):  # most of a template: nothing to do
            return value
        if isinstance(value, list):
            items: list[object] | None = None
            for index, item in enumerate(value):
                reduced = self.reduce(item, depth + 1)
                if reduced is not item:
                    items = items if items is not None else list(value)
                    items[index] = reduced
            return items if items is not None else value
        if not is_map(value):
            return value
        fn = function(value)
        if fn is None:
            changed: dict[object, object] | None = None
            for key, item in value.items():
                reduced = self.reduce(item, depth + 1)
                if reduced is not item:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = reduced
            return changed if changed is not None else value
        name, arg = fn
        inner = self.reduce(arg, depth + 1)
        result = self._function(name, inner)
        if result is not KEEP and (name == "Fn::If" or not _holds_if(result)):
            return result
        return value if inner is arg else {name: inner}

    def _function(self, name: str, arg: object) -> object:
        """The reduced form of one function whose argument is already reduced; None when it stays."""
        if name == "Fn::If":
            return self._if(arg)
        if name == "Fn::GetAtt":
            return self._getatt(arg)
        if name == "Fn::Sub":
            return self._sub(arg)
        if name == "Fn::Join":
            return _join(arg)
        if name == "Fn::Select":
            return _select(arg)
        if name == "Fn::Split":
            return _split(arg)
        if name == "Fn::FindInMap":
            return self._find_in_map(arg)
        return KEEP

    def _getatt(self, arg: object) -> object:
        parts = str(arg).split(".", 1) if isinstance(arg, str) else arg
        if not (isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts)):
            return KEEP
        resource, attribute = str(parts[0]), str(parts[1])
        if attribute in _REF_ALIASES.get(self._types.get(resource, ""), ()):
            return {"Ref": resource}
        return {"Fn::GetAtt": [resource, attribute]} if isinstance(arg, str) else KEEP

    def _sub(self, arg: object) -> object:
        """`Fn::Sub`: variables with literal values inlined; one whole variable is that variable's value."""
        text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) and arg else (arg, {})
        if not isinstance(text, str) or not is_map(variables):
            return KEEP
        text = str(text)
        whole = re.fullmatch(r"\$\{([^}!][^}]*)\}", text)
        if whole is not None:
            name = whole.group(1).strip()
            if name in variables:
                return variables[name]
            if name.startswith("AWS::"):
                return KEEP
            if "." in name:
                resource, attribute = name.split(".", 1)
                alias = self._getatt([resource, attribute])
                return alias if alias is not KEEP else {"Fn::GetAtt": [resource, attribute]}
            return {"Ref": name}
        unresolved = False

        def inline(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1)
            if name.startswith("!"):
                return match.group(0)
            known = variables.get(name)
            if _scalar(known):
                return str(known)
            unresolved = True
            return match.group(0)

        rendered = _VARIABLE.sub(inline, text)
        if unresolved:  # without variables nothing is inlined, so a changed text always has some
            return KEEP if rendered == text else {"Fn::Sub": [rendered, variables]}
        return _VARIABLE.sub(_unescaped, rendered)

    def _if(self, arg: object) -> object:
        """`Fn::If` whose condition the template fixes (`!Equals [a, a]`), or whose branches are one value."""
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return KEEP
        fixed = self.condition(str(arg[0]))
        branches: list[object] = list(arg)
        if fixed is not None:
            return branches[1] if fixed else branches[2]
        return branches[1] if canonical(branches[1]) == canonical(branches[2]) else KEEP

    def condition(self, name: str, depth: int = 0) -> bool | None:
        """A condition's value when the template fixes it (equal literals, an expression equal to itself), else
        None; cfn-lint's engine decides the rest."""
        if name not in self._static:
            self._static[name] = None  # a condition that names itself decides nothing
            self._static[name] = self._decided(self._conditions.get(name), depth)
        return self._static[name]

    def _decided(self, value: object, depth: int) -> bool | None:
        fn = function(value)
        if fn is None or depth > MAX_DEPTH:
            return None
        name, arg = fn
        if name == "Condition" and isinstance(arg, str):
            return self.condition(str(arg), depth + 1)
        if not isinstance(arg, list):
            return None
        if name == "Fn::Equals" and len(arg) == 2:
            left, right = (self.reduce(side, depth + 1) for side in arg)
            if canonical(left) == canonical(right):
                return True
            if _scalar(left) and _scalar(right):
                return str(left) == str(right)
            if "" in (left, right) and any(self._of_resource(side) for side in (left, right)):
                return False  # a resource's id or attribute is never empty (a nested stack's parameter handed one)
            return None
        parts = [self._decided(part, depth + 1) for part in arg]
        if name == "Fn::Not" and len(parts) == 1:
            return None if parts[0] is None else not parts[0]
        if name == "Fn::And":
            return False if False in parts else True if parts and all(parts) else None
        if name == "Fn::Or":
            return True if True in parts else False if parts and all(p is False for p in parts) else None
        return None

    def _of_resource(self, value: object) -> bool:
        """`!Ref Resource` or `!GetAtt Resource.Attribute`: what a resource of this template returns."""
        fn = function(value)
        if fn is None or fn[0] not in ("Ref", "Fn::GetAtt"):
            return False
        target = fn[1][0] if isinstance(fn[1], list) and fn[1] else str(fn[1]).split(".")[0]
        return isinstance(target, str) and str(target) in self._types

    def _find_in_map(self, arg: object) -> object:
        """A mapping entry with literal keys; with an unknown top-level key (`!Ref AWS::Region`), the value
        every top-level entry agrees on."""
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return KEEP
        table = self._mappings.get(str(arg[0]))
        if not is_map(table) or not isinstance(arg[2], str):
            return KEEP
        if isinstance(arg[1], str):
            found = _entry(table.get(str(arg[1])), str(arg[2]))
            return found if _scalar(found) else KEEP
        values = [_entry(entry, str(arg[2])) for entry in table.values()]
        if values and all(_scalar(v) for v in values) and len({repr(v) for v in values}) == 1:
            return values[0]
        return KEEP


def _unescaped(match: re.Match[str]) -> str:
    """`${!Literal}` renders as `${Literal}`."""
    name = match.group(1)
    return "${" + name[1:] + "}" if name.startswith("!") else match.group(0)


def _entry(table: object, key: str) -> object:
    return table.get(key) if is_map(table) else None


def _join(arg: object) -> object:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
        return KEEP
    delimiter, items = str(arg[0]), list[object](arg[1])
    if len(items) == 1 and not isinstance(items[0], list):
        return items[0]  # one item: the delimiter never shows
    texts = [str(item) for item in items if _scalar(item)]
    if len(texts) == len(items):
        return delimiter.join(texts)
    return KEEP


def _select(arg: object) -> object:
    if not (isinstance(arg, list) and len(arg) == 2):
        return KEEP
    index: object = arg[0]
    items: list[object] | None = list[object](arg[1]) if isinstance(arg[1], list) else _join_items(arg[1])
    if isinstance(index, str) and str(index).strip().isdigit():
        index = int(str(index).strip())
    if not isinstance(index, int) or isinstance(index, bool):
        return KEEP
    if items is not None and 0 <= index < len(items):
        return items[index]
    return KEEP


def _join_items(value: object) -> list[object] | None:
    """`!Split [d, !Join [d, [a, b]]]`: the items, when no literal item holds the delimiter."""
    fn = function(value)
    if fn is None or fn[0] != "Fn::Split" or not (isinstance(fn[1], list) and len(fn[1]) == 2):
        return None
    delimiter, joined = fn[1]
    inner = function(joined)
    if not isinstance(delimiter, str) or not delimiter or inner is None or inner[0] != "Fn::Join":
        return None
    parts = inner[1]
    if not (isinstance(parts, list) and len(parts) == 2 and parts[0] == delimiter and isinstance(parts[1], list)):
        return None
    items: list[object] = parts[1]
    if any(isinstance(i, str) and str(delimiter) in str(i) for i in items) or any(isinstance(i, list) for i in items):
        return None
    return list(items)


def _split(arg: object) -> object:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and arg[0] and isinstance(arg[1], str):
        return str(arg[1]).split(str(arg[0]))
    return KEEP


def _holds_if(value: object, depth: int = 0) -> bool:
    """Whether a value holds an `Fn::If` (a reduced form must not lift one out of where it was written)."""
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, list):
        return any(_holds_if(item, depth + 1) for item in value)
    if is_map(value):
        return "Fn::If" in value or any(_holds_if(item, depth + 1) for item in value.values())
    return False


def fixed_conditions(template: object) -> dict[str, bool]:
    """The conditions of a template whose value it fixes by itself, for cfn-lint's condition engine, which does not
    know that a resource's id is never empty (as when a parent hands a nested stack `!GetAtt Sg.GroupId`)."""
    resources = get(template, "Resources")
    types = {str(name): str(resource.get("Type")) for name, resource in resources.items()
             if isinstance(name, str) and is_map(resource)} if is_map(resources) else {}
    conditions = get(template, "Conditions")
    reducer = Reducer(types, get(template, "Mappings"), conditions)
    fixed = {str(name): reducer.condition(str(name)) for name in (conditions if is_map(conditions) else {})}
    return {name: value for name, value in fixed.items() if value is not None}
