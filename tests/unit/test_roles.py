"""Unit tests for the roles stage: clusters, their control-plane groups, node groups and node-only stacks."""

from __future__ import annotations

import copy

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.core._guards import TRUE, Guard, Scenarios
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, TCP, UDP
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.flows._flows import LinkResult, build_links, evaluate
from cfnlint_eks_sg.flows._reach import PermissionIndex
from cfnlint_eks_sg.flows._roles import NodeRole, Roles, infer_roles
from cfnlint_eks_sg.flows._roles import node_resources as resources_making_nodes
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Compute, Direction, GroupKey, GroupPeer, Model, Origin, Truth, setting_in
from tests.unit.pieces import Json, eks_cluster, key, launch_template, managed_nodegroup, ref, res, rkey, sg, sub


def tagged_asg(cluster_tag: object, group: str = "NodeSG") -> Json:
    """A self-managed node group: launch template with `group`, ASG tagged for the cluster."""
    return res(
        "AWS::AutoScaling::AutoScalingGroup",
        LaunchTemplate={"LaunchTemplateId": ref(f"{group}Lt")},
        Tags=[{"Key": cluster_tag, "Value": "owned", "PropagateAtLaunch": True}],
    )


def node_resources(cluster_tag: object, group: str = "NodeSG", asg_name: str = "Nodes") -> Json:
    return {
        group: sg(),
        f"{group}Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref(group)]}),
        asg_name: tagged_asg(cluster_tag, group),
    }


def roles_of(resources: Json, parameters: Json | None = None, metadata: Json | None = None) -> Roles:
    template: Json = {"Resources": resources}
    if parameters is not None:
        template["Parameters"] = parameters
    if metadata is not None:
        template["Metadata"] = metadata
    return infer_roles(build_model(template))


def node(roles: Roles, label: str) -> NodeRole:
    return next(n for n in roles.node_groups if n.label == label)


def cp_keys(roles: Roles, cluster: str) -> list[GroupKey]:
    return [m.key for m in roles.clusters[cluster].control_plane]


# --- clusters in this template ---------------------------------------------------------------------


def test_cluster_role_lists_additional_groups_then_the_cluster_group() -> None:
    roles = roles_of({
        "Cp": sg(),
        "Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X", "Properties": {
            "ResourcesVpcConfig": {"SecurityGroupIds": [ref("Cp")]},
            "KubernetesNetworkConfig": {"IpFamily": "IPv6"},
        }},
    })
    cluster = roles.clusters["Cl"]
    assert cluster.in_template
    assert cluster.cluster_group == key(Origin.CLUSTER, "Cl")
    assert cp_keys(roles, "Cl") == [rkey("Cp"), key(Origin.CLUSTER, "Cl")]
    assert cluster.guard == Guard.when("X", True)
    assert cluster.path == ("Resources", "Cl")
    assert setting_in(cluster.family, {"X": True}) is Truth.TRUE
    assert roles.node_groups == []


def test_name_token_matches_parameter_name_and_tag_sub() -> None:
    # Name: !Ref ClusterName on the cluster, tag !Sub kubernetes.io/cluster/${ClusterName} on the nodes.
    resources: Json = {
        "ClA": res("AWS::EKS::Cluster", Name=ref("ClusterName")),
        "ClB": res("AWS::EKS::Cluster", Name="other"),
    }
    resources.update(node_resources(sub("kubernetes.io/cluster/${ClusterName}")))
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}})
    assert node(roles, "Nodes").cluster == "ClA"
    assert set(roles.clusters) == {"ClA", "ClB"}


def test_name_token_matches_literal_name() -> None:
    resources: Json = {
        "ClA": res("AWS::EKS::Cluster", Name="one"),
        "ClB": res("AWS::EKS::Cluster", Name="two"),
    }
    resources.update(node_resources("kubernetes.io/cluster/two"))
    assert node(roles_of(resources), "Nodes").cluster == "ClB"


def test_managed_node_group_by_ref_to_the_cluster() -> None:
    roles = roles_of({
        "ClA": res("AWS::EKS::Cluster"),
        "ClB": res("AWS::EKS::Cluster"),
        "Ng": res("AWS::EKS::Nodegroup", ClusterName=ref("ClB")),
    })
    ng = node(roles, "Ng")
    assert ng.cluster == "ClB"
    assert ng.compute is Compute.MANAGED_NODEGROUP
    # no launch template: EKS puts the cluster group of ClB on the nodes
    assert [(m.key, m.guard) for m in ng.members] == [(key(Origin.CLUSTER, "ClB"), TRUE)]
    assert ng.members_known


