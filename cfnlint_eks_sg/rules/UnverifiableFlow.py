"""IK0001: required flows that depend on a group defined outside the template."""


from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class UnverifiableFlow(AnalysisRule):
    id = "IK0001"
    shortdesc = "Required EKS flows depend on something this template does not show"
    description = (
        "A required flow cannot be verified because a security group it needs is a parameter, an import "
        "or a literal id whose rules live in another stack (one finding per such group), or because a rule's "
        "protocol, ports or peer range, or a node group's launch template, is not fixed here."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "visibility"]
