"""Unit tests for the analysis: findings end to end on small decoded templates (no cfn-lint run)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cfnlint_eks_sg._analysis import Analysis, analyse
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.core._ports import PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.load._companions import Loaded, Refused
from cfnlint_eks_sg.load._system import combine, inline
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    field,
    findings,
    getatt,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
)

# --- template pieces -----------------------------------------------------------------------------------


def tcp(first: int, last: int, **peer: object) -> Json:
    return {"IpProtocol": "tcp", "FromPort": first, "ToPort": last, **peer}


NO_VALUE: Json = {"Ref": "AWS::NoValue"}


def cluster(*groups: object, **props: object) -> Json:
    return res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": list(groups)}, **props)


def nodegroup(lt: str = "Lt", cluster_name: str = "Cl", **extra: object) -> Json:
    out: Json = {"Type": "AWS::EKS::Nodegroup",
                 "Properties": {"ClusterName": ref(cluster_name), "LaunchTemplate": {"Id": ref(lt)}}}
    out.update(extra)
    return out


def good_node_sg() -> Json:
    """A node group that lets the control plane in on 10250 (egress: default allow-all)."""
    return sg(SecurityGroupIngress=[tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG"))])


def good_cp_sg() -> Json:
    return sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("NodeSG"))])


MINIMUM_PATHS = ("EK1001", "EK1002", "WK2001")


def minimum(template: Json) -> dict[str, list[Finding]]:
    """Findings of the seed's minimum checks (the templates here leave the recommended ones open)."""
    every = analyse(template).all_findings()
    return {rule_id: found for rule_id, found in every.items() if rule_id in MINIMUM_PATHS}


def paths(found: list[Finding]) -> list[Path]:
    return [f.path for f in found]


def base(**resources: Json) -> Json:
    """Cluster Cl with its own group CpSG; managed node group Ng whose launch template lists NodeSG."""
    out: Json = {
        "CpSG": good_cp_sg(),
        "NodeSG": good_node_sg(),
        "Cl": cluster(ref("CpSG")),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Ng": nodegroup(),
    }
    out.update(resources)
    return {"Resources": out}


# --- no findings ---------------------------------------------------------------------------------------


def test_sound_design_has_no_findings() -> None:
    analysis = analyse(base())
    assert minimum(base()) == {}
    assert [n.label for n in analysis.roles.node_groups] == ["Ng"]


def test_managed_node_group_on_the_cluster_group_has_no_findings() -> None:
    template: Json = {"Resources": {"Cl": cluster(), "Ng": res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"))}}
    assert minimum(template) == {}


def test_node_only_stack_reports_nothing_on_the_external_control_plane() -> None:
    # The nodes' side is complete; nothing allows them into the parameter group, but its rules are elsewhere.
    template: Json = {
        "Parameters": {"ClusterName": {"Type": "String"},
                       "ClusterControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {
            "NodeSG": sg(SecurityGroupIngress=[tcp(1025, 65535, SourceSecurityGroupId=ref(
                "ClusterControlPlaneSecurityGroup"))]),
            "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
            "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                         Tags=[{"Key": {"Fn::Sub": "kubernetes.io/cluster/${ClusterName}"}, "Value": "owned",
                                "PropagateAtLaunch": True}]),
        },
    }
    analysis = analyse(template)
    assert minimum(template) == {}
    assert not analysis.roles.clusters["${ClusterName}"].in_template


def test_external_launch_template_is_not_blocked() -> None:
    template = base(Ng=res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"), LaunchTemplate={"Id": "lt-0123"}),
                    CpSG=sg())
    assert minimum(template) == {}


def test_ipv6_cluster_default_node_egress_is_not_blocked() -> None:
    template = base(Cl=cluster(ref("CpSG"), KubernetesNetworkConfig={"IpFamily": "ipv6"}))
    assert findings(template, "EK1001") == []


# --- EK1001 / EK1002 paths and fields --------------------------------------------------------------------


