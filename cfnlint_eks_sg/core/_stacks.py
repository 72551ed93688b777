"""Pipeline stage `core`: names of the stacks in a system (the linted template, its companions, nested stacks).

Loading renames each companion's and nested stack's entries `LABEL::Name`. A CloudFormation logical id never
holds `::`, so names cannot clash, and every later stage can tell from a path where it lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

STACK_SEPARATOR: Final = "::"  # `LABEL::Name`: a name of a companion or nested stack in a system
# Parameters that were given a value (cfn-lint's, a companion's output, a nested stack's parent, their only allowed
# value): gone from Parameters, but what they were declared as is still evidence of a group's role.
FED_PARAMETERS: Final = "FedParameters"
# The sections a system renames `LABEL::Name`.
SECTIONS: Final = ("Resources", "Parameters", "Conditions", "Mappings", "Outputs", FED_PARAMETERS)


def is_companion_path(path: Sequence[object]) -> bool:
    """Whether a path points into a companion or nested stack rather than the linted template."""
    return len(path) > 1 and path[0] in SECTIONS and STACK_SEPARATOR in str(path[1])
