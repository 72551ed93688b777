"""WK2001: each EKS cluster has its own control-plane security group."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class SharedControlPlaneGroup(AnalysisRule):
    id = "WK2001"
    shortdesc = "Control-plane security group listed by more than one EKS cluster"
    description = (
        "Amazon EKS strongly recommends a dedicated control-plane security group per cluster; node "
        "stacks add rules to it, which then open or disrupt traffic of the other clusters."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group"]
