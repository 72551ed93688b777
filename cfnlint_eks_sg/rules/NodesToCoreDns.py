"""EK1005: node groups reach each other on TCP and UDP 53 (CoreDNS)."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class NodesToCoreDns(AnalysisRule):
    id = "EK1005"
    shortdesc = "Node groups reach each other on TCP and UDP 53 (CoreDNS)"
    description = (
        "CoreDNS runs on some nodes and every pod resolves names through it: each node group needs "
        "TCP and UDP 53 to and from every node group of its cluster, itself included."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow", "dns"]
