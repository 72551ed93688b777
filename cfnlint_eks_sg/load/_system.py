"""The linted template and its companions as one template, so the one model reads the whole system.

Each companion's resources, parameters, conditions, mappings and outputs are renamed `LABEL::Name`
(a CloudFormation logical id never holds `::`, so names cannot clash and findings can tell where a
path lives). `Fn::ImportValue` in the linted template is replaced by the value a companion exports
under that name: a literal export name, or `Fn::Sub` with `${AWS::StackName}` given the companion's
stack name (or, without one, the stack name the imports themselves imply, when they agree).
The linted template is never changed: the system is a new mapping that shares its leaves.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final, NamedTuple

from cfnlint_eks_sg.core._resolve import MAX_DEPTH, function, get, is_map, name_token, sub_variables
from cfnlint_eks_sg.core._stacks import FED_PARAMETERS, SECTIONS, STACK_SEPARATOR
from cfnlint_eks_sg.load._companions import Loaded
from cfnlint_eks_sg.load._nested import parameters_of

_SUB_NAME: Final = re.compile(r"\$\{([^}!][^}]*)\}")


class _Export(NamedTuple):
    pattern: re.Pattern[str]  # the export name; `(?P<stack>...)` where it holds ${AWS::StackName}
    value: object  # the exported value, renamed into the system
    companion: int  # -1: the linted template's own
    certainty: int  # 0 literal name, 1 stack name given, 2 stack name inferred from the import


def combine(template: Mapping[Any, object], companions: Sequence[Loaded]) -> dict[str, Any]:
    """One template holding the linted one (imports resolved) and every companion, renamed."""
    added: dict[str, dict[object, object]] = {section: {} for section in SECTIONS}
    exports: list[_Export] = []
    given: dict[str, object] = {}  # the linted template's parameters that companions' outputs feed
    for number, loaded in enumerate(companions):
        loaded = loaded._replace(template=dict(with_fixed_values(loaded.template)))
        prefix = _label(loaded.label, number) + STACK_SEPARATOR
        names = _names(loaded.template, prefix)
        conditions = {str(name): prefix + str(name) for name in _entries(loaded.template, "Conditions")}
        stack = {"AWS::StackName": loaded.companion.stack_name} if loaded.companion.stack_name else {}
        for section in SECTIONS:
            for name, body in _entries(loaded.template, section).items():
                added[section][prefix + str(name)] = _renamed(body, names, conditions, 0, stack)
        exports += _exports(loaded.template, loaded.companion.stack_name, names, conditions, number)
        for parameter, output in loaded.companion.parameters:
            value = get(_entries(loaded.template, "Outputs").get(output), "Value")
            if value is not None:
                given[parameter] = _single(_renamed(value, names, conditions, 0, stack))
    exports += _exports(template, None, {}, {}, -1)  # companions may import what the linted template exports
    bound = {number: loaded.companion.stack_name for number, loaded in enumerate(companions)
             if loaded.companion.stack_name}
    system: dict[str, Any] = {str(key): value for key, value in (with_parameters(template, given) if given
                                                                   else template).items()}
    for section in SECTIONS:
        merged = {**_entries(system, section), **added[section]}
        if section in ("Resources", "Outputs"):  # companions import from each other too
            merged = {name: _imports_resolved(body, exports, bound, 0) for name, body in merged.items()}
        if merged:
            system[section] = merged
    return system


def _single(value: object) -> object:
    """`!Join [",", [x]]` (one group written as a list output, as the EKS sample VPC does) is `x`."""
    fn = function(value)
    if fn is not None and fn[0] == "Fn::Join" and isinstance(fn[1], list) and len(fn[1]) == 2:
        items = fn[1][1]
        if isinstance(items, list) and len(items) == 1:
            return items[0]
    return value


def _names(template: object, prefix: str) -> dict[str, str]:
    """A template's own names, and its stack name (another stack's `${AWS::StackName}` is not ours)."""
    names = {str(name): prefix + str(name)
             for section in ("Resources", "Parameters", "Mappings") for name in _entries(template, section)}
    names["AWS::StackName"] = prefix + "AWS::StackName"
    return names


def _entries(template: object, section: str) -> dict[object, object]:
    entries = get(template, section)
    return dict(entries) if is_map(entries) else {}


def inline(template: Mapping[Any, object], children: Sequence[Loaded]) -> dict[str, Any]:
    """`template` with its nested stacks' templates in it: each child's names prefixed with its
    stack's logical id, its parameters given what the parent passes, and `GetAtt Stack.Outputs.X`
    in the parent replaced by the child's output."""
    system: dict[str, Any] = {str(key): value for key, value in template.items()}
    outputs: dict[tuple[str, str], object] = {}
    for child in children:
        child = child._replace(template=dict(with_fixed_values(child.template)))
        stack = child.label
        prefix = stack + STACK_SEPARATOR
        passed = {str(k): v for k, v in parameters_of(template, stack).items()}
        names = _names(child.template, prefix)
        conditions = {str(name): prefix + str(name) for name in _entries(child.template, "Conditions")}
        for section in SECTIONS:
            entries = {prefix + str(name): _renamed(body, names, conditions, 0, passed)
                       for name, body in _entries(child.template, section).items()
                       if not (section == "Parameters" and str(name) in passed)}
            if entries:
                system[section] = {**_entries(system, section), **entries}
        for name, output in _entries(child.template, "Outputs").items():
            outputs[(stack, str(name))] = _renamed(get(output, "Value"), names, conditions, 0, passed)
    for section in ("Resources", "Outputs"):
        own = _entries(system, section)
        if own:
            system[section] = {name: _outputs_resolved(body, outputs, 0) for name, body in own.items()}
    return system


