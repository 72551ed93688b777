"""The base class of this plugin's rules: reads the cached analysis, formats its findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfnlint_eks_sg._analysis import get_analysis

if TYPE_CHECKING:
    from cfnlint.template import Template

DOCS: Final = "https://github.com/cfnlint-eks-sg/cfnlint-eks-sg/blob/main/docs/rules/"


class AnalysisRule(CloudFormationLintRule):
    """`id = ""`: cfn-lint instantiates this base when it is imported, then drops it."""

    id = ""
    message_format = ""

    def match(self, cfn: Template) -> list[RuleMatch]:
        return [
            RuleMatch(list(finding.path), self.message_format.format(**finding.message_fields()))
            for finding in get_analysis(cfn).findings_for(self.id)
        ]
