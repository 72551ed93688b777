"""EK1002: the EKS control plane reaches the kubelet on TCP 10250."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class ControlPlaneToKubelet(AnalysisRule):
    id = "EK1002"
    shortdesc = "The EKS control plane reaches the kubelet on TCP 10250"
    description = (
        "Control-plane security groups need egress to, and node security groups need ingress from, each "
        "other on TCP 10250, or kubectl logs, exec and port-forward hang."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]
