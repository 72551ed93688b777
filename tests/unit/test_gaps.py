"""Unit tests for `_gaps`: a requirement read against evaluated links, worded as findings."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._gaps import _impact as impact
from cfnlint_eks_sg.checks._gaps import (
    _reference,
    holding_text,
    render_traffic,
    requirement_traffic,
    when,
)
from cfnlint_eks_sg.checks._placement import preferred
from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard, Scenario, Scenarios
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, TCP, UDP, IpProtocol, PortSet
from cfnlint_eks_sg.flows._requirements import REQUIREMENTS, Requirement
from cfnlint_eks_sg.model._types import GroupKey, Origin
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    field,
    findings,
    if_,
    key,
    launch_template,
    managed_nodegroup,
    ref,
    sg,
    tcp,
)


def requirement(rule_id: str) -> Requirement:
    return next(r for r in REQUIREMENTS if r.rule_id == rule_id)


def ports(*spans: tuple[int, int]) -> PortSet:
    out = PortSet()
    for first, last in spans:
        out = out | PortSet.span(first, last)
    return out


# --- what a requirement checks --------------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "expected"), [
    ("EK1001", [(TCP, ports((443, 443)))]),
    ("EK1002", [(TCP, ports((10250, 10250)))]),
    ("WK1004", [(TCP, ports((443, 443)))]),  # 443 is outside EK1002's ports: nothing owned before it
    ("WK1003", [(TCP, ports((1025, 10249), (10251, 65535)))]),  # EK1002 owns 10250, WK1004 owns 443 (not in range)
    ("IK1008", [(TCP, ports((0, 442), (444, 1024)))]),  # WK1004 owns 443
    ("EK1005", [(TCP, ports((53, 53))), (UDP, ports((53, 53)))]),
    ("WK1009", [(ALL_TRAFFIC, ALL_PORTS)]),  # EK1005's TCP and UDP rows are other protocols
])
def test_a_requirement_checks_its_ports_less_what_stricter_rows_own(
        rule_id: str, expected: list[tuple[IpProtocol, PortSet]]) -> None:
    """A stricter finding owns its ports: later rows on the same channel check only the rest."""
    assert list(requirement_traffic(requirement(rule_id))) == expected


@pytest.mark.parametrize(("override", "expected"), [
    (ports((443, 443), (8443, 8443), (10250, 10250)), ports((8443, 8443))),
    (ports((9443, 9443)), ports((9443, 9443))),
    (PortSet(), PortSet()),  # webhook_ports: [] checks nothing, it does not fall back to the row's range
])
def test_configured_ports_replace_the_rows_range(override: PortSet, expected: PortSet) -> None:
    """`webhook_ports` replace WK1003's 1025-65535, still less the ports EK1002 and WK1004 own."""
    assert list(requirement_traffic(requirement("WK1003"), override)) == [(TCP, expected)]


# --- how traffic and its impact read ---------------------------------------------------------------


@pytest.mark.parametrize(("items", "text"), [
    ([(TCP, ports((53, 53))), (UDP, ports((53, 53)))], "TCP 53 and UDP 53"),
    ([(TCP, ports((1025, 10249), (10251, 65535)))], "TCP 1025-10249, 10251-65535"),
    ([(ALL_TRAFFIC, ALL_PORTS)], "all traffic"),
    ([(IpProtocol(47), ALL_PORTS)], "protocol 47 0-65535"),
    ([], ""),
])
def test_render_traffic(items: list[tuple[IpProtocol, PortSet]], text: str) -> None:
    assert render_traffic(items) == text


