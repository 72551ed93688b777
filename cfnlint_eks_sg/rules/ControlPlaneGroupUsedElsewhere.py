"""WK2002: a control-plane security group is also attached to something else."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class ControlPlaneGroupUsedElsewhere(AnalysisRule):
    id = "WK2002"
    shortdesc = "Control-plane security group also attached to other resources"
    description = (
        "A group in ResourcesVpcConfig.SecurityGroupIds is also on instances, launch templates, endpoints, "
        "load balancers, databases or functions: rules meant for the control plane open those too, and "
        "node stacks that change it change them. The group on the cluster's own node launch templates (the cluster "
        "group's design, done by hand) is fine."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group"]