def test_ek1001_ingress_missing_on_the_control_plane_group() -> None:
    (found,) = findings(base(CpSG=sg()), "EK1001")
    assert found.rule_id == "EK1001"
    assert found.path == ("Resources", "CpSG")
    fields = found.message_fields()
    assert fields["cluster"] == "Cl"
    assert fields["node_group"] == "Ng"
    assert fields["half"] == "ingress"
    assert fields["traffic"] == "TCP 443"
    assert fields["when"] == ""
    # the fix names the group to edit and the peer to allow
    assert fields["fix"].startswith("an ingress rule on CpSG ")
    assert fields["fix"].endswith(" from NodeSG")
    assert findings(base(CpSG=sg()), "EK1002") == []


def test_ek1001_egress_missing_on_the_node_group() -> None:
    node = sg(SecurityGroupIngress=[tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG"))],
              SecurityGroupEgress=[tcp(53, 53, CidrIp="0.0.0.0/0")])
    (found,) = findings(base(NodeSG=node), "EK1001")
    assert found.path == ("Resources", "NodeSG")
    assert field(found, "half") == "egress"
    assert field(found, "fix").startswith("an egress rule on NodeSG ")
    assert field(found, "fix").endswith(" to CpSG")


def test_one_finding_per_half() -> None:
    node = sg(SecurityGroupIngress=[tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG"))],
              SecurityGroupEgress=[tcp(53, 53, CidrIp="0.0.0.0/0")])
    found = findings(base(NodeSG=node, CpSG=sg()), "EK1001")
    assert [(f.path, field(f, "half")) for f in found] == [
        (("Resources", "CpSG"), "ingress"),
        (("Resources", "NodeSG"), "egress"),
    ]


def test_ek1002_ingress_missing_on_the_node_group() -> None:
    (found,) = findings(base(NodeSG=sg()), "EK1002")
    assert found.path == ("Resources", "NodeSG")
    assert field(found, "half") == "ingress"
    assert field(found, "traffic") == "TCP 10250"
    assert field(found, "node_group") == "Ng"
    assert findings(base(NodeSG=sg()), "EK1001") == []


def test_cluster_resource_when_only_the_eks_cluster_group_is_on_that_side() -> None:
    template = base(Cl=cluster())
    (found,) = findings(template, "EK1001")
    assert found.path == ("Resources", "Cl")
    assert field(found, "half") == "ingress"
    assert "ClusterSecurityGroupId" in field(found, "fix")  # how to reference the group in the template
    # EK1002: the cluster group's allow-all egress reaches NodeSG, but NodeSG lets in only CpSG (not listed now)
    (kubelet,) = findings(template, "EK1002")
    assert kubelet.path == ("Resources", "NodeSG")


def test_node_group_resource_when_the_node_side_has_no_group_of_this_template() -> None:
    # The nodes of ClA carry only the EKS cluster group of ClB: nothing on that side to point at but the node group.
    template: Json = {"Resources": {
        "ClA": cluster(),
        "ClB": cluster(),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={
            "SecurityGroupIds": [getatt("ClB", "ClusterSecurityGroupId")]}),
        "Ng": nodegroup(cluster_name="ClA"),
    }}
    (found,) = findings(template, "EK1002")
    assert found.path == ("Resources", "Ng")
    assert field(found, "half") == "ingress"
    assert field(found, "cluster") == "ClA"
    (api,) = findings(template, "EK1001")
    assert api.path == ("Resources", "ClA")


def test_stripped_default_egress_blocks_the_nodes() -> None:
    template = base(Strict=res("AWS::EC2::SecurityGroupEgress", GroupId=ref("NodeSG"), IpProtocol="udp",
                               FromPort=53, ToPort=53, CidrIp="10.0.0.0/8"))
    (found,) = findings(template, "EK1001")
    assert (found.path, field(found, "half")) == (("Resources", "NodeSG"), "egress")


def test_self_managed_node_group_with_launch_configuration() -> None:
    template: Json = {"Resources": {
        "CpSG": sg(),
        "NodeSG": good_node_sg(),
        "Cl": cluster(ref("CpSG")),
        "Lc": res("AWS::AutoScaling::LaunchConfiguration", SecurityGroups=[ref("NodeSG")],
                  UserData={"Fn::Base64": {"Fn::Sub": "#!/bin/bash\n/etc/eks/bootstrap.sh ${Cl}\n"}}),
        "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchConfigurationName=ref("Lc")),
    }}
    (found,) = findings(template, "EK1001")
    assert (found.path, field(found, "node_group"), field(found, "cluster")) == (("Resources", "CpSG"), "Nodes", "Cl")


def test_node_groups_that_carry_the_same_groups_share_one_finding() -> None:
    template = base(
        CpSG=sg(),
        Lt2=res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        Alpha=nodegroup(lt="Lt2"),
    )
    found = findings(template, "EK1001")
    assert [(f.path, field(f, "node_group")) for f in found] == [(("Resources", "CpSG"), "Ng, Alpha")]


def test_node_groups_with_different_groups_get_their_own_findings() -> None:
    template = base(
        CpSG=sg(),
        OtherSG=sg(),
        Lt2=res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("OtherSG")]}),
        Alpha=nodegroup(lt="Lt2"),
    )
    found = findings(template, "EK1001")
    assert sorted(field(f, "node_group") for f in found) == ["Alpha", "Ng"]