def test_managed_node_group_with_conditional_launch_template_groups() -> None:
    roles = roles_of({
        "Cl": res("AWS::EKS::Cluster"),
        "NodeSG": sg(),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={
            "SecurityGroupIds": {"Fn::If": ["X", [ref("NodeSG")], {"Ref": "AWS::NoValue"}]}}),
        "Ng": res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"), LaunchTemplate={"Id": ref("Lt")}),
    })
    assert [(m.key, m.guard) for m in node(roles, "Ng").members] == [
        (rkey("NodeSG"), Guard.when("X", True)),
        (key(Origin.CLUSTER, "Cl"), Guard.when("X", False)),
    ]


def test_single_cluster_fallback() -> None:
    # The nodes name the cluster through a parameter the cluster does not use: the only cluster is meant.
    resources: Json = {"Cl": res("AWS::EKS::Cluster", Name="prod")}
    resources.update(node_resources(sub("kubernetes.io/cluster/${Other}")))
    resources["Bootstrapped"] = res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")],
                                    UserData={"Fn::Base64": sub("/etc/eks/bootstrap.sh ${Other}")})
    roles = roles_of(resources, {"Other": {"Type": "String"}})
    assert node(roles, "Nodes").cluster == "Cl"
    assert node(roles, "Bootstrapped").cluster == "Cl"
    assert list(roles.clusters) == ["Cl"]


def test_single_cluster_without_literal_name_takes_literal_tags() -> None:
    resources: Json = {"Cl": res("AWS::EKS::Cluster", Name=ref("ClusterName"))}
    resources.update(node_resources("kubernetes.io/cluster/prod"))
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}})
    assert node(roles, "Nodes").cluster == "Cl"


def test_conflicting_literal_name_is_an_external_cluster() -> None:
    resources: Json = {"Cl": res("AWS::EKS::Cluster", Name="prod")}
    resources.update(node_resources("kubernetes.io/cluster/staging"))
    roles = roles_of(resources)
    nodes = node(roles, "Nodes")
    assert nodes.cluster == "staging"
    external = roles.clusters["staging"]
    assert not external.in_template
    assert external.cluster_group == key(Origin.EXTERNAL_CLUSTER, "staging")
    assert external.path == ("Resources", "Nodes")
    assert roles.clusters["Cl"].in_template


def test_two_clusters_and_an_unmatched_name_is_external() -> None:
    resources: Json = {"ClA": res("AWS::EKS::Cluster"), "ClB": res("AWS::EKS::Cluster")}
    resources.update(node_resources(sub("kubernetes.io/cluster/${Elsewhere}")))
    roles = roles_of(resources, {"Elsewhere": {"Type": "String"}})
    assert node(roles, "Nodes").cluster == "${Elsewhere}"
    assert not roles.clusters["${Elsewhere}"].in_template


def test_bastion_without_evidence_is_not_a_node() -> None:
    roles = roles_of({
        "Cl": res("AWS::EKS::Cluster"),
        "BastionSG": sg(),
        "Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[ref("BastionSG")],
                       UserData={"Fn::Base64": "#!/bin/bash\ncurl -o kubectl https://x\n"}),
        "Runners": res("AWS::AutoScaling::AutoScalingGroup", LaunchConfigurationName="ci-runners"),
    })
    assert roles.node_groups == []


def test_a_runner_listed_before_the_node_groups_hides_none_of_them() -> None:
    # An auto scaling group that is not a node group (CI runners, a bastion) comes first in the file.
    resources: Json = {
        "Cl": res("AWS::EKS::Cluster", Name="prod"),
        "RunnerSG": sg(),
        "RunnerLt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("RunnerSG")]}),
        "Runners": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("RunnerLt")}),
    }
    resources.update(node_resources("kubernetes.io/cluster/prod", "SgA", "NodesA"))
    resources.update(node_resources("kubernetes.io/cluster/prod", "SgB", "NodesB"))
    assert [(n.label, n.cluster) for n in roles_of(resources).node_groups] == [("NodesA", "Cl"), ("NodesB", "Cl")]


