"""Unit tests for the analysis: findings end to end on small decoded templates (no cfn-lint run)."""

from __future__ import annotations

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg._findings import Finding
from cfnlint_eks_sg._resolve import Path
from tests.unit.pieces import Json, StubConditions, field, findings, getatt, ref, res, sg

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