def test_findings_are_sorted_and_deterministic() -> None:
    template = base(
        CpSG=sg(),
        NodeSG=sg(SecurityGroupEgress=[tcp(53, 53, CidrIp="0.0.0.0/0")]),
    )
    first = analyse(template)
    second = analyse(template)
    assert first.all_findings() == second.all_findings() != {}
    ek1001 = first.findings_for("EK1001")
    assert paths(ek1001) == [("Resources", "CpSG"), ("Resources", "NodeSG")]
    assert ek1001 == sorted(ek1001, key=Finding.sort_key)
    assert paths(first.findings_for("EK1002")) == [("Resources", "NodeSG")]
    assert first.findings_for("WK9999") == []


# --- conditions ------------------------------------------------------------------------------------------


def conditional_api_rule() -> Json:
    return base(
        CpSG=sg(),
        Open=res("AWS::EC2::SecurityGroupIngress", GroupId=ref("CpSG"), SourceSecurityGroupId=ref("NodeSG"),
                 IpProtocol="tcp", FromPort=443, ToPort=443),
    ) | {"Conditions": {"OpenApi": {"Fn::Equals": ["a", "b"]}}}


def with_condition(template: Json, resource: str, condition: str) -> Json:
    resources = template["Resources"]
    assert isinstance(resources, dict)
    resources[resource] = {**resources[resource], "Condition": condition}
    return template


def test_conditional_rule_is_blocked_in_the_other_scenario() -> None:
    template = with_condition(conditional_api_rule(), "Open", "OpenApi")
    (found,) = findings(template, "EK1001")
    assert found.path == ("Resources", "CpSG")
    assert field(found, "when") == " when OpenApi is false"


def test_conditional_rule_with_the_engine() -> None:
    template = with_condition(conditional_api_rule(), "Open", "OpenApi")
    engine = StubConditions(["OpenApi"])
    (found,) = findings(template, "EK1001", engine)
    assert field(found, "when") == " when OpenApi is false"
    assert engine.calls == [{"OpenApi": {True, False}}]
    # the engine proves OpenApi is always true: no reachable scenario fails
    assert findings(template, "EK1001", StubConditions(["OpenApi"], lambda s: s["OpenApi"])) == []


