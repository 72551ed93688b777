"""The cheap gate in front of the analysis: templates with nothing for the plugin cost nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cfnlint_eks_sg.rules._gate import RELEVANT_TYPES, worth_analysing


class FakeTemplate:
    """What the gate reads of cfn-lint's Template (weakly referenced, like the real one)."""

    def __init__(self, template: object) -> None:
        self.template = template


@pytest.mark.parametrize("rtype", sorted(RELEVANT_TYPES))
def test_a_relevant_type_opens_the_gate(rtype: str) -> None:
    cfn = FakeTemplate({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "X": {"Type": rtype}}})
    assert worth_analysing(cfn)


@pytest.mark.parametrize("template", [
    {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "Fn": {"Type": "AWS::Lambda::Function"}}},
    {"Resources": []}, {"Resources": {"X": "nope"}}, {}, None, "text",
])
def test_other_templates_stay_out(template: object) -> None:
    assert not worth_analysing(FakeTemplate(template))


def test_the_engine_is_not_imported_for_a_template_without_eks_or_groups() -> None:
    script = (
        "import sys; from cfnlint.api import lint; from cfnlint.config import ManualArgs;"
        "found = lint('Resources:\\n  Bucket:\\n    Type: AWS::S3::Bucket\\n',"
        " config=ManualArgs(append_rules=['cfnlint_eks_sg'], regions=['us-east-1']));"
        "assert 'cfnlint_eks_sg.rules.NodesToControlPlane' in sys.modules;"
        "print('cfnlint_eks_sg._analysis' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
