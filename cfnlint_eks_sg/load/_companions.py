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
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path as FilePath
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._settings import Companion

_CACHE_SIZE: Final = 256
MAX_BYTES: Final = 5_000_000  # CloudFormation's own limit for a template in S3 is 1 MB
_TOO_LARGE: Final = f"it is larger than {MAX_BYTES // 1_000_000} MB"
_DRIVE_OR_NETWORK: Final = re.compile(r"^([a-zA-Z]:|\\\\|//)")


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
    labels: set[str] = set()
    for companion in companions:
        target, reason = _inside(root, here, companion.path)
        if target is None:
            refused.append(Refused(companion, reason))
            continue
        template = _decoded(target)
        if isinstance(template, str):
            refused.append(Refused(companion, template))
            continue
        label, number = companion.stack_name or target.stem, 2
        while label in labels:  # two files with one name (a/cluster.yaml, b/cluster.yaml) stay apart
            label, number = f"{companion.stack_name or target.stem}{number}", number + 1
        labels.add(label)
        loaded.append(Loaded(companion, label, template, str(target)))
    return loaded, refused


def _inside(root: FilePath, here: FilePath, written: str) -> tuple[FilePath | None, str]:
    """The regular file `written` names, relative to `here`, if it lies inside `root`; else why not.
    Absolute, drive and network paths are refused by their text, before any file-system call."""
    if os.path.isabs(written) or _DRIVE_OR_NETWORK.match(written):
        return None, "only paths relative to the template are followed"
    try:
        target = FilePath(os.path.realpath(here / written))
        if not target.is_relative_to(root):
            return None, f"it is outside {root}, the directory companions must stay in"
        if not target.is_file():
            return None, "there is no such file"
        if target.stat().st_size > MAX_BYTES:
            return None, _TOO_LARGE
    except (OSError, ValueError) as error:
        return None, f"its path cannot be used ({error})"
    return target, ""


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
        content = _bounded(path)
        text = content.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"it cannot be read ({error})"
    except _TooLargeError:
        return _TOO_LARGE
    key = (str(path), hashlib.sha256(content).hexdigest())
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    from cfnlint.decode import decode_str

    try:  # the bytes just hashed, not a second read that could differ
        template, errors = decode_str(text)
    except (RecursionError, MemoryError, ValueError) as error:
        return f"it does not decode as a template ({type(error).__name__})"
    result: dict[str, object] | str = (
        template if isinstance(template, dict) and not errors
        else f"it does not decode as a template ({errors[0].message if errors else 'not a mapping'})"
    )
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


class _TooLargeError(Exception):
    """The file is over MAX_BYTES when read (it grew after `_inside` checked its size)."""


def _bounded(path: FilePath) -> bytes:
    """The file's bytes, reading no more than one byte past MAX_BYTES: a file over it is refused, never cut."""
    with path.open("rb") as handle:
        content = handle.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _TooLargeError
    return content


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
        target, _ = _inside(root, here, manifest.name)
        if target is None:
            continue  # a link out of the root, a directory, a device, too large
        try:
            files = json.loads(_bounded(target)).get("files")
        except (OSError, ValueError, AttributeError, RecursionError, MemoryError, _TooLargeError):
            continue
        for asset in files.values() if isinstance(files, dict) else ():
            source = asset.get("source") if isinstance(asset, dict) else {}
            path = source.get("path") if isinstance(source, dict) else None
            destinations = asset.get("destinations") if isinstance(asset, dict) else {}
            for destination in destinations.values() if isinstance(destinations, dict) else ():
                key = destination.get("objectKey") if isinstance(destination, dict) else None
                if isinstance(key, str) and isinstance(path, str):
                    found[key] = path
    return found
