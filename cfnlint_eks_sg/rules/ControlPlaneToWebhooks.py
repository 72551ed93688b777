"""WK1003: the EKS control plane reaches the nodes on TCP 1025-65535 (webhooks, aggregated APIs)."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, WebhookPortsRule


class ControlPlaneToWebhooks(WebhookPortsRule):
    id = "WK1003"
    shortdesc = "The EKS control plane reaches the nodes on TCP 1025-65535"
    description = (
        "EKS recommends TCP 1025-65535 from the control plane to the nodes: admission webhooks and "
        "aggregated APIs listen on ports such as 4443, 6443, 8443 and 9443. Set webhook_ports to check "
        "only the ports your cluster uses."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]