def _outputs_resolved(value: object, outputs: Mapping[tuple[str, str], object], depth: int) -> object:
    """`GetAtt Stack.Outputs.X` replaced by what the nested stack outputs."""
    if depth > MAX_DEPTH or not outputs:
        return value
    if isinstance(value, list):
        return [_outputs_resolved(item, outputs, depth + 1) for item in value]
    if not is_map(value):
        return value
    fn = function(value)
    if fn is not None and fn[0] == "Fn::GetAtt":
        target = _getatt(fn[1], {})
        if isinstance(target, list) and len(target) == 2 and isinstance(target[1], str):
            attribute = str(target[1])
            if attribute.startswith("Outputs.") and (str(target[0]), attribute[8:]) in outputs:
                # An output may pass on another stack's output: resolve that too (depth-bounded).
                return _outputs_resolved(outputs[(str(target[0]), attribute[8:])], outputs, depth + 1)
        return value
    return {key: _outputs_resolved(item, outputs, depth + 1) for key, item in value.items()}


def with_parameters(template: Mapping[Any, object], values: Mapping[str, object]) -> dict[str, Any]:
    """`template` with `Ref` to the given parameters (and `${P}` in `Fn::Sub`) replaced by their values."""
    system: dict[str, Any] = {str(key): value for key, value in template.items()}
    for section in ("Resources", "Outputs"):
        own = _entries(template, section)
        if own:
            system[section] = {name: _renamed(body, {}, {}, 0, values) for name, body in own.items()}
    if "Parameters" in system:  # a parameter with a value is no longer something another stack decides
        declared = _entries(template, "Parameters")
        system["Parameters"] = {k: v for k, v in declared.items() if str(k) not in values}
        fed = {str(k): {"Declaration": v, "Value": values[str(k)]} for k, v in declared.items() if str(k) in values}
        if fed:
            system[FED_PARAMETERS] = {**_entries(template, FED_PARAMETERS), **fed}
    return system


def fixed_values(template: object) -> dict[str, object]:
    """Parameters whose only allowed value the template itself fixes (`AllowedValues` of one entry):
    CloudFormation refuses any other, so they are that value, as if cfn-lint had been given it."""
    fixed: dict[str, object] = {}
    for name, declared in _entries(template, "Parameters").items():
        allowed = get(declared, "AllowedValues")
        kind = str(get(declared, "Type") or "")
        if (isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], (str, int, float))
                and not isinstance(allowed[0], bool) and not kind.startswith("List<") and kind != "CommaDelimitedList"):
            fixed[str(name)] = str(allowed[0])
    return fixed


