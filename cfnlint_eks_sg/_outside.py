"""What lives outside the template: flows it cannot verify (IK0001), groups it changes (IK0002)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._flows import LinkResult
from cfnlint_eks_sg._gaps import render_traffic, requirement_traffic
from cfnlint_eks_sg._guards import guard_text
from cfnlint_eks_sg._model import Direction, GroupKey, Model, Origin
from cfnlint_eks_sg._requirements import REQUIREMENTS, Level

# Groups another stack owns: a rule added here is deleted with this stack (seed: "The worker node
# AWS CloudFormation template modifies the cluster control plane security group").
_FOREIGN: Final = frozenset({
    Origin.PARAMETER, Origin.PARAMETER_ITEM, Origin.IMPORT, Origin.LITERAL, Origin.NAME, Origin.EXTERNAL_CLUSTER,
})
_LISTED: Final = 4


def unverifiable_flows(model: Model, links: Iterable[LinkResult]) -> Iterator[Finding]:
    """IK0001: one finding per external group that required flows depend on."""
    depends: dict[GroupKey, dict[str, None]] = {}
    for result in links:
        link = result.link
        for req in REQUIREMENTS:
            if req.channel is not link.channel or req.level is Level.OPTIONAL:
                continue
            traffic = [(p, ports) for p, ports in requirement_traffic(req) if ports]
            for state in result.states:
                for openings in (state.egress, state.ingress):
                    for protocol, ports in traffic:
                        for group in openings[protocol].depends_on(ports):
                            if group.origin in _FOREIGN:
                                flow = (f"{req.rule_id} ({link.initiator.label} -> {link.responder.label}, "
                                        f"{render_traffic([(protocol, ports)])})")
                                depends.setdefault(group, {})[flow] = None
    for group, flows in sorted(depends.items()):
        names = list(flows)
        listed = "; ".join(names[:_LISTED]) + (f"; and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
        path = (model.first_use.get(group) or model.peer_use.get(group)
                or (("Parameters", group.ident) if group.origin is Origin.PARAMETER else ()))
        yield Finding("IK0001", path, (("group", str(group)), ("flows", listed), ("count", str(len(names)))))


def foreign_rules(model: Model) -> Iterator[Finding]:
    """IK0002: standalone rules on groups another stack owns."""
    for rule in model.standalone:
        if rule.group.origin not in _FOREIGN:
            continue
        egress = rule.direction is Direction.EGRESS
        extra = ("; as a standalone egress rule it also removes that group's default allow-all egress "
                 "(eksctl#6455)") if egress else ""
        yield Finding("IK0002", rule.path, (
            ("resource", rule.resource), ("direction", rule.direction.value), ("group", str(rule.group)),
            ("extra", extra), ("when", guard_text(rule.guard)),
        ))
