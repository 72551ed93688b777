"""A test-session cache of the JSON files cfn-lint ships (schemas, policy and resource specs).

cfn-lint builds its rule objects again for every `cfnlint.api.lint()` call, and several of them re-read and
re-parse a packaged JSON file in `__init__` (`cfnlint.helpers.load_resource`): most of the time `tests/rules`
spends. The files cannot change while the tests run, so each is read once. The plugin's behaviour is untouched;
the only risk, cfn-lint changing a loaded object that the cache then hands to the next caller, is checked: every
object is fingerprinted when first read and compared when the session ends.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import cfnlint.helpers

_ORIGINAL: Callable[..., Any] = cfnlint.helpers.load_resource
_LOADED: dict[tuple[str, str], tuple[Any, str]] = {}


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _package_name(package: Any) -> str:
    return package if isinstance(package, str) else getattr(package, "__name__", repr(package))


def load_resource(package: Any, filename: str = "us-east-1.json") -> Any:
    key = (_package_name(package), filename)
    if key not in _LOADED:
        value = _ORIGINAL(package, filename)
        _LOADED[key] = (value, _fingerprint(value))
    return _LOADED[key][0]


def install() -> None:
    """Route every caller to the cache: `cfnlint.helpers` and the modules that imported the name already."""
    cfnlint.helpers.load_resource = load_resource
    for name, module in list(sys.modules.items()):
        if name.startswith("cfnlint") and getattr(module, "load_resource", None) is _ORIGINAL:
            module.load_resource = load_resource  # type: ignore[attr-defined]


def changed_resources() -> list[str]:
    """The cached files whose objects someone changed after loading (the cache would have leaked it)."""
    return [f"{package}/{filename}" for (package, filename), (value, printed) in _LOADED.items()
            if _fingerprint(value) != printed]


def loaded_count() -> int:
    return len(_LOADED)
