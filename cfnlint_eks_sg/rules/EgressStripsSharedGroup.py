"""WK2004: a standalone egress rule strips the allow-all egress of a group others rely on."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class EgressStripsSharedGroup(AnalysisRule):
    id = "WK2004"
    shortdesc = "Standalone egress rule strips the default egress of a shared group"
    description = (
        "CloudFormation removes a group's default allow-all egress when a standalone "
        "AWS::EC2::SecurityGroupEgress targets it (eksctl#6455). On the EKS cluster group, or a group "
        "with several roles, everything else on it loses outbound traffic."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "egress"]
