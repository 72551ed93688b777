"""Network ACL crossings of the required flows (flows/_acls, checks/_acls: EK5002, WK5003), one decision per test."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.flows._reach import Reach
from tests.unit.pieces import Json, getatt, ref, res


def entry(number: object, protocol: object, action: str, cidr: object, ports: tuple[int, int] | None = None,
          egress: object = None, acl: object = None, **more: object) -> Json:
    props: dict[str, object] = {"NetworkAclId": acl if acl is not None else ref("Acl"), "RuleNumber": number,
                                "Protocol": protocol, "RuleAction": action, "CidrBlock": cidr, **more}
    if egress is not None:
        props["Egress"] = egress
    if ports is not None:
        props["PortRange"] = {"From": ports[0], "To": ports[1]}
    return res("AWS::EC2::NetworkAclEntry", **props)


OPEN_VPC = {"VpcIn": entry(100, -1, "allow", "10.0.0.0/16"),
            "VpcOut": entry(100, -1, "allow", "10.0.0.0/16", egress=True)}


def template(extra: dict[str, Json] | None = None, *, acl: bool = True, same_subnet: bool = False,
             **resources: Json | None) -> Json:
    """Control plane in subnet Cp (10.0.1.0/24), nodes in subnet Node (10.0.2.0/24), both on network ACL Acl when
    `acl` (else on the VPC's default ACL); `resources` add entries or replace pieces."""
    node_subnet = "Cp" if same_subnet else "Node"
    base: dict[str, Json | None] = {
        "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
        "Cp": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.1.0/24"),
        "Node": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.2.0/24"),
        "Cluster": res("AWS::EKS::Cluster", RoleArn="arn:aws:iam::1:role/eks",
                       ResourcesVpcConfig={"SubnetIds": [ref("Cp")]}),
        "Nodes": res("AWS::EKS::Nodegroup", ClusterName=ref("Cluster"), NodeRole="arn:aws:iam::1:role/n",
                     Subnets=[ref(node_subnet)]),
    }
    if acl:
        base["Acl"] = res("AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
        base["CpAcl"] = res("AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("Cp"), NetworkAclId=ref("Acl"))
        base["NodeAcl"] = res("AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("Node"), NetworkAclId=ref("Acl"))
    base.update(extra or {})
    base.update(resources)
    return {"Resources": {name: body for name, body in base.items() if body is not None}}


def verdicts(tpl: Json, rule_id: str = "EK1002", reply: bool | None = None) -> set[Reach]:
    found = analyse(tpl).crossings
    return {c.hop.reach for c, _ in found if c.rule_id == rule_id and (reply is None or c.reply is reply)}


def findings(tpl: Json) -> list[tuple[str, tuple[str, ...]]]:
    analysis = analyse(tpl)
    return sorted((rule_id, tuple(map(str, f.path))) for rule_id in ("EK5002", "WK5003")
                  for f in analysis.findings.get(rule_id, []))


def test_a_custom_acl_without_entries_denies_everything() -> None:
    assert verdicts(template()) == {Reach.BLOCKED}
    assert findings(template()) == [("EK5002", ("Resources", "Acl")), ("EK5002", ("Resources", "Acl")),
                                    ("WK5003", ("Resources", "Acl")), ("WK5003", ("Resources", "Acl"))]


def test_entries_allowing_the_vpc_both_ways_let_everything_through() -> None:
    assert verdicts(template(OPEN_VPC)) == {Reach.ALLOWED}
    assert findings(template(OPEN_VPC)) == []


def test_the_default_acl_allows_everything() -> None:
    assert analyse(template(acl=False)).crossings == []  # nothing but default ACLs: not even evaluated
    unrelated = entry(50, 6, "deny", "10.0.0.0/16", (22, 22), acl=getatt("Vpc", "DefaultNetworkAcl"))
    assert verdicts(template(acl=False, Ssh=unrelated)) == {Reach.ALLOWED}


def test_a_deny_entry_before_rule_100_of_the_default_acl_decides() -> None:
    deny = entry(50, 6, "deny", "10.0.0.0/16", (10250, 10250), acl=getatt("Vpc", "DefaultNetworkAcl"))
    tpl = template(acl=False, Deny=deny)
    assert verdicts(tpl, reply=False) == {Reach.ALLOWED, Reach.BLOCKED}  # outbound from Cp fine, inbound denied
    assert findings(tpl) == [("EK5002", ("Resources", "Deny"))]
    later = entry(150, 6, "deny", "10.0.0.0/16", (10250, 10250), acl=getatt("Vpc", "DefaultNetworkAcl"))
    assert findings(template(acl=False, Deny=later)) == []


def test_the_first_matching_entry_decides_by_number_not_by_order() -> None:
    deny = entry(90, 6, "deny", "10.0.0.0/16", (10250, 10250))
    assert findings(template(OPEN_VPC, Deny=deny)) == [("EK5002", ("Resources", "Deny"))]
    late = entry(110, 6, "deny", "10.0.0.0/16", (10250, 10250))
    assert findings(template(OPEN_VPC, Deny=late)) == []


def test_within_one_subnet_no_acl_is_crossed() -> None:
    assert analyse(template(same_subnet=True)).crossings == []
    assert findings(template(same_subnet=True)) == []


def test_answers_need_the_initiators_ephemeral_ports() -> None:
    inbound_only = {"VpcIn": entry(100, -1, "allow", "10.0.0.0/16"),
                    "Requests": entry(100, 6, "allow", "10.0.0.0/16", (10250, 10250), egress=True)}
    tpl = template(inbound_only)
    assert verdicts(tpl, reply=False) == {Reach.ALLOWED}
    assert verdicts(tpl, reply=True) == {Reach.ALLOWED, Reach.BLOCKED}  # the answer leaves Node: no outbound entry
    narrow = {**inbound_only, "Answers": entry(110, 6, "allow", "10.0.0.0/16", (32768, 60999), egress=True)}
    assert verdicts(template(narrow), reply=True) == {Reach.ALLOWED}
    short = {**inbound_only, "Answers": entry(110, 6, "allow", "10.0.0.0/16", (32768, 50000), egress=True)}
    assert verdicts(template(short), reply=True) == {Reach.ALLOWED, Reach.BLOCKED}


def test_a_protocol_entry_does_not_serve_another() -> None:
    udp_only = {"VpcIn": entry(100, 17, "allow", "10.0.0.0/16", (0, 65535)),
                "VpcOut": entry(100, 17, "allow", "10.0.0.0/16", (0, 65535), egress=True)}
    assert verdicts(template(udp_only)) == {Reach.BLOCKED}
    tcp = {"VpcIn": entry(100, "6", "allow", "10.0.0.0/16", (0, 65535)),
           "VpcOut": entry(100, "tcp", "allow", "10.0.0.0/16", (0, 65535), egress=True)}
    assert verdicts(template(tcp)) == {Reach.ALLOWED}


@pytest.mark.parametrize(("cidr", "expected"), [
    ("10.0.2.0/24", {Reach.ALLOWED}), ("0.0.0.0/0", {Reach.ALLOWED}), (getatt("Vpc", "CidrBlock"), {Reach.ALLOWED}),
    ("10.0.2.0/25", {Reach.UNKNOWN, Reach.BLOCKED}),  # part of the nodes' subnet, none of the control plane's
    ("192.168.0.0/16", {Reach.BLOCKED}), (ref("Range"), {Reach.UNKNOWN}),
])
def test_an_entry_counts_for_the_addresses_it_covers(cidr: object, expected: set[Reach]) -> None:
    """Inbound to the nodes' subnet on 10250: the entry's range against the control plane's subnet 10.0.1.0/24
    (and the nodes' 10.0.2.0/24 for the answers)."""
    wide = cidr if cidr != "10.0.2.0/24" else "10.0.0.0/22"
    entries = {"In": entry(100, -1, "allow", wide), "Out": entry(100, -1, "allow", wide, egress=True)}
    assert verdicts(template(entries)) == expected


def test_ipv6_entries_do_not_serve_ipv4_flows() -> None:
    ipv6 = {"In": res("AWS::EC2::NetworkAclEntry", NetworkAclId=ref("Acl"), RuleNumber=100, Protocol=-1,
                      RuleAction="allow", Ipv6CidrBlock="::/0"),
            "Out": res("AWS::EC2::NetworkAclEntry", NetworkAclId=ref("Acl"), RuleNumber=100, Protocol=-1,
                       RuleAction="allow", Ipv6CidrBlock="::/0", Egress=True)}
    assert verdicts(template(ipv6)) == {Reach.BLOCKED}


@pytest.mark.parametrize("field", ["RuleNumber", "RuleAction", "Protocol", "Egress"])
def test_an_entry_not_fixed_here_leaves_what_it_may_decide_unknown(field: str) -> None:
    unsure = entry(90, 6, "deny", "10.0.0.0/16", (10250, 10250), **{field: ref("P")})
    tpl = template(OPEN_VPC, Unsure=unsure)
    assert Reach.UNKNOWN in verdicts(tpl) or verdicts(tpl) == {Reach.ALLOWED}
    assert findings(tpl) == []


def test_an_acl_handed_to_others_may_get_its_entries_there() -> None:
    tpl = template()
    tpl["Outputs"] = {"Acl": {"Value": ref("Acl"), "Export": {"Name": "acl"}}}
    assert verdicts(tpl) == {Reach.UNKNOWN}
    assert findings(tpl) == []


def test_an_acl_defined_elsewhere_is_not_judged() -> None:
    tpl = template(NodeAcl=res("AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("Node"), NetworkAclId="acl-1"))
    assert findings(tpl) == [("EK5002", ("Resources", "Acl")), ("EK5002", ("Resources", "Acl")),
                             ("WK5003", ("Resources", "Acl")), ("WK5003", ("Resources", "Acl"))]  # Cp's ACL only
    assert all(c.hop.acl == "Acl" for c, _ in analyse(tpl).crossings)


def test_a_conditional_deny_names_its_scenario() -> None:
    deny = {**entry(90, 6, "deny", "10.0.0.0/16", (10250, 10250)), "Condition": "Strict"}
    tpl = template(OPEN_VPC, Deny=deny)
    tpl["Conditions"] = {"Strict": {"Fn::Equals": [ref("Mode"), "strict"]}}
    tpl["Parameters"] = {"Mode": {"Type": "String"}}
    (finding,) = analyse(tpl).findings["EK5002"]
    assert finding.facts.when == " when Strict is true"  # type: ignore[union-attr]


def test_the_message_names_the_flows_the_traffic_and_the_entries_to_add() -> None:
    from cfnlint_eks_sg.rules._messages import message

    deny = entry(90, 6, "deny", "10.0.0.0/16", (10250, 10250))
    (finding,) = analyse(template(OPEN_VPC, Deny=deny)).findings["EK5002"]
    text = message(finding)
    assert "Network ACL Acl blocks inbound traffic that EKS needs between subnets Cp -> Node" in text
    assert "TCP 10250, the control plane of cluster Cluster -> node group Nodes (EK1002)" in text
    assert "because its inbound entry 90 (Deny) denies it" in text
    assert text.endswith("Add inbound entries to network ACL Acl allowing TCP 10250 from subnets Cp (10.0.1.0/24) "
                         "with lower rule numbers than the entry that denies them.")


def test_ipv6_entries_never_match_ipv4_whatever_the_subnets_blocks() -> None:
    """A `::/0` (or a computed IPv6 range) entry first, subnets whose blocks are parameters: the IPv4 deny decides."""
    unknown_blocks = {"Cp": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock=ref("CpCidr")),
                      "Node": res("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock=ref("NodeCidr"))}
    ipv6 = {"V6": res("AWS::EC2::NetworkAclEntry", NetworkAclId=ref("Acl"), RuleNumber=50, Protocol=-1,
                      RuleAction="allow", Ipv6CidrBlock={"Fn::Select": [0, getatt("Vpc", "Ipv6CidrBlocks")]})}
    deny = {"Deny": entry(90, 6, "deny", "0.0.0.0/0", (10250, 10250)), **OPEN_VPC}
    tpl = template({**unknown_blocks, **ipv6, **deny, "VpcIn": entry(100, -1, "allow", "0.0.0.0/0"),
                    "VpcOut": entry(100, -1, "allow", "0.0.0.0/0", egress=True)})
    assert ("EK5002", ("Resources", "Deny")) in findings(tpl)


def test_an_entry_may_name_a_subnets_block() -> None:
    by_subnet = {"In": entry(100, -1, "allow", getatt("Cp", "CidrBlock")),
                 "Out": entry(100, -1, "allow", getatt("Cp", "CidrBlock"), egress=True),
                 "InNode": entry(110, -1, "allow", getatt("Node", "CidrBlock")),
                 "OutNode": entry(110, -1, "allow", getatt("Node", "CidrBlock"), egress=True)}
    assert verdicts(template(by_subnet)) == {Reach.ALLOWED}
    only_cp = {"In": by_subnet["In"], "Out": by_subnet["Out"]}
    assert verdicts(template(only_cp)) == {Reach.ALLOWED, Reach.BLOCKED}


def test_an_unknown_range_says_so() -> None:
    tpl = template({"In": entry(100, -1, "allow", ref("Range")), "Out": entry(100, -1, "allow", ref("Range"),
                                                                                egress=True)})
    whys = {c.hop.why for c, _ in analyse(tpl).crossings}
    assert whys == {"an inbound entry of network ACL Acl has a range not fixed here",
                    "an outbound entry of network ACL Acl has a range not fixed here"}
