"""Pipeline stage `findings`: what a rule reports, as typed records; the wording lives in `rules/_messages`.

Each kind of finding is a record with named, typed facts: a renamed or missing fact fails mypy where the record is
built or read, not a lint run. The facts are the parts a message is made of (already phrased where they are lists,
conditions or rules to add), plus what `fix` and `explain` read (`FlowGap.fix`, `ApiBlocked.anywhere`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeAlias

from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._value import Record, record
from cfnlint_eks_sg.flows._requirements import OPT_IN_RULES


@record
class FlowGap(Record):
    """A required flow blocked on one half (egress of the initiator or ingress of the responder): every flow rule."""

    initiator: str
    responder: str
    cluster: str
    node_group: str
    traffic: str
    half: str  # "egress" or "ingress"
    groups: str  # the groups of that half, any of which may get the rule
    when: str  # " when X is false", or "" when it fails in every scenario
    fix: str  # the rule to add
    impact: str  # "; this breaks 8443 (...)" for well-known ports among the blocked ones (webhook rules)


@record
class SharedGroup(Record):
    """WK2001: a control-plane group that more than one cluster lists."""

    group: str
    cluster: str
    others: str
    when: str


@record
class GroupUsedElsewhere(Record):
    """WK2002: a control-plane group also attached to something that is not the control plane."""

    group: str
    cluster: str
    resource: str
    resource_type: str
    when: str


@record
class TaggedGroups(Record):
    """WK2003: a node group with more than one group tagged for its cluster."""

    node_group: str
    cluster: str
    total: int
    groups: str
    when: str


@record
class StrippedEgress(Record):
    """WK2004: standalone egress rules that remove the default egress of a group with other jobs."""

    resource: str
    total: int
    group: str
    why: str
    when: str


@record
class OrphanedGroup(Record):
    """WK2005: a node group's security group that nothing carries."""

    group: str
    when: str


@record
class Exposure(Record):
    """WK3001: a node or control-plane group open to the internet."""

    group: str
    role: str
    what: str
    source: str
    when: str


@record
class ExposureUnjudged(Record):
    """IK0001: WK3001 cannot be judged, a rule's protocol or ports are not fixed here."""

    group: str
    role: str
    source: str
    when: str


@record
class RefusedNetwork(Record):
    """EK4005 (refused) or IK0001 (may be refused, by the service range EKS picks): a hybrid remote network."""

    cluster: str
    network: str  # "node" or "pod"
    cidr: str
    why: str
    when: str


@record
class ApiBlocked(Record):
    """WK1006: the nodes' path to the AWS APIs is missing."""

    node_group: str
    cluster: str
    when: str
    why: str
    anywhere: tuple[str, ...]  # the ranges an egress rule on TCP 443 to would fix it (none: no such rule)


@record
class NoRoute(Record):
    """EK5001: a node group's subnet has no way to the AWS APIs: no route out and no complete endpoint set."""

    node_group: str
    cluster: str
    subnets: tuple[str, ...]
    when: str
    why: str
    fix: str  # what to change where the finding points


@record
class AclBlocked(Record):
    """EK5002 (minimum flows) or WK5003 (recommended ones): a network ACL blocks them in one direction."""

    acl: str  # "network ACL Acl", "the default network ACL of Vpc"
    direction: str  # "outbound" or "inbound"
    flows: str  # each blocked flow with its traffic ("TCP 10250, the control plane of ... -> node group ... (EK1002)")
    subnets: str  # "A -> B" pairs of the initiator's and the responder's subnets
    why: str
    when: str
    add: str  # the entries to add


@record
class ApiUnverified(Record):
    """IK0001: WK1006 cannot be judged here."""

    node_group: str
    cluster: str
    when: str
    why: str
    needs: str


@record
class PublicOnlyEndpoint(Record):
    """WK1010: a public-only endpoint restricted by PublicAccessCidrs."""

    cluster: str
    cidrs: str
    when: str


@record
class EndpointWithoutDns(Record):
    """WK1011: a private endpoint in a VPC without DNS hostnames or DNS support."""

    cluster: str
    vpc: str
    setting: str
    state: str
    when: str


@record
class SettingUnjudged(Record):
    """IK0001: an endpoint check (WK1010, WK1011) cannot be judged, a setting is not fixed here."""

    check: str
    cluster: str
    when: str
    why: str


@record
class NodesOnlyClients(Record):
    """IK1007: a private endpoint only the nodes may reach."""

    cluster: str
    group: str
    when: str


@record
class ForeignRules(Record):
    """IK0002: standalone rules on a group another stack owns."""

    resources: str
    total: int
    group: str
    extra: str  # what the egress among them also does, or ""
    when: str


@record
class ExternalGroups(Record):
    """IK0001: required flows that hang on groups defined outside this template."""

    group: str
    flows: str
    total: int


@record
class UndecidedFlows(Record):
    """IK0001: required flows this template leaves undecided (values not fixed here)."""

    causes: str
    flows: str
    total: int


@record
class UnreadCompanion(Record):
    """IK0001: a companion template that was not read."""

    companion: str
    reason: str


@record
class UnreadNested(Record):
    """IK0001: a nested stack's template that was not followed."""

    companion: str
    reason: str


Facts: TypeAlias = (
    FlowGap | SharedGroup | GroupUsedElsewhere | TaggedGroups | StrippedEgress | OrphanedGroup | Exposure
    | ExposureUnjudged | RefusedNetwork | ApiBlocked | ApiUnverified | PublicOnlyEndpoint | EndpointWithoutDns
    | SettingUnjudged | NodesOnlyClients | ForeignRules | ExternalGroups | UndecidedFlows | UnreadCompanion
    | UnreadNested | NoRoute | AclBlocked
)

# The kinds of IK0001 (and its other findings) as the facts list shows them; the plain kind has none.
_KINDS: dict[type, str] = {
    ExposureUnjudged: "exposure", ApiUnverified: "aws_apis", SettingUnjudged: "setting", UndecidedFlows: "undecided",
    UnreadCompanion: "companion", UnreadNested: "nested",
}


class Finding(NamedTuple):
    """One finding: the rule it belongs to, where a person edits, and its facts."""

    rule_id: str
    path: Path
    facts: Facts

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """The facts as (name, text) pairs, kind first: what tests compare and findings sort on."""
        kind = _KINDS.get(type(self.facts))
        if isinstance(self.facts, RefusedNetwork) and self.rule_id != "EK4005":
            kind = "remote_network"
        named = tuple((name, _text(value)) for name, value in zip(self.facts._fields, self.facts, strict=True))
        return ((("kind", kind),) if kind else ()) + named

    def message_fields(self) -> dict[str, str]:
        return dict(self.fields)

    def sort_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        # Paths mix str and int: sort on their text so sorting never raises.
        return "/".join(map(str, self.path)), self.fields


def _text(value: object) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value)


Reported = Callable[[str, Path], bool]  # whether cfn-lint shows a finding (rule ID, path) with the user's settings


def shown_by_default(rule_id: str, path: Path) -> bool:
    """cfn-lint's default settings: every finding is shown (nothing suppressed) but those of opt-in rules."""
    return rule_id not in OPT_IN_RULES