def test_auto_scaling_group_variants_are_separate_node_groups() -> None:
    roles = roles_of({
        "Cl": res("AWS::EKS::Cluster", Name="prod"),
        "A": sg(), "B": sg(),
        "LtA": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("A")]}),
        "LtB": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("B")]}),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup",
                   Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned", "PropagateAtLaunch": True}],
                   MixedInstancesPolicy={"LaunchTemplate": {
                       "LaunchTemplateSpecification": {"LaunchTemplateId": ref("LtA")},
                       "Overrides": [{"LaunchTemplateSpecification": {"LaunchTemplateId": ref("LtB")}}],
                   }}),
    })
    assert [(n.label, n.cluster, [m.key for m in n.members]) for n in roles.node_groups] == [
        ("Asg (LtA)", "Cl", [rkey("A")]),
        ("Asg (LtB)", "Cl", [rkey("B")]),
    ]


def test_self_managed_nodes_do_not_get_the_cluster_group() -> None:
    resources: Json = {"Cl": res("AWS::EKS::Cluster", Name="prod")}
    resources.update(node_resources("kubernetes.io/cluster/prod"))
    nodes = node(roles_of(resources), "Nodes")
    assert [m.key for m in nodes.members] == [rkey("NodeSG")]
    assert nodes.compute is Compute.AUTO_SCALING_GROUP


# --- node-only stacks -------------------------------------------------------------------------------------


OFFICIAL_PARAMETERS: Json = {
    "ClusterName": {"Type": "String"},
    "ClusterControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id",
                                         "Description": "The security group of the cluster control plane."},
    "NodeImageId": {"Type": "AWS::EC2::Image::Id"},
    "VpcId": {"Type": "AWS::EC2::VPC::Id"},
}


def official_node_stack() -> Json:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"), "NodeSecurityGroup", "NodeGroup")
    resources["ClusterControlPlaneSecurityGroupIngress"] = res(
        "AWS::EC2::SecurityGroupIngress", GroupId=ref("ClusterControlPlaneSecurityGroup"),
        SourceSecurityGroupId=ref("NodeSecurityGroup"), IpProtocol="tcp", FromPort=443, ToPort=443)
    return resources


def test_official_node_template_parameter_is_the_control_plane() -> None:
    roles = roles_of(official_node_stack(), OFFICIAL_PARAMETERS)
    nodes = node(roles, "NodeGroup")
    assert nodes.cluster == "${ClusterName}"
    cluster = roles.clusters["${ClusterName}"]
    assert not cluster.in_template
    assert cp_keys(roles, "${ClusterName}") == [
        key(Origin.PARAMETER, "ClusterControlPlaneSecurityGroup"),
        key(Origin.EXTERNAL_CLUSTER, "${ClusterName}"),
    ]
    assert cluster.control_plane[0].path == ("Parameters", "ClusterControlPlaneSecurityGroup")


@pytest.mark.parametrize(
    "name", ["ClusterControlPlaneSecurityGroup", "ControlPlaneSG", "ClusterSecurityGroupId", "EksClusterSG"],
)
def test_control_plane_parameter_recognised_by_name(name: str) -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}, name: {"Type": "AWS::EC2::SecurityGroup::Id"}})
    assert cp_keys(roles, "${ClusterName}")[0] == key(Origin.PARAMETER, name)


def test_control_plane_parameter_recognised_by_description() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    params: Json = {
        "ClusterName": {"Type": "String"},
        "Api": {"Type": "AWS::EC2::SecurityGroup::Id",
                "Description": "Security group of the EKS control-plane ENIs"},
        "Count": {"Type": "Number", "Description": "number of control plane security group rules"},
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "The VPC of the worker nodes"},
    }
    roles = roles_of(resources, params)
    assert cp_keys(roles, "${ClusterName}") == [
        key(Origin.PARAMETER, "Api"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}"),
    ]


def test_external_group_recognised_by_a_443_ingress_from_the_nodes() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["ApiFromNodes"] = res(
        "AWS::EC2::SecurityGroupIngress", GroupId={"Fn::ImportValue": "shared-api-sg"},
        SourceSecurityGroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=443, ToPort=443)
    resources["SshFromNodes"] = res(
        "AWS::EC2::SecurityGroupIngress", GroupId="sg-0bastion",
        SourceSecurityGroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=22, ToPort=22)
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}})
    control_plane = roles.clusters["${ClusterName}"].control_plane
    assert [m.key for m in control_plane] == [
        key(Origin.IMPORT, "shared-api-sg"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}"),
    ]
    assert control_plane[0].path == ("Resources", "ApiFromNodes", "Properties", "SourceSecurityGroupId")


