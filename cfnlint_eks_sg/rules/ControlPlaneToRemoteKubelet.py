"""EK4002: the EKS control plane reaches the kubelet of hybrid nodes on TCP 10250."""

from cfnlint_eks_sg.rules._base import HYBRID_NODES_NETWORKING, AnalysisRule


class ControlPlaneToRemoteKubelet(AnalysisRule):
    id = "EK4002"
    shortdesc = "The EKS control plane reaches hybrid nodes' kubelets on TCP 10250"
    description = (
        "With EKS Hybrid Nodes (RemoteNetworkConfig), the cluster's security groups need egress on TCP 10250 "
        "to each remote node CIDR block, or kubectl logs, exec and port-forward hang on hybrid nodes."
    )
    source_url = HYBRID_NODES_NETWORKING
    tags = ["eks", "security-group", "flow", "hybrid-nodes"]
