"""WK3001: node or control-plane groups open to the internet on management ports or all ports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfnlint_eks_sg.rules._base import REMOTE_ACCESS, AnalysisRule, configured_ports

if TYPE_CHECKING:
    from cfnlint_eks_sg.core._ports import PortSet


class PublicExposure(AnalysisRule):
    id = "WK3001"
    shortdesc = "Node or control-plane group open to the internet"
    description = (
        "A node or control-plane group accepts 0.0.0.0/0 or ::/0 on SSH, RDP, the kubelet, the API (on "
        "control-plane groups) or on every port; or a managed node group has RemoteAccess without source "
        "groups. Ports listed in allowed_public_ports are not reported (NodePorts never are)."
    )
    source_url = REMOTE_ACCESS
    tags = ["eks", "security-group", "exposure"]

    def __init__(self) -> None:
        super().__init__()
        self.settings({"allowed_public_ports": {"default": [], "type": "list", "itemtype": "integer"}})

    def ports(self) -> PortSet | None:
        return configured_ports(self.config.get("allowed_public_ports"))
