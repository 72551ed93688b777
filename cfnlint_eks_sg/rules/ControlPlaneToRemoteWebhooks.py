"""WK4004: the EKS control plane reaches webhooks on hybrid nodes' pods."""

from cfnlint_eks_sg.rules._base import HYBRID_NODES_NETWORKING, WebhookPortsRule


class ControlPlaneToRemoteWebhooks(WebhookPortsRule):
    id = "WK4004"
    shortdesc = "The EKS control plane reaches webhooks on hybrid nodes' pods"
    description = (
        "With EKS Hybrid Nodes, the cluster's security groups need egress to each remote pod CIDR block on "
        "the ports webhooks serve on (TCP 443 and 1025-65535 unless webhook_ports says which), or webhooks "
        "running on hybrid nodes time out."
    )
    source_url = HYBRID_NODES_NETWORKING
    tags = ["eks", "security-group", "flow", "hybrid-nodes"]
