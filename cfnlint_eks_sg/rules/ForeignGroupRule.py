"""IK0002: this template adds rules to a security group that another stack owns."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class ForeignGroupRule(AnalysisRule):
    id = "IK0002"
    shortdesc = "Rule added to a security group owned by another stack"
    description = (
        "Standalone SecurityGroupIngress/Egress resources target a group this stack does not create (a "
        "parameter, an import, a literal id): they disappear when this stack is deleted, and the group's "
        "owner does not see them. One finding per such group."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "cross-stack"]
