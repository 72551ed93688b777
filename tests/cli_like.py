"""Linting a file exactly as `cfn-lint --append-rules cfnlint_eks_sg FILE` does, with only our rules.

cfn-lint's own file runner decodes, applies the template's `Metadata: cfn-lint` settings, runs the
transforms (a transform error ends the run with E0001, as on the command line) and our rules, and
reports an exception in a rule as E0002 only when the E0002 rule itself is loaded: a bare
`Rules.create_from_module("cfnlint_eks_sg")` would drop our crashes silently. cfn-lint's other rules
are left out (they cannot make ours raise, and would make a corpus sweep minutes long).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from cfnlint.config import ConfigMixIn
from cfnlint.decode import decode
from cfnlint.rules import Match, Rules
from cfnlint.rules.errors import ParseError, RuleError, TransformError
from cfnlint.runner.template.runner import run_template_by_file_path
from cfnlint.template import Template

OUR_CRASH = re.compile(r"Unknown exception while processing rule [EWI]K\d{4}\b")


@cache
def plugin_rules() -> Rules:
    rules = Rules.create_from_module("cfnlint_eks_sg")
    for rule in (ParseError(), TransformError(), RuleError()):
        rules.register(rule)
    return rules


def lint_path(path: Path | str) -> list[Match]:
    """Every match, in cfn-lint's order; a fresh configuration per file, as each CLI run has."""
    config = ConfigMixIn([], include_checks=["I"], regions=["us-east-1"])
    return list(run_template_by_file_path(str(path), config, plugin_rules(), ignore_bad_template=False))


@cache
def error_rules() -> Rules:
    """cfn-lint's error rules alone: what plain cfn-lint does before and around any rule."""
    rules = Rules()
    for rule in (ParseError(), TransformError(), RuleError()):
        rules.register(rule)
    return rules


def cfn_lint_itself_fails(path: Path | str) -> bool:
    """Whether cfn-lint's runner raises on this file with none of our rules loaded (its own bug)."""
    config = ConfigMixIn([], include_checks=["I"], regions=["us-east-1"])
    try:
        list(run_template_by_file_path(str(path), config, error_rules(), ignore_bad_template=False))
    except Exception:  # noqa: BLE001
        return True
    return False


def run_our_rules_directly(path: Path | str) -> list[Match]:
    """Our rules on a file whose runner cfn-lint itself breaks (resource Metadata that is not a mapping
    fails its directive reader before any rule runs): decode, transform, `Rules.run`, as the runner would."""
    template, errors = decode(str(path))
    if errors or not isinstance(template, dict):
        return []
    config = ConfigMixIn([], include_checks=["I"], regions=["us-east-1"])
    cfn = Template(str(path), template, config.regions)
    if cfn.transform():
        return []
    return list(plugin_rules().run(str(path), cfn, config))


def crashes_of_ours(matches: list[Match]) -> list[str]:
    """The E0002 messages that name a rule of this plugin."""
    return [m.message for m in matches if m.rule.id == "E0002" and OUR_CRASH.search(m.message)]