def with_fixed_values(template: Mapping[Any, object]) -> Mapping[Any, object]:
    fixed = fixed_values(template)
    return with_parameters(template, fixed) if fixed else template


def parameter_values(parameter_sets: object, template: object) -> dict[str, object]:
    """The values cfn-lint was given for the template's parameters (`--parameters`, parameter files,
    deployment files) on which every parameter set agrees; lists for list-typed parameters."""
    agreed: dict[str, object] | None = None
    for parameter_set in parameter_sets if isinstance(parameter_sets, list) else []:
        given = getattr(parameter_set, "parameters", None)
        if not is_map(given):
            return {}
        current = {str(k): v for k, v in given.items()}
        agreed = current if agreed is None else {k: v for k, v in agreed.items() if current.get(k) == v}
    values: dict[str, object] = {}
    declared = _entries(template, "Parameters")
    for name, value in (agreed or {}).items():
        kind = str(get(declared.get(name), "Type") or "")
        listed = kind.startswith("List<") or kind == "CommaDelimitedList"
        if isinstance(value, str):
            values[name] = [part.strip() for part in value.split(",")] if listed else value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[name] = list(value)
    return {name: value for name, value in values.items() if name in declared}


def _label(label: str, number: int) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "", label).replace(".", "_")
    return cleaned or f"companion{number + 1}"


