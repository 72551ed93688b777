"""Pipeline stage `core`: the plugin's settings, read from the template Metadata key `cfnlint-eks-sg`.

Which groups a person declared as the control plane's or the nodes', which companion templates deploy with
this one, and whether to follow nested stacks. Read once, before anything is loaded or modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from cfnlint_eks_sg.core._metadata_key import SETTINGS_KEY
from cfnlint_eks_sg.core._resolve import Path, get


class Companion(NamedTuple):
    """A template deployed with the linted one (Metadata `companions`), relative to the linted file."""

    path: str
    stack_name: str | None  # its stack's name, for exports written with ${AWS::StackName}
    where: Path  # the entry in the linted template's Metadata
    parameters: tuple[tuple[str, str], ...] = ()  # a parameter of the linted template -> an output of this one




class Settings(NamedTuple):
    """Plugin-wide settings from the template Metadata key `cfnlint-eks-sg`."""

    cluster_security_group_defaults: bool = True
    control_plane_security_groups: tuple[str, ...] = ()  # logical names of groups the control plane carries
    node_security_groups: tuple[str, ...] = ()  # logical names of groups nodes outside the template carry
    companions: tuple[Companion, ...] = ()
    nested_stacks: bool = False  # follow AWS::CloudFormation::Stack with a local TemplateURL
    nested_stack_urls: tuple[tuple[str, str], ...] = ()  # TemplateURL prefix (as written) -> local directory

    @classmethod
    def from_template(cls, template: object) -> Settings:
        raw = get(get(template, "Metadata"), SETTINGS_KEY)
        trust = get(raw, "cluster_security_group_defaults")
        return cls(
            cluster_security_group_defaults=trust is not False and trust != "false",
            control_plane_security_groups=_names(get(raw, "control_plane_security_groups")),
            node_security_groups=_names(get(raw, "node_security_groups")),
            companions=_companions(get(raw, "companions")),
            nested_stacks=get(raw, "nested_stacks") is True or get(raw, "nested_stacks") == "true"
            or bool(_url_map(get(raw, "nested_stack_urls"))),
            nested_stack_urls=_url_map(get(raw, "nested_stack_urls")),
        )


def _url_map(value: object) -> tuple[tuple[str, str], ...]:
    """`{prefix: directory}`, longest prefix first."""
    if not isinstance(value, Mapping):
        return ()
    pairs = [(str(k), str(v)) for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and k]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _companions(value: object) -> tuple[Companion, ...]:
    """`- path` or `- {path: ..., stack_name: ...}`; anything else is ignored."""
    found = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        where: Path = ("Metadata", SETTINGS_KEY, "companions", index)
        path, stack = (item, None) if isinstance(item, str) else (get(item, "path"), get(item, "stack_name"))
        given = get(item, "parameters")
        outputs = tuple((str(k), str(v)) for k, v in given.items()
                        if isinstance(k, str) and isinstance(v, str)) if isinstance(given, Mapping) else ()
        if isinstance(path, str) and path.strip():
            found.append(Companion(path.strip(), stack if isinstance(stack, str) and stack else None, where, outputs))
    return tuple(found)


def _names(value: object) -> tuple[str, ...]:
    """A list of logical names (a single name is a list of one); anything else is ignored."""
    values = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in values if isinstance(v, str))