@pytest.mark.parametrize(("description", "inferred"), [
    ("Security group of the interface VPC endpoints", False),
    ("The load balancer's group", False),
    ("Bastion host security group", False),
    ("A group the nodes talk to", True),
    (None, True),
])
def test_a_parameter_described_as_something_else_is_never_inferred_as_the_control_plane(
        description: str | None, inferred: bool) -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["FromNodes"] = res(
        "AWS::EC2::SecurityGroupIngress", GroupId=ref("Shared"),
        SourceSecurityGroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=443, ToPort=443)
    shared: Json = {"Type": "AWS::EC2::SecurityGroup::Id"}
    if description is not None:
        shared["Description"] = description
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}, "Shared": shared})
    found = [(m.key, m.inferred) for m in roles.clusters["${ClusterName}"].control_plane]
    assert ((key(Origin.PARAMETER, "Shared"), True) in found) is inferred


def test_external_group_recognised_by_an_egress_to_the_nodes() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["ApiToNodes"] = res(
        "AWS::EC2::SecurityGroupEgress", GroupId="sg-0api",
        DestinationSecurityGroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=10250, ToPort=10250)
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}})
    assert cp_keys(roles, "${ClusterName}")[0] == key(Origin.LITERAL, "sg-0api")


def test_eksctl_import_of_the_cluster_stack_security_group() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["EgressInterCluster"] = res(
        "AWS::EC2::SecurityGroupEgress", GroupId={"Fn::ImportValue": sub("${ClusterStackName}::SecurityGroup")},
        DestinationSecurityGroupId="sg-0unrelated", IpProtocol="tcp", FromPort=1025, ToPort=65535)
    roles = roles_of(resources, {"ClusterName": {"Type": "String"}, "ClusterStackName": {"Type": "String"}})
    assert cp_keys(roles, "${ClusterName}")[0] == key(Origin.IMPORT, "${ClusterStackName}::SecurityGroup")


def test_node_only_stack_without_control_plane_hints() -> None:
    roles = roles_of(node_resources("kubernetes.io/cluster/prod"))
    assert cp_keys(roles, "prod") == [key(Origin.EXTERNAL_CLUSTER, "prod")]


def test_external_cluster_group_has_the_eks_self_rules() -> None:
    template: Json = {"Resources": {"Ng": res("AWS::EKS::Nodegroup", ClusterName="prod")}}
    model = build_model(template)
    roles = infer_roles(model)
    group = key(Origin.EXTERNAL_CLUSTER, "prod")
    assert [(m.key, m.guard) for m in node(roles, "Ng").members] == [(group, TRUE)]
    assert roles.clusters["prod"].cluster_group == group
    assert not model.groups[group].rules_visible
    self_rules = [(p.direction, p.peer, p.protocol) for p in model.permissions if p.group == group]
    assert self_rules == [
        (Direction.INGRESS, GroupPeer(group), ALL_TRAFFIC),
        (Direction.EGRESS, GroupPeer(group), ALL_TRAFFIC),
    ]


def test_external_cluster_group_without_trusted_defaults() -> None:
    template: Json = {
        "Metadata": {"cfnlint-eks-sg": {"cluster_security_group_defaults": False}},
        "Resources": {"Ng": res("AWS::EKS::Nodegroup", ClusterName="prod")},
    }
    model = build_model(template)
    assert model.settings == Settings(cluster_security_group_defaults=False)
    infer_roles(model)
    group = key(Origin.EXTERNAL_CLUSTER, "prod")
    assert group in model.groups
    assert [p for p in model.permissions if p.group == group] == []


def test_external_cluster_group_is_created_once() -> None:
    model = build_model({
        "Parameters": {"ClusterName": {"Type": "String"}},
        "Resources": {
            "NgA": res("AWS::EKS::Nodegroup", ClusterName=ref("ClusterName")),
            "NgB": res("AWS::EKS::Nodegroup", ClusterName=ref("ClusterName")),
        },
    })
    roles = infer_roles(model)
    assert list(roles.clusters) == ["${ClusterName}"]
    assert {n.cluster for n in roles.node_groups} == {"${ClusterName}"}
    group = key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")
    assert len([p for p in model.permissions if p.group == group]) == 2


