"""EK5001: the nodes' route to the AWS APIs, from every subnet of theirs this template creates.

A node in a subnet whose route table has no way to the internet (no route, an internet gateway without a public
address, a NAT gateway whose own subnet has no way out) and whose VPC has no complete set of endpoints with private
DNS cannot register, pull images or assume roles: it never joins. The hop itself is decided in `flows/_paths`;
here it is judged per node group over the scenarios its network hangs on. What the template does not show (a
subnet, table or VPC from elsewhere, a transit gateway) is UNKNOWN and silent: `explain` shows it.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from cfnlint_eks_sg.checks._findings import Finding, NoRoute
from cfnlint_eks_sg.checks._gaps import when
from cfnlint_eks_sg.core._guards import Scenario, Scenarios
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._paths import RouteHop, api_routes
from cfnlint_eks_sg.flows._reach import Reach
from cfnlint_eks_sg.flows._roles import Roles
from cfnlint_eks_sg.model._types import Model, Truth, setting_in, setting_names
from cfnlint_eks_sg.model._vpc import Routing

ROUTES_RULE: Final = "EK5001"


class RouteVerdict(NamedTuple):
    """What explain shows for one node group: each subnet's hop with the scenarios it holds in."""

    node_group: str
    cluster: str
    hops: tuple[tuple[RouteHop, tuple[Scenario, ...]], ...]


class RouteAccess:
    """EK5001 over every node group (a plain class: see `Model`)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.verdicts: list[RouteVerdict] = []


def api_route_access(model: Model, roles: Roles, scenarios: Scenarios) -> RouteAccess:
    """EK5001 for each node group's subnet with no way to the AWS APIs, in the scenarios where it has none."""
    result = RouteAccess()
    routing = model.routing
    if routing is None:
        return result
    names = _condition_names(model, routing)
    for node in roles.node_groups:
        if not node.addresses.subnets:
            continue
        cluster = roles.clusters[node.cluster]
        definition = next((c for c in model.clusters if c.resource == node.cluster), None)
        private = definition.private_access if definition is not None else ()
        every = [s for s in scenarios.over(frozenset(names | node.guard.names() | cluster.guard.names()
                                                     | setting_names(node.public_ips) | setting_names(private)))
                 if node.guard.holds(s) and cluster.guard.holds(s)]
        shown: dict[RouteHop, list[Scenario]] = {}
        # One finding per place to edit and reason, naming every subnet it holds for (a shared route table).
        blocked: dict[tuple[Path, str, str], dict[str, list[Scenario]]] = {}
        for scenario in every:
            # A cluster defined elsewhere: whether its API server has a private endpoint is not known here.
            private_endpoint = setting_in(private, scenario) if definition is not None else Truth.UNKNOWN
            for hop in api_routes(model, node.addresses.subnets, node.public_ips, private_endpoint, scenario):
                shown.setdefault(hop, []).append(scenario)
                if hop.reach is Reach.BLOCKED:
                    blocked.setdefault((hop.where, hop.why, hop.fix), {}).setdefault(hop.subnet, []).append(scenario)
        if shown:
            result.verdicts.append(RouteVerdict(node.label, cluster.label,
                                                tuple((hop, tuple(at)) for hop, at in shown.items())))
        for (where, why, fix), subnets in blocked.items():
            failed = list({id(s): s for at in subnets.values() for s in at}.values())
            result.findings.append(Finding(ROUTES_RULE, where, NoRoute(
                node_group=node.label, cluster=cluster.label, subnets=tuple(subnets), when=when(failed, every),
                why=why, fix=fix)))
    return result


def _condition_names(model: Model, routing: Routing) -> set[str]:
    """Every condition the template's routing and VPC endpoints hang on."""
    names = routing.condition_names()
    for endpoint in model.endpoints:
        names |= endpoint.guard.names() | setting_names(endpoint.private_dns)
    return names
