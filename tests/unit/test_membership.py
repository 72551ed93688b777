"""Unit tests for the model's membership step: which cluster a node attachment joins, clusters defined elsewhere."""

from __future__ import annotations

from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._membership import DECLARED_CLUSTER, external_clusters, joined_clusters
from cfnlint_eks_sg.model._types import Origin
from tests.unit.pieces import Json, key, res, sg


def test_the_group_of_a_cluster_elsewhere_is_placed_where_the_first_node_group_by_content_joins_it() -> None:
    """By `anchor_key` (the resources' content first), not by name: a rename or reorder never moves it."""
    model = build_model({"Resources": {
        "Zed": res("AWS::EKS::Nodegroup", ClusterName="prod", NodegroupName="a"),
        "Alpha": res("AWS::EKS::Nodegroup", ClusterName="prod", NodegroupName="b"),
    }})
    assert model.places[key(Origin.EXTERNAL_CLUSTER, "prod")] == [("Resources", "Zed")]


def test_nodes_join_the_only_cluster_unless_their_names_contradict_it() -> None:
    resources: Json = {
        "Cl": res("AWS::EKS::Cluster", Name="dev"),
        "Same": res("AWS::EKS::Nodegroup", ClusterName={"Ref": "Cl"}),
        "Other": res("AWS::EKS::Nodegroup", ClusterName="prod"),  # not "dev": another cluster
        "Unnamed": res("AWS::EKS::Nodegroup", ClusterName={"Ref": "Param"}),  # may be "dev": the only cluster
        "Bastion": res("AWS::EC2::Instance", SecurityGroupIds=[{"Ref": "G"}]),
        "G": sg(),
    }
    model = build_model({"Resources": resources})
    joined = joined_clusters(model)
    assert [(a.resource, ident) for a, ident in joined] == [("Same", "Cl"), ("Other", "prod"), ("Unnamed", "Cl")]
    assert external_clusters(model, joined) == ["prod"]
    assert (model.joined, model.elsewhere) == (joined, ["prod"])  # built once, with the model; roles read these


def test_groups_declared_as_nodes_with_no_cluster_anywhere_join_a_placeholder() -> None:
    metadata: Json = {"cfnlint-eks-sg": {"node_security_groups": ["Workers"]}}
    model = build_model({"Metadata": metadata, "Resources": {"Workers": sg()}})
    assert external_clusters(model, joined_clusters(model)) == model.elsewhere == [DECLARED_CLUSTER]
    assert key(Origin.EXTERNAL_CLUSTER, DECLARED_CLUSTER) in model.groups
    no_declared = build_model({"Resources": {"Workers": sg()}})
    assert external_clusters(no_declared, joined_clusters(no_declared)) == []
