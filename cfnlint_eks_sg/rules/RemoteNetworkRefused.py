"""EK4005: RemoteNetworkConfig CIDR blocks that EKS refuses (EKS Hybrid Nodes)."""

from cfnlint_eks_sg.rules._base import HYBRID_NODES_NETWORKING, AnalysisRule


class RemoteNetworkRefused(AnalysisRule):
    id = "EK4005"
    shortdesc = "EKS accepts the remote node and pod networks of EKS Hybrid Nodes"
    description = (
        "Each RemoteNetworkConfig CIDR block must be IPv4, inside an RFC 1918 range (/8 to /32), apart from the "
        "VPC's blocks, the Kubernetes service range and the other remote blocks, in an IPv4 cluster; EKS "
        "refuses the cluster otherwise."
    )
    source_url = HYBRID_NODES_NETWORKING
    tags = ["eks", "hybrid-nodes", "cidr"]