def _renamed(value: object, names: Mapping[str, str], conditions: Mapping[str, str], depth: int,
             values: Mapping[str, object] | None = None) -> object:
    """`value` with every reference to a renamed name rewritten (Ref, GetAtt, Sub, Condition, If,
    FindInMap); a `Ref` to a name in `values` (a nested stack's parameter) becomes that value."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_renamed(item, names, conditions, depth + 1, values) for item in value]
    if not is_map(value):
        return value
    fn = function(value)
    if fn is not None:
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            if values and arg in values:
                return values[arg]
            return {"Ref": names.get(arg, arg)}
        if name == "Fn::GetAtt":
            return {"Fn::GetAtt": _getatt(arg, names)}
        if name == "Fn::Sub":
            return {"Fn::Sub": _sub(arg, names, conditions, depth, values or {})}
        if name == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {"Fn::If": [conditions.get(arg[0], arg[0]),
                               *(_renamed(a, names, conditions, depth + 1, values) for a in arg[1:])]}
        if name == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {"Fn::FindInMap": [names.get(arg[0], arg[0]),
                                      *(_renamed(a, names, conditions, depth + 1, values) for a in arg[1:])]}
    renamed: dict[object, object] = {}
    for key, item in value.items():
        if key == "Condition" and isinstance(item, str):  # `{Condition: C}`, or a resource's or output's own
            renamed[key] = conditions.get(item, item)
        elif key == "DependsOn":
            renamed[key] = item
        else:
            renamed[key] = _renamed(item, names, conditions, depth + 1, values)
    return renamed


def _getatt(arg: object, names: Mapping[str, str]) -> object:
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        return [names.get(arg[0], arg[0]), *arg[1:]]
    if isinstance(arg, str) and "." in arg:
        resource, attribute = arg.split(".", 1)
        return [names.get(resource, resource), attribute]
    return arg


def _sub(arg: object, names: Mapping[str, str], conditions: Mapping[str, str], depth: int,
         values: Mapping[str, object]) -> object:
    text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) and arg else (arg, {})
    if not isinstance(text, str):
        return arg
    local = set(variables) if is_map(variables) else set()
    handed: dict[str, object] = {}  # expressions handed to a nested stack: Sub variables of their own

    def rename(match: re.Match[str]) -> str:
        head, dot, tail = match.group(1).partition(".")
        if head in local:
            return match.group(0)
        if not dot and head in values:
            if isinstance(values[head], str):
                return str(values[head])  # a literal handed to a nested stack
            handed[head] = values[head]
            return match.group(0)
        return "${" + names.get(head, head) + dot + tail + "}"

    renamed = _SUB_NAME.sub(rename, text)
    if isinstance(arg, list) or handed:
        renamed_variables = _renamed(variables, names, conditions, depth + 1, values) if local else {}
        return [renamed, {**(renamed_variables if is_map(renamed_variables) else {}), **handed}]
    return renamed


def _exports(template: object, stack_name: str | None, names: Mapping[str, str], conditions: Mapping[str, str],
             number: int) -> list[_Export]:
    found = []
    outputs = get(template, "Outputs")
    parameters = {str(name) for name in _entries(template, "Parameters")}
    for output in (outputs.values() if is_map(outputs) else ()):
        name = name_token(get(get(output, "Export"), "Name"))
        pattern = _export_pattern(name, stack_name, parameters)
        if pattern is not None and get(output, "Value") is not None:
            by_stack = "${AWS::StackName}" in str(name)
            by_parameter = any(v in parameters for v in sub_variables(str(name)))
            certainty = 0 if not (by_stack or by_parameter) else 1 if stack_name or not by_stack else 2
            value = _renamed(get(output, "Value"), names, conditions, 0, {"AWS::StackName": stack_name} if stack_name
                             else None)
            found.append(_Export(pattern, value, number, certainty))
    return found


# Pseudo parameters with one value for every stack of one account and region.
_SHARED_PSEUDO: Final = frozenset({"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"})


def _export_pattern(text: str | None, stack_name: str | None, parameters: Collection[str]) -> re.Pattern[str] | None:
    """The export name as a pattern: literal text, `${AWS::StackName}` as the stack's name, and `${P}` for
    a parameter P of the exporting stack as that text itself.

    Stacks deployed together are taken to be given the same value for parameters of the same name (an
    environment or project name): an import written `!Sub "${Env}-ControlPlaneSg"` matches an export
    written the same way. An import whose name differs in anything else, or whose parameter was given a
    value, matches nothing, and the group it names stays of unknown identity (`Model.identity`).
    """
    if text is None:
        return None
    regex, seen = "", False
    for part in re.split(r"(\$\{[^}]*\})", text):
        variable = part[2:-1] if part.startswith("${") and part.endswith("}") else None
        if variable is None:
            regex += re.escape(part)
        elif variable == "AWS::StackName" and stack_name:
            regex += re.escape(stack_name)
        elif variable == "AWS::StackName":  # the imports say which stack it is; every occurrence is the same name
            regex, seen = regex + ("(?P=stack)" if seen else "(?P<stack>.+)"), True
        elif variable in parameters or variable in _SHARED_PSEUDO:
            regex += re.escape(part)
        else:
            return None  # a resource's id or attribute: not known here
    return re.compile(regex)


def _import_name(value: object) -> str | None:
    """An `Fn::ImportValue` name as text (`${P}` for a parameter), a companion's own prefixes dropped."""
    text = name_token(value)
    if text is None:
        return None
    return re.sub(r"\$\{(?!AWS::)[^}:]+::([^}]+)\}", r"${\1}", text)


def _imports_resolved(value: object, exports: Sequence[_Export], bound: dict[int, str], depth: int) -> object:
    """`value` with each `Fn::ImportValue` of a literal name replaced by what a companion exports."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_imports_resolved(item, exports, bound, depth + 1) for item in value]
    if not is_map(value):
        return value
    fn = function(value)
    imported = _import_name(fn[1]) if fn is not None and fn[0] == "Fn::ImportValue" else None
    if imported is not None:
        # The surest match wins (a literal name, then a given stack name or the same parameters, then an
        # inferred stack name); two matches equally sure are ambiguous and resolve nothing.
        for certainty in (0, 1, 2):
            matches = []
            for export in exports:
                match = export.pattern.fullmatch(imported) if export.certainty == certainty else None
                stack = match.groupdict().get("stack") if match is not None else None
                if match is not None and (stack is None or bound.get(export.companion, stack) == stack):
                    matches.append((export, stack))
            if len(matches) == 1:
                export, stack = matches[0]
                if stack is not None:
                    bound[export.companion] = stack  # later imports must agree on that stack's name
                return export.value
            if matches:
                return value
        return value
    return {key: _imports_resolved(item, exports, bound, depth + 1) for key, item in value.items()}
