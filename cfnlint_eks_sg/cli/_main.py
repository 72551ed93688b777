"""The `cfn-lint-eks-sg` command: `explain` what the analysis inferred, `fix` the flow gaps.

Both run this plugin's rules through cfn-lint with cfn-lint's own settings (`.cfnlintrc`, `--config-file`,
`--parameters`, `--ignore-checks`, `-x` and the others below), so they report what
`cfn-lint --append-rules cfnlint_eks_sg` reports, from the same analysis. `fix` prints its rules, or with
`--write` inserts them into the template (`--diff` shows the change).

Exit codes: `fix` 0 when there is nothing to add, 1 when it printed (or wrote) rules to add; `explain` 0, or 1 with
`--check` when a required flow is BLOCKED and cfn-lint shows its finding (not suppressed); both 2 when the
template cannot be read or cfn-lint refuses the settings, and `fix --write` 2 when it cannot place the rules safely
(the file is left as it was).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any, NamedTuple

from cfnlint_eks_sg._version import __version__

if TYPE_CHECKING:
    from cfnlint_eks_sg._analysis import Analysis
    from cfnlint_eks_sg.cli._lintrun import LintRun

EXIT_OK, EXIT_FOUND, EXIT_UNREADABLE = 0, 1, 2
CFN_LINT_OPTIONS: tuple[tuple[tuple[str, ...], int | str, str], ...] = (  # forwarded to cfn-lint as written
    (("--config-file",), 1, "a cfn-lint config file instead of .cfnlintrc in this or the home directory"),
    (("--parameters",), "+", "parameter values, KEY=VALUE (cfn-lint's --parameters)"),
    (("--parameter-files",), "+", "CloudFormation parameter files"),
    (("-i", "--ignore-checks"), "+", "rule IDs (or prefixes) whose findings to leave alone"),
    (("-c", "--include-checks"), "+", "rule IDs (or prefixes) to switch on"),
    (("-m", "--mandatory-checks"), "+", "rule IDs that template Metadata cannot switch off"),
    (("-x", "--configure-rule"), "+", "rule settings, RULE:KEY=VALUE (WK1003:webhook_ports=9443)"),
    (("-r", "--regions"), "+", "regions to lint for"),
    (("-e", "--include-experimental"), 0, "include experimental rules"),
    (("--merge-configs",), 0, "merge the lists of the CLI, config file and template Metadata"),
)


class _Forwarded(argparse.Action):
    """Keeps a cfn-lint option as written, for cfn-lint's own parser to read."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[object] | None, option_string: str | None = None) -> None:
        written = [values] if isinstance(values, str) else [str(v) for v in values or ()]
        namespace.cfn_lint = [*namespace.cfn_lint, str(option_string), *written]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfn-lint-eks-sg", description=__doc__.splitlines()[0],
                                     epilog=" ".join(__doc__.split("\n\n")[2].split()))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    explain = commands.add_parser("explain", help="clusters, roles and every required flow with its verdict")
    explain.add_argument("template", type=FilePath)
    explain.add_argument("--check", action="store_true",
                         help="exit 1 when a required flow is BLOCKED in some scenario and its finding is not "
                              "suppressed (for scripts and CI)")
    explain.add_argument("--format", choices=("text", "json", "mermaid"), default="text",
                         help="text for people, json for machines, mermaid for a graph GitHub renders")
    fix = commands.add_parser("fix", help="the security-group rules that close the flow gaps, ready to paste "
                                          "(exit 1 when it printed some)")
    fix.add_argument("template", type=FilePath)
    fix.add_argument("--format", choices=("auto", "yaml", "json"), default="auto",
                     help="output format (auto: the template's own)")
    fix.add_argument("--write", action="store_true",
                     help="insert the rules into the template file itself, every other byte kept (exit 2, file "
                          "untouched, when they cannot be placed safely)")
    fix.add_argument("--diff", action="store_true", help="print the change --write makes as a unified diff")
    for command in (explain, fix):
        settings = command.add_argument_group(
            "cfn-lint settings", "read by cfn-lint itself, as for cfn-lint --append-rules cfnlint_eks_sg "
                                 "(write the template first: these options take several values)")
        for flags, nargs, text in CFN_LINT_OPTIONS:
            settings.add_argument(*flags, nargs=nargs, action=_Forwarded, help=text, dest="cfn_lint",
                                  metavar="VALUE" if nargs else None)
        command.set_defaults(cfn_lint=[])
    args = parser.parse_args(argv)
    loaded = _load(args.template, args.cfn_lint)
    if loaded is None:
        return EXIT_UNREADABLE
    if args.command == "explain":
        from cfnlint_eks_sg.cli._explain import any_blocked
        from cfnlint_eks_sg.cli._explain import explain as report
        from cfnlint_eks_sg.cli._picture import as_json, as_mermaid

        analysis, run = loaded.analyses[0], loaded.run
        shown = Counter(match.rule.id for match in run.matches)
        if args.format == "json":
            sys.stdout.write(as_json(analysis, run.ports, run.shows) + "\n")
        else:
            lines = (as_mermaid(analysis, run.ports, run.shows) if args.format == "mermaid"
                     else report(analysis, loaded.line_of, run.ports, shown, run.shows))
            sys.stdout.write("\n".join(lines) + "\n")
        return EXIT_FOUND if args.check and any_blocked(shown) else EXIT_OK
    return _fix(args, loaded)


class Loaded(NamedTuple):
    template: dict[str, object]
    analyses: list[Analysis]  # one per run of the rules; at least one
    run: LintRun
    line_of: Callable[[tuple[str | int, ...]], int | None]


