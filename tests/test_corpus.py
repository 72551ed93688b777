"""Our rules over every template of ../shared/corpus: no crash (E0002), and the right verdicts on real ones."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.config import ConfigMixIn
from cfnlint.decode import decode
from cfnlint.rules import Rules
from cfnlint.template import Template

from tests.conftest import cfg, corpus_or_skip, summary

SUFFIXES = {".json", ".yaml", ".yml", ".template"}
Sweep = dict[str, list[tuple[str, int, str]]]
CFN_LINT_FAILURE = "cfn-lint itself"


def _templates(corpus: Path) -> Iterator[Path]:
    for path in sorted(corpus.rglob("*")):
        if path.suffix in SUFFIXES and path.is_file():
            yield path


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    """One run of our rules (only ours, through cfn-lint's own runner so E0002 shows) over the corpus."""
    corpus = corpus_or_skip()
    rules = Rules.create_from_module("cfnlint_eks_sg")
    config = ConfigMixIn([], include_checks=["I"], regions=["us-east-1"])
    results: Sweep = {}
    started = time.perf_counter()
    for path in _templates(corpus):
        template, errors = decode(str(path))
        if errors or not isinstance(template, dict):
            continue  # plain cfn-lint stops here too (E0000), before any rule runs
        name = str(path.relative_to(corpus))
        try:
            # cfn-lint's own Template and transforms fail on a few templates before any rule runs
            # (CFN_LINT_BASELINE.tsv, column internal_error): not ours to hide or to blame.
            cfn = Template(name, template, config.regions)
            transform_errors = cfn.transform()
        except Exception as error:  # noqa: BLE001
            results[name] = [(CFN_LINT_FAILURE, 0, repr(error))]
            continue
        if transform_errors:
            continue
        matches = rules.run(name, cfn, config)  # exceptions inside our rules become E0002 here
        results[name] = [(m.rule.id, m.linenumber, m.message) for m in matches]
    elapsed = time.perf_counter() - started
    general = sum(1 for name in results if name.startswith("general/"))
    summary(f"corpus sweep: {len(results)} templates ({general} general, {len(results) - general} EKS) "
            f"through our rules in {elapsed:.1f}s")
    return results


def test_sweep_covers_the_whole_corpus(sweep: Sweep) -> None:
    assert len(sweep) > 1500
    assert any(name.startswith("eks/") for name in sweep)


def test_no_rule_of_ours_raises_on_any_corpus_template(sweep: Sweep) -> None:
    crashes = {name: found for name, found in sweep.items() for f in found if f[0] == "E0002"}
    summary(f"corpus sweep: {len(crashes)} templates with an exception in our rules (E0002)")
    assert crashes == {}


def test_only_known_cfn_lint_failures_are_skipped(sweep: Sweep) -> None:
    baseline = (corpus_or_skip() / "CFN_LINT_BASELINE.tsv").read_text().splitlines()
    known = {row.split("\t")[0] for row in baseline[1:] if row.count("\t") >= 3 and row.split("\t")[3]}
    failed = {name for name, found in sweep.items() if found and found[0][0] == CFN_LINT_FAILURE}
    assert failed <= known


# The first official node template (2018-06) opened only 1025-65535 to the nodes; 443 came in 2018-08
# (amazon-eks-ami PR #34) after metrics-server broke: WK1004 is right there.
OFFICIAL_KNOWN_GAPS = {"eks/amazon-eks-ami/2018-06-11_19279be9__amazon-eks-nodegroup.yaml": ["WK1004"]}


def test_official_node_templates_get_no_error_or_warning_but_the_known_gap(sweep: Sweep) -> None:
    official = {n: f for n, f in sweep.items() if n.startswith("eks/amazon-eks-ami/")}
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
