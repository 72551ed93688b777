"""EK5001: nodes have a route to the AWS APIs (through a NAT or internet gateway, or VPC endpoints)."""

from cfnlint_eks_sg.rules._base import ROUTE_TABLES, AnalysisRule


class NodesRouteToAwsApis(AnalysisRule):
    id = "EK5001"
    shortdesc = "Nodes have a route to the AWS APIs"
    description = (
        "From every subnet of a node group that the template creates, the route table must lead to the internet "
        "(a NAT gateway whose subnet routes to an internet gateway, or an internet gateway for nodes with public "
        "addresses), or the VPC must have interface endpoints with private DNS for ec2, ecr.api, ecr.dkr and sts "
        "and an S3 gateway endpoint on that route table; otherwise the nodes never join."
    )
    source_url = ROUTE_TABLES
    tags = ["eks", "route-table", "path", "endpoint"]
