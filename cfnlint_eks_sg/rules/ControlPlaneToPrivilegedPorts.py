"""IK1008: the EKS control plane reaches the nodes on ports below 1025 (opt-in)."""

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule, configured_flag


class ControlPlaneToPrivilegedPorts(AnalysisRule):
    id = "IK1008"
    shortdesc = "The EKS control plane reaches the nodes on ports below 1025 (opt-in)"
    description = (
        "The API server proxy to privileged ports and the CNCF conformance tests need TCP 0-65535 from "
        "the control plane to the nodes. Off unless configured with enabled=true."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "flow"]

    def __init__(self) -> None:
        super().__init__()
        self.settings({"enabled": {"default": False, "type": "boolean"}})

    def active(self) -> bool:
        return configured_flag(self.config.get("enabled"))
