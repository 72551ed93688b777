"""Nested stacks: which local file each `AWS::CloudFormation::Stack` deploys, when asked to follow.

Followed only with the Metadata setting `nested_stacks: true` (or `nested_stack_urls`): a relative
`TemplateURL` (before `aws cloudformation package`) names a file next to its template; a URL names
one through the configured prefix-to-directory mapping, matched on the URL as written (an `Fn::Sub`
text keeps its `${...}`); a CDK asset address names the file its `cdk.out` manifest lists. Files are
read by the companion loader, inside the same root.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from cfnlint_eks_sg.core._resolve import Path, function, get, is_map, name_token, short_form
from cfnlint_eks_sg.core._settings import Companion, Settings
from cfnlint_eks_sg.load._companions import Refused

STACK_TYPE: Final = "AWS::CloudFormation::Stack"
_SCHEME: Final = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def nested_stacks(template: object, settings: Settings,
                  assets: Mapping[str, str] | None = None) -> tuple[list[Companion], list[Refused]]:
    """The nested stacks of `template` as companions named by their logical id, and those not followed.
    `assets` maps CDK asset object keys to the local files a `cdk.out` manifest lists for them."""
    found: list[Companion] = []
    refused: list[Refused] = []
    resources = get(template, "Resources")
    for name, resource in (resources.items() if is_map(resources) else ()):
        if not isinstance(name, str) or get(resource, "Type") != STACK_TYPE:
            continue
        where: Path = ("Resources", name, "Properties", "TemplateURL")
        raw = get(get(resource, "Properties"), "TemplateURL")
        url = name_token(raw)  # a literal, or `Fn::Sub`/`Fn::Join` text with `${Bucket}` for references
        local = (_local(url, settings.nested_stack_urls) if url is not None else None) or _asset(raw, assets or {})
        if local is None:
            refused.append(Refused(Companion(url or short_form(raw), None, where),
                                   "its TemplateURL is neither a relative path nor under a nested_stack_urls prefix"))
        else:
            found.append(Companion(local, name, where))
    return found, refused


def _asset(value: object, assets: Mapping[str, str]) -> str | None:
    """A CDK nested stack: `Fn::Join` of an S3 address ending in an asset's object key."""
    fn = function(value)
    if fn is None or fn[0] != "Fn::Join" or not isinstance(fn[1], list) or len(fn[1]) != 2:
        return None
    parts = fn[1][1]
    last = parts[-1] if isinstance(parts, list) and parts else None
    if not isinstance(last, str):
        return None
    key = last.rsplit("/", 1)[-1]
    return assets.get(key)


def _local(url: str, mapping: tuple[tuple[str, str], ...]) -> str | None:
    for prefix, directory in mapping:
        if url.startswith(prefix):
            return f"{directory.rstrip('/')}/{url[len(prefix):]}"
    if _SCHEME.match(url) or "${" in url:
        return None
    return url


def parameters_of(template: object, stack: str) -> Mapping[object, object]:
    """What the parent passes to the nested stack `stack`."""
    values = get(get(get(get(template, "Resources"), stack), "Properties"), "Parameters")
    return values if is_map(values) else {}
