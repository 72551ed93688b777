"""The unit tests run thousands of times under mutation testing: one isolated directory per session, not per test.

The directory is not pytest's `tmp_path_factory`: each mutant's session would add a numbered directory that a
forked child never unlocks, and every later session would scan them all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import isolate_cfnlint_config


@pytest.fixture(scope="session")
def _isolated_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cfnlint-eks-sg-home-") as home:
        yield Path(home)


@pytest.fixture(autouse=True)
def isolated_cfnlint_config(_isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As tests/conftest.py's, in one empty directory for the session (unit tests write no files there)."""
    isolate_cfnlint_config(_isolated_home, monkeypatch)
    yield
