"""cfn-lint rules for Amazon EKS security groups: `cfn-lint --append-rules=cfnlint_eks_sg`."""

from cfnlint_eks_sg._version import __version__
from cfnlint_eks_sg.rules.AclBlocksMinimumFlow import AclBlocksMinimumFlow
from cfnlint_eks_sg.rules.AclBlocksRecommendedFlow import AclBlocksRecommendedFlow
from cfnlint_eks_sg.rules.ControlPlaneGroupUsedElsewhere import ControlPlaneGroupUsedElsewhere
from cfnlint_eks_sg.rules.ControlPlaneToExtensionServers import ControlPlaneToExtensionServers
from cfnlint_eks_sg.rules.ControlPlaneToKubelet import ControlPlaneToKubelet
from cfnlint_eks_sg.rules.ControlPlaneToPrivilegedPorts import ControlPlaneToPrivilegedPorts
from cfnlint_eks_sg.rules.ControlPlaneToRemoteKubelet import ControlPlaneToRemoteKubelet
from cfnlint_eks_sg.rules.ControlPlaneToRemoteWebhooks import ControlPlaneToRemoteWebhooks
from cfnlint_eks_sg.rules.ControlPlaneToWebhooks import ControlPlaneToWebhooks
from cfnlint_eks_sg.rules.EgressStripsSharedGroup import EgressStripsSharedGroup
from cfnlint_eks_sg.rules.ForeignGroupRule import ForeignGroupRule
from cfnlint_eks_sg.rules.MultipleClusterTaggedGroups import MultipleClusterTaggedGroups
from cfnlint_eks_sg.rules.NodesRouteToAwsApis import NodesRouteToAwsApis
from cfnlint_eks_sg.rules.NodesToAwsApis import NodesToAwsApis
from cfnlint_eks_sg.rules.NodesToControlPlane import NodesToControlPlane
from cfnlint_eks_sg.rules.NodesToCoreDns import NodesToCoreDns
from cfnlint_eks_sg.rules.NodesToNodes import NodesToNodes
from cfnlint_eks_sg.rules.OrphanedNodeGroup import OrphanedNodeGroup
from cfnlint_eks_sg.rules.PrivateEndpointClients import PrivateEndpointClients
from cfnlint_eks_sg.rules.PrivateEndpointDns import PrivateEndpointDns
from cfnlint_eks_sg.rules.PublicExposure import PublicExposure
from cfnlint_eks_sg.rules.RemoteNetworkRefused import RemoteNetworkRefused
from cfnlint_eks_sg.rules.RestrictedPublicEndpoint import RestrictedPublicEndpoint
from cfnlint_eks_sg.rules.SharedControlPlaneGroup import SharedControlPlaneGroup
from cfnlint_eks_sg.rules.UnverifiableFlow import UnverifiableFlow

__all__ = [
    "AclBlocksMinimumFlow",
    "AclBlocksRecommendedFlow",
    "ControlPlaneGroupUsedElsewhere",
    "ControlPlaneToExtensionServers",
    "ControlPlaneToKubelet",
    "ControlPlaneToPrivilegedPorts",
    "ControlPlaneToRemoteKubelet",
    "ControlPlaneToRemoteWebhooks",
    "ControlPlaneToWebhooks",
    "EgressStripsSharedGroup",
    "ForeignGroupRule",
    "MultipleClusterTaggedGroups",
    "NodesRouteToAwsApis",
    "NodesToAwsApis",
    "NodesToControlPlane",
    "NodesToCoreDns",
    "NodesToNodes",
    "OrphanedNodeGroup",
    "PrivateEndpointClients",
    "PrivateEndpointDns",
    "PublicExposure",
    "RemoteNetworkRefused",
    "RestrictedPublicEndpoint",
    "SharedControlPlaneGroup",
    "UnverifiableFlow",
    "__version__",
]
