"""Pipeline stage `core`: the template Metadata key the plugin's settings live under.

Its own module because the gate reads it on every cfn-lint run: this imports nothing, where the settings' types
(`_settings`) cost most of a millisecond to define.
"""

from typing import Final

SETTINGS_KEY: Final = "cfnlint-eks-sg"
