"""WK2005: a security group written for nodes that nothing in the template carries."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class OrphanedNodeGroup(AnalysisRule):
    id = "WK2005"
    shortdesc = "Node security group that nothing carries"
    description = (
        "A group tagged for a cluster, or with rules to or from the control plane, is on no node group, "
        "instance or other resource, is not exported, has no karpenter.sh/discovery tag, and no cluster "
        "uses Auto Mode: its rules protect nothing, and the nodes are missing them."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group"]
