"""IK1007: private endpoint access, and nothing but the nodes may reach the API on TCP 443."""

from cfnlint_eks_sg.rules._base import CLUSTER_ENDPOINT, AnalysisRule


class PrivateEndpointClients(AnalysisRule):
    id = "IK1007"
    shortdesc = "Private EKS endpoint that only the nodes may reach"
    description = (
        "With private endpoint access, kubectl from a bastion, CI runner or VPN inside the VPC resolves to "
        "the private endpoint and needs TCP 443 into the control-plane groups; only the nodes are allowed."
    )
    source_url = CLUSTER_ENDPOINT
    tags = ["eks", "endpoint", "security-group"]