def test_if_inside_a_rule_list_is_one_finding_with_its_scenario() -> None:
    template = base(NodeSG=sg(SecurityGroupIngress=[
        {"Fn::If": ["Kubelet", tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG")), NO_VALUE]},
        {"Fn::If": ["Other", tcp(22, 22, CidrIp="10.0.0.0/8"), NO_VALUE]},
    ]))
    (found,) = findings(template, "EK1002")
    assert found.path == ("Resources", "NodeSG")
    assert field(found, "when") == " when Kubelet is false"


def test_scenarios_outside_the_node_group_condition_do_not_count() -> None:
    # The rule exists exactly when the node group does.
    template = with_condition(with_condition(conditional_api_rule(), "Open", "OpenApi"), "Ng", "OpenApi")
    assert findings(template, "EK1001") == []
    assert findings(template, "EK1001", StubConditions(["OpenApi"])) == []


# --- WK2001 ---------------------------------------------------------------------------------------------


def two_clusters(second_groups: list[object]) -> Json:
    return {"Resources": {
        "Shared": sg(),
        "ClA": cluster(ref("Shared")),
        "ClB": cluster(*second_groups),
    }}


def test_wk2001_shared_group_paths_at_the_list_entries() -> None:
    found = findings(two_clusters(["sg-0other", getatt("Shared", "GroupId")]), "WK2001")
    assert paths(found) == [
        ("Resources", "ClA", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0),
        ("Resources", "ClB", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 1),
    ]
    assert [(field(f, "group"), field(f, "cluster"), field(f, "others")) for f in found] == [
        ("Shared", "ClA", "ClB"),
        ("Shared", "ClB", "ClA"),
    ]


def test_wk2001_not_for_the_eks_cluster_group() -> None:
    template: Json = {"Resources": {
        "ClA": cluster(getatt("ClA", "ClusterSecurityGroupId")),
        "ClB": cluster(getatt("ClA", "ClusterSecurityGroupId")),
    }}
    assert findings(template, "WK2001") == []


def test_wk2001_not_for_different_groups() -> None:
    assert findings(two_clusters([getatt("Other", "GroupId"), "sg-1"]), "WK2001") == []


def test_wk2001_parameter_in_an_if_branch_names_the_scenario() -> None:
    template: Json = {
        "Parameters": {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"},
                       "Dedicated": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {
            "First": cluster(ref("Cp")),
            "Second": cluster({"Fn::If": ["UseDedicated", ref("Dedicated"), ref("Cp")]}),
        },
    }
    found = findings(template, "WK2001")
    assert paths(found) == [
        ("Resources", "First", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0),
        ("Resources", "Second", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0, "Fn::If", 2),
    ]
    assert [field(f, "group") for f in found] == ["parameter Cp", "parameter Cp"]
    assert [field(f, "when") for f in found] == [" when UseDedicated is false"] * 2


def test_wk2001_exclusive_conditions_need_the_engine() -> None:
    template: Json = {
        "Parameters": {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {
            "Blue": {**cluster(ref("Cp")), "Condition": "IsBlue"},
            "Green": {**cluster(ref("Cp")), "Condition": "IsGreen"},
        },
    }
    # Without the engine the two conditions look independent: both true is a scenario.
    assert [field(f, "cluster") for f in findings(template, "WK2001")] == ["Blue", "Green"]
    exclusive = StubConditions(["IsBlue", "IsGreen"], lambda s: not (s["IsBlue"] and s["IsGreen"]))
    assert findings(template, "WK2001", exclusive) == []


class NamelessEngine:
    """A condition engine that does not say which conditions it parsed (no `_conditions`)."""

    def __init__(self, allowed: Callable[[dict[str, bool]], bool]) -> None:
        self._allowed = allowed

    def build_scenarios(self, conditions: dict[str, set[bool]]) -> Iterator[dict[str, bool]]:
        return StubConditions(sorted(conditions), self._allowed).build_scenarios(conditions)


def test_an_engine_that_does_not_list_its_conditions_gets_the_template_ones() -> None:
    """The template's declared conditions go to the engine, which knows IsBlue and IsGreen exclude each other."""
    template: Json = {
        "Parameters": {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Conditions": {"IsBlue": {"Fn::Equals": ["a", "b"]}, "IsGreen": {"Fn::Equals": ["a", "c"]}},
        "Resources": {
            "Blue": {**cluster(ref("Cp")), "Condition": "IsBlue"},
            "Green": {**cluster(ref("Cp")), "Condition": "IsGreen"},
        },
    }
    engine = NamelessEngine(lambda s: not (s["IsBlue"] and s["IsGreen"]))
    assert analyse(template, engine).findings_for("WK2001") == []


# --- per-rule findings: cached per rule and port setting -------------------------------------------------


def test_findings_of_a_rule_are_computed_once_per_port_setting() -> None:
    """WK1003 checks the ports it is given: NodeSG lets the control plane in on 10250 only."""
    analysis = analyse(base())
    default = analysis.findings_for("WK1003")
    assert analysis.findings_for("WK1003") is default  # every rule of a run shares the list
    assert [field(f, "traffic") for f in default] == ["TCP 1025-10249, 10251-65535"]
    webhook = PortSet.span(8443, 8443)
    (only_8443,) = analysis.findings_for("WK1003", webhook)
    assert (only_8443.path, field(only_8443, "traffic")) == (("Resources", "NodeSG"), "TCP 8443")
    assert analysis.findings_for("WK1003", PortSet.span(10250, 10250)) == []
    assert analysis.findings_for("WK1003") is default


def test_reported_gaps_check_the_ports_given() -> None:
    analysis = analyse(base())
    webhook = PortSet.span(8443, 8443)
    ((gap, finding),) = analysis.reported_gaps("WK1003", webhook)
    assert [(str(protocol), str(ports)) for protocol, ports in gap.blocked] == [("TCP", "8443")]
    assert [finding] == analysis.findings_for("WK1003", webhook)
    assert analysis.reported_gaps("WK1003", PortSet.span(10250, 10250)) == []
    assert analysis.reported_gaps("WK9999") == []


def test_a_flow_that_hangs_on_an_outside_group_counts_the_aws_api_path_too() -> None:
    """The nodes carry only a parameter group: the IK0001 of that group counts WK1006 with the six flows."""
    template: Json = {
        "Parameters": {"NodeSg": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {"CpSG": sg(), "Cl": eks_cluster(ref("CpSG")), "Lt": launch_template(ref("NodeSg")),
                      "Ng": managed_nodegroup()},
    }
    (unknown,) = findings(template, "IK0001")
    assert unknown.path == ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)
    assert (field(unknown, "group"), field(unknown, "total")) == ("parameter NodeSg", "7")


# --- companions: what of a joined system the linted template gets ------------------------------------------

SETTINGS = "cfnlint-eks-sg"


def joined(linted: Json, **companions: Json) -> Analysis:
    """The analysis of `linted` joined with its companions (as `analyse_system` reads them from files)."""
    loaded = [Loaded(Companion(f"{label}.yaml", None, ("Metadata", SETTINGS, "companions", number)), label, body)
              for number, (label, body) in enumerate(companions.items())]
    return analyse(combine(linted, loaded))


def exported_cluster() -> Json:
    """A cluster stack whose control-plane group lets nothing in; it exports the group and the cluster name."""
    return {
        "Resources": {"CpSG": sg(), "Cl": cluster(ref("CpSG"))},
        "Outputs": {"CpSG": {"Value": ref("CpSG"), "Export": {"Name": "cp-sg"}},
                    "Name": {"Value": ref("Cl"), "Export": {"Name": "cluster-name"}}},
    }


def importing_nodes(*node_ingress: Json) -> Json:
    return {"Resources": {
        "NodeSG": sg(SecurityGroupIngress=list(node_ingress)),
        "Lt": launch_template(ref("NodeSG")),
        "Ng": {"Type": "AWS::EKS::Nodegroup", "Properties": {
            "ClusterName": {"Fn::ImportValue": "cluster-name"}, "LaunchTemplate": {"Id": ref("Lt")}}},
    }}


def nodes_resources(template: Json) -> Json:
    resources = template["Resources"]
    assert isinstance(resources, dict)
    return resources


def test_a_companion_gap_goes_where_the_linted_template_names_the_group() -> None:
    nodes = importing_nodes(tcp(0, 65535, SourceSecurityGroupId={"Fn::ImportValue": "cp-sg"}))
    (api,) = joined(nodes, cluster=exported_cluster()).findings_for("EK1001")
    assert api.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "SourceSecurityGroupId")
    assert field(api, "fix") == "an ingress rule on cluster::CpSG allowing TCP 443 from NodeSG"


def test_a_companion_gap_the_linted_template_does_not_name_goes_to_the_companions_setting() -> None:
    """Nothing here names the cluster stack's group: the finding points at the companions list."""
    (api,) = joined(importing_nodes(), cluster=exported_cluster()).findings_for("EK1001")
    assert api.path == ("Metadata", SETTINGS, "companions")
    assert field(api, "fix") == "an ingress rule on cluster::CpSG allowing TCP 443 from NodeSG"


def test_a_companion_nodes_egress_gap_towards_this_control_plane_is_reported_here() -> None:
    """The cluster stack admits the companion's nodes on 443, but the nodes may only send DNS: the egress half of
    the flow into this template's control plane is broken, reported where this template names the nodes' group."""
    cluster_stack = exported_cluster()
    cluster_stack["Resources"] = {"CpSG": sg(SecurityGroupIngress=[
        tcp(443, 443, SourceSecurityGroupId={"Fn::ImportValue": "node-sg"})]), "Cl": cluster(ref("CpSG"))}
    nodes = importing_nodes(tcp(0, 65535, SourceSecurityGroupId={"Fn::ImportValue": "cp-sg"}))
    nodes["Resources"] = {**nodes_resources(nodes), "NodeSG": sg(
        SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId={"Fn::ImportValue": "cp-sg"})],
        SecurityGroupEgress=[tcp(53, 53, CidrIp="10.0.0.0/8")])}
    nodes["Outputs"] = {"NodeSG": {"Value": ref("NodeSG"), "Export": {"Name": "node-sg"}}}
    (api,) = joined(cluster_stack, nodes=nodes).findings_for("EK1001")
    assert api.path == ("Resources", "CpSG", "Properties", "SecurityGroupIngress", 0, "SourceSecurityGroupId")
    assert field(api, "fix") == "an egress rule on nodes::NodeSG allowing TCP 443 to CpSG"


def parameter_nodes() -> Json:
    """A node stack whose groups are a comma-separated parameter nothing feeds (operators pass the cluster's)."""
    return {
        "Parameters": {"NodeGroups": {"Type": "String"}, "ClusterName": {"Type": "String"}},
        "Resources": {
            "Lt": res("AWS::EC2::LaunchTemplate",
                      LaunchTemplateData={"SecurityGroupIds": {"Fn::Split": [",", ref("NodeGroups")]}}),
            "Ng": nodegroup(cluster_name="ClusterName"),
        },
    }


def test_a_companions_node_parameter_may_be_the_cluster_group_eks_hands_out() -> None:
    """The parameter may hold the EKS cluster security group (from DescribeCluster), whose own rule lets itself
    in: the nodes' flows into the control plane are unknown (IK0001), not blocked (EK1001)."""
    cluster_stack: Json = {"Resources": {"CpSG": sg(), "Cl": cluster(ref("CpSG"))}}
    found = joined(cluster_stack, nodes=parameter_nodes()).all_findings()
    assert "EK1001" not in found
    assert any("EK1001 (node group nodes::Ng -> the control plane of cluster Cl, TCP 443)" in field(f, "flows")
               for f in found["IK0001"])


def test_a_stacks_own_parameter_is_never_its_own_cluster_group() -> None:
    """The same node group in the cluster's own stack: the parameter is filled before the cluster exists."""
    one_stack = parameter_nodes()
    one_stack["Resources"] = {**nodes_resources(one_stack), "Ng": nodegroup(), "CpSG": sg(), "Cl": cluster(ref("CpSG"))}
    assert "EK1001" in analyse(one_stack).all_findings()


def test_nodes_on_a_companions_group_without_a_way_to_the_aws_apis_are_warned_here() -> None:
    """The node group is this template's, its only group (and that group's egress) the companion's: WK1006 goes
    where this template puts the group on its nodes."""
    network: Json = {
        "Resources": {"Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
                      "NodeSG": sg(SecurityGroupEgress=[{"IpProtocol": "-1", "CidrIp": "10.0.0.0/16"}])},
        "Outputs": {"NodeSG": {"Value": ref("NodeSG"), "Export": {"Name": "node-sg"}}},
    }
    linted: Json = {"Resources": {"Cl": cluster(), "Lt": launch_template({"Fn::ImportValue": "node-sg"}),
                                  "Ng": nodegroup()}}
    (warning,) = joined(linted, network=network).findings_for("WK1006")
    assert warning.path == ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)


def test_a_companions_nodes_without_a_way_to_the_aws_apis_are_its_own_finding() -> None:
    network: Json = {"Resources": {
        "NodeSG": sg(SecurityGroupEgress=[{"IpProtocol": "-1", "CidrIp": "10.0.0.0/16"}]),
        "Lt": launch_template(ref("NodeSG")), "Ng": nodegroup()}}
    assert joined({"Resources": {"Cl": cluster()}}, network=network).findings_for("WK1006") == []


def test_findings_between_companions_are_theirs() -> None:
    """A companion with a broken cluster and two clusters sharing a group: its own lint run reports those."""
    broken: Json = {"Resources": {
        "CpSG": sg(), "NodeSG": sg(), "Shared": sg(),
        "Cl": cluster(ref("CpSG"), ref("Shared")), "Other": cluster(ref("Shared")),
        "Lt": launch_template(ref("NodeSG")), "Ng": nodegroup(),
    }}
    alone = analyse(broken).all_findings()
    assert {"EK1001", "EK1002", "WK2001"} <= alone.keys()
    assert joined({"Resources": {"Unrelated": sg()}}, team=broken).all_findings() == {}


# --- nested stacks: they deploy with this template, so their findings are its own ---------------------------


def url_of(stack: str) -> Path:
    return ("Resources", stack, "Properties", "TemplateURL")


def nested(parent: Json, **children: Json) -> Analysis:
    """The analysis of `parent` with its nested stacks inlined (as `analyse_system` reads them from files)."""
    loaded = [Loaded(Companion(f"{name}.yaml", name, url_of(name)), name, body) for name, body in children.items()]
    return analyse(inline(parent, loaded), anchors={name: url_of(name) for name in children})


def stack(name: str) -> Json:
    return res("AWS::CloudFormation::Stack", TemplateURL=f"{name}.yaml")


def test_a_nested_stack_finding_goes_to_its_template_url() -> None:
    child: Json = {"Resources": {"Shared": sg(), "ClA": cluster(ref("Shared")), "ClB": cluster(ref("Shared"))}}
    found = nested({"Resources": {"Child": stack("Child")}}, Child=child).findings_for("WK2001")
    assert [(f.path, field(f, "cluster")) for f in found] == [(url_of("Child"), "Child::ClA"),
                                                              (url_of("Child"), "Child::ClB")]


def test_a_rule_on_a_nested_stack_group_is_not_foreign() -> None:
    """The parent adds a rule to a group its nested stack creates: both deploy together (no IK0002)."""
    child: Json = {"Resources": {"NodeSG": sg()}, "Outputs": {"NodeSG": {"Value": ref("NodeSG")}}}
    rule = res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Child", "Outputs.NodeSG"), IpProtocol="tcp",
               FromPort=22, ToPort=22, CidrIp="10.0.0.0/8")
    assert nested({"Resources": {"Child": stack("Child"), "Ssh": rule}}, Child=child).findings_for("IK0002") == []
    # the same rule on a group another stack owns is reported
    outside = {"Parameters": {"NodeSG": {"Type": "AWS::EC2::SecurityGroup::Id"}},
               "Resources": {"Ssh": {**rule, "Properties": {**rule["Properties"], "GroupId": ref("NodeSG")}}}}  # type: ignore[dict-item]
    assert [f.path for f in analyse(outside).findings_for("IK0002")] == [("Resources", "Ssh", "Properties", "GroupId")]


