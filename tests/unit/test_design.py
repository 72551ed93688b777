"""Unit tests for the design checks that are not flows (WK2001-WK2005, WK3001) on small decoded templates."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._design import (
    egress_stripping_shared_groups,
    orphaned_node_groups,
    public_exposure,
    shared_control_plane_groups,
    undecided_exposure,
)
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.core._guards import Scenarios
from cfnlint_eks_sg.core._ports import ALL_PORTS, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.flows._roles import infer_roles
from cfnlint_eks_sg.model._build import build_model
from tests.unit.pieces import (
    Json,
    StubConditions,
    eks_cluster,
    field,
    findings,
    getatt,
    if_,
    launch_template,
    managed_nodegroup,
    ref,
    res,
    sg,
    sub,
    tcp,
    with_condition,
)


def fields_of(found: Finding, *names: str) -> tuple[str, ...]:
    fields = found.message_fields()
    return tuple(fields[name] for name in names)


def paths(found: list[Finding]) -> list[Path]:
    return [f.path for f in found]


def tagged(cluster: str = "", **props: object) -> Json:
    """A group tagged kubernetes.io/cluster/NAME: the literal `cluster`, or `Fn::Sub` of cluster Cl by default."""
    key: object = f"kubernetes.io/cluster/{cluster}" if cluster else sub("kubernetes.io/cluster/${Cl}")
    return sg(Tags=[{"Key": key, "Value": "owned"}], **props)


def design(**resources: Json) -> Json:
    """Cluster Cl with its own control-plane group CpSG; managed node group Ng on launch template Lt (NodeSG)."""
    out: Json = {
        "CpSG": sg(),
        "NodeSG": sg(),
        "Cl": eks_cluster(ref("CpSG")),
        "Lt": launch_template(ref("NodeSG")),
        "Ng": managed_nodegroup(),
    }
    out.update(resources)
    return {"Resources": out}


CP_ENTRY: Path = ("Resources", "Cl", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0)


# --- WK2001: a control-plane group listed by more than one cluster ---------------------------------------


def test_wk2001_same_import_in_two_clusters() -> None:
    shared = {"Fn::ImportValue": "network-ControlPlaneSG"}
    template: Json = {"Resources": {"Blue": eks_cluster(shared), "Green": eks_cluster("sg-0aaa", shared)}}
    found = findings(template, "WK2001")
    assert paths(found) == [
        ("Resources", "Blue", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 0),
        ("Resources", "Green", "Properties", "ResourcesVpcConfig", "SecurityGroupIds", 1),
    ]
    assert [(field(f, "cluster"), field(f, "others"), field(f, "when")) for f in found] == [
        ("Blue", "Green", ""), ("Green", "Blue", ""),
    ]
    assert {field(f, "group") for f in found} == {"imported network-ControlPlaneSG"}


def test_wk2001_same_literal_id_is_shared_a_different_one_is_not() -> None:
    same: Json = {"Resources": {"Blue": eks_cluster("sg-0aaa"), "Green": eks_cluster("sg-0aaa")}}
    assert [field(f, "group") for f in findings(same, "WK2001")] == ["sg-0aaa", "sg-0aaa"]
    different: Json = {"Resources": {"Blue": eks_cluster("sg-0aaa"), "Green": eks_cluster("sg-0bbb")}}
    assert findings(different, "WK2001") == []


def test_wk2001_one_cluster_listing_a_group_twice_is_not_sharing() -> None:
    template: Json = {"Resources": {"Shared": sg(), "Cl": eks_cluster(ref("Shared"), getatt("Shared", "GroupId"))}}
    assert findings(template, "WK2001") == []


def test_wk2001_three_clusters_each_name_the_other_two() -> None:
    template: Json = {"Resources": {"Shared": sg(), **{n: eks_cluster(ref("Shared")) for n in ("A", "B", "C")}}}
    found = findings(template, "WK2001")
    assert [(field(f, "cluster"), field(f, "others")) for f in found] == [("A", "B, C"), ("B", "A, C"), ("C", "A, B")]


def test_wk2001_opposite_if_branches_never_share() -> None:
    # Blue lists Shared only when UseShared is true, Green only when it is false: never together.
    template: Json = {"Resources": {
        "Shared": sg(), "Own": sg(),
        "Blue": eks_cluster(if_("UseShared", ref("Shared"), ref("Own"))),
        "Green": eks_cluster(if_("UseShared", ref("Own"), ref("Shared"))),
    }}
    # Own is shared the other way round, just as exclusively.
    assert findings(template, "WK2001") == []
    same_branch: Json = {"Resources": {
        "Shared": sg(), "Own": sg(),
        "Blue": eks_cluster(if_("UseShared", ref("Shared"), ref("Own"))),
        "Green": eks_cluster(if_("UseShared", ref("Shared"), ref("Own"))),
    }}
    assert sorted((field(f, "group"), field(f, "cluster"), field(f, "when"))
                  for f in findings(same_branch, "WK2001")) == [
        ("Own", "Blue", " when UseShared is false"), ("Own", "Green", " when UseShared is false"),
        ("Shared", "Blue", " when UseShared is true"), ("Shared", "Green", " when UseShared is true"),
    ]


def test_wk2001_exclusive_resource_conditions_need_the_engine() -> None:
    template: Json = {
        "Conditions": {"IsBlue": {"Fn::Equals": ["a", "a"]}, "IsGreen": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Shared": sg(),
            "Blue": with_condition(eks_cluster(ref("Shared")), "IsBlue"),
            "Green": with_condition(eks_cluster(ref("Shared")), "IsGreen"),
        },
    }
    found = findings(template, "WK2001")
    assert [field(f, "when") for f in found] == [" when IsBlue is true and IsGreen is true"] * 2
    exclusive = StubConditions(["IsBlue", "IsGreen"], lambda s: s["IsBlue"] != s["IsGreen"])
    assert findings(template, "WK2001", exclusive) == []


def test_wk2001_conditional_sharing_names_the_scenario() -> None:
    template: Json = {"Resources": {
        "Shared": sg(),
        "Blue": eks_cluster(ref("Shared")),
        "Green": with_condition(eks_cluster(ref("Shared")), "WithGreen"),
    }}
    found = findings(template, "WK2001")
    assert [(field(f, "cluster"), field(f, "when")) for f in found] == [
        ("Blue", " when WithGreen is true"), ("Green", " when WithGreen is true"),
    ]


def test_wk2001_sharing_under_different_conditions_still_names_a_scenario() -> None:
    template: Json = {"Resources": {
        "Shared": sg(),
        "Blue": eks_cluster(ref("Shared")),
        "Green": with_condition(eks_cluster(ref("Shared")), "WithGreen"),
        "Red": with_condition(eks_cluster(ref("Shared")), "WithRed"),
    }}
    blue = next(f for f in findings(template, "WK2001") if field(f, "cluster") == "Blue")
    assert field(blue, "others") == "Green, Red"
    assert field(blue, "when") != ""  # Blue shares nothing when WithGreen and WithRed are both false


def test_wk2001_module_function_ignores_clusters_of_other_stacks() -> None:
    # The nodes join cluster "staging" of another stack; its control plane is taken to carry the parameter too.
    template: Json = {
        "Parameters": {"ClusterControlPlaneSecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id"}},
        "Resources": {
            "Cl": res("AWS::EKS::Cluster", Name="prod",
                      ResourcesVpcConfig={"SecurityGroupIds": [ref("ClusterControlPlaneSecurityGroup")]}),
            "NodeSG": sg(), "Lt": launch_template(ref("NodeSG")),
            "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                         Tags=[{"Key": "kubernetes.io/cluster/staging", "Value": "owned"}]),
        },
    }
    model = build_model(template)
    roles = infer_roles(model)
    assert {ident: cluster.in_template for ident, cluster in roles.clusters.items()} == {"Cl": True, "staging": False}
    assert list(shared_control_plane_groups(roles, Scenarios(None, []))) == []


# --- WK2002: an additional control-plane group also used elsewhere ----------------------------------------


@pytest.mark.parametrize(("rtype", "props", "where"), [
    ("AWS::EC2::Instance", {"SecurityGroupIds": [ref("CpSG")]}, ("SecurityGroupIds", 0)),
    ("AWS::EC2::VPCEndpoint", {"ServiceName": "com.amazonaws.eu-west-1.sts", "VpcEndpointType": "Interface",
                               "SecurityGroupIds": ["sg-0ep", ref("CpSG")]}, ("SecurityGroupIds", 1)),
    ("AWS::Lambda::Function", {"VpcConfig": {"SecurityGroupIds": [ref("CpSG")]}}, ("VpcConfig", "SecurityGroupIds", 0)),
    ("AWS::Serverless::Function", {"VpcConfig": {"SecurityGroupIds": [getatt("CpSG", "GroupId")]}},
     ("VpcConfig", "SecurityGroupIds", 0)),
])
def test_wk2002_control_plane_group_on_another_resource(rtype: str, props: Json, where: Path) -> None:
    (found,) = findings(design(Other=res(rtype, **props)), "WK2002")
    assert found.path == ("Resources", "Other", "Properties", *where)
    assert fields_of(found, "group", "cluster", "resource", "resource_type", "when") == (
        "CpSG", "cluster Cl", "Other", rtype, "")


def test_wk2002_the_group_on_its_own_clusters_nodes_is_the_cluster_group_design() -> None:
    # Issue 23, defect 8: listed by Cl and on Cl's own node launch template, as EKS puts its cluster group.
    assert findings(design(Lt=launch_template(ref("NodeSG"), ref("CpSG"))), "WK2002") == []


def test_wk2002_the_group_on_another_clusters_nodes_counts() -> None:
    template = design(
        Other=eks_cluster(ref("OtherSG")), OtherSG=sg(),
        OtherLt=launch_template(ref("CpSG")),
        OtherNg=managed_nodegroup(cluster="Other", lt="OtherLt"),
    )
    (found,) = findings(template, "WK2002")
    assert found.path == ("Resources", "OtherLt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)
    assert fields_of(found, "cluster", "resource_type") == ("cluster Cl", "AWS::EC2::LaunchTemplate")


def test_wk2002_one_finding_per_group_and_resource_whatever_the_clusters() -> None:
    # Issue 23, defect 8: six clusters on one shared group and one bastion: one WK2002, naming them all.
    clusters = {f"C{n}": eks_cluster(ref("Shared")) for n in range(6)}
    template: Json = {"Resources": {"Shared": sg(), **clusters,
                                    "Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[ref("Shared")])}}
    (found,) = findings(template, "WK2002")
    assert field(found, "cluster") == "clusters C0, C1, C2, C3, C4 and C5"


def test_wk2002_cluster_group_on_node_launch_templates_never_counts() -> None:
    cluster_group = getatt("Cl", "ClusterSecurityGroupId")
    template = design(
        Cl=eks_cluster(ref("CpSG"), cluster_group),  # even listed among the additional groups
        Lt=launch_template(cluster_group, ref("NodeSG")),
    )
    assert findings(template, "WK2002") == []
    assert findings(design(Lt=launch_template(ref("NodeSG"))), "WK2002") == []


def test_wk2002_node_group_on_other_resources_is_not_a_control_plane_group() -> None:
    template = design(Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")]))
    assert findings(template, "WK2002") == []


def test_wk2002_use_that_never_exists_with_the_cluster() -> None:
    template = design(
        Cl=eks_cluster(if_("Dedicated", ref("Own"), ref("CpSG"))),
        Own=sg(),
        Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[if_("Dedicated", ref("CpSG"), ref("Own"))]),
    )
    # CpSG is on the cluster when Dedicated is false and on the bastion when it is true; Own the other way.
    assert findings(template, "WK2002") == []
    together = design(
        Cl=eks_cluster(if_("Dedicated", ref("Own"), ref("CpSG"))),
        Own=sg(),
        Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[if_("Dedicated", ref("Own"), ref("CpSG"))]),
    )
    assert sorted((field(f, "group"), field(f, "when")) for f in findings(together, "WK2002")) == [
        ("CpSG", " when Dedicated is false"), ("Own", " when Dedicated is true"),
    ]


def test_wk2002_conditional_cluster_names_the_scenario() -> None:
    template = design(Cl=with_condition(eks_cluster(ref("CpSG")), "HasCluster"),
                      Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[ref("CpSG")]))
    (found,) = findings(template, "WK2002")
    assert (found.path, field(found, "when")) == (
        ("Resources", "Bastion", "Properties", "SecurityGroupIds", 0), " when HasCluster is true")


def test_wk2002_not_for_other_clusters_listing_the_group() -> None:
    # another cluster listing it is WK2001's finding, not a use by "something else"
    template = design(Other=eks_cluster(ref("CpSG")))
    assert findings(template, "WK2002") == []
    assert len(findings(template, "WK2001")) == 2


def test_wk2002_conditional_use_names_the_scenario() -> None:
    template = design(Bastion=with_condition(res("AWS::EC2::Instance", SecurityGroupIds=[ref("CpSG")]), "Admin"))
    (found,) = findings(template, "WK2002")
    assert field(found, "when") == " when Admin is true"
    exclusive = StubConditions(["Admin"], lambda s: not s["Admin"])
    assert findings(template, "WK2002", exclusive) == []


# --- WK2003: more than one cluster-tagged group on a node ------------------------------------------------


def test_wk2003_cluster_group_counts_as_tagged() -> None:
    template = design(NodeSG=tagged(), Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")))
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "NodeSG", "Properties", "Tags")
    assert fields_of(found, "node_group", "cluster", "total", "groups", "when") == (
        "Ng", "Cl", "2", "the EKS cluster security group of Cl, NodeSG", "")


def test_wk2003_one_tagged_group_is_fine() -> None:
    assert findings(design(NodeSG=tagged()), "WK2003") == []
    # untagged group next to the cluster group
    assert findings(design(Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG"))),
                    "WK2003") == []


@pytest.mark.parametrize("listed", [("NodeSG", "ExtraSG"), ("ExtraSG", "NodeSG")])
def test_wk2003_two_tagged_groups_of_the_template_point_at_one_whatever_their_order(listed: tuple[str, str]) -> None:
    # Issue 23, defect 12: the anchor (where a suppression goes) does not move when the list is reordered.
    template = design(
        Cl=res("AWS::EKS::Cluster", Name="prod", ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]}),
        NodeSG=tagged("prod"), ExtraSG=tagged(),
        Lt=launch_template(*(ref(name) for name in listed)),
    )
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "ExtraSG", "Properties", "Tags")
    assert (field(found, "total"), field(found, "groups")) == ("2", ", ".join(listed))


def test_wk2003_tags_for_another_cluster_do_not_count() -> None:
    template = design(
        Other=eks_cluster(),
        NodeSG=tagged("Other"),  # literal name "Other", no cluster is named that way
        OtherSG=sg(Tags=[{"Key": sub("kubernetes.io/cluster/${Other}"), "Value": "owned"}]),
        Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG"), ref("OtherSG")),
    )
    assert [n.cluster for n in analyse(template).roles.node_groups] == ["Cl"]
    assert findings(template, "WK2003") == []
    # the same layout with OtherSG tagged for Cl
    template["Resources"]["OtherSG"] = tagged()  # type: ignore[index]
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "OtherSG", "Properties", "Tags")


def test_wk2003_cluster_named_by_a_parameter_matches_the_tag() -> None:
    template = design(
        Cl=res("AWS::EKS::Cluster", Name=ref("ClusterName"), ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]}),
        NodeSG=sg(Tags=[{"Key": sub("kubernetes.io/cluster/${ClusterName}"), "Value": "owned"}]),
        Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")),
    ) | {"Parameters": {"ClusterName": {"Type": "String"}}}
    (found,) = findings(template, "WK2003")
    assert (found.path, field(found, "total")) == (("Resources", "NodeSG", "Properties", "Tags"), "2")


def test_wk2003_self_managed_nodes_with_the_cluster_group() -> None:
    template = design(
        NodeSG=tagged(), Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")),
        Ng=res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
               Tags=[{"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned", "PropagateAtLaunch": True}]),
    )
    (found,) = findings(template, "WK2003")
    assert (found.path, field(found, "node_group")) == (("Resources", "NodeSG", "Properties", "Tags"), "Ng")


def test_wk2003_if_on_a_tag_names_the_scenario() -> None:
    conditional_tag = if_("TagNodes", {"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned"})
    template = design(NodeSG=sg(Tags=[{"Key": "team", "Value": "a"}, conditional_tag]),
                      Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")))
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "NodeSG", "Properties", "Tags")
    assert field(found, "when") == " when TagNodes is true"
    assert findings(template, "WK2003", StubConditions(["TagNodes"], lambda s: not s["TagNodes"])) == []


def test_wk2003_if_on_a_tag_key_names_the_scenario() -> None:
    key = if_("Shared", sub("kubernetes.io/cluster/${Cl}"), "team")
    template = design(NodeSG=sg(Tags=[{"Key": key, "Value": "owned"}]),
                      Lt=launch_template(getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")))
    (found,) = findings(template, "WK2003")
    assert field(found, "when") == " when Shared is true"


# --- WK2004: a standalone egress rule on a shared group --------------------------------------------------


def egress(group: object, name: str = "Eg") -> dict[str, Json]:
    return {name: res("AWS::EC2::SecurityGroupEgress", GroupId=group, IpProtocol="tcp", FromPort=443, ToPort=443,
                      CidrIp="10.0.0.0/8")}


def test_wk2004_egress_on_the_eks_cluster_group() -> None:
    (found,) = findings(design(**egress(getatt("Cl", "ClusterSecurityGroupId"))), "WK2004")
    assert found.path == ("Resources", "Cl")  # where the group is defined: its cluster
    assert field(found, "resource") == "Eg"
    assert field(found, "group") == "the EKS cluster security group of Cl"
    assert "EKS cluster security group" in field(found, "why")


def test_wk2004_egress_on_an_imported_cluster_group() -> None:
    template: Json = {"Resources": egress({"Fn::ImportValue": "eksctl-prod-cluster::ClusterSecurityGroupId"})}
    (found,) = findings(template, "WK2004")
    assert field(found, "group") == "imported eksctl-prod-cluster::ClusterSecurityGroupId"


def test_wk2004_ingress_on_the_eks_cluster_group_is_fine() -> None:
    template = design(In=res("AWS::EC2::SecurityGroupIngress", GroupId=getatt("Cl", "ClusterSecurityGroupId"),
                             IpProtocol="tcp", FromPort=443, ToPort=443, SourceSecurityGroupId=ref("NodeSG")))
    assert findings(template, "WK2004") == []


def test_wk2004_group_on_control_plane_and_nodes() -> None:
    template = design(Lt=launch_template(ref("NodeSG"), ref("CpSG")), **egress(ref("CpSG")))
    (found,) = findings(template, "WK2004")
    assert found.path == ("Resources", "CpSG")
    assert field(found, "group") == "CpSG"
    assert field(found, "why") == "used by the control plane of cluster Cl, the nodes of cluster Cl"


def test_wk2004_one_finding_per_group_whatever_its_rules() -> None:
    # Each standalone egress rule strips the same default: one finding names them all (issue 23, trial noise).
    rules = {f"Eg{n}": res("AWS::EC2::SecurityGroupEgress", GroupId=getatt("Cl", "ClusterSecurityGroupId"),
                           IpProtocol="tcp", FromPort=n, ToPort=n, CidrIp="10.0.0.0/8") for n in (443, 10250)}
    (found,) = findings(design(**rules), "WK2004")
    assert (found.path, field(found, "resource"), field(found, "total")) == (
        ("Resources", "Cl"), "Eg10250 and Eg443", "2")


def test_wk2004_node_group_also_on_a_bastion() -> None:
    template = design(Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")]), **egress(ref("NodeSG")))
    (found,) = findings(template, "WK2004")
    assert field(found, "why") == "used by AWS::EC2::Instance Bastion, the nodes of cluster Cl"


@pytest.mark.parametrize("group", ["NodeSG", "CpSG", "Unused"])
def test_wk2004_single_purpose_group_may_be_restricted(group: str) -> None:
    template = design(Unused=sg(), **egress(ref(group)))
    model = build_model(template)
    assert list(egress_stripping_shared_groups(model, infer_roles(model))) == []


def test_wk2004_group_of_two_non_eks_resources_is_not_an_eks_concern() -> None:
    template = design(
        AppSG=sg(), App=res("AWS::EC2::Instance", SecurityGroupIds=[ref("AppSG")]),
        Fn=res("AWS::Lambda::Function", VpcConfig={"SecurityGroupIds": [ref("AppSG")]}),
        **egress(ref("AppSG")),
    )
    assert findings(template, "WK2004") == []


def test_wk2004_two_node_groups_of_one_cluster_are_one_role() -> None:
    template = design(Ng2=managed_nodegroup(), **egress(ref("NodeSG")))
    assert findings(template, "WK2004") == []


# --- WK2005: a node group that nothing carries ------------------------------------------------------------


def orphans(template: Json) -> list[Finding]:
    model = build_model(template)
    return list(orphaned_node_groups(model, infer_roles(model), Scenarios(None, [])))


def test_wk2005_cluster_tagged_group_nothing_carries() -> None:
    (found,) = findings(design(Orphan=tagged()), "WK2005")
    assert found.path == ("Resources", "Orphan")
    assert field(found, "group") == "Orphan"


def test_wk2005_conditional_group_names_its_condition() -> None:
    (found,) = findings(design(Orphan=with_condition(tagged(), "Extra")), "WK2005")
    assert (found.path, field(found, "when")) == (("Resources", "Orphan"), " when Extra is true")


def test_wk2005_group_with_rules_to_or_from_the_control_plane() -> None:
    from_cp = sg(SecurityGroupIngress=[tcp(10250, 10250, SourceSecurityGroupId=ref("CpSG"))])
    assert paths(orphans(design(Orphan=from_cp))) == [("Resources", "Orphan")]
    # the control-plane group names it
    cp = sg(SecurityGroupEgress=[tcp(10250, 10250, DestinationSecurityGroupId=ref("Orphan"))])
    assert paths(orphans(design(Orphan=sg(), CpSG=cp))) == [("Resources", "Orphan")]
    # the EKS cluster group is a control-plane group too
    to_cluster_group = sg(SecurityGroupEgress=[
        tcp(443, 443, DestinationSecurityGroupId=getatt("Cl", "ClusterSecurityGroupId"))])
    assert paths(orphans(design(Orphan=to_cluster_group))) == [("Resources", "Orphan")]


def test_wk2005_plain_unused_group_is_not_a_node_group() -> None:
    template = design(Unused=sg(SecurityGroupIngress=[tcp(22, 22, CidrIp="10.0.0.0/8")]))
    assert orphans(template) == []


def test_wk2005_standalone_rule_on_it_does_not_carry_it() -> None:
    template = design(Orphan=tagged(), Self=res("AWS::EC2::SecurityGroupIngress", GroupId=ref("Orphan"),
                                                IpProtocol="-1", SourceSecurityGroupId=ref("Orphan")))
    assert paths(orphans(template)) == [("Resources", "Orphan")]


def test_wk2005_output_exempts_it() -> None:
    template = design(Orphan=tagged()) | {"Outputs": {"NodeSG": {"Value": getatt("Orphan", "GroupId")}}}
    assert orphans(template) == []


def test_wk2005_nested_stack_parameter_exempts_it() -> None:
    template = design(Orphan=tagged(), Nodes=res("AWS::CloudFormation::Stack", TemplateURL="https://x/n.yaml",
                                                 Parameters={"NodeSecurityGroup": ref("Orphan")}))
    assert orphans(template) == []


def test_wk2005_karpenter_discovery_tag_exempts_it() -> None:
    group = sg(Tags=[{"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned"},
                     {"Key": "karpenter.sh/discovery", "Value": ref("Cl")}])
    assert orphans(design(Orphan=group)) == []


def test_wk2005_auto_mode_cluster_exempts_it() -> None:
    template = design(Orphan=tagged(), Auto=res("AWS::EKS::Cluster", ComputeConfig={"Enabled": True},
                                                 ResourcesVpcConfig={"SubnetIds": ["subnet-1"]}))
    assert orphans(template) == []


def test_wk2005_unmodelled_resource_type_exempts_it() -> None:
    fleet = res("AWS::EC2::SpotFleet", SpotFleetRequestConfigData={"LaunchSpecifications": [
        {"SecurityGroups": [{"GroupId": ref("Orphan")}]}]})
    assert orphans(design(Orphan=tagged(), Fleet=fleet)) == []


def test_wk2005_declared_node_group_in_metadata_exempts_it() -> None:
    template = design(Orphan=tagged()) | {"Metadata": {"cfnlint-eks-sg": {"node_security_groups": ["Orphan"]}}}
    assert orphans(template) == []


def test_wk2005_attached_groups_are_fine() -> None:
    assert findings(design(NodeSG=tagged()), "WK2005") == []


# --- WK3001: node or control-plane groups open to the internet ---------------------------------------------


def exposure(template: Json, allowed: PortSet | None = None) -> list[Finding]:
    model = build_model(template)
    return list(public_exposure(model, infer_roles(model), allowed))


def open_node(*rules: Json) -> Json:
    return design(NodeSG=sg(SecurityGroupIngress=list(rules)))


@pytest.mark.parametrize(("rule", "what", "source"), [
    (tcp(22, 22, CidrIp="0.0.0.0/0"), "TCP 22 (SSH)", "0.0.0.0/0"),
    (tcp(3389, 3389, CidrIpv6="::/0"), "TCP 3389 (RDP)", "::/0"),
    (tcp(10250, 10250, CidrIp="0.0.0.0/0"), "TCP 10250 (kubelet)", "0.0.0.0/0"),
    (tcp(20, 3389, CidrIp="0.0.0.0/0"), "TCP 22 (SSH), TCP 3389 (RDP)", "0.0.0.0/0"),
    ({"IpProtocol": -1, "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}, "all traffic", "0.0.0.0/0"),
    ({"IpProtocol": "-1", "CidrIpv6": "::/0"}, "all traffic", "::/0"),
    (tcp(0, 65535, CidrIp="0.0.0.0/0"), "every TCP port", "0.0.0.0/0"),
    ({"IpProtocol": "6", "FromPort": 0, "ToPort": 65535, "CidrIp": "0.0.0.0/0"}, "every TCP port", "0.0.0.0/0"),
    ({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "CidrIp": "0.0.0.0/0"}, "every UDP port", "0.0.0.0/0"),
])
def test_wk3001_node_group_open_to_the_world(rule: Json, what: str, source: str) -> None:
    (found,) = exposure(open_node(rule))
    assert found.rule_id == "WK3001"
    prop = "CidrIpv6" if "CidrIpv6" in rule else "CidrIp"
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, prop)
    assert fields_of(found, "group", "role", "what", "source", "when") == ("NodeSG", "node", what, source, "")


@pytest.mark.parametrize("rule", [
    tcp(30000, 32767, CidrIp="0.0.0.0/0"),  # NodePorts for NLB instance targets
    tcp(443, 443, CidrIp="0.0.0.0/0"),  # 443 only matters on control-plane groups
    tcp(22, 22, CidrIp="10.0.0.0/8"),  # not the world
    tcp(0, 65535, CidrIp="10.0.0.0/8"),
    tcp(0, 65535, SourceSecurityGroupId="sg-0abc"),
    {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "CidrIp": "0.0.0.0/0"},
    {"IpProtocol": "tcp", "FromPort": -1, "ToPort": -1, "CidrIp": "0.0.0.0/0"},  # invalid: covers nothing
    {"IpProtocol": "50", "CidrIp": "0.0.0.0/0"},  # ESP: no TCP or UDP port
])
def test_wk3001_not_reported(rule: Json) -> None:
    assert exposure(open_node(rule)) == []


def test_wk3001_egress_to_the_world_is_not_exposure() -> None:
    template = design(NodeSG=sg(SecurityGroupEgress=[tcp(22, 22, CidrIp="0.0.0.0/0")]))
    assert exposure(template) == []


def test_wk3001_only_on_node_and_control_plane_groups() -> None:
    template = design(Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[ref("BastionSG")]),
                      BastionSG=sg(SecurityGroupIngress=[tcp(22, 22, CidrIp="0.0.0.0/0")]))
    assert exposure(template) == []


def test_wk3001_443_on_a_control_plane_group() -> None:
    template = design(Api=res("AWS::EC2::SecurityGroupIngress", GroupId=ref("CpSG"), IpProtocol="tcp",
                              FromPort=443, ToPort=443, CidrIp="0.0.0.0/0"))
    (found,) = findings(template, "WK3001")
    assert found.path == ("Resources", "Api", "Properties", "CidrIp")
    assert (field(found, "group"), field(found, "role"), field(found, "what")) == (
        "CpSG", "control-plane", "TCP 443 (the Kubernetes API)")


def test_wk3001_if_on_the_cidr() -> None:
    (found,) = exposure(open_node(tcp(22, 22, CidrIp=if_("Open", "0.0.0.0/0", "10.0.0.0/8"))))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIp", "Fn::If", 1)
    assert (field(found, "source"), field(found, "when")) == ("0.0.0.0/0", " when Open is true")


def test_wk3001_group_in_both_roles() -> None:
    template = design(Lt=launch_template(ref("CpSG")), CpSG=sg(SecurityGroupIngress=[tcp(22, 443, CidrIp="0.0.0.0/0")]))
    (found,) = exposure(template)
    assert (field(found, "role"), field(found, "what")) == ("control-plane and node", "TCP 22 (SSH), TCP 443 (the "
                                                            "Kubernetes API)")


def test_wk3001_conditional_rule_names_its_condition() -> None:
    (found,) = exposure(open_node(if_("Debug", tcp(22, 22, CidrIp="0.0.0.0/0"))))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "Fn::If", 1, "CidrIp")
    assert field(found, "when") == " when Debug is true"


def test_wk3001_allowed_ports_are_not_reported() -> None:
    template = open_node(tcp(22, 22, CidrIp="0.0.0.0/0"), tcp(10250, 10250, CidrIp="0.0.0.0/0"))
    assert [field(f, "what") for f in exposure(template)] == ["TCP 22 (SSH)", "TCP 10250 (kubelet)"]
    (left,) = exposure(template, PortSet.span(22, 22))
    assert field(left, "what") == "TCP 10250 (kubelet)"
    # the same through the analysis' per-setting cache
    analysis = analyse(template)
    assert len(analysis.findings_for("WK3001")) == 2
    assert [field(f, "what") for f in analysis.findings_for("WK3001", PortSet.span(22, 22))] == ["TCP 10250 (kubelet)"]


def test_wk3001_all_ports_are_reported_whatever_is_allowed() -> None:
    template = open_node({"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}, tcp(0, 65535, CidrIp="0.0.0.0/0"))
    assert [field(f, "what") for f in exposure(template, ALL_PORTS)] == ["all traffic", "every TCP port"]


def remote_ng(**remote: object) -> Json:
    return managed_nodegroup(lt=None, RemoteAccess={"Ec2SshKey": "ops", **remote})


def test_wk3001_remote_access_without_source_groups() -> None:
    (found,) = exposure(design(Ng=remote_ng()))
    assert found.path == ("Resources", "Ng", "Properties", "RemoteAccess")
    fields = found.message_fields()
    assert fields["what"].startswith("TCP 22 (SSH")
    assert "Ng" in fields["group"]
    assert (fields["role"], fields["source"], fields["when"]) == ("node", "0.0.0.0/0", "")


def test_wk3001_remote_access_windows_opens_rdp() -> None:
    ng = {**remote_ng(), "Properties": {**remote_ng()["Properties"],  # type: ignore[dict-item]
                                        "AmiType": "WINDOWS_CORE_2022_x86_64"}}
    (found,) = exposure(design(Ng=ng))
    assert field(found, "what").startswith("TCP 3389 (RDP")
    assert exposure(design(Ng=ng), PortSet.span(3389, 3389)) == []


def test_wk3001_remote_access_with_source_groups_or_without_a_key() -> None:
    assert exposure(design(Ng=remote_ng(SourceSecurityGroups=[ref("NodeSG")]))) == []
    no_key = managed_nodegroup(lt=None, RemoteAccess={"SourceSecurityGroups": []})
    assert exposure(design(Ng=no_key)) == []
    assert exposure(design(Ng=remote_ng()), PortSet.span(22, 22)) == []


def test_wk3001_remote_access_with_an_empty_source_group_list() -> None:
    (found,) = exposure(design(Ng=remote_ng(SourceSecurityGroups=[])))
    assert field(found, "what").startswith("TCP 22 (SSH")


def test_wk3001_remote_access_source_groups_under_a_condition() -> None:
    (found,) = exposure(design(Ng=remote_ng(SourceSecurityGroups=if_("Locked", [ref("NodeSG")]))))
    assert field(found, "when") == " when Locked is false"


@pytest.mark.parametrize(("parameter", "rule", "reported"), [
    ({"Type": "String", "Default": "0.0.0.0/0"}, tcp(22, 22, CidrIp=ref("P")), True),
    ({"Type": "String", "Default": " 0.0.0.0/0 "}, tcp(22, 22, CidrIp=ref("P")), True),
    ({"Type": "String", "Default": "::/0"}, tcp(22, 22, CidrIpv6=ref("P")), True),
    ({"Type": "String", "Default": "10.0.0.0/8"}, tcp(22, 22, CidrIp=ref("P")), False),
    ({"Type": "String", "Default": "0.0.0.0/0", "AllowedValues": ["10.0.0.0/8", "0.0.0.0/0"]},
     tcp(22, 22, CidrIp=ref("P")), True),
    ({"Type": "String", "Default": "0.0.0.0/0", "AllowedValues": ["10.0.0.0/8"]}, tcp(22, 22, CidrIp=ref("P")), False),
    ({"Type": "String", "Default": "0.0.0.0/0", "AllowedPattern": r"10\..*"}, tcp(22, 22, CidrIp=ref("P")), False),
    ({"Type": "String", "Default": "0.0.0.0/0", "AllowedPattern": r"(\d+\.){3}\d+/\d+"},
     tcp(22, 22, CidrIp=ref("P")), True),
    ({"Type": "String", "Default": "0.0.0.0/0", "AllowedPattern": "[bad"}, tcp(22, 22, CidrIp=ref("P")), True),
    ({"Type": "String"}, tcp(22, 22, CidrIp=ref("P")), False),  # no Default: IK0001's business
    ({"Type": "Number", "Default": 22}, tcp(ref("P"), 22, CidrIp="0.0.0.0/0"), True),
    ({"Type": "Number", "Default": 22}, tcp(22, ref("P"), CidrIp="0.0.0.0/0"), True),
    ({"Type": "Number", "Default": 80}, tcp(ref("P"), ref("P"), CidrIp="0.0.0.0/0"), False),
    ({"Type": "String", "Default": "-1"}, {"IpProtocol": ref("P"), "CidrIp": "0.0.0.0/0"}, True),
    ({"Type": "String", "Default": "icmp"}, {"IpProtocol": ref("P"), "FromPort": -1, "ToPort": -1,
                                             "CidrIp": "0.0.0.0/0"}, False),
])
def test_wk3001_judges_a_parameter_by_its_default(parameter: Json, rule: Json, reported: bool) -> None:
    template = open_node(rule)
    template["Parameters"] = {"P": parameter}
    found = exposure(template)
    assert bool(found) is reported
    if reported:
        assert field(found[0], "source").endswith(f"(with the default {parameter['Default']} of parameter P)")


# --- WK3001: ranges that hold the internet together ----------------------------------------------------------


@pytest.mark.parametrize(("rules", "what", "at", "source"), [
    ((tcp(22, 22, CidrIp="128.0.0.0/1"), tcp(22, 22, CidrIp="0.0.0.0/1")), "TCP 22 (SSH)", (1, "CidrIp"),
     "128.0.0.0/1, 0.0.0.0/1 (together every address)"),
    ((tcp(20, 3389, CidrIpv6="8000::/1"), tcp(22, 22, CidrIpv6="::/1")), "TCP 22 (SSH)", (0, "CidrIpv6"),
     "8000::/1, ::/1 (together every address)"),
    (({"IpProtocol": "-1", "CidrIp": "0.0.0.0/1"}, {"IpProtocol": "-1", "CidrIp": "128.0.0.0/1"}), "all traffic",
     (0, "CidrIp"), "0.0.0.0/1, 128.0.0.0/1 (together every address)"),
    (({"IpProtocol": "-1", "CidrIp": "0.0.0.0/1"}, tcp(0, 65535, CidrIp="128.0.0.0/1")), "every TCP port",
     (0, "CidrIp"), "0.0.0.0/1, 128.0.0.0/1 (together every address)"),
    (({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "CidrIp": "0.0.0.0/1"},
      {"IpProtocol": "-1", "CidrIp": "128.0.0.0/1"}), "every UDP port", (0, "CidrIp"),
     "0.0.0.0/1, 128.0.0.0/1 (together every address)"),
    ((tcp(22, 22, CidrIp="0.0.0.0/1"), tcp(22, 22, CidrIp="128.0.0.0/2"), tcp(22, 22, CidrIp="192.0.0.0/2")),
     "TCP 22 (SSH)", (0, "CidrIp"), "0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/2 (together every address)"),
])
def test_wk3001_ranges_that_together_hold_the_internet(rules: tuple[Json, ...], what: str, at: Path,
                                                       source: str) -> None:
    """One finding for the ranges together, at the first of them by range, naming them as written."""
    (found,) = exposure(open_node(*rules))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", *at)
    assert fields_of(found, "group", "role", "what", "source", "when") == ("NodeSG", "node", what, source, "")


@pytest.mark.parametrize("rules", [
    (tcp(22, 22, CidrIp="0.0.0.0/1"),),  # half the internet
    (tcp(22, 22, CidrIp="0.0.0.0/1"), tcp(22, 22, CidrIp="128.0.0.0/2")),  # a quarter is missing
    (tcp(22, 22, CidrIp="0.0.0.0/1"), tcp(3389, 3389, CidrIp="128.0.0.0/1")),  # no port open to all of it
    (tcp(22, 22, CidrIp="0.0.0.0/1"), tcp(22, 22, CidrIpv6="8000::/1")),  # one half of each family
    (tcp(30000, 32767, CidrIp="0.0.0.0/1"), tcp(30000, 32767, CidrIp="128.0.0.0/1")),  # NodePorts only
    (tcp(22, 22, CidrIp="0.0.0.0/1"), tcp(22, 22, SourceSecurityGroupId="sg-0abc")),
])
def test_wk3001_ranges_that_leave_part_of_the_internet_out(rules: tuple[Json, ...]) -> None:
    assert exposure(open_node(*rules)) == []


def test_wk3001_halves_on_the_control_plane_count_443() -> None:
    template = design(CpSG=sg(SecurityGroupIngress=[tcp(443, 443, CidrIp="0.0.0.0/1"),
                                                    tcp(443, 443, CidrIp="128.0.0.0/1")]))
    (found,) = exposure(template)
    assert fields_of(found, "group", "role", "what") == ("CpSG", "control-plane", "TCP 443 (the Kubernetes API)")
    assert exposure(template, PortSet.span(443, 443)) == []


def test_wk3001_halves_with_a_world_open_rule_are_reported_once_each() -> None:
    # the 0.0.0.0/0 rule is its own finding; the halves are another, which the world rule does not join
    template = open_node(tcp(22, 22, CidrIp="0.0.0.0/0"), tcp(3389, 3389, CidrIp="0.0.0.0/1"),
                         tcp(3389, 3389, CidrIp="128.0.0.0/1"))
    assert [(field(f, "what"), field(f, "source")) for f in exposure(template)] == [
        ("TCP 22 (SSH)", "0.0.0.0/0"),
        ("TCP 3389 (RDP)", "0.0.0.0/1, 128.0.0.0/1 (together every address)"),
    ]


def test_wk3001_halves_whose_protocol_a_parameter_gives_are_not_added_up() -> None:
    # a parameter's Default judges one rule; halves read with Defaults are not a fact that adds up
    template = open_node({"IpProtocol": ref("P"), "CidrIp": "0.0.0.0/1"},
                         {"IpProtocol": ref("P"), "CidrIp": "128.0.0.0/1"})
    template["Parameters"] = {"P": {"Type": "String", "Default": "-1"}}
    assert exposure(template) == []


def test_wk3001_a_world_rule_whose_protocol_nothing_fixes_is_ik0001s() -> None:
    template = open_node({"IpProtocol": ref("P"), "CidrIp": "0.0.0.0/0"})
    template["Parameters"] = {"P": {"Type": "String"}}
    assert exposure(template) == []
    model = build_model(template)
    (found,) = undecided_exposure(model, infer_roles(model))
    assert found.rule_id == "IK0001"
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIp")


# --- IK0001: exposure that the template leaves open -------------------------------------------------------


def undecided(template: Json) -> list[Finding]:
    model = build_model(template)
    return list(undecided_exposure(model, infer_roles(model)))


def open_by_parameter(*cidrs: object, parameter: Json | None = None, group: str = "NodeSG") -> Json:
    rules = [{"IpProtocol": ref("P"), "CidrIp": cidr} for cidr in cidrs]
    template = design(**{group: sg(SecurityGroupIngress=rules)})
    template["Parameters"] = {"P": parameter or {"Type": "String"}}
    return template


def test_ik0001_world_rule_with_a_protocol_nothing_fixes() -> None:
    (found,) = undecided(open_by_parameter("0.0.0.0/0"))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIp")
    assert fields_of(found, "kind", "group", "role", "source", "when") == ("exposure", "NodeSG", "node", "0.0.0.0/0",
                                                                          "")


def test_ik0001_names_a_control_plane_group_and_its_condition() -> None:
    template = design(CpSG=sg(SecurityGroupIngress=[if_("Open", {"IpProtocol": ref("P"), "CidrIpv6": "::/0"})]),
                      Lt=launch_template(ref("NodeSG"), ref("CpSG")))
    template["Parameters"] = {"P": {"Type": "String"}}
    (found,) = undecided(template)
    assert fields_of(found, "group", "role", "source", "when") == (
        "CpSG", "control-plane and node", "::/0", " when Open is true")


def test_ik0001_halves_together_are_one_finding_at_the_first_range() -> None:
    (found,) = undecided(open_by_parameter("128.0.0.0/1", "10.0.0.0/8", "0.0.0.0/1"))
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 2, "CidrIp")
    assert fields_of(found, "source", "when") == ("0.0.0.0/1, 10.0.0.0/8, 128.0.0.0/1", "")


@pytest.mark.parametrize("cidrs", [("0.0.0.0/1",), ("0.0.0.0/1", "10.0.0.0/8"), ("0.0.0.0/1", "8000::/1")])
def test_ik0001_not_for_ranges_short_of_the_internet(cidrs: tuple[str, ...]) -> None:
    assert undecided(open_by_parameter(*cidrs)) == []


def test_ik0001_not_when_a_default_decides_or_the_group_has_no_role() -> None:
    assert undecided(open_by_parameter("0.0.0.0/0", parameter={"Type": "String", "Default": "tcp"})) == []
    assert undecided(open_by_parameter("0.0.0.0/0", group="Other")) == []


# --- WK2002-WK2005: more shapes ----------------------------------------------------------------------------


def test_wk2002_a_cluster_listing_the_group_twice_is_named_once() -> None:
    template: Json = {"Resources": {"Shared": sg(), "A": eks_cluster(ref("Shared"), getatt("Shared", "GroupId")),
                                    "Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[ref("Shared")])}}
    (found,) = findings(template, "WK2002")
    assert fields_of(found, "group", "cluster", "resource", "when") == ("Shared", "cluster A", "Bastion", "")


def test_wk2002_two_conditional_clusters_are_named_and_conditional() -> None:
    template: Json = {"Resources": {
        "Shared": sg(),
        "A": with_condition(eks_cluster(ref("Shared")), "HasA"),
        "B": with_condition(eks_cluster(ref("Shared")), "HasB"),
        "Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[ref("Shared")]),
    }}
    (found,) = findings(template, "WK2002")
    assert field(found, "cluster") == "clusters A and B"
    assert field(found, "when") != ""  # with neither cluster there is nothing to share
    only_b = StubConditions(["HasA", "HasB"], lambda s: not s.get("HasA", False))
    (found,) = findings(template, "WK2002", only_b)
    assert fields_of(found, "cluster", "when") == ("cluster B", " when HasB is true")


def test_wk2003_counts_each_tagged_group_once_and_only_groups_it_knows() -> None:
    template = design(A=tagged(), B=tagged(), NodeSG=tagged(),
                      Lt=launch_template(ref("NodeSG"), ref("B"), getatt("A", "GroupId"), ref("A"), "sg-0lit",
                                         ref("P")))
    template["Parameters"] = {"P": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "A", "Properties", "Tags")  # equal groups: the first by name
    assert fields_of(found, "total", "groups") == ("3", "NodeSG, B, A")


def test_wk2003_culprit_is_the_group_that_holds_the_most_after_sorting() -> None:
    # equal tags, different rules: the anchor follows what the groups hold, whatever their names
    template = design(NodeSG=tagged(GroupDescription="b nodes"), Aaa=tagged(GroupDescription="c nodes"),
                      Lt=launch_template(ref("Aaa"), ref("NodeSG")))
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "NodeSG", "Properties", "Tags")


def test_wk2003_a_conditional_member_names_its_condition() -> None:
    template = design(Extra=tagged(), NodeSG=tagged(), Lt=launch_template(ref("NodeSG"), if_("Two", ref("Extra"))))
    (found,) = findings(template, "WK2003")
    assert fields_of(found, "total", "groups", "when") == ("2", "NodeSG, Extra", " when Two is true")
    assert findings(template, "WK2003", StubConditions(["Two"], lambda s: not s["Two"])) == []


def test_wk2003_conditional_node_group_names_its_condition() -> None:
    template = design(Extra=tagged(), NodeSG=tagged(), Lt=launch_template(ref("NodeSG"), ref("Extra")),
                      Ng=with_condition(managed_nodegroup(), "Nodes"))
    (found,) = findings(template, "WK2003")
    assert field(found, "when") == ""  # wherever the nodes exist, both groups are on them
    assert findings(template, "WK2003", StubConditions(["Nodes"], lambda s: not s["Nodes"])) == []


def test_wk2004_three_rules_on_a_group_defined_elsewhere() -> None:
    imported = {"Fn::ImportValue": "eksctl-prod-cluster::ClusterSecurityGroupId"}
    template: Json = {"Resources": {**egress(imported, "Eg2"), **egress(imported, "Eg1"),
                                    "Eg3": with_condition(egress(imported, "Eg3")["Eg3"], "Extra")}}
    (found,) = findings(template, "WK2004")
    assert found.path == ("Resources", "Eg1", "Properties", "GroupId")  # not defined here: its first rule
    assert fields_of(found, "resource", "total", "when") == ("Eg1, Eg2 and Eg3", "3", "")


def test_wk2004_a_conditional_rule_names_its_condition() -> None:
    imported = {"Fn::ImportValue": "eksctl-prod-cluster::ClusterSecurityGroupId"}
    template: Json = {"Resources": {"Eg": with_condition(egress(imported)["Eg"], "Extra")}}
    (found,) = findings(template, "WK2004")
    assert (found.path, field(found, "when")) == (("Resources", "Eg", "Properties", "GroupId"), " when Extra is true")


def test_wk2004_other_imports_are_not_the_cluster_group() -> None:
    template: Json = {"Resources": egress({"Fn::ImportValue": "network-NodeSecurityGroup"})}
    assert findings(template, "WK2004") == []


def test_wk2005_a_group_whose_condition_never_holds_is_not_orphaned() -> None:
    template = design(Orphan=with_condition(tagged(), "Extra"))
    assert findings(template, "WK2005", StubConditions(["Extra"], lambda s: not s["Extra"])) == []


def test_wk2001_a_group_only_one_cluster_lists_does_not_hide_a_shared_one() -> None:
    template: Json = {"Resources": {"Own": sg(), "Shared": sg(),
                                    "A": eks_cluster(ref("Own"), ref("Shared")), "B": eks_cluster(ref("Shared"))}}
    assert [(field(f, "group"), field(f, "cluster")) for f in findings(template, "WK2001")] == [
        ("Shared", "A"), ("Shared", "B")]


def test_wk2003_a_member_listed_before_the_tagged_groups_does_not_hide_them() -> None:
    template = design(Extra=tagged(), NodeSG=tagged(),
                      Lt=launch_template("sg-0lit", ref("NodeSG"), ref("NodeSG"), ref("Extra")))
    (found,) = findings(template, "WK2003")
    assert fields_of(found, "total", "groups") == ("2", "NodeSG, Extra")


@pytest.mark.parametrize("members", [
    (if_("Two", ref("Extra")), ref("NodeSG")),
    (ref("NodeSG"), if_("Two", ref("Extra"))),
])
def test_wk2003_a_conditional_member_anywhere_in_the_list_names_its_condition(members: tuple[Json, ...]) -> None:
    template = design(Extra=tagged(), NodeSG=tagged(), Lt=launch_template(*members))
    (found,) = findings(template, "WK2003")
    assert field(found, "when") == " when Two is true"


@pytest.mark.parametrize("members", [
    (ref("NodeSG"), getatt("Cl", "ClusterSecurityGroupId")),
    (getatt("Cl", "ClusterSecurityGroupId"), ref("NodeSG")),
])
def test_wk2003_a_conditional_tag_anywhere_in_the_list_names_its_condition(members: tuple[Json, ...]) -> None:
    conditional_tag = if_("TagNodes", {"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned"})
    template = design(NodeSG=sg(Tags=[conditional_tag]), Lt=launch_template(*members))
    (found,) = findings(template, "WK2003")
    assert field(found, "when") == " when TagNodes is true"


def test_wk2003_a_member_whose_condition_excludes_the_nodes_never_counts() -> None:
    # Nodes and Two are exclusive (say, Env is prod, and Env is not prod): Extra is never on the nodes.
    template = design(Extra=tagged(), NodeSG=tagged(), Lt=launch_template(ref("NodeSG"), if_("Two", ref("Extra"))),
                      Ng=with_condition(managed_nodegroup(), "Nodes"))
    exclusive = StubConditions(["Nodes", "Two"], lambda s: not (s.get("Nodes", False) and s.get("Two", False)))
    assert findings(template, "WK2003", exclusive) == []


def test_wk2003_without_a_group_of_this_template_the_finding_goes_on_the_node_group() -> None:
    # two cluster groups tagged with the same cluster name: nothing here to untag, so the nodes are the place
    template: Json = {"Resources": {
        "A": res("AWS::EKS::Cluster", Name="prod", ResourcesVpcConfig={"SecurityGroupIds": []}),
        "B": res("AWS::EKS::Cluster", Name="prod", ResourcesVpcConfig={"SecurityGroupIds": []}),
        "Lt": launch_template(getatt("A", "ClusterSecurityGroupId"), getatt("B", "ClusterSecurityGroupId")),
        "Ng": managed_nodegroup(cluster="A"),
    }}
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "Ng")
    assert field(found, "groups") == "the EKS cluster security group of A, the EKS cluster security group of B"


def test_wk2003_a_companions_group_is_never_the_one_to_untag() -> None:
    # combined system: `cluster::` resources come from a companion template, another file
    companion_cluster = res("AWS::EKS::Cluster", Name="prod", ResourcesVpcConfig={"SecurityGroupIds": []})
    template: Json = {"Resources": {
        "cluster::Cl": companion_cluster, "cluster::Tagged": tagged("prod"),
        "Own": tagged("prod", GroupDescription="z"),
        "Lt": launch_template(ref("cluster::Tagged"), ref("Own")), "Ng": managed_nodegroup(cluster="cluster::Cl"),
    }}
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "Own", "Properties", "Tags")
    template["Resources"]["Lt"] = launch_template(  # type: ignore[index]
        ref("cluster::Tagged"), getatt("cluster::Cl", "ClusterSecurityGroupId"))
    (found,) = findings(template, "WK2003")
    assert found.path == ("Resources", "Ng")


CLUSTER_GROUP_WHY = "the EKS cluster security group, which the control plane, managed nodes and Fargate pods carry"


def test_wk2004_says_why_the_cluster_group_is_shared() -> None:
    (found,) = findings(design(**egress(getatt("Cl", "ClusterSecurityGroupId"))), "WK2004")
    assert field(found, "why") == CLUSTER_GROUP_WHY


def test_wk2004_a_single_purpose_group_does_not_hide_a_shared_one() -> None:
    template = design(**egress(ref("NodeSG"), "A"), **egress(getatt("Cl", "ClusterSecurityGroupId"), "B"))
    (found,) = findings(template, "WK2004")
    assert field(found, "resource") == "B"


def test_wk2004_rules_are_listed_by_what_they_hold_not_by_name() -> None:
    group = getatt("Cl", "ClusterSecurityGroupId")
    rules = {name: res("AWS::EC2::SecurityGroupEgress", GroupId=group, IpProtocol="tcp", FromPort=port, ToPort=port,
                       CidrIp="10.0.0.0/8") for name, port in (("A", 443), ("B", 10250))}
    (found,) = findings(design(**rules), "WK2004")
    assert field(found, "resource") == "B and A"  # FromPort 10250 sorts before 443 as text


def test_wk2004_a_control_plane_group_also_on_another_resource() -> None:
    template = design(Bastion=res("AWS::EC2::Instance", SecurityGroupIds=[ref("CpSG")]), **egress(ref("CpSG")))
    (found,) = findings(template, "WK2004")
    assert (found.path, field(found, "why")) == (
        ("Resources", "CpSG"), "used by AWS::EC2::Instance Bastion, the control plane of cluster Cl")


@pytest.mark.parametrize(("group", "extra", "label"), [
    (ref("P"), {}, "parameter P"),
    (getatt("Vpc", "DefaultSecurityGroup"), {"Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16")},
     "the default security group of Vpc"),
    (ref("cluster::Shared"), {"cluster::Shared": sg()}, "cluster::Shared"),  # a companion's group: another file
])
def test_wk2004_on_a_group_not_defined_here_goes_on_the_rule(group: Json, extra: dict[str, Json], label: str) -> None:
    template = design(Cl=eks_cluster(group), Lt=launch_template(group), **extra, **egress(group))
    template["Parameters"] = {"P": {"Type": "AWS::EC2::SecurityGroup::Id"}}
    (found,) = findings(template, "WK2004")
    assert (found.path, field(found, "group")) == (("Resources", "Eg", "Properties", "GroupId"), label)


@pytest.mark.parametrize("names", [("Aaa", "Zzz"), ("Zzz", "Aaa")])
def test_wk2005_an_exempt_group_does_not_hide_an_orphan(names: tuple[str, str]) -> None:
    karpenter, orphan = names
    exempt = sg(Tags=[{"Key": sub("kubernetes.io/cluster/${Cl}"), "Value": "owned"},
                      {"Key": "karpenter.sh/discovery", "Value": ref("Cl")}])
    assert paths(orphans(design(**{karpenter: exempt, orphan: tagged()}))) == [("Resources", orphan)]


def test_wk3001_a_group_written_for_nodes_elsewhere_counts_as_a_node_group() -> None:
    template = design(Orphan=tagged(SecurityGroupIngress=[tcp(22, 22, CidrIp="0.0.0.0/0")]))
    (found,) = exposure(template)
    assert fields_of(found, "group", "role", "what") == ("Orphan", "node", "TCP 22 (SSH)")


def test_wk3001_remote_access_says_what_eks_opens() -> None:
    (found,) = findings(design(Ng=remote_ng()), "WK3001")
    assert fields_of(found, "group", "what") == (
        "the remote-access group EKS creates for Ng", "TCP 22 (SSH; RemoteAccess without SourceSecurityGroups)")


def test_wk3001_remote_access_of_each_node_group() -> None:
    template = design(Ng=remote_ng(SourceSecurityGroups=[ref("NodeSG")]), Ng2=remote_ng())
    assert [f.path for f in exposure(template)] == [("Resources", "Ng2", "Properties", "RemoteAccess")]


def test_ik0001_a_rule_whose_range_is_not_an_address_is_not_exposure() -> None:
    assert undecided(open_by_parameter("not-a-cidr")) == []


def test_wk3001_remote_access_finding_is_wk3001() -> None:
    (found,) = exposure(design(Ng=remote_ng()))
    assert found.rule_id == "WK3001"


def ingress(cidr: str, **props: object) -> Json:
    return res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"), CidrIp=cidr, **props)


def test_wk3001_halves_anchor_at_the_lowest_range_whatever_the_resources_hold() -> None:
    # the 128.0.0.0/1 rule's resource sorts first by content; the finding still goes to 0.0.0.0/1
    template = design(NodeSG=sg(SecurityGroupIngress=[tcp(22, 22, CidrIp="0.0.0.0/1")]),
                      Upper=ingress("128.0.0.0/1", IpProtocol="tcp", FromPort=22, ToPort=22))
    (found,) = exposure(template)
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIp")


def test_wk3001_halves_written_twice_anchor_by_what_the_rules_hold() -> None:
    # two rules name 0.0.0.0/1: the first by content (Description "a"), not by resource name
    ssh: Json = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    template = design(A=ingress("0.0.0.0/1", Description="b", **ssh), B=ingress("0.0.0.0/1", Description="a", **ssh),
                      C=ingress("128.0.0.0/1", **ssh))
    (found,) = exposure(template)
    assert found.path == ("Resources", "B", "Properties", "CidrIp")


def test_ik0001_halves_anchor_at_the_lowest_range_whatever_the_resources_hold() -> None:
    template = open_by_parameter("0.0.0.0/1")
    template["Resources"]["Upper"] = ingress("128.0.0.0/1", IpProtocol=ref("P"))  # type: ignore[index]
    (found,) = undecided(template)
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIp")


def test_ik0001_halves_written_twice_anchor_by_what_the_rules_hold() -> None:
    template = design(A=ingress("0.0.0.0/1", Description="b", IpProtocol=ref("P")),
                      B=ingress("0.0.0.0/1", Description="a", IpProtocol=ref("P")),
                      C=ingress("128.0.0.0/1", IpProtocol=ref("P")))
    template["Parameters"] = {"P": {"Type": "String"}}
    (found,) = undecided(template)
    assert found.path == ("Resources", "B", "Properties", "CidrIp")


def test_ik0001_ipv6_halves() -> None:
    rules = [{"IpProtocol": ref("P"), "CidrIpv6": cidr} for cidr in ("8000::/1", "::/1")]
    template = design(NodeSG=sg(SecurityGroupIngress=rules))
    template["Parameters"] = {"P": {"Type": "String"}}
    (found,) = undecided(template)
    assert found.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "CidrIpv6")  # by text
    assert field(found, "source") == "8000::/1, ::/1"


def test_ik0001_world_rules_and_other_families_are_not_halves() -> None:
    # the world rule is its own finding; the ::/1 rule is no part of the IPv4 internet
    found = undecided(open_by_parameter("0.0.0.0/0", "0.0.0.0/1"))
    assert [field(f, "source") for f in found] == ["0.0.0.0/0"]
    template = open_by_parameter("0.0.0.0/1", "128.0.0.0/1")
    template["Resources"]["NodeSG"]["Properties"]["SecurityGroupIngress"].append(  # type: ignore[index]
        {"IpProtocol": ref("P"), "CidrIpv6": "::/1"})
    assert [field(f, "source") for f in undecided(template)] == ["0.0.0.0/1, 128.0.0.0/1"]