def _load(path: FilePath, cfn_lint_args: Sequence[str]) -> Loaded | None:
    """The template, and what cfn-lint's run of this plugin's rules found in it under the user's settings."""
    import logging

    from cfnlint.decode import decode
    from cfnlint.template import Template

    from cfnlint_eks_sg._analysis import analyse_system
    from cfnlint_eks_sg.cli._lintrun import SettingsError, lint

    if not path.is_file():
        _unreadable(path, "no such file" if not path.exists() else "not a file")
        return None
    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)  # its decoder logs what we report below
    template, errors = decode(str(path))
    if errors:
        _unreadable(path, _first_problem(errors, path))
        return None
    if not isinstance(template, dict):
        _unreadable(path, "not a template (its top level is not a mapping)")
        return None
    try:
        run = lint(str(path), cfn_lint_args)
    except SettingsError as error:
        _unreadable(path, f"cfn-lint settings: {error}")
        return None
    if run.errors:
        _unreadable(path, _first_problem(run.errors, path))
        return None
    analyses = [analysis for _, analysis in run.analyses]
    if run.analyses:
        template = run.analyses[0][0].template  # what the rules read (after a transform, if any)
    else:  # none of this plugin's rules ran under these settings: the report still shows what is inferred
        cfn = Template(str(path), template, ["us-east-1"])
        analyses = [analyse_system(template, str(path), cfn.conditions)]
    return Loaded(template, analyses, run, lambda route: line_of(template, route))


def _unreadable(path: FilePath, why: str) -> None:
    """One line on standard error: scripts and editors show the first line only."""
    sys.stderr.write(f"cfn-lint-eks-sg: {path}: {why}\n")


def _first_problem(errors: Sequence[object], path: FilePath) -> str:
    """cfn-lint's first decoding error as one line, with its line number and how many more there are."""
    first = errors[0]
    message = " ".join(str(getattr(first, "message", first)).replace("{filename}", str(path)).split())
    line = getattr(first, "linenumber", None)
    where = f"line {line}: " if isinstance(line, int) and line > 0 else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}{message}{more}"


def line_of(template: object, route: Sequence[object]) -> int | None:
    """The 1-based line of the key at `route` in a template decoded by cfn-lint (None if not there,
    or in a companion)."""
    from cfnlint_eks_sg.core._stacks import is_companion_path

    if is_companion_path(route):
        return None
    node, line = template, None
    for step in route:
        if isinstance(node, dict):
            key = next((k for k in node if k == step), None)
            if key is None:
                return line
            mark = getattr(key, "start_mark", None)
            line = mark.line + 1 if mark is not None else line
            node = node[key]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            mark = getattr(node, "start_mark", None)
            line = mark.line + 1 if mark is not None else line
        else:
            return line
    return line


def _fix(args: argparse.Namespace, loaded: Loaded) -> int:
    from cfnlint_eks_sg.cli._fix import Scope, as_template_fragment, suggest

    path: FilePath = args.template
    resources, conditions = loaded.template.get("Resources"), loaded.template.get("Conditions")
    suggestion = suggest(loaded.analyses, [str(k) for k in resources] if isinstance(resources, dict) else [],
                         [str(k) for k in conditions] if isinstance(conditions, dict) else [],
                         Scope(loaded.run.shows, loaded.run.ports))  # fix closes only what the CLI shows
    fragment = as_template_fragment(suggestion)
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as source:
        text = source.read()  # as it is on disk: line endings kept, bytes that are not UTF-8 too
    own = "json" if text.lstrip().startswith("{") else "yaml"
    if fragment and (args.write or args.diff):
        if not _patch(path, text, own, fragment, args.write, args.diff):
            return EXIT_UNREADABLE
    elif fragment:
        _print_fragment(fragment, args.format if args.format != "auto" else own)
    lines = loaded.run.lines()
    for (rule_id, where), why_not in sorted(suggestion.findings.items(), key=lambda i: (lines.get(i[0], 0), i[0][0])):
        at = f" at line {lines[rule_id, where]}" if (rule_id, where) in lines else ""
        sys.stderr.write(f"cfn-lint-eks-sg: closes {rule_id}{at}\n" if why_not is None
                         else f"cfn-lint-eks-sg: leaves {rule_id}{at}: {why_not}\n")
    if not suggestion.findings:
        sys.stderr.write("cfn-lint-eks-sg: no flow gap that a rule closes\n")
    return EXIT_FOUND if fragment else EXIT_OK


def _print_fragment(fragment: Mapping[str, object], fmt: str) -> None:
    import cfn_flip

    as_json = json.dumps(fragment, indent=2)
    if fmt == "json":
        sys.stdout.write(as_json + "\n")
    else:
        sys.stdout.write("# Add to the template (merge each section into the one of the same name):\n")
        sys.stdout.write(cfn_flip.to_yaml(as_json, clean_up=False))


def _patch(path: FilePath, text: str, fmt: str, fragment: Mapping[str, Any], write: bool, diff: bool) -> bool:
    """Write or show the edited template; False (and why, on standard error) when it cannot be placed safely."""
    import difflib

    from cfnlint_eks_sg.cli._patch import PlacementError, patched

    try:
        new = patched(text, fragment, fmt)
    except PlacementError as error:
        _unreadable(path, f"not changed: {error}")
        return False
    if diff:
        name = path.as_posix()
        old_name, new_name = (name, name) if path.is_absolute() else (f"a/{name}", f"b/{name}")  # git apply's
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                                   old_name, new_name))
    if write:
        try:
            with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
                out.write(new)
        except OSError as error:
            _unreadable(path, f"not written: {error.strerror or error}")
            return False
        count = sum(len(entries) for entries in fragment.values())
        sys.stderr.write(f"cfn-lint-eks-sg: {path}: added {count} entries\n")
    return True
