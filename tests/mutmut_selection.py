"""A pytest plugin for mutation runs (`[tool.mutmut]`): collect only the named tests, the mutated module's first.

mutmut names every test that reaches the mutated function, up to a few thousand per mutant, fastest first, and
stops at the first failure. Per mutant, the plugin
- turns the node ids into their files (pytest resolves each id on its own: about 0.3 s for 2,000 ids),
- builds test items only for the named test functions (the rest of each file is never parametrised),
- runs the tests of the mutated module's own test files first (`_compute` -> `tests/unit/test_compute*.py`),
  as they are the likeliest to fail; the others follow in mutmut's order.
Without node ids (mutmut's first, full run) it does nothing.
"""

from __future__ import annotations

import os

import pytest

_WANTED: dict[str, int] = {}  # node id -> position mutmut gave it
_ON_THE_WAY: set[str] = set()  # the module, class and function ids that lead to a wanted test


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    ids = [arg for arg in args if "::" in arg and not arg.startswith("-")]
    if len(ids) < 2:
        return
    _WANTED.update((node_id, position) for position, node_id in enumerate(ids))
    for node_id in ids:
        parts = node_id.split("[", 1)[0].split("::")
        _ON_THE_WAY.update("::".join(parts[:end]) for end in range(1, len(parts) + 1))
    files = list(dict.fromkeys(node_id.split("::", 1)[0] for node_id in ids))
    args[:] = [arg for arg in args if arg not in _WANTED] + files


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> list[pytest.Item] | None:
    """Nothing for a name that leads to no wanted test; otherwise pytest's own collection."""
    if _ON_THE_WAY and f"{collector.nodeid}::{name}" not in _ON_THE_WAY:
        return []
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _WANTED:
        return
    own = _own_test_files(os.environ.get("MUTANT_UNDER_TEST", ""))
    kept = sorted(
        (item for item in items if item.nodeid in _WANTED),
        key=lambda item: (not item.path.name.startswith(own), _WANTED[item.nodeid]),
    )
    dropped = [item for item in items if item.nodeid not in _WANTED]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def _own_test_files(mutant: str) -> str:
    """`cfnlint_eks_sg.model._compute.x_f__mutmut_3` -> `test_compute`: the start of the module's test file names."""
    module = mutant.rpartition(".")[0].rpartition(".")[2].lstrip("_")
    return f"test_{module}" if module else "\0"
