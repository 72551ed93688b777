"""Pipeline stage `flows`: the traffic EKS needs between its roles, as data.

Every flow rule, its docs page and its tests iterate this table; no port number appears in
rule code. Sources: `../shared/seed/cluster-security-group-considerations.md` (the seed), the
current EKS user guide and the failures collected in the spec (section 6).

Rows are ordered from strict to lenient: on one channel and protocol, a row owns its ports and
later rows check only what earlier rows do not (EK1002 reports 10250, WK1003 the rest).
"""

from __future__ import annotations

from enum import Enum
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, TCP, UDP, IpProtocol, PortSet


class Channel(Enum):
    """Which roles a requirement connects, initiator first."""

    NODES_TO_CONTROL_PLANE = "nodes -> control plane"
    CONTROL_PLANE_TO_NODES = "control plane -> nodes"
    NODES_TO_NODES = "nodes -> nodes"
    # EKS Hybrid Nodes: networks off AWS (RemoteNetworkConfig), checked on the control-plane half only. The
    # inbound paths (TCP 443 from remote nodes and pods) are EKS's own: it adds those rules to the cluster
    # security group itself (EKS user guide, "Prepare networking for hybrid nodes", since 2025); outbound it
    # does not, so a restricted egress can cut these.
    CONTROL_PLANE_TO_REMOTE_NODES = "control plane -> remote nodes"
    CONTROL_PLANE_TO_REMOTE_PODS = "control plane -> remote pods"


class Level(Enum):
    MINIMUM = "minimum"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


Traffic = tuple[tuple[IpProtocol, PortSet], ...]


class Requirement(NamedTuple):
    """Traffic on `channel`: egress on the initiator's groups, ingress on the responder's groups."""

    rule_id: str
    channel: Channel
    traffic: Traffic
    level: Level
    source: str
    purpose: str
    consequence: str | None  # what its finding says breaks; None: the well-known ports among the blocked ones

    @property
    def all_traffic(self) -> bool:
        """Every protocol and port (node to node): its finding says the flow "cannot send" it."""
        return self.traffic == ((ALL_TRAFFIC, ALL_PORTS),)


def _tcp(first: int, last: int | None = None) -> tuple[IpProtocol, PortSet]:
    return TCP, PortSet.span(first, first if last is None else last)


_WEBHOOK_PORTS: Final = PortSet.span(443, 443) | PortSet.span(1025, 65535)  # webhooks serve on 443 or high ports

REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    Requirement("EK1001", Channel.NODES_TO_CONTROL_PLANE, (_tcp(443),), Level.MINIMUM,
                "seed: control plane minimum inbound, node minimum outbound",
                "kubelets and pods call the Kubernetes API; without it nodes never join", "nodes cannot join"),
    Requirement("EK1002", Channel.CONTROL_PLANE_TO_NODES, (_tcp(10250),), Level.MINIMUM,
                "seed: control plane minimum outbound, node minimum inbound",
                "the API server calls the kubelet; without it kubectl logs, exec and port-forward hang",
                "kubectl logs/exec hang"),
    Requirement("WK1004", Channel.CONTROL_PLANE_TO_NODES, (_tcp(443),), Level.RECOMMENDED,
                "seed: node recommended inbound from the control plane (TCP 443)",
                "extension API servers and webhooks serving on 443 time out",
                "extension API servers and webhooks on 443 time out"),
    Requirement("WK1003", Channel.CONTROL_PLANE_TO_NODES, (_tcp(1025, 65535),), Level.RECOMMENDED,
                "seed: control plane recommended outbound, node recommended inbound (TCP 1025-65535)",
                "admission webhooks and aggregated APIs on their target ports time out", None),
    Requirement("IK1008", Channel.CONTROL_PLANE_TO_NODES, (_tcp(0, 1024),), Level.OPTIONAL,
                "seed note: proxy functionality on privileged ports and CNCF conformance need 0-65535",
                "the API server proxy to privileged ports and conformance tests fail",
                "apiserver proxy and conformance tests need it"),
    Requirement("EK1005", Channel.NODES_TO_NODES, ((TCP, PortSet.span(53, 53)), (UDP, PortSet.span(53, 53))),
                Level.MINIMUM, "current EKS guide: node inbound TCP and UDP 53 from all node groups (CoreDNS)",
                "pods cannot resolve names through CoreDNS pods on the other nodes",
                "pods cannot resolve names through CoreDNS there"),
    Requirement("WK1009", Channel.NODES_TO_NODES, ((ALL_TRAFFIC, ALL_PORTS),), Level.RECOMMENDED,
                "seed: node minimum and recommended inbound from all worker node groups",
                "pod-to-pod traffic and metrics-server scraping kubelets (10250) on other nodes fail",
                "pod-to-pod traffic and metrics-server on 10250 need it"),
    Requirement("EK4002", Channel.CONTROL_PLANE_TO_REMOTE_NODES, (_tcp(10250),), Level.MINIMUM,
                "EKS guide, Prepare networking for hybrid nodes: cluster security group outbound TCP 10250 to the "
                "remote node CIDRs",
                "the API server calls the kubelets of hybrid nodes; without it kubectl logs, exec and port-forward "
                "hang", "kubectl logs/exec hang on hybrid nodes"),
    Requirement("WK4004", Channel.CONTROL_PLANE_TO_REMOTE_PODS, ((TCP, _WEBHOOK_PORTS),), Level.RECOMMENDED,
                "EKS guide, Prepare networking for hybrid nodes: cluster security group outbound webhook ports to "
                "the remote pod CIDRs when webhooks run on hybrid nodes",
                "admission webhooks and aggregated APIs served by pods on hybrid nodes time out", None),
)

FLOW_RULES: Final = tuple(req.rule_id for req in REQUIREMENTS)  # the rules whose findings are a flow's blocked half
REQUIREMENT_OF: Final = {req.rule_id: req for req in REQUIREMENTS}  # by flow rule
# Reported by cfn-lint only when a user switches them on (the rule's `enabled` setting).
OPT_IN_RULES: Final = frozenset(req.rule_id for req in REQUIREMENTS if req.level is Level.OPTIONAL)

# Ports whose breakage a message names: common webhook and aggregated-API target ports (spec F-03, F-04).
WELL_KNOWN_PORTS: Final = {
    4443: "metrics-server",
    6443: "prometheus-adapter",
    8443: "Karpenter and ingress-nginx webhooks",
    9443: "AWS Load Balancer Controller webhook",
    10250: "kubelet and metrics-server",
}


def owned_before(req: Requirement, protocol: IpProtocol) -> PortSet:
    """Ports of `protocol` that stricter rows on the same channel already check."""
    owned = PortSet()
    for row in REQUIREMENTS:
        if row is req:
            return owned
        if row.channel is req.channel:
            for proto, ports in row.traffic:
                if proto == protocol:
                    owned = owned | ports
    return owned
