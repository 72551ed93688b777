"""The `cfn-lint-eks-sg` command: `explain` what the analysis inferred, `fix` the flow gaps.

Templates are read with cfn-lint's own decoder and condition engine, so the analysis is the one
the rules report from. Nothing is written to the template; suggestions go to standard output.

Exit codes: `fix` 0 when there is nothing to add, 1 when it printed rules to add; `explain` 0, or 1 with
`--check` when a required flow is BLOCKED; both 2 when the template cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, NamedTuple

from cfnlint_eks_sg._version import __version__

if TYPE_CHECKING:
    from cfnlint_eks_sg._analysis import Analysis

EXIT_OK, EXIT_FOUND, EXIT_UNREADABLE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfn-lint-eks-sg", description=__doc__.splitlines()[0],
                                     epilog=" ".join(__doc__.split("\n\n")[2].split()))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    explain = commands.add_parser("explain", help="clusters, roles and every required flow with its verdict")
    explain.add_argument("template", type=FilePath)
    explain.add_argument("--check", action="store_true",
                         help="exit 1 when a required flow is BLOCKED in some scenario (for scripts and CI)")
    fix = commands.add_parser("fix", help="the security-group rules that close the flow gaps, ready to paste "
                                          "(exit 1 when it printed some)")
    fix.add_argument("template", type=FilePath)
    fix.add_argument("--format", choices=("auto", "yaml", "json"), default="auto",
                     help="output format (auto: the template's own)")
    args = parser.parse_args(argv)
    loaded = _load(args.template)
    if loaded is None:
        return EXIT_UNREADABLE
    template, analysis, line_of = loaded
    if args.command == "explain":
        from cfnlint_eks_sg._explain import any_blocked
        from cfnlint_eks_sg._explain import explain as report

        sys.stdout.write("\n".join(report(analysis, line_of)) + "\n")
        return EXIT_FOUND if args.check and any_blocked(analysis) else EXIT_OK
    return _fix(args.template, args.format, template, analysis)


class Loaded(NamedTuple):
    template: dict[str, object]
    analysis: Analysis
    line_of: Callable[[tuple[str | int, ...]], int | None]


def _load(path: FilePath) -> Loaded | None:
    import logging

    from cfnlint.decode import decode
    from cfnlint.template import Template

    from cfnlint_eks_sg._analysis import analyse_system

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
    cfn = Template(str(path), template, ["us-east-1"])
    analysis = analyse_system(template, str(path), cfn.conditions)
    return Loaded(template, analysis, lambda route: line_of(template, route))


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
    from cfnlint_eks_sg._system import is_companion_path

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


def _fix(path: FilePath, wanted: str, template: dict[str, object], analysis: Analysis) -> int:
    import cfn_flip

    from cfnlint_eks_sg._fix import as_template_fragment, suggest

    resources = template.get("Resources")
    conditions = template.get("Conditions")
    suggestion = suggest(analysis, [str(k) for k in resources] if isinstance(resources, dict) else [],
                         [str(k) for k in conditions] if isinstance(conditions, dict) else [])
    fragment = as_template_fragment(suggestion)
    if fragment:
        as_json = json.dumps(fragment, indent=2)
        text = path.read_text(encoding="utf-8", errors="replace")
        fmt = wanted if wanted != "auto" else ("json" if text.lstrip().startswith("{") else "yaml")
        sys.stdout.write("# Add to the template (merge each section into the one of the same name):\n"
                         if fmt == "yaml" else "")
        sys.stdout.write(as_json + "\n" if fmt == "json" else cfn_flip.to_yaml(as_json, clean_up=False))
    for sentence in suggestion.sentences:
        sys.stderr.write(f"cfn-lint-eks-sg: not fixed by a rule: {sentence}\n")
    if not fragment and not suggestion.sentences:
        sys.stderr.write("cfn-lint-eks-sg: no flow gap that a rule closes\n")
    return EXIT_FOUND if fragment else EXIT_OK
