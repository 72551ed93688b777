"""EK1001: nodes reach the EKS control plane on TCP 443."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class NodesToControlPlane(AnalysisRule):
    id = "EK1001"
    shortdesc = "Nodes reach the EKS control plane on TCP 443"
    description = (
        "Node groups need egress to, and control-plane security groups need ingress from, each other "
        "on TCP 443, or nodes never join the cluster."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]
