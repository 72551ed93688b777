"""Pipeline stage `findings`: what a rule reports, as data; the rule owns the wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._requirements import OPT_IN_RULES


class Finding(NamedTuple):
    """One finding: the rule it belongs to, where a person edits, and the facts for its message."""

    rule_id: str
    path: Path
    fields: tuple[tuple[str, str], ...]

    def message_fields(self) -> dict[str, str]:
        return dict(self.fields)

    def sort_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        # Paths mix str and int: sort on their text so sorting never raises.
        return "/".join(map(str, self.path)), self.fields


def flow_gap(
    rule_id: str,
    path: Path,
    *,
    initiator: str,
    responder: str,
    cluster: str,
    node_group: str,
    traffic: str,
    half: str,
    groups: str,
    when: str,
    fix: str,
    impact: str,
) -> Finding:
    """A required flow blocked on one half (egress of the initiator or ingress of the responder)."""
    return Finding(rule_id, path, (
        ("initiator", initiator), ("responder", responder), ("cluster", cluster),
        ("node_group", node_group), ("traffic", traffic), ("half", half),
        ("groups", groups), ("when", when), ("fix", fix), ("impact", impact),
    ))


def shared_group(rule_id: str, path: Path, *, group: str, cluster: str, others: str, when: str) -> Finding:
    """A control-plane group that more than one cluster lists."""
    return Finding(rule_id, path, (("group", group), ("cluster", cluster), ("others", others), ("when", when)))


Reported = Callable[[str, Path], bool]  # whether cfn-lint shows a finding (rule ID, path) with the user's settings


def shown_by_default(rule_id: str, path: Path) -> bool:
    """cfn-lint's default settings: every finding is shown (nothing suppressed) but those of opt-in rules."""
    return rule_id not in OPT_IN_RULES
