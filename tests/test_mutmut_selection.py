"""The mutation runs' collection plugin keeps exactly the tests mutmut names, in its order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = [
    "tests/unit/test_ports.py::test_parse_protocol_number_too_large_to_print_is_invalid",
    "tests/unit/test_guards.py::test_or_drops_a_subsumed_term_whatever_the_names[7]",
    "tests/unit/test_ports.py::test_protocol_constants",
    "tests/unit/test_guards.py::test_when",
]


def _collected(*plugin: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *plugin, *NAMED],
        cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_named_tests_are_kept_in_the_order_given() -> None:
    assert _collected("-p", "tests.mutmut_selection") == NAMED


def test_the_plugin_selects_what_plain_pytest_selects() -> None:
    assert sorted(_collected("-p", "tests.mutmut_selection")) == sorted(_collected())
