"""EK5002: the network ACLs of both ends' subnets let each minimum flow through, both ways."""

from cfnlint_eks_sg.rules._base import NETWORK_ACLS, AnalysisRule


class AclBlocksMinimumFlow(AnalysisRule):
    id = "EK5002"
    shortdesc = "Network ACLs let the minimum EKS flows through"
    description = (
        "Nodes -> control plane TCP 443, control plane -> nodes TCP 10250 and node -> node TCP/UDP 53 cross the "
        "network ACLs of both ends' subnets: outbound from one, inbound to the other, and the answers back to the "
        "initiator's ephemeral ports. Network ACLs are stateless; a custom ACL denies everything it does not allow."
    )
    source_url = NETWORK_ACLS
    tags = ["eks", "network-acl", "path", "flow"]