def test_node_groups_declared_in_metadata_are_checked_in_a_node_only_stack() -> None:
    metadata: Json = {"cfnlint-eks-sg": {"node_security_groups": ["WorkerSG", "Missing"],
                                         "control_plane_security_groups": ["ApiGroup"]}}
    roles = roles_of({"WorkerSG": sg()}, {"ApiGroup": {"Type": "AWS::EC2::SecurityGroup::Id"}}, metadata)
    [(ident, cluster)] = roles.clusters.items()
    assert not cluster.in_template
    assert cluster.control_plane[0].key == key(Origin.PARAMETER, "ApiGroup")
    [declared] = roles.node_groups
    assert (declared.label, declared.cluster, declared.compute) == ("declared in Metadata", ident, Compute.DECLARED)
    assert [m.key for m in declared.members] == [rkey("WorkerSG")]  # a name that is nothing here is left out


def test_node_groups_declared_in_metadata_join_every_cluster_of_the_template() -> None:
    metadata: Json = {"cfnlint-eks-sg": {"node_security_groups": ["Workers"]}}
    roles = roles_of({"ClA": res("AWS::EKS::Cluster"), "ClB": res("AWS::EKS::Cluster")},
                     {"Workers": {"Type": "AWS::EC2::SecurityGroup::Id"}}, metadata)
    assert sorted((n.cluster, [m.key for m in n.members]) for n in roles.node_groups) == [
        ("ClA", [key(Origin.PARAMETER, "Workers")]), ("ClB", [key(Origin.PARAMETER, "Workers")])]


def _with_rule_from_nodes(group: object, name: str = "FromNodes") -> Json:
    return {name: res("AWS::EC2::SecurityGroupIngress", GroupId=group, SourceSecurityGroupId=ref("NodeSG"),
                      IpProtocol="tcp", FromPort=443, ToPort=443)}


def test_a_companions_parameter_listed_first_hides_none_of_ours() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    params: Json = {"cp::ControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"},
                    "ClusterName": {"Type": "String"},
                    "ControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    keys = cp_keys(roles_of(resources, params), "${ClusterName}")
    assert key(Origin.PARAMETER, "ControlPlaneSecurityGroup") in keys
    assert key(Origin.PARAMETER, "cp::ControlPlaneSecurityGroup") not in keys


