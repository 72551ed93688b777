"""WK1009: node groups accept all traffic from each other."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class NodesToNodes(AnalysisRule):
    id = "WK1009"
    shortdesc = "Node groups accept all traffic from each other"
    description = (
        "EKS recommends all traffic between the node groups of a cluster: pods talk to pods on other "
        "nodes on any port, and metrics-server scrapes every kubelet on TCP 10250."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]
