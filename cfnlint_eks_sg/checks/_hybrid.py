"""EK4005: RemoteNetworkConfig blocks that EKS refuses (EKS Hybrid Nodes).

Sources: the EKS API reference for RemoteNodeNetwork and RemotePodNetwork (each block IPv4, inside an
RFC 1918 range, /8 to /32, not overlapping the VPC's CIDR blocks or the Kubernetes service range) and
the user guide "Prepare networking for hybrid nodes" (node and pod blocks do not overlap each other;
hybrid nodes need an IPv4 cluster). Blocks the template does not fix (parameters) are EKS's to check
at deploy time; a service range EKS picks itself (10.100.0.0/16 or 172.20.0.0/16, the API does not
say which) makes an overlap with one of them undecidable: IK0001.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple

from cfnlint_eks_sg.checks._findings import Finding, RefusedNetwork
from cfnlint_eks_sg.checks._gaps import holding_text
from cfnlint_eks_sg.core._cidrs import Network, inside
from cfnlint_eks_sg.core._guards import TRUE, Guard, Scenarios
from cfnlint_eks_sg.model._types import ClusterDef, Model, RemoteNetwork, Truth

PRIVATE: Final = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
DEFAULT_SERVICE_RANGES: Final = tuple(ipaddress.ip_network(n) for n in ("10.100.0.0/16", "172.20.0.0/16"))


class _Clash(NamedTuple):
    """Why EKS refuses a block, in the scenarios `guard` holds (the other party's existence)."""

    why: str
    guard: Guard = TRUE
    certain: bool = True  # False: it depends on the service range EKS picks


def refused_remote_networks(model: Model, scenarios: Scenarios) -> Iterator[Finding]:
    """EK4005 for each remote block EKS refuses; IK0001 where that depends on EKS's default service range."""
    for cluster in model.clusters:
        for index, network in enumerate(cluster.remote):
            for clash in _clashes(model, cluster, network, cluster.remote[:index]):
                text = holding_text(cluster.guard & network.guard & clash.guard, scenarios)
                if text is None:
                    continue
                facts = RefusedNetwork(cluster=cluster.resource, network=network.kind, cidr=network.shown,
                                       why=clash.why, when=text)
                yield Finding("EK4005" if clash.certain else "IK0001", network.path, facts)


def _clashes(model: Model, cluster: ClusterDef, network: RemoteNetwork,
             earlier: Sequence[RemoteNetwork]) -> Iterator[_Clash]:
    for family in cluster.family:
        if family.value is Truth.TRUE:
            yield _Clash("the cluster's IpFamily is ipv6, and hybrid nodes join IPv4 clusters only", family.guard)
        elif family.value is Truth.UNKNOWN:
            yield _Clash(f"hybrid nodes join IPv4 clusters only, and the cluster's IpFamily {family.why}",
                         family.guard, certain=False)
    net = network.network
    if net is None and network.default is not None:
        # A validity check, not a flow: the parameter's Default is what deploys unless someone says otherwise.
        parameter, default = network.default
        for clash in _block_clashes(model, cluster, default, earlier):
            yield clash._replace(why=f"with the default {default} of parameter {parameter}, {clash.why}")
    elif net is None:
        yield _Clash(f"whether EKS accepts the block (RFC 1918, apart from the VPC, the service range and the other "
                     f"remote blocks) cannot be told: it is {network.shown}, which this template does not fix and "
                     "gives no Default", certain=False)
    else:
        yield from _block_clashes(model, cluster, net, earlier)


def _block_clashes(model: Model, cluster: ClusterDef, net: Network,
                   earlier: Sequence[RemoteNetwork]) -> Iterator[_Clash]:
    if net.version != 4:
        yield _Clash("it is an IPv6 block; remote networks are IPv4 CIDR blocks")
        return
    if not any(inside(net, private) for private in PRIVATE):
        yield _Clash("it is not inside an RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /8 to /32); "
                     "publicly routable and other addresses are refused")
    yield from _vpc_clashes(model, cluster, net)
    for service in cluster.service_ranges:
        if service.network is not None:
            if net.overlaps(service.network):
                yield _Clash(f"it overlaps the Kubernetes service range {service.network} "
                             "(KubernetesNetworkConfig.ServiceIpv4Cidr)", service.guard)
        elif not service.explicit:
            hit = [str(r) for r in DEFAULT_SERVICE_RANGES if net.overlaps(r)]
            if len(hit) == len(DEFAULT_SERVICE_RANGES):
                yield _Clash(f"it overlaps both ranges EKS picks the Kubernetes service range from ({', '.join(hit)}) "
                             "when ServiceIpv4Cidr is not set", service.guard)
            elif hit:
                yield _Clash(f"it overlaps {hit[0]}, one of the two ranges EKS picks the Kubernetes service range "
                             "from when ServiceIpv4Cidr is not set; set ServiceIpv4Cidr to a range apart from it",
                             service.guard, certain=False)
    for other in earlier:
        block = other.network or (other.default[1] if other.default is not None else None)
        if block is not None and block.version == 4 and net.overlaps(block):
            yield _Clash(f"it overlaps remote {other.kind} network {other.shown}; remote node and pod blocks must not "
                         "overlap each other", other.guard)


def _vpc_clashes(model: Model, cluster: ClusterDef, net: Network) -> Iterator[_Clash]:
    """Overlap with the VPC's blocks (when the template creates it), else with the cluster's subnets."""
    blocks = model.vpcs.get(cluster.vpc, ()) if cluster.vpc is not None else ()
    for block in blocks:
        if net.overlaps(block):
            yield _Clash(f"it overlaps CIDR block {block} of VPC {cluster.vpc}")
            return
    for subnet in cluster.addresses.blocks:
        if subnet.network is not None and net.overlaps(subnet.network):
            yield _Clash(f"it overlaps the cluster's subnet {subnet.network}")
            return