def test_the_group_to_edit_decides_which_nested_stack_a_finding_goes_to() -> None:
    """The nodes are in Workload, their group (whose egress is cut) in Network: the fix is Network's."""
    network: Json = {
        "Resources": {"CpSG": sg(SecurityGroupIngress=[tcp(443, 443, SourceSecurityGroupId=ref("NodeSG"))]),
                      "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId=ref("CpSG"))],
                                   SecurityGroupEgress=[tcp(53, 53, CidrIp="10.0.0.0/8")])},
        "Outputs": {"CpSG": {"Value": ref("CpSG")}, "NodeSG": {"Value": ref("NodeSG")}},
    }
    workload: Json = {
        "Parameters": {"CpSG": {"Type": "String"}, "NodeSG": {"Type": "String"}},
        "Resources": {"Cl": cluster(ref("CpSG")), "Lt": launch_template(ref("NodeSG")), "Ng": nodegroup()},
    }
    parent: Json = {"Resources": {
        "Network": stack("Network"),
        "Workload": {**stack("Workload"), "Properties": {
            "TemplateURL": "Workload.yaml", "Parameters": {"CpSG": getatt("Network", "Outputs.CpSG"),
                                                           "NodeSG": getatt("Network", "Outputs.NodeSG")}}},
    }}
    (api,) = nested(parent, Network=network, Workload=workload).findings_for("EK1001")
    assert (api.path, field(api, "half")) == (url_of("Network"), "egress")
    assert field(api, "node_group") == "Workload::Ng"


