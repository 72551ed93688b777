"""The cfn-lint run behind `explain` and `fix`: they see what `cfn-lint --append-rules cfnlint_eks_sg` shows.

cfn-lint's own classes read the settings (`.cfnlintrc` or `--config-file`, the template's
`Metadata: cfn-lint: config`, `--parameters`, `--parameter-files`, `--regions`, `-x` rule settings), and
its runner runs this plugin's rules as the CLI does: what `--ignore-checks`, `--include-checks` or a
resource's `ignore_checks` suppress is gone, and each rule object holds its configured settings. Only
this plugin's rules and cfn-lint's error rules run, so the other checks cost nothing here.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from cfnlint_eks_sg._analysis import Analysis, recorded
from cfnlint_eks_sg.core._ports import PortSet
from cfnlint_eks_sg.core._resolve import Path

if TYPE_CHECKING:
    from cfnlint.rules import Match, Rules

ERROR_RULES: Final = frozenset({"E0000", "E0001", "E0002", "E0003"})  # parse, transform, rule, config


class SettingsError(Exception):
    """cfn-lint refused the settings (a bad option, or a config file it cannot read)."""


class LintRun(NamedTuple):
    analyses: list[tuple[Any, Analysis]]  # (cfn-lint Template, its analysis): one per run of the rules
    matches: list[Match]  # what the CLI shows for this plugin's rules, in its order
    errors: list[Match]  # what the CLI shows instead when it cannot read, transform or check the template
    rules: Rules  # this plugin's rules, configured as for the last run
    shown: frozenset[tuple[str, Path]] = frozenset()  # (rule ID, path) of every finding the CLI shows

    def lines(self) -> dict[tuple[str, Path], int]:
        """(rule ID, path) of every finding the CLI shows, with the line it shows it at."""
        return {(match.rule.id, tuple(getattr(match, "path", None) or ())): match.linenumber for match in self.matches}

    def shows(self, rule_id: str, path: Path) -> bool:
        """Whether the CLI shows the finding of `rule_id` at `path` under the user's settings."""
        return (rule_id, tuple(path)) in self.shown

    def ports(self, rule_id: str) -> PortSet | None:
        """A rule's configured port setting (WK1003's `webhook_ports`), as its matches used."""
        rule = self.rules.get(rule_id)
        ports = getattr(rule, "ports", None)
        return ports() if callable(ports) else None


def lint(template: str, cfn_lint_args: Sequence[str]) -> LintRun:
    """Run this plugin's rules on `template` with cfn-lint's settings `cfn_lint_args` (its own options)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.rules import Rules
    from cfnlint.runner import Runner

    class PluginRunner(Runner):
        def _get_rules(self) -> None:  # this plugin's rules, never what a config file appends
            self.rules = Rules.create_from_module("cfnlint_eks_sg")
            self.rules.update(Rules.create_from_module("cfnlint.rules.errors"))

    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)  # the caller reports what matters
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stdout(complaint), contextlib.redirect_stderr(complaint):  # it prints its help
            config = ConfigMixIn(list(cfn_lint_args), templates=[template])
        runner = PluginRunner(config)
        with recorded() as analyses:
            found = list(runner.run())
    except SystemExit as stop:
        said = [line.split(": error: ", 1)[1] for line in complaint.getvalue().splitlines() if ": error: " in line]
        raise SettingsError(said[-1] if said else "cfn-lint cannot read the options "
                            f"{' '.join(cfn_lint_args)} (-x takes RULE:KEY=VALUE, --parameters KEY=VALUE)") from stop
    except Exception as error:  # a config file it cannot read, a region it does not know
        why = " ".join(str(error).split()).split(". ")[0]  # a region: without the list of all the others
        raise SettingsError(why or type(error).__name__) from error
    errors = [m for m in found if m.rule.id in ERROR_RULES]
    matches = [m for m in found if m.rule.id not in ERROR_RULES]
    shown = _unique(matches)
    return LintRun(analyses, shown, errors, runner.rules,
                   frozenset((m.rule.id, tuple(getattr(m, "path", None) or ())) for m in shown))


def _unique(matches: Sequence[Match]) -> list[Match]:
    """Matches of several runs (a parameter file's and the plain one) once each, in order."""
    seen: list[Match] = []
    for match in matches:
        if match not in seen:
            seen.append(match)
    return seen
