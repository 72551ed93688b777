"""Whether a template is worth analysing at all: a cheap look at resource types, cached per template.

Most templates that cfn-lint sees have nothing to do with EKS or security groups; for them the
plugin must cost next to nothing, so this module imports nothing of the engine but the settings
key (`core/_metadata_key`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Final

from cfnlint_eks_sg.core._metadata_key import SETTINGS_KEY

# Every type the model reads: without one of them no rule of this plugin can find anything.
RELEVANT_TYPES: Final = frozenset({
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EKS::Cluster",
    "AWS::EKS::Nodegroup",
    "Custom::AWSCDK-EKS-Cluster",
    "AWSQS::EKS::Cluster",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::EC2::Instance",
    "AWS::EC2::SpotFleet",
})

_SEEN: weakref.WeakKeyDictionary[object, bool] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def worth_analysing(cfn: object) -> bool:
    with _LOCK:
        hit = _SEEN.get(cfn)
    if hit is None:
        template = getattr(cfn, "template", None)
        resources = template.get("Resources") if isinstance(template, Mapping) else None
        values = resources.values() if isinstance(resources, Mapping) else ()
        hit = any(_type_of(r) in RELEVANT_TYPES for r in values) or _asks_for_others(template)
        with _LOCK:
            _SEEN[cfn] = hit
    return hit


def _type_of(resource: object) -> str | None:
    """A resource's `Type` when it is a string: Rain modules and macros put mappings there."""
    kind = resource.get("Type") if isinstance(resource, Mapping) else None
    return str(kind) if isinstance(kind, str) else None


def _asks_for_others(template: object) -> bool:
    """A template that names companions or nested stacks to follow: the system may have work."""
    metadata = template.get("Metadata") if isinstance(template, Mapping) else None
    settings = metadata.get(SETTINGS_KEY) if isinstance(metadata, Mapping) else None
    return isinstance(settings, Mapping) and any(
        settings.get(key) for key in ("companions", "nested_stacks", "nested_stack_urls"))
