"""A pytest plugin for mutation runs (`[tool.mutmut]`): collect each test file once.

mutmut names every test it wants run by node id, up to a few thousand per mutant, and pytest resolves each id
on its own (about 0.3 s for 2,000 ids on every mutant). The plugin turns the ids into their files and keeps the
named tests in mutmut's order (fastest first: the run stops at the first failure). Without ids it does nothing.
"""

from __future__ import annotations

import pytest

_WANTED: dict[str, int] = {}  # node id -> position mutmut gave it


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    ids = [arg for arg in args if "::" in arg and not arg.startswith("-")]
    if len(ids) < 2:
        return
    _WANTED.update((node_id, position) for position, node_id in enumerate(ids))
    files = list(dict.fromkeys(node_id.split("::", 1)[0] for node_id in ids))
    args[:] = [arg for arg in args if arg not in _WANTED] + files


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _WANTED:
        return
    kept = sorted((item for item in items if item.nodeid in _WANTED), key=lambda item: _WANTED[item.nodeid])
    dropped = [item for item in items if item.nodeid not in _WANTED]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
