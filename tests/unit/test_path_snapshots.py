"""The path rules' whole output on their fixtures (EK5001, EK5002, WK5003): findings with their messages and places,
each subnet's route hop, and each network ACL crossing, compared with `path_snapshots.json`.

The unit tests of `test_paths` and `test_acls` pin one decision each; this pins every word and every hop, so a change
to a reason, a fix or a grouping shows here. Regenerate after a deliberate change with
`CFNLINT_EKS_SG_UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_path_snapshots.py` and read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cfnlint.decode import decode

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.rules._messages import message

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).with_name("path_snapshots.json")
# tests/ only: mutation testing runs the unit tests in a copy of the package and its tests.
FIXTURES = sorted([*ROOT.glob("tests/templates/ek500[12]-*.yaml"), *ROOT.glob("tests/templates/wk5003-*.yaml")])
UPDATE = bool(os.environ.get("CFNLINT_EKS_SG_UPDATE_SNAPSHOTS"))


def snapshot(path: Path) -> dict[str, object]:
    template, errors = decode(str(path))
    assert template is not None, errors
    analysis = analyse(template)
    findings = [[rule_id, "/".join(map(str, f.path)), message(f)] for rule_id in ("EK5001", "EK5002", "WK5003")
                for f in analysis.findings.get(rule_id, [])]
    hops = sorted({f"{v.node_group} {h.subnet} {h.reach.value}: {h.why} | {h.fix} | {'/'.join(map(str, h.where))}"
                   for v in analysis.route_verdicts for h, _ in v.hops})
    crossings = sorted({f"{c.rule_id} {c.start}->{c.end} {'answer' if c.reply else 'request'} {c.protocol} "
                        f"{c.hop.acl} {c.hop.direction.value} {c.hop.reach.value} {c.hop.missing}: {c.hop.why} | "
                        f"{'/'.join(map(str, c.hop.where))}" for c, _ in analysis.crossings})
    return {"findings": findings, "hops": hops, "crossings": crossings}


def test_snapshots_cover_every_fixture() -> None:
    if UPDATE:
        SNAPSHOTS.write_text(json.dumps({str(p.relative_to(ROOT)): snapshot(p) for p in FIXTURES}, indent=1) + "\n")
    stored = json.loads(SNAPSHOTS.read_text())
    assert sorted(stored) == sorted(str(p.relative_to(ROOT)) for p in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_path_output_is_as_snapshotted(path: Path) -> None:
    stored = json.loads(SNAPSHOTS.read_text())[str(path.relative_to(ROOT))]
    assert snapshot(path) == stored