@pytest.mark.parametrize(("blocked", "text"), [
    ([(TCP, ports((1025, 65535)))], "; this breaks 4443 (metrics-server), 6443 (prometheus-adapter), 8443 (Karpenter "
                                    "and ingress-nginx webhooks), 9443 (AWS Load Balancer Controller webhook), 10250 "
                                    "(kubelet and metrics-server)"),
    ([(TCP, ports((8000, 9000)))], "; this breaks 8443 (Karpenter and ingress-nginx webhooks)"),
    ([(UDP, ports((53, 53))), (TCP, ports((10250, 10250)))], "; this breaks 10250 (kubelet and metrics-server)"),
    ([(TCP, ports((443, 443)))], ""),  # no well-known webhook port among them
    ([(ALL_TRAFFIC, ALL_PORTS)], ""),  # all traffic breaks everything: no list of ports
    ([], ""),
])
def test_impact_names_the_well_known_ports_that_break(blocked: list[tuple[IpProtocol, PortSet]], text: str) -> None:
    assert impact(blocked) == text


# --- when: the scenarios a finding holds in ---------------------------------------------------------

A_B: list[Scenario] = [{"A": a, "B": b} for a in (True, False) for b in (True, False)]


@pytest.mark.parametrize(("failing", "every", "text"), [
    (A_B, A_B, ""),  # fails always
    ([{}], [{}], ""),  # no conditions
    ([A_B[2], A_B[3]], A_B, " when A is false"),  # B varies among the failing ones: not named
    ([A_B[1]], A_B, " when A is true and B is false"),
    ([A_B[1]], A_B[:2], " when B is false"),  # A is true in every scenario: it does not set the failing one apart
    ([A_B[1], A_B[2]], A_B, " when A is true and B is false"),  # nothing shared: the first failing scenario
])
def test_when_names_what_the_failing_scenarios_share(failing: list[Scenario], every: list[Scenario],
                                                     text: str) -> None:
    assert when(failing, every) == text


@pytest.mark.parametrize(("guard", "text"), [
    (TRUE, ""),
    (FALSE, None),
    (Guard.when("A", True), " when A is true"),
    (Guard.when("A", False) & Guard.when("B", True), " when A is false and B is true"),
    # A or B: the holding scenarios share nothing, so the first of them is named
    (Guard.when("A", True) | Guard.when("B", True), " when A is true and B is true"),
])
def test_holding_text(guard: Guard, text: str | None) -> None:
    """None when the guard never holds, '' when always, else the scenario it holds in."""
    assert holding_text(guard, Scenarios(None, [])) == text


def test_holding_text_follows_the_condition_engine() -> None:
    """A guard the engine proves always true needs no `when`; one it proves never true gives None."""
    only_true = Scenarios(StubConditions(["A"], lambda s: s["A"]), ["A"])
    assert holding_text(Guard.when("A", True), only_true) == ""
    assert holding_text(Guard.when("A", False), only_true) is None


# --- which group a person edits ---------------------------------------------------------------------

LITERAL = key(Origin.LITERAL, "sg-0abc")
PARAMETER = key(Origin.PARAMETER, "NodeSg")
CLUSTER = key(Origin.CLUSTER, "Cl")
OWN = key(Origin.RESOURCE, "NodeSG")
OTHER = key(Origin.RESOURCE, "ExtraSG")


@pytest.mark.parametrize(("groups", "chosen"), [
    ([LITERAL, CLUSTER, OWN, OTHER], OWN),  # the template's own first, in order
    ([LITERAL, PARAMETER, CLUSTER], CLUSTER),  # else the cluster group
    ([PARAMETER, LITERAL], PARAMETER),  # else the first
    ([], None),
])
def test_preferred_group(groups: list[GroupKey], chosen: GroupKey | None) -> None:
    assert preferred(groups) == chosen


@pytest.mark.parametrize(("group", "text"), [
    (None, "its security group"),
    (CLUSTER, "the EKS cluster security group of Cl (Fn::GetAtt Cl.ClusterSecurityGroupId)"),
    (OWN, "NodeSG"),
    (PARAMETER, "parameter NodeSg"),
])
def test_reference_says_how_to_name_the_group(group: GroupKey | None, text: str) -> None:
    assert _reference(group) == text


# --- gaps read from templates ------------------------------------------------------------------------

OWN_N1 = key(Origin.RESOURCE, "N1")


