"""Loader stage: the companion templates a linted template names, read safely and once.

The only part of the plugin that touches the file system. A companion is read only when its real
path (symbolic links resolved) lies inside the root: the directory holding the `.cfnlintrc` cfn-lint
runs with (the working directory), when the linted template is inside it, else the linted
template's own directory. Nothing a companion names is followed further. Each file is decoded once
per process and content, so pre-commit over N stacks that name each other decodes N files.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path as FilePath
from typing import Final, NamedTuple

from cfnlint_eks_sg._groups import Companion

_CACHE_SIZE: Final = 256


class Loaded(NamedTuple):
    companion: Companion
    label: str  # how its groups are named in findings: its stack name, else its file name's stem
    template: dict[str, object]
    file: str = ""  # its real path


class Refused(NamedTuple):
    companion: Companion
    reason: str


_CACHE: OrderedDict[tuple[str, str], dict[str, object] | str] = OrderedDict()
_LOCK = threading.Lock()


def load(linted: str | None, companions: Sequence[Companion],
         relative_to: str | None = None) -> tuple[list[Loaded], list[Refused]]:
    """Read the companions of the template at `linted` (a path as cfn-lint got it); their paths are
    relative to `relative_to` (a nested template's own file) when given, else to `linted`."""
    loaded: list[Loaded] = []
    refused: list[Refused] = []
    if not linted or not os.path.isfile(linted):
        reason = "the linted template is not a file on disk (an editor may lint a copy), so relative paths mean nothing"
        return [], [Refused(c, reason) for c in companions]
    root = _root(FilePath(os.path.realpath(linted)).parent)
    here = FilePath(os.path.realpath(relative_to or linted)).parent
    for companion in companions:
        target = FilePath(os.path.realpath(here / companion.path))
        if not target.is_relative_to(root):
            refused.append(Refused(companion, f"it is outside {root}, the directory companions must stay in"))
        elif not target.is_file():
            refused.append(Refused(companion, "there is no such file"))
        else:
            template = _decoded(target)
            if isinstance(template, str):
                refused.append(Refused(companion, template))
            else:
                label = companion.stack_name or target.stem
                loaded.append(Loaded(companion, label, template, str(target)))
    return loaded, refused


def _root(here: FilePath) -> FilePath:
    """The working directory when it holds a .cfnlintrc and contains the template, else its directory."""
    cwd = FilePath(os.path.realpath(os.getcwd()))
    if (cwd / ".cfnlintrc").is_file() and here.is_relative_to(cwd):
        return cwd
    return here


def _decoded(path: FilePath) -> dict[str, object] | str:
    """The decoded template, or why it could not be read; cached on path and content (reading is
    cheap, decoding is not; file times are too coarse to tell two quick saves apart)."""
    try:
        content = path.read_bytes()
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    key = (str(path), hashlib.sha256(content).hexdigest())
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    from cfnlint.decode import decode

    template, errors = decode(str(path))
    result: dict[str, object] | str = (
        template if isinstance(template, dict) and not errors
        else f"it does not decode as a template ({errors[0].message if errors else 'not a mapping'})"
    )
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def cdk_assets(linted: str | None, directory: str | None) -> dict[str, str]:
    """Object key -> file, from the `*.assets.json` manifests CDK writes next to its templates in `cdk.out`
    (read only inside the root; paths relative to the template that names them)."""
    if not linted or not directory or not os.path.isfile(linted):
        return {}
    root = _root(FilePath(os.path.realpath(linted)).parent)
    here = FilePath(os.path.realpath(directory))
    if not here.is_relative_to(root):
        return {}
    found: dict[str, str] = {}
    for manifest in sorted(here.glob("*.assets.json")):
        try:
            files = json.loads(manifest.read_text()).get("files", {})
        except (OSError, ValueError, AttributeError):
            continue
        for asset in files.values() if isinstance(files, dict) else ():
            source = asset.get("source", {}) if isinstance(asset, dict) else {}
            path = source.get("path") if isinstance(source, dict) else None
            destinations = asset.get("destinations", {}) if isinstance(asset, dict) else {}
            for destination in destinations.values() if isinstance(destinations, dict) else ():
                key = destination.get("objectKey") if isinstance(destination, dict) else None
                if isinstance(key, str) and isinstance(path, str):
                    found[key] = path
    return found