def test_companion_findings_are_left_out_and_the_linted_ones_kept() -> None:
    """The companion's shared group (WK2001) is its own run's; this template's foreign rule (IK0002) stays."""
    team: Json = {"Resources": {"Shared": sg(), "ClA": cluster(ref("Shared")), "ClB": cluster(ref("Shared"))}}
    linted: Json = {
        "Parameters": {"Other": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {"Ssh": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("Other"), IpProtocol="tcp",
                                 FromPort=22, ToPort=22, CidrIp="10.0.0.0/8")},
    }
    every = joined(linted, team=team).all_findings()
    assert {rule: [f.path for f in found] for rule, found in every.items()} == {
        "IK0002": [("Resources", "Ssh", "Properties", "GroupId")]}


# --- order: findings sort on the text of their paths (Finding.sort_key), which never compares str with int -------


def test_findings_of_the_analysis_are_in_sort_key_order() -> None:
    """Eleven companions that could not be read: their IK0001 findings come in Finding.sort_key order."""
    refused = [Refused(Companion(f"c{n}.yaml", None, ("Metadata", SETTINGS, "companions", n)), "there is no such file")
               for n in range(11)]
    found = analyse({"Resources": {}}, refused=refused).findings_for("IK0001")
    assert sorted(f.path[-1] for f in found) == list(range(11))
    assert found == sorted(found, key=Finding.sort_key)


