"""Our rules over every template of ../shared/corpus: no crash (E0002), and the right verdicts on real ones."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from cfnlint.api import lint

from tests.cli_like import OUR_CRASH, crashes_of_ours, lint_path
from tests.conftest import cfg, corpus_or_skip, summary

SUFFIXES = {".json", ".yaml", ".yml", ".template"}
Found = dict[str, list[tuple[str, int, str]]]  # template -> (rule id, line, message) of each match


class Sweep(NamedTuple):
    found: Found
    undecodable: list[str]  # E0000: cfn-lint stops before any rule, on the command line too
CFN_LINT_FAILURE = "cfn-lint itself"


def _templates(corpus: Path) -> Iterator[Path]:
    for path in sorted(corpus.rglob("*")):
        if path.suffix in SUFFIXES and path.is_file():
            yield path


# Templates plain cfn-lint cannot decode at all (E0000): no rule runs on them, on the command line either.
# CFN_LINT_BASELINE.tsv counts 18; a few more would mean the sweep lost its way, not that the corpus changed.
MAX_UNDECODABLE = 25


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    """One run of our rules over the corpus through cfn-lint's own file runner, as the CLI runs them:
    transform errors included (E0001 ends a run there too), crashes of ours reported as E0002."""
    corpus = corpus_or_skip()
    results: Found = {}
    undecodable: list[str] = []
    started = time.perf_counter()
    for path in _templates(corpus):
        name = str(path.relative_to(corpus))
        try:
            matches = lint_path(path)
        except Exception as error:  # noqa: BLE001
            # cfn-lint's own Template fails on a few templates before any rule runs
            # (CFN_LINT_BASELINE.tsv, column internal_error): not ours to hide or to blame.
            results[name] = [(CFN_LINT_FAILURE, 0, repr(error))]
            continue
        if any(m.rule.id == "E0000" for m in matches):
            undecodable.append(name)
            continue
        results[name] = [(m.rule.id, m.linenumber, m.message) for m in matches]
    elapsed = time.perf_counter() - started
    general = sum(1 for name in results if name.startswith("general/"))
    transform = sum(1 for found in results.values() if any(f[0] == "E0001" for f in found))
    summary(f"corpus sweep: {len(results)} templates ({general} general, {len(results) - general} EKS, "
            f"{transform} with transform errors) through our rules in {elapsed:.1f}s; "
            f"{len(undecodable)} skipped: cfn-lint cannot decode them (E0000)")
    return Sweep(results, undecodable)


def test_sweep_covers_the_whole_corpus(sweep: Sweep) -> None:
    assert len(sweep.found) + len(sweep.undecodable) == sum(1 for _ in _templates(corpus_or_skip()))
    assert len(sweep.found) > 1750
    assert any(name.startswith("eks/") for name in sweep.found)


def test_only_templates_cfn_lint_cannot_decode_are_skipped(sweep: Sweep) -> None:
    assert len(sweep.undecodable) <= MAX_UNDECODABLE
    assert set(sweep.undecodable) <= set(_baseline_names(column=2, value="yes"))  # has_E0000


def test_no_rule_of_ours_raises_on_any_corpus_template(sweep: Sweep) -> None:
    crashes = {name: found for name, found in sweep.found.items()
               if any(f[0] == "E0002" and OUR_CRASH.search(f[2]) for f in found)}
    summary(f"corpus sweep: {len(crashes)} templates with an exception in our rules (E0002)")
    assert crashes == {}


def test_the_sweep_would_see_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the sweep: an exception inside the analysis must come back as E0002 naming our rules."""
    from cfnlint_eks_sg import _analysis

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("unhashable type: 'dict_node'")

    monkeypatch.setattr(_analysis, "get_analysis", broken)
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: x}\n")
    assert len(crashes_of_ours(lint_path(path))) >= 18


def _baseline_names(column: int, value: str | None = None) -> Iterator[str]:
    """Templates whose CFN_LINT_BASELINE.tsv `column` holds `value` (any non-empty value when None)."""
    for row in (corpus_or_skip() / "CFN_LINT_BASELINE.tsv").read_text().splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) > column and (cells[column] == value if value is not None else cells[column]):
            yield cells[0]


def test_only_known_cfn_lint_failures_are_skipped(sweep: Sweep) -> None:
    known = set(_baseline_names(column=3))  # internal_error
    failed = {name for name, found in sweep.found.items() if found and found[0][0] == CFN_LINT_FAILURE}
    assert failed <= known


# The first official node template (2018-06) opened only 1025-65535 to the nodes; 443 came in 2018-08
# (amazon-eks-ami PR #34) after metrics-server broke: WK1004 is right there.
OFFICIAL_KNOWN_GAPS = {"eks/amazon-eks-ami/2018-06-11_19279be9__amazon-eks-nodegroup.yaml": ["WK1004"]}


def test_official_node_templates_get_no_error_or_warning_but_the_known_gap(sweep: Sweep) -> None:
    official = {n: f for n, f in sweep.found.items() if n.startswith("eks/amazon-eks-ami/")}
    assert len(official) >= 7
    got = {n: sorted(x[0] for x in f if x[0][:2] in ("EK", "WK")) for n, f in official.items()}
    assert got == {n: OFFICIAL_KNOWN_GAPS.get(n, []) for n in official}


OFFICIAL_2022 = "eks/amazon-eks-ami/2022-05-09_9ba701dc__amazon-eks-nodegroup.yaml"


def _drop_resource(text: str, name: str) -> str:
    kept, skipping = [], False
    for line in text.splitlines():
        if re.match(rf"^  {name}:\s*$", line):
            skipping = True
            continue
        if skipping and re.match(r"^  \S", line):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def test_official_template_without_kubelet_ingress_gives_ek1002() -> None:
    text = (corpus_or_skip() / OFFICIAL_2022).read_text()
    mutant = _drop_resource(text, "NodeSecurityGroupFromControlPlaneIngress")
    assert mutant != text
    found = [(m.rule.id, getattr(m, "path", None)) for m in lint(mutant, config=cfg()) if m.rule.id[:2] in ("EK", "WK")]
    # The deleted rule opened 1025-65535: 10250 is EK1002's, the rest WK1003's.
    assert sorted(found) == [("EK1002", ["Resources", "NodeSecurityGroup"]),
                             ("WK1003", ["Resources", "NodeSecurityGroup"])]


def test_official_template_with_restricted_node_egress_gives_ek1001() -> None:
    text = (corpus_or_skip() / OFFICIAL_2022).read_text()
    anchor = "      VpcId: !Ref VpcId\n\n  NodeSecurityGroupIngress:"
    assert anchor in text
    mutant = text.replace(anchor, (
        "      VpcId: !Ref VpcId\n"
        "      SecurityGroupEgress:\n"
        "        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}\n"
        "\n  NodeSecurityGroupIngress:"
    ))
    found = [(m.rule.id, getattr(m, "path", None)) for m in lint(mutant, config=cfg()) if m.rule.id[:2] in ("EK", "WK")]
    # The egress half on the node group is visible and blocked; the control plane's ingress half is
    # satisfied by the template's own rule on the parameter group. Node-to-node egress and the path to
    # the AWS APIs are gone too.
    assert sorted(found) == [("EK1001", ["Resources", "NodeSecurityGroup"]),
                             ("EK1005", ["Resources", "NodeSecurityGroup"]),
                             ("WK1006", ["Resources", "NodeSecurityGroup"]),
                             ("WK1009", ["Resources", "NodeSecurityGroup"])]