def test_a_description_must_name_the_control_plane_and_a_security_group() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    params: Json = {"ClusterName": {"Type": "String"},
                    "Extra": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "Another security group"},
                    "Plane": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "The control plane's name"}}
    assert cp_keys(roles_of(resources, params), "${ClusterName}") == [key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")]


def test_a_group_of_this_template_is_never_taken_for_an_external_control_plane() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["Api"] = sg()
    resources.update(_with_rule_from_nodes(ref("Api")))
    resources.update(_with_rule_from_nodes("sg-0api", "Second"))
    keys = cp_keys(roles_of(resources, {"ClusterName": {"Type": "String"}}), "${ClusterName}")
    assert keys == [key(Origin.LITERAL, "sg-0api"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")]


def test_a_companions_group_with_rules_from_our_nodes_may_be_the_control_plane() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["cp::Api"] = sg()
    resources.update(_with_rule_from_nodes(ref("cp::Api")))
    keys = cp_keys(roles_of(resources, {"ClusterName": {"Type": "String"}}), "${ClusterName}")
    assert keys == [rkey("cp::Api"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")]


def test_only_standalone_rules_suggest_an_external_control_plane() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources["NodeSG"] = sg(SecurityGroupEgress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                   "DestinationSecurityGroupId": "sg-0inline"}])
    resources.update(_with_rule_from_nodes("sg-0api"))
    keys = cp_keys(roles_of(resources, {"ClusterName": {"Type": "String"}}), "${ClusterName}")
    assert keys == [key(Origin.LITERAL, "sg-0api"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")]


def test_a_cluster_defined_elsewhere_is_placed_by_content_not_by_order() -> None:
    """Its findings go to the node group whose resource comes first by what it holds, whatever the order."""
    tag = sub("kubernetes.io/cluster/${ClusterName}")
    first = node_resources(tag, "SgB", "Zed")
    first["Zed"]["Properties"]["MaxSize"] = "1"  # type: ignore[index]
    second = node_resources(tag, "SgA", "Abe")
    second["Abe"]["Properties"]["MaxSize"] = "9"  # type: ignore[index]
    for resources in ({**first, **second}, {**second, **first}):
        roles = roles_of(resources, {"ClusterName": {"Type": "String"}})
        cluster = roles.clusters["${ClusterName}"]
        assert (cluster.ident, cluster.label, cluster.in_template, cluster.name_tokens) == (
            "${ClusterName}", "${ClusterName}", False, ("${ClusterName}",))
        assert cluster.path == ("Resources", "Zed")  # "1" < "9"
        assert cluster.cluster_group == key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")
        assert (cluster.control_plane[-1].key, cluster.control_plane[-1].path) == (cluster.cluster_group, ())
        assert cluster.guard == TRUE and cluster.family == ()


def test_a_node_group_carries_the_subnets_of_its_interfaces() -> None:
    resources: Json = {"Cl": res("AWS::EKS::Cluster", Name="prod"),
                       "Subnet": res("AWS::EC2::Subnet", CidrBlock="10.0.1.0/24", VpcId="vpc-1")}
    resources.update(node_resources("kubernetes.io/cluster/prod"))
    resources["Nodes"]["Properties"]["VPCZoneIdentifier"] = [ref("Subnet")]  # type: ignore[index]
    nodes = node(roles_of(resources), "Nodes")
    assert [str(b.network) for b in nodes.addresses.blocks] == ["10.0.1.0/24"]
    assert nodes.addresses.complete
    assert nodes.members_known and nodes.guard == TRUE and nodes.path == ("Resources", "Nodes")


@pytest.mark.parametrize("kind", ["AWS::EC2::SecurityGroup::Id", "String"])
def test_declared_groups_given_by_parameters_have_their_rules_elsewhere(kind: str) -> None:
    template: Json = {
        "Metadata": {"cfnlint-eks-sg": {"node_security_groups": ["WorkerSG"],
                                        "control_plane_security_groups": ["ApiGroup"]}},
        "Parameters": {"ApiGroup": {"Type": kind}},
        "Resources": {"WorkerSG": sg()},
    }
    every = analyse(template).all_findings()
    assert "EK1001" not in every  # the control plane's ingress rules are in another stack
    [unknown] = every["IK0001"]
    assert unknown.path == ("Parameters", "ApiGroup")
    assert unknown.message_fields()["flows"].startswith("EK1001 (node group declared in Metadata -> ")
    assert [f.path for f in every["EK1002"]] == [("Resources", "WorkerSG")]  # nothing lets 10250 in


def test_an_import_named_as_the_control_plane_is_evidence_and_names_its_place() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources.update(_with_rule_from_nodes({"Fn::ImportValue": "eksctl-prod-cluster::SecurityGroup"}))
    resources.update(_with_rule_from_nodes({"Fn::GetAtt": ["Lookup", "ClusterSecurityGroupId"]}, "Shaped"))
    resources["Lookup"] = res("Custom::Lookup")
    control_plane = roles_of(resources, {"ClusterName": {"Type": "String"}}).clusters["${ClusterName}"].control_plane
    found = [(m.key.origin, m.inferred, m.path) for m in control_plane]
    assert found == [
        (Origin.IMPORT, False, ("Resources", "FromNodes", "Properties", "SourceSecurityGroupId")),
        (Origin.OPAQUE, True, ("Resources", "Shaped", "Properties", "SourceSecurityGroupId")),
        (Origin.EXTERNAL_CLUSTER, False, ()),
    ]


@pytest.mark.parametrize(("carrier", "inferred"), [
    (res("AWS::ElasticLoadBalancingV2::LoadBalancer", SecurityGroups=["sg-0api"]), False),
    (res("AWS::EC2::VPCEndpoint", SecurityGroupIds=["sg-0api"], VpcId="vpc-1", ServiceName="com.amazonaws.x"), False),
    (res("AWS::EC2::Instance", SecurityGroupIds=["sg-0api"]), True),
])
def test_a_group_something_else_carries_is_never_guessed_as_the_control_plane(carrier: Json, inferred: bool) -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources.update(_with_rule_from_nodes("sg-0api"))
    resources["Carrier"] = carrier
    keys = cp_keys(roles_of(resources, {"ClusterName": {"Type": "String"}}), "${ClusterName}")
    assert (key(Origin.LITERAL, "sg-0api") in keys) is inferred


def test_the_cluster_group_of_a_cluster_here_is_placed_at_the_cluster() -> None:
    roles = roles_of({"Cl": res("AWS::EKS::Cluster")})
    [member] = roles.clusters["Cl"].control_plane
    assert (member.key, member.path) == (key(Origin.CLUSTER, "Cl"), ("Resources", "Cl"))


def test_a_managed_node_group_that_names_no_cluster_joins_an_unnamed_one() -> None:
    roles = roles_of({"ClA": res("AWS::EKS::Cluster"), "ClB": res("AWS::EKS::Cluster"),
                      "Ng": res("AWS::EKS::Nodegroup")})
    assert node(roles, "Ng").cluster == "(unnamed)"


def test_rules_that_are_no_evidence_hide_none_that_are() -> None:
    """Rules on a parameter documented as an endpoint's group, on the nodes' own group, from a bastion, or from an
    address range say nothing about the control plane, and the rule after them is still read."""
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources.update(_with_rule_from_nodes(ref("EndpointSg"), "A1"))
    resources.update(_with_rule_from_nodes(ref("NodeSG"), "A2"))
    resources["A3"] = res("AWS::EC2::SecurityGroupIngress", GroupId="sg-0other", SourceSecurityGroupId="sg-0bastion",
                          IpProtocol="tcp", FromPort=443, ToPort=443)
    resources["A4"] = res("AWS::EC2::SecurityGroupIngress", GroupId="sg-0cidr", CidrIp="10.0.0.0/8",
                          IpProtocol="tcp", FromPort=443, ToPort=443)
    resources.update(_with_rule_from_nodes("sg-0api", "Z"))
    params: Json = {"ClusterName": {"Type": "String"},
                    "EndpointSg": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "VPC endpoint group"}}
    keys = cp_keys(roles_of(resources, params), "${ClusterName}")
    assert keys == [key(Origin.LITERAL, "sg-0api"), key(Origin.EXTERNAL_CLUSTER, "${ClusterName}")]


def test_an_imported_control_plane_is_checked_in_every_scenario() -> None:
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources.update(_with_rule_from_nodes({"Fn::ImportValue": "eksctl-prod-cluster::SecurityGroup"}))
    template: Json = {"Parameters": {"ClusterName": {"Type": "String"}}, "Resources": resources}
    every = analyse(template).all_findings()
    assert "EK1001" not in every  # its rule admits the nodes on 443
    [kubelet] = every["EK1002"]  # the nodes admit nothing: the control plane is named in the fix
    assert kubelet.message_fields()["fix"] == (
        "an ingress rule on NodeSG allowing TCP 10250 from imported eksctl-prod-cluster::SecurityGroup")


# --- groups made for nodes, and the resources that make the nodes ---------------------------------


@pytest.mark.parametrize("towards_control_plane", [True, False])
def test_a_group_talking_to_the_control_plane_is_made_for_nodes_after_address_rules(
        towards_control_plane: bool) -> None:
    """A group with a rule to or from the control plane's group is made for nodes, however many address rules
    (a bastion's SSH, an office range) the template lists before it."""
    node_rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    resources: Json = {
        "Bastion": sg(SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                             "CidrIp": "203.0.113.0/24"}]),
        "Office": sg(SecurityGroupEgress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                           "CidrIp": "198.51.100.0/24"}]),
        "CpSg": sg(),
        "Workers": sg(),
        "Cl": eks_cluster(ref("CpSg")),
    }
    if towards_control_plane:
        resources["Rule"] = res("AWS::EC2::SecurityGroupIngress", GroupId=ref("CpSg"),
                                SourceSecurityGroupId=ref("Workers"), **node_rule)
    else:
        resources["Rule"] = res("AWS::EC2::SecurityGroupIngress", GroupId=ref("Workers"),
                                SourceSecurityGroupId=ref("CpSg"), **node_rule)
    assert roles_of(resources).made_for_nodes == [rkey("Workers")]


