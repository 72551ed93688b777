"""The unit tests run thousands of times under mutation testing: one isolated directory per session, not per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import isolate_cfnlint_config


@pytest.fixture(scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def isolated_cfnlint_config(_isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As tests/conftest.py's, in one empty directory for the session (unit tests write no files there)."""
    isolate_cfnlint_config(_isolated_home, monkeypatch)
    yield
