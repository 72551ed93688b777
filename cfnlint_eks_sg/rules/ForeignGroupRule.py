"""IK0002: this template adds rules to a security group that another stack owns."""

from cfnlint_eks_sg._base import DOCS, AnalysisRule


class ForeignGroupRule(AnalysisRule):
    id = "IK0002"
    shortdesc = "Rule added to a security group owned by another stack"
    description = (
        "A standalone SecurityGroupIngress/Egress targets a group this stack does not create (a parameter, "
        "an import, a literal id): the rule disappears when this stack is deleted, and the group's owner "
        "does not see it."
    )
    source_url = DOCS + "IK0002.md"
    tags = ["eks", "security-group", "cross-stack"]
    message_format = (
        "{resource} adds an {direction} rule to {group}{when}, which another stack owns: the rule is deleted "
        "with this stack{extra}."
    )