def node_groups(count: int, egress: list[Json] | None = None, **resources: Json) -> Json:
    """Cluster Cl on CpSG; node groups Ng1..Ng<count>, each on its own group N<i> with no ingress."""
    out: Json = {"CpSG": sg(), "Cl": eks_cluster(ref("CpSG"))}
    for i in range(1, count + 1):
        out[f"N{i}"] = sg(SecurityGroupEgress=egress) if egress is not None and i == 1 else sg()
        out[f"Lt{i}"] = launch_template(ref(f"N{i}"))
        out[f"Ng{i}"] = managed_nodegroup(lt=f"Lt{i}")
    out.update(resources)
    return {"Resources": out}


def messages(template: Json, rule_id: str) -> list[tuple[str, str, str, str]]:
    return sorted((field(f, "initiator"), field(f, "responder"), field(f, "half"), field(f, "fix"))
                  for f in findings(template, rule_id))


def test_node_group_to_itself_is_each_other() -> None:
    assert messages(node_groups(1), "EK1005") == [
        ("Nodes of node group Ng1", "each other", "ingress",
         "an ingress rule on N1 allowing TCP 53 and UDP 53 from N1"),
    ]


def test_a_class_of_peer_node_groups_is_named_as_a_class() -> None:
    """Ng2 and Ng3 are alike to N1's rules: one finding for both, the fix naming all their groups."""
    found = [m for m in messages(node_groups(3), "EK1005")
             if m[1] == "node group Ng1" and m[0] != "Nodes of node group Ng1"]
    assert found == [("Node groups Ng2, Ng3", "node group Ng1", "ingress",
                      "an ingress rule on N1 allowing TCP 53 and UDP 53 from the security groups of node groups Ng2, "
                      "Ng3")]


def test_a_class_of_peers_on_the_egress_half() -> None:
    template = node_groups(3, egress=[tcp(443, 443, CidrIp="10.0.0.0/32")])
    found = [m for m in messages(template, "WK1009") if m[0] == "Node group Ng1" and m[2] == "egress"]
    assert found == [("Node group Ng1", "node groups Ng2, Ng3", "egress",
                      "an egress rule on N1 allowing all traffic to the security groups of node groups Ng2, Ng3")]


def test_two_groups_on_the_side_are_named_with_or() -> None:
    template = node_groups(1, Lt1=launch_template(ref("N1"), ref("Extra")), Extra=sg())
    (found,) = findings(template, "EK1002")
    assert (found.path, field(found, "groups"), field(found, "half")) == (("Resources", "N1"), "N1 or Extra", "ingress")


def test_scenarios_with_different_missing_traffic_are_separate_findings() -> None:
    """Where a rule opens part of the range under a condition, each scenario's gap is its own finding."""
    partial = if_("Open", tcp(1025, 5000, SourceSecurityGroupId=ref("CpSG")))
    template = node_groups(1, N1=sg(SecurityGroupIngress=[partial]))
    assert sorted((field(f, "traffic"), field(f, "when")) for f in findings(template, "WK1003")) == [
        ("TCP 1025-10249, 10251-65535", " when Open is false"),
        ("TCP 5001-10249, 10251-65535", " when Open is true"),
    ]


def test_scenarios_with_different_groups_are_separate_findings() -> None:
    template = node_groups(1, Lt1=launch_template(ref("N1"), if_("More", ref("Extra"))), Extra=sg())
    assert sorted((field(f, "groups"), field(f, "when")) for f in findings(template, "EK1002")) == [
        ("N1", " when More is false"), ("N1 or Extra", " when More is true")]


def test_a_gap_records_the_groups_of_each_scenario_it_fails_in() -> None:
    """The control plane carries CpSG only when Own holds: `fix` needs a rule from each side's group then."""
    template = node_groups(1, Cl=eks_cluster(if_("Own", ref("CpSG"))))
    (gap,) = analyse(template).gaps_for("EK1002")
    cluster_group = key(Origin.CLUSTER, "Cl")
    assert sorted(gap.sides, key=lambda pair: len(pair[1])) == [
        ((OWN_N1,), (cluster_group,)), ((OWN_N1,), (key(Origin.RESOURCE, "CpSG"), cluster_group))]
    assert [len(s) for s in gap.failing] == [1, 1] and len(gap.every) == 2


