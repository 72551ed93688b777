"""Unit tests for EK4005: RemoteNetworkConfig blocks EKS refuses (and IK0001 where that cannot be told)."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.checks._hybrid import refused_remote_networks
from cfnlint_eks_sg.core._guards import Scenarios
from cfnlint_eks_sg.model._build import build_model
from tests.unit.pieces import NO_VALUE, Json, StubConditions, eks_cluster, findings, if_, ref, res, with_condition

PARAMETERS: Json = {
    "Family": {"Type": "String"},
    "NodeCidr": {"Type": "String", "Default": "10.226.128.0/17"},
    "PodCidr": {"Type": "String", "Default": "10.200.0.0/16"},
    "Bare": {"Type": "String"},
}
NODES = ("Resources", "Cl", "Properties", "RemoteNetworkConfig", "RemoteNodeNetworks", 0, "Cidrs")
PODS = ("Resources", "Cl", "Properties", "RemoteNetworkConfig", "RemotePodNetworks", 0, "Cidrs")
NOT_PRIVATE = ("it is not inside an RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /8 to /32); "
               "publicly routable and other addresses are refused")
APART = "remote node and pod blocks must not overlap each other"


def cluster(nodes: list[object], pods: list[object] | None = None, vpc: bool = False,
            **network_config: object) -> Json:
    """Cluster Cl with remote node blocks `nodes` (and pod blocks `pods`); `vpc`: in VPC 10.226.0.0/16 here."""
    remote: Json = {"RemoteNodeNetworks": [{"Cidrs": nodes}]}
    if pods is not None:
        remote["RemotePodNetworks"] = [{"Cidrs": pods}]
    props: Json = {"RemoteNetworkConfig": remote}
    if network_config:
        props["KubernetesNetworkConfig"] = network_config
    resources: Json = {}
    if vpc:
        resources["Vpc"] = res("AWS::EC2::VPC", CidrBlock="10.226.0.0/16")
        resources["Subnet"] = res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.226.1.0/24")
        cl = eks_cluster(SubnetIds=[ref("Subnet")])
    else:
        cl = eks_cluster()
    cl["Properties"].update(props)  # type: ignore[attr-defined]
    resources["Cl"] = cl
    return {"Parameters": PARAMETERS, "Resources": resources}


def shown(found: list[Finding]) -> list[tuple[str, object, str, str]]:
    """(rule, path, why, when) of each finding, the path from the Cidrs list on."""
    return [(f.rule_id, f.path[len(NODES):], f.message_fields()["why"], f.message_fields()["when"]) for f in found]


def direct(template: Json, conditions: StubConditions | None = None) -> list[Finding]:
    names = list(template.get("Conditions", {}))  # type: ignore[call-overload]
    return list(refused_remote_networks(build_model(template), Scenarios(conditions, names)))


def test_the_finding_names_cluster_network_and_block() -> None:
    (found,) = findings(cluster(["100.64.0.0/16"]), "EK4005")
    assert found.path == (*NODES, 0)
    assert found.message_fields() == {"cluster": "Cl", "network": "node", "cidr": "100.64.0.0/16", "why": NOT_PRIVATE,
                                      "when": ""}


def test_a_block_can_be_refused_for_several_reasons() -> None:
    """0.0.0.0/0 is public and holds both ranges EKS may pick the service range from: two findings."""
    assert shown(direct(cluster(["0.0.0.0/0"]))) == [
        ("EK4005", (0,), NOT_PRIVATE, ""),
        ("EK4005", (0,), "it overlaps both ranges EKS picks the Kubernetes service range from (10.100.0.0/16, "
                         "172.20.0.0/16) when ServiceIpv4Cidr is not set", ""),
    ]


# --- the cluster's IP family --------------------------------------------------------------------------


def test_an_ip_family_the_template_does_not_fix_is_ik0001() -> None:
    found = direct(cluster(["10.200.0.0/16"], IpFamily=ref("Family")))
    assert [f.rule_id for f in found] == ["IK0001"]
    assert found[0].message_fields() == {
        "kind": "remote_network", "cluster": "Cl", "network": "node", "cidr": "10.200.0.0/16",
        "why": "hybrid nodes join IPv4 clusters only, and the cluster's IpFamily is given by !Ref Family, which this "
               "template does not fix",
        "when": "",
    }


@pytest.mark.parametrize(("family", "rule_id", "when"), [
    (if_("V6", "ipv6", "ipv4"), "EK4005", " when V6 is true"),
    (if_("V6", ref("Family"), "ipv4"), "IK0001", " when V6 is true"),
])
def test_a_conditional_ip_family_says_when(family: object, rule_id: str, when: str) -> None:
    (found,) = direct(cluster(["10.200.0.0/16"], IpFamily=family))
    assert (found.rule_id, found.message_fields()["when"]) == (rule_id, when)


# --- blocks given by parameters ----------------------------------------------------------------------


def test_a_parameter_block_is_judged_with_its_default() -> None:
    """The Default deploys unless someone says otherwise: EK4005, saying so."""
    assert shown(direct(cluster([ref("NodeCidr")], vpc=True))) == [
        ("EK4005", (0,), "with the default 10.226.128.0/17 of parameter NodeCidr, it overlaps CIDR block "
                         "10.226.0.0/16 of VPC Vpc", ""),
    ]


def test_a_parameter_default_inside_the_rules_is_accepted() -> None:
    assert direct(cluster([ref("PodCidr")], vpc=True)) == []


def test_a_parameter_without_a_default_cannot_be_judged() -> None:
    found = direct(cluster([ref("Bare")]))
    assert shown(found) == [
        ("IK0001", (0,), "whether EKS accepts the block (RFC 1918, apart from the VPC, the service range and the "
                         "other remote blocks) cannot be told: it is !Ref Bare, which this template does not fix and "
                         "gives no Default", ""),
    ]
    assert found[0].message_fields()["cidr"] == "!Ref Bare"


def test_an_earlier_parameter_block_clashes_through_its_default() -> None:
    template = cluster([ref("PodCidr")], ["10.200.5.0/24"])
    assert shown(direct(template)) == [
        ("EK4005", (0,), f"it overlaps remote node network !Ref PodCidr; {APART}", ""),
    ]
    assert direct(template)[0].path == (*PODS, 0)


def test_an_earlier_parameter_block_without_a_default_clashes_with_nothing() -> None:
    assert direct(cluster(["10.200.0.0/16"], [ref("Bare")]))[0].rule_id == "IK0001"
    assert direct(cluster([ref("Bare")], ["10.200.0.0/16"])) == direct(cluster([ref("Bare")]))


# --- the service range -------------------------------------------------------------------------------


def test_a_written_service_range_refuses_the_block() -> None:
    assert shown(direct(cluster(["172.16.5.0/24"], ServiceIpv4Cidr="172.16.0.0/16"))) == [
        ("EK4005", (0,), "it overlaps the Kubernetes service range 172.16.0.0/16 "
                         "(KubernetesNetworkConfig.ServiceIpv4Cidr)", ""),
    ]


def test_a_written_service_range_apart_from_the_block() -> None:
    """Once ServiceIpv4Cidr is written, the ranges EKS would pick no longer matter."""
    assert direct(cluster(["10.100.0.0/24"], ServiceIpv4Cidr="172.16.0.0/16")) == []


def test_one_of_the_picked_ranges_is_ik0001() -> None:
    assert shown(direct(cluster(["172.20.0.0/24"]))) == [
        ("IK0001", (0,), "it overlaps 172.20.0.0/16, one of the two ranges EKS picks the Kubernetes service range from "
                         "when ServiceIpv4Cidr is not set; set ServiceIpv4Cidr to a range apart from it", ""),
    ]


@pytest.mark.parametrize(("block", "rule_id"), [
    ("0.0.0.0/0", "EK4005"),  # both picked ranges (and not RFC 1918, which holds always)
    ("10.100.0.0/24", "IK0001"),  # one of them
])
def test_a_conditional_service_range_says_when(block: str, rule_id: str) -> None:
    template = cluster([block], ServiceIpv4Cidr=if_("Picked", NO_VALUE, "192.168.0.0/16"))
    found = [f for f in direct(template) if "EKS picks" in f.message_fields()["why"]]
    assert [(f.rule_id, f.message_fields()["when"]) for f in found] == [(rule_id, " when Picked is true")]


def test_a_conditional_written_service_range_says_when() -> None:
    template = cluster(["172.16.5.0/24"], ServiceIpv4Cidr=if_("S", "172.16.0.0/16", "10.96.0.0/16"))
    assert [f.message_fields()["when"] for f in direct(template)] == [" when S is true"]


# --- the other remote blocks -------------------------------------------------------------------------


def test_an_overlap_is_reported_on_the_later_block_only() -> None:
    template = cluster(["10.200.0.0/16"], ["10.200.128.0/17"])
    assert shown(direct(template)) == [("EK4005", (0,), f"it overlaps remote node network 10.200.0.0/16; {APART}", "")]
    assert direct(template)[0].path == (*PODS, 0)


def test_blocks_that_never_exist_together_do_not_clash() -> None:
    """The pod block exists when H is false, the first node block when H is true: only the second one clashes."""
    template = cluster([if_("H", "10.200.0.0/16"), "10.201.0.0/16"], [if_("H", NO_VALUE, "10.200.0.0/15")])
    found = direct(template)
    assert shown(found) == [("EK4005", (0, "Fn::If", 2), f"it overlaps remote node network 10.201.0.0/16; {APART}",
                             " when H is false")]
    assert found[0].path == (*PODS, 0, "Fn::If", 2)


def test_an_ipv6_block_is_refused_and_never_overlaps_ipv4_blocks() -> None:
    assert shown(direct(cluster(["10.200.0.0/16"], ["fd00::/8"]))) == [
        ("EK4005", (0,), "it is an IPv6 block; remote networks are IPv4 CIDR blocks", ""),
    ]
    assert [f.rule_id for f in direct(cluster(["fd00::/8"], ["10.200.0.0/16"]))] == ["EK4005"]


# --- conditions --------------------------------------------------------------------------------------


def test_a_conditional_cluster_says_when() -> None:
    template = cluster(["100.64.0.0/16"])
    template["Resources"]["Cl"] = with_condition(template["Resources"]["Cl"], "Hybrid")  # type: ignore[index]
    assert shown(direct(template)) == [("EK4005", (0,), NOT_PRIVATE, " when Hybrid is true")]


def test_a_block_the_engine_proves_absent_is_not_judged() -> None:
    template = cluster([if_("Hybrid", "100.64.0.0/16", "10.200.0.0/16")])
    template["Conditions"] = {"Hybrid": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}
    found = direct(template, StubConditions(["Hybrid"]))
    assert [f.message_fields()["when"] for f in found] == [" when Hybrid is true"]
    assert direct(template, StubConditions(["Hybrid"], lambda s: not s["Hybrid"])) == []
