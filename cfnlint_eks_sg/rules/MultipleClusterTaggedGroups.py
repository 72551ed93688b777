"""WK2003: a node carries more than one security group tagged kubernetes.io/cluster/NAME."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class MultipleClusterTaggedGroups(AnalysisRule):
    id = "WK2003"
    shortdesc = "Node carries more than one cluster-tagged security group"
    description = (
        "The AWS Load Balancer Controller and the in-tree cloud provider expect exactly one group tagged "
        "kubernetes.io/cluster/NAME on a node's interface (the EKS cluster group carries that tag); with "
        "two, LoadBalancer Services fail."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "tags"]
