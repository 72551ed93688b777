"""WK1006: nodes reach the AWS APIs on TCP 443 (internet or VPC endpoints)."""

from cfnlint_eks_sg.rules._base import PRIVATE_CLUSTERS, AnalysisRule


class NodesToAwsApis(AnalysisRule):
    id = "WK1006"
    shortdesc = "Nodes reach the AWS APIs on TCP 443"
    description = (
        "Nodes register through the EKS API and pull images from ECR and S3: their egress must allow TCP "
        "443 to 0.0.0.0/0 (and ::/0 on IPv6 clusters), or to interface endpoints for ec2, ecr.api, ecr.dkr "
        "and sts that accept them, plus an S3 endpoint."
    )
    source_url = PRIVATE_CLUSTERS
    tags = ["eks", "security-group", "flow", "endpoint"]
