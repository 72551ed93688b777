"""WK1004: the EKS control plane reaches the nodes on TCP 443 (extension API servers, webhooks)."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class ControlPlaneToExtensionServers(AnalysisRule):
    id = "WK1004"
    shortdesc = "The EKS control plane reaches the nodes on TCP 443"
    description = (
        "EKS recommends TCP 443 from the control plane to the nodes, for extension API servers and "
        "webhooks that serve on 443."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]
