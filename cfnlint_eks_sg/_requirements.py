"""Pipeline stage `flows`: the traffic EKS needs between its roles, as data.

Every flow rule, its docs page and its tests iterate this table; no port number appears in
rule code. Sources: `../shared/seed/cluster-security-group-considerations.md` (the seed) and the
current EKS user guide (spec section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from cfnlint_eks_sg._ports import TCP, IpProtocol, PortSet


class Role(Enum):
    NODES = "node group"
    CONTROL_PLANE = "control plane"


class Level(Enum):
    MINIMUM = "minimum"
    RECOMMENDED = "recommended"


@dataclass(frozen=True, slots=True)
class Requirement:
    """Traffic from `initiator` to `responder`: egress on the first, ingress on the second."""

    rule_id: str
    initiator: Role
    responder: Role
    protocol: IpProtocol
    ports: PortSet
    level: Level
    source: str
    purpose: str


REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    Requirement("EK1001", Role.NODES, Role.CONTROL_PLANE, TCP, PortSet.span(443, 443), Level.MINIMUM,
                "seed: control plane minimum inbound, node minimum outbound",
                "kubelets and pods call the Kubernetes API; without it nodes never join"),
    Requirement("EK1002", Role.CONTROL_PLANE, Role.NODES, TCP, PortSet.span(10250, 10250), Level.MINIMUM,
                "seed: control plane minimum outbound, node minimum inbound",
                "the API server calls the kubelet; without it kubectl logs, exec and port-forward hang"),
)


def requirement(rule_id: str) -> Requirement:
    return next(r for r in REQUIREMENTS if r.rule_id == rule_id)
