"""The mutation runs' collection plugin keeps exactly the tests mutmut names, the mutated module's first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutmut_selection import _own_test_files

ROOT = Path(__file__).resolve().parent.parent
NAMED = [
    "tests/unit/test_ports.py::test_parse_protocol_number_too_large_to_print_is_invalid",
    "tests/unit/test_guards.py::test_or_drops_a_subsumed_term_whatever_the_names[7]",
    "tests/unit/test_ports.py::test_protocol_constants",
    "tests/unit/test_guards.py::test_when",
]
GUARDS_FIRST = [NAMED[1], NAMED[3], NAMED[0], NAMED[2]]


def _collected(*plugin: str, mutant: str = "") -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "MUTANT_UNDER_TEST"}
    if mutant:
        env["MUTANT_UNDER_TEST"] = mutant
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *plugin, *NAMED],
        cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_named_tests_are_kept_in_the_order_given() -> None:
    assert _collected("-p", "tests.mutmut_selection") == NAMED


def test_the_mutated_modules_own_tests_come_first() -> None:
    mutant = "cfnlint_eks_sg.core._guards.xǁScenariosǁ_build__mutmut_15"
    assert _collected("-p", "tests.mutmut_selection", mutant=mutant) == GUARDS_FIRST


def test_the_plugin_selects_what_plain_pytest_selects() -> None:
    assert sorted(_collected("-p", "tests.mutmut_selection")) == sorted(_collected())


@pytest.mark.parametrize(("mutant", "prefix"), [
    ("cfnlint_eks_sg.model._compute.xǁComputeReaderǁ_lt_groups__mutmut_78", "test_compute"),
    ("cfnlint_eks_sg.core._value.x_literal__mutmut_2", "test_value"),
    ("stats", "\0"),
    ("", "\0"),
])
def test_own_test_files_are_named_after_the_module(mutant: str, prefix: str) -> None:
    assert _own_test_files(mutant) == prefix