def test_the_resources_that_make_nodes_are_the_node_group_and_its_launch_template() -> None:
    resources: Json = {"CpSg": sg(), "NodeSg": sg(), "Cl": eks_cluster(ref("CpSg")),
                       "Lt": launch_template(ref("NodeSg")), "Ng": managed_nodegroup("Cl", "Lt")}
    assert resources_making_nodes(roles_of(resources)) == {"Cl": {"Ng", "Lt"}}


def test_findings_on_an_imported_clusters_group_are_placed_at_the_node_group_naming_it() -> None:
    """The cluster is defined elsewhere: what its own group lets in cannot be seen, and IK0001 points at the node
    group that names the cluster, the line to read."""
    nodegroup = res("AWS::EKS::Nodegroup", ClusterName={"Fn::ImportValue": "prod-cluster-name"},
                    LaunchTemplate={"Id": ref("Lt")})
    template: Json = {"Resources": {"NodeSg": sg(), "Lt": launch_template(ref("NodeSg")), "Ng": nodegroup}}
    [unverified] = analyse(template).findings_for("IK0001")
    assert unverified.path == ("Resources", "Ng")
    assert unverified.message_fields()["group"] == (
        "the EKS cluster security group of cluster !ImportValue(prod-cluster-name)")


@pytest.mark.parametrize("description", [["VPC endpoint group"], {"Text": "VPC endpoint group"}, 443])
def test_a_description_that_is_not_text_says_nothing_about_the_group(description: object) -> None:
    """cfn-lint rejects a non-text Description (E-rule); the plugin neither reads it as "an endpoint's group" nor
    fails on it: the parameter group with a rule from the nodes is the control plane, as without a description."""
    resources = node_resources(sub("kubernetes.io/cluster/${ClusterName}"))
    resources.update(_with_rule_from_nodes(ref("ApiSg")))
    params: Json = {"ClusterName": {"Type": "String"},
                    "ApiSg": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": description}}
    keys = cp_keys(roles_of(resources, params), "${ClusterName}")
    assert key(Origin.PARAMETER, "ApiSg") in keys


def _facts(model: Model) -> dict[str, object]:
    """Everything the model holds, but the cache `anchor_key` fills as it is read."""
    return {name: copy.deepcopy(value) for name, value in vars(model).items() if name != "_content"}


@pytest.mark.parametrize(("resources", "elsewhere"), [
    ({"Ng": res("AWS::EKS::Nodegroup", ClusterName="prod")}, {"prod"}),  # a node-only stack
    ({**node_resources("kubernetes.io/cluster/prod"), **node_resources("kubernetes.io/cluster/test", "TestSG", "T")},
     {"prod", "test"}),
    ({"Cluster": eks_cluster(), "Ng": managed_nodegroup("Cluster", lt=None)}, set()),
], ids=["managed node group", "two external clusters", "cluster and node group"])
def test_the_model_is_complete_when_built_so_no_order_of_calls_changes_a_verdict(resources: Json,
                                                                                 elsewhere: set[str]) -> None:
    """Roles read the model and never add to it: the cluster group of a cluster defined elsewhere is in the model
    when `build_model` returns. So the permission index is the same whether it is built before or after roles
    are inferred, and so is every verdict (swapping those two calls used to turn ALLOWED into UNKNOWN)."""
    model = build_model({"Resources": resources})
    assert {k for k in model.groups if k.origin is Origin.EXTERNAL_CLUSTER} == {
        key(Origin.EXTERNAL_CLUSTER, name) for name in elsewhere}
    before = _facts(model)
    index_first = PermissionIndex(model)
    roles = infer_roles(model)
    assert _facts(model) == before
    index_after = PermissionIndex(model)
    scenarios = Scenarios(None, [])
    verdicts = [
        [_verdicts(evaluate(index, scenarios, link, [TCP, UDP, ALL_TRAFFIC])) for link in build_links(roles, index)]
        for index in (index_first, index_after)
    ]
    assert verdicts[0] == verdicts[1] and verdicts[0]


def _verdicts(result: LinkResult) -> list[object]:
    """A link's verdict on each half, protocol and scenario: what the findings and explain are made of."""
    link = result.link
    return [(link.channel, link.initiator_label, link.responder_label, sorted(state.scenario.items()),
             direction, protocol, opening.verdict(direction, ALL_PORTS))
            for state in result.states
            for direction, openings in ((Direction.EGRESS, state.egress), (Direction.INGRESS, state.ingress))
            for protocol, opening in openings.items()]
