"""WK1010: a public-only endpoint whose PublicAccessCidrs must include the nodes' egress addresses."""

from cfnlint_eks_sg.rules._base import CLUSTER_ENDPOINT, AnalysisRule


class RestrictedPublicEndpoint(AnalysisRule):
    id = "WK1010"
    shortdesc = "Public-only EKS endpoint restricted by PublicAccessCidrs"
    description = (
        "With private endpoint access off, nodes and Fargate pods reach the API through the public "
        "endpoint, from their NAT or public addresses: a restricted PublicAccessCidrs must list them, or "
        "nodes never join."
    )
    source_url = CLUSTER_ENDPOINT
    tags = ["eks", "endpoint"]
