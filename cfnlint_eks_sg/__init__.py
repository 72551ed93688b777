"""cfn-lint rules for Amazon EKS security groups: `cfn-lint --append-rules=cfnlint_eks_sg`."""

from cfnlint_eks_sg._version import __version__
from cfnlint_eks_sg.rules.ControlPlaneToKubelet import ControlPlaneToKubelet
from cfnlint_eks_sg.rules.NodesToControlPlane import NodesToControlPlane
from cfnlint_eks_sg.rules.SharedControlPlaneGroup import SharedControlPlaneGroup

__all__ = ["ControlPlaneToKubelet", "NodesToControlPlane", "SharedControlPlaneGroup", "__version__"]
