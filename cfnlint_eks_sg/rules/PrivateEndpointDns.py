"""WK1011: private endpoint access in a VPC without DNS hostnames or DNS support."""

from cfnlint_eks_sg.rules._base import CLUSTER_ENDPOINT, AnalysisRule


class PrivateEndpointDns(AnalysisRule):
    id = "WK1011"
    shortdesc = "Private EKS endpoint in a VPC without DNS hostnames or DNS support"
    description = (
        "The private endpoint is published through a private hosted zone that only resolves in a VPC "
        "with EnableDnsHostnames and EnableDnsSupport set to true."
    )
    source_url = CLUSTER_ENDPOINT
    tags = ["eks", "endpoint", "dns"]