def test_findings_of_a_flow_or_port_rule_are_in_sort_key_order() -> None:
    """A node group open to the internet by its 4th and 12th rules (SSH, RDP): WK3001 in Finding.sort_key order."""
    rules = [tcp(1000 + n, 1000 + n, CidrIp="10.0.0.0/8") for n in range(11)]
    rules[2] = tcp(22, 22, CidrIp="0.0.0.0/0")
    rules[10] = tcp(3389, 3389, CidrIp="0.0.0.0/0")
    found = findings(base(NodeSG=sg(SecurityGroupIngress=[
        tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG")), *rules])), "WK3001")
    assert sorted(f.path[-2] for f in found) == [3, 11]
    assert found == sorted(found, key=Finding.sort_key)


def test_a_companion_flow_into_a_nested_stack_group_is_this_template_s() -> None:
    """A companion's nodes reach the API through a nested stack's group that lets nothing in: the nested
    stack deploys with this template, so the gap goes to its TemplateURL."""
    cluster_child: Json = {
        "Resources": {"CpSG": sg(), "Cl": cluster(ref("CpSG"))},
        "Outputs": {"CpSG": {"Value": ref("CpSG"), "Export": {"Name": "cp-sg"}},
                    "Name": {"Value": ref("Cl"), "Export": {"Name": "cluster-name"}}},
    }
    parent: Json = {"Resources": {"ClusterStack": stack("ClusterStack")}}
    tree = inline(parent, [Loaded(Companion("ClusterStack.yaml", "ClusterStack", url_of("ClusterStack")),
                                  "ClusterStack", cluster_child)])
    nodes = importing_nodes(tcp(0, 65535, SourceSecurityGroupId={"Fn::ImportValue": "cp-sg"}))
    system = combine(tree, [Loaded(Companion("nodes.yaml", None, ("Metadata", SETTINGS, "companions", 0)),
                                   "nodes", nodes)])
    (api,) = analyse(system, anchors={"ClusterStack": url_of("ClusterStack")}).findings_for("EK1001")
    assert (api.path, field(api, "half"), field(api, "node_group")) == (url_of("ClusterStack"), "ingress", "nodes::Ng")
