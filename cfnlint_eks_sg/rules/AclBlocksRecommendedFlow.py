"""WK5003: the network ACLs of both ends' subnets let each recommended flow through, both ways."""

from cfnlint_eks_sg.rules._base import NETWORK_ACLS, AnalysisRule


class AclBlocksRecommendedFlow(AnalysisRule):
    id = "WK5003"
    shortdesc = "Network ACLs let the recommended EKS flows through"
    description = (
        "Control plane -> nodes TCP 443 and 1025-65535 (webhooks, extension API servers) cross the network ACLs "
        "of both ends' subnets: outbound from one, inbound to the other, and the answers back to the initiator's "
        "ephemeral ports."
    )
    source_url = NETWORK_ACLS
    tags = ["eks", "network-acl", "path", "flow"]
