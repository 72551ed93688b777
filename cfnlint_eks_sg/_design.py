"""Design checks that are not flows: which groups are shared, tagged, stripped or exposed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cfnlint_eks_sg._findings import Finding, shared_group
from cfnlint_eks_sg._gaps import when
from cfnlint_eks_sg._guards import Guard, Scenario, Scenarios
from cfnlint_eks_sg._model import GroupKey, Member, Origin
from cfnlint_eks_sg._roles import ClusterRole, Roles


def shared_control_plane_groups(roles: Roles, scenarios: Scenarios) -> Iterator[Finding]:
    """WK2001: a group in SecurityGroupIds of more than one cluster that can exist together."""
    listed: dict[GroupKey, list[tuple[ClusterRole, Member]]] = {}
    for cluster in roles.clusters.values():
        if not cluster.in_template:
            continue
        for member in cluster.control_plane:
            if member.key.origin is not Origin.CLUSTER:
                listed.setdefault(member.key, []).append((cluster, member))
    for group, users in listed.items():
        if len({c.ident for c, _ in users}) < 2:
            continue
        for cluster, member in users:
            mine = cluster.guard & member.guard
            sharing: list[str] = []
            whens: list[str] = []
            for other, other_member in users:
                if other.ident == cluster.ident:
                    continue
                both = mine & other.guard & other_member.guard
                together = [s for s in scenarios.over(both.names()) if both.holds(s)]
                if together:
                    sharing.append(other.label)
                    whens.append(_together_when(both, together, scenarios))
            if sharing:
                yield shared_group("WK2001", member.path, group=str(group), cluster=cluster.label,
                                   others=", ".join(sorted(set(sharing))),
                                   when=whens[0] if len(set(whens)) == 1 else "")


def _together_when(both: Guard, together: Sequence[Scenario], scenarios: Scenarios) -> str:
    return when(list(together), scenarios.over(both.names()))
