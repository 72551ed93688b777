"""`fix --write` and `fix --diff`: the new resources placed in the template's own text.

Every other byte stays as it was (comments, order, quoting, indentation): YAML gets lines inserted
at the end of the section, in the file's own indentation; JSON gets its members inserted after the
section's last one (new conditions only ever join an existing `Conditions` section). The result is
decoded again and must equal the template plus the new entries; when it would not, or
when a section is written in a shape we do not edit (flow style, several documents), nothing is
changed and `PlacementError` says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final

_SECTIONS: Final = ("Conditions", "Resources")
Fragment = Mapping[str, Mapping[str, object]]


class PlacementError(Exception):
    """The new entries cannot be placed without touching what the file already says."""


def patched(text: str, fragment: Fragment, fmt: str) -> str:
    """`text` with the entries of `fragment` added to its sections."""
    new = _json(text, fragment) if fmt == "json" else _yaml(text, fragment)
    _verify(text, new, fragment)
    return new


# -- YAML ---------------------------------------------------------------------------------------


def _yaml(text: str, fragment: Fragment) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    if any(line.rstrip() == "---" for line in lines[1:]) or any("\t" in line[:len(line) - len(line.lstrip())]
                                                                 for line in lines):
        raise PlacementError("the file holds several YAML documents or indents with tabs")
    places = []
    for name in _SECTIONS:
        entries = fragment.get(name)
        if not entries:
            continue
        found = _yaml_section(lines, name)
        if found is None:
            raise PlacementError(f"it has no block-style {name} section")
        places.append((found[1], _yaml_entries(entries, found[2], newline)))
    for at, added in sorted(places, key=lambda place: place[0], reverse=True):
        lines[at:at] = added
    return "".join(lines)


def _yaml_section(lines: list[str], name: str) -> tuple[int, int, int] | None:
    """(line of the key, line to insert at, indentation of its entries) of a top-level block section."""
    key = re.compile(rf"""(["']?){name}\1[ ]*:(.*)""")
    starts = [i for i, line in enumerate(lines) if key.fullmatch(line.rstrip("\r\n")) is not None]
    if not starts:
        return None
    if len(starts) > 1:
        raise PlacementError(f"{name} appears more than once at the top level")
    start = starts[0]
    rest = key.fullmatch(lines[start].rstrip("\r\n"))
    if rest is not None and rest.group(2).strip() and not rest.group(2).strip().startswith("#"):
        raise PlacementError(f"{name} is written in flow style")
    end, indent = start + 1, 0
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if lines[i][:1] not in (" ", "\r", "\n", "#") and stripped:
            break  # the next top-level key
        if stripped and not lines[i].startswith("#"):
            end = i + 1
            if not indent and not stripped.startswith("#"):
                indent = len(lines[i]) - len(lines[i].lstrip(" "))
    if not indent:
        raise PlacementError(f"{name} has no entries to take the indentation from")
    return start, end, indent


def _yaml_entries(entries: Mapping[str, object], indent: int, newline: str) -> list[str]:
    import cfn_flip

    rendered = cfn_flip.to_yaml(json.dumps({"x": entries}), clean_up=False).splitlines()[1:]
    out = []
    for line in rendered:
        spaces = len(line) - len(line.lstrip(" "))  # cfn-flip indents by two: scaled to the file's own step
        out.append(" " * (spaces // 2 * indent) + line.lstrip(" ") + newline)
    return out


# -- JSON ---------------------------------------------------------------------------------------


def _json(text: str, fragment: Fragment) -> str:
    top = _members(text, _first_brace(text))
    edits: list[tuple[int, str]] = []
    for name in _SECTIONS:
        entries = fragment.get(name)
        if not entries:
            continue
        if name not in top:
            raise PlacementError(f"it has no {name} object")
        edits.append(_json_insert(text, top[name][1], entries))
    newline = "\r\n" if "\r\n" in text else "\n"
    for at, added in sorted(edits, reverse=True):
        text = text[:at] + added.replace("\n", newline) + text[at:]
    return text


def _json_insert(text: str, opening: int, entries: Mapping[str, object]) -> tuple[int, str]:
    """Where and what to insert for new members of the object that opens at `opening`."""
    if text[opening] != "{":
        raise PlacementError("a section is not an object")
    members = _members(text, opening)
    own = _line_indent(text, opening)
    if not members:
        column = own + 2
        body = _json_body(entries, column, 2)
        return opening + 1, f"\n{' ' * column}{body}\n{' ' * own}" if "\n" in text else body
    first_key = min(key for key, _, _ in members.values())
    last_end = max(end for _, _, end in members.values())
    if "\n" not in text[opening:first_key]:  # members on the line of the brace: compact
        return last_end, ", " + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in entries.items())
    column = first_key - text.rfind("\n", 0, first_key) - 1
    return last_end, f",\n{' ' * column}" + _json_body(entries, column, _step(text, opening, column))


def _json_body(entries: Mapping[str, object], column: int, step: int) -> str:
    return f",\n{' ' * column}".join(f"{json.dumps(k)}: {_json_value(v, column, step)}" for k, v in entries.items())


def _json_value(value: object, column: int, step: int) -> str:
    return json.dumps(value, indent=step).replace("\n", "\n" + " " * column)


def _step(text: str, opening: int, column: int) -> int:
    """The file's indentation step: how much deeper a member sits than its object's line."""
    own = _line_indent(text, opening)
    return column - own if column > own else 2


def _line_indent(text: str, at: int) -> int:
    """The spaces that open the line `at` is on."""
    start = text.rfind("\n", 0, at) + 1
    return len(text[start:at]) - len(text[start:at].lstrip(" "))


def _first_brace(text: str) -> int:
    at = len(text) - len(text.lstrip())
    if text[at:at + 1] != "{":
        raise PlacementError("the file is not a JSON object")
    return at


def _members(text: str, opening: int) -> dict[str, tuple[int, int, int]]:
    """The members of the JSON object opening at `opening`: name -> (key start, value start, value end)."""
    members: dict[str, tuple[int, int, int]] = {}
    i, depth, key, key_at, value_at = opening + 1, 0, None, 0, 0
    last_token_end = opening + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            close = _string_end(text, i)
            if depth == 0 and key is None:
                key, key_at = json.loads(text[i:close]), i
            last_token_end = close
            i = close
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            if depth == 0:
                if key is not None:
                    members[key] = (key_at, value_at, last_token_end)
                return members
            depth -= 1
            last_token_end = i + 1
        elif char == ":" and depth == 0:
            value_at = i + 1 + len(text[i + 1:]) - len(text[i + 1:].lstrip())
        elif char == "," and depth == 0 and key is not None:
            members[key] = (key_at, value_at, last_token_end)
            key = None
        elif not char.isspace():
            last_token_end = i + 1
        i += 1
    raise PlacementError("the JSON object does not close")


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    raise PlacementError("a JSON string does not close")


# -- the check ----------------------------------------------------------------------------------


def _verify(before: str, after: str, fragment: Fragment) -> None:
    """The edited text must decode to the template plus the new entries, and to nothing else."""
    from cfnlint.decode import decode_str

    old, old_errors = decode_str(before)
    new, new_errors = decode_str(after)
    if old_errors or new_errors or not isinstance(old, dict) or not isinstance(new, dict):
        raise PlacementError("the edited template would not decode")
    expected = json.loads(json.dumps(old))
    for name, entries in fragment.items():
        section = expected.setdefault(name, {})
        if not isinstance(section, dict) or set(section) & set(entries):
            raise PlacementError(f"{name} already holds an entry of that name")
        section.update(json.loads(json.dumps(entries)))
    if json.loads(json.dumps(new)) != expected:
        raise PlacementError("the edited template would not be the template plus the new entries")
