"""Node-to-node links: one half per class of alike peers, so work and findings grow linearly."""

from __future__ import annotations

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg._requirements import Channel
from tests.unit.pieces import Json, eks_cluster, field, launch_template, managed_nodegroup, ref, sg, tcp


def _node_groups(count: int, **rules: object) -> Json:
    """`count` managed node groups, each on its own group, with `rules` on the first group."""
    resources: Json = {"Cp": sg(), "Cl": eks_cluster(ref("Cp"))}
    for index in range(count):
        resources[f"Sg{index}"] = sg(**rules) if index == 0 else sg()
        resources[f"Lt{index}"] = launch_template(ref(f"Sg{index}"))
        resources[f"Ng{index}"] = managed_nodegroup(lt=f"Lt{index}")
    return {"Resources": resources}


def test_strangers_share_one_verdict_and_one_finding() -> None:
    analysis = analyse(_node_groups(30))
    node_links = [r for r in analysis.links if r.link.channel is Channel.NODES_TO_NODES]
    # Per node group: ingress from itself and from the 29 others; egress likewise.
    assert len(node_links) == 30 * 4
    ingress = [f for f in analysis.findings_for("EK1005") if f.path == ("Resources", "Sg0")]
    assert sorted(field(f, "initiator") for f in ingress) == [
        "Node groups Ng1, Ng2, Ng3 and 26 more", "Nodes of node group Ng0",
    ]
    assert "from the security groups of node groups Ng1, Ng2, Ng3 and 26 more" in field(
        next(f for f in ingress if f.message_fields()["responder"] == "node group Ng0"), "fix")


def test_a_named_peer_is_judged_on_its_own() -> None:
    allowed = tcp(53, 53, SourceSecurityGroupId=ref("Sg7"))
    udp = {**allowed, "IpProtocol": "udp"}
    analysis = analyse(_node_groups(12, SecurityGroupIngress=[allowed, udp]))
    ingress = [f for f in analysis.findings_for("EK1005") if f.path == ("Resources", "Sg0")]
    initiators = sorted(field(f, "initiator") for f in ingress)
    assert initiators == ["Node groups Ng1, Ng2, Ng3 and 7 more", "Nodes of node group Ng0"]  # not Ng7
