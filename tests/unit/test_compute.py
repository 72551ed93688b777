"""Unit tests for the model's compute reader: clusters and their settings, node groups, instances, spot fleets,
VPC endpoints, other group users, and the cluster-name evidence nodes carry."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Network

import pytest

from cfnlint_eks_sg.core._cidrs import Addresses, Block
from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._compute import (
    _bootstrap_names,
    _flat_text,
    _ip_family,
    _key_of,
    _values,
    _version_setting,
    boolean,
)
from cfnlint_eks_sg.model._types import (
    Attachment,
    CidrList,
    ClusterDef,
    Compute,
    GroupKey,
    Member,
    Model,
    Origin,
    RemoteAccess,
    RemoteNetwork,
    ServiceRange,
    Setting,
    Truth,
)
from tests.unit.pieces import NO_VALUE, Json, getatt, if_, key, ref, res, rkey, sg, sub

X = Guard.when("X", True)
NOT_X = Guard.when("X", False)
Y = Guard.when("Y", True)
NOT_Y = Guard.when("Y", False)

CL: Path = ("Resources", "Cl")
CL_PROPS = (*CL, "Properties")
VPC_CONFIG = (*CL_PROPS, "ResourcesVpcConfig")


def tmpl(resources: Json, parameters: Json | None = None) -> Json:
    out: Json = {"Resources": resources}
    if parameters is not None:
        out["Parameters"] = parameters
    return out


def model_of(resources: Json, parameters: Json | None = None) -> Model:
    return build_model(tmpl(resources, parameters))


def cluster_of(props: Json, extra: Json | None = None, parameters: Json | None = None,
               rtype: str = "AWS::EKS::Cluster") -> ClusterDef:
    """The one cluster `Cl` with `props`, next to `extra` resources."""
    (cluster,) = model_of({"Cl": res(rtype, **props), **(extra or {})}, parameters).clusters
    return cluster


def attachments(model: Model, name: str) -> list[Attachment]:
    return [a for a in model.attachments if a.resource == name]


def the(model: Model, name: str) -> Attachment:
    (found,) = attachments(model, name)
    return found


def keys(members: tuple[Member, ...] | list[Member]) -> list[GroupKey]:
    return [m.key for m in members]


def lt(**data: object) -> Json:
    return res("AWS::EC2::LaunchTemplate", LaunchTemplateData=data)


LT_IDS: Path = ("Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroupIds", 0)


def subnet(vpc: str, cidr: str) -> Json:
    return res("AWS::EC2::Subnet", VpcId=ref(vpc), CidrBlock=cidr)


# --- clusters: every setting read as written --------------------------------------------------------------


def test_cluster_with_every_setting_written_reads_each_one() -> None:
    """A cluster that spells out each setting gets exactly those values, with the paths a person edits."""
    cluster = cluster_of(
        {
            "Name": "prod", "Version": "1.32",
            "ResourcesVpcConfig": {
                "SecurityGroupIds": [ref("Cp")], "SubnetIds": [ref("SubA"), ref("SubB")],
                "EndpointPrivateAccess": True, "EndpointPublicAccess": "false", "PublicAccessCidrs": ["10.0.0.0/8"],
            },
            "KubernetesNetworkConfig": {"IpFamily": "ipv4", "ServiceIpv4Cidr": "172.20.0.0/16"},
            "ComputeConfig": {"Enabled": True},
            "RemoteNetworkConfig": {"RemoteNodeNetworks": [{"Cidrs": ["192.168.0.0/16"]}],
                                    "RemotePodNetworks": [{"Cidrs": [ref("PodCidr")]}]},
        },
        {
            "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16", EnableDnsHostnames=True),
            "SubA": subnet("Vpc", "10.0.0.0/24"), "SubB": subnet("Vpc", "10.0.1.0/24"), "Cp": sg(),
        },
        {"PodCidr": {"Type": "String", "Default": "172.16.0.0/16"}},
    )
    remote = (*CL_PROPS, "RemoteNetworkConfig")
    vpc_props = ("Resources", "Vpc", "Properties")
    assert cluster == ClusterDef(
        "Cl", ("${Cl}", "prod"), (Member(rkey("Cp"), TRUE, (*VPC_CONFIG, "SecurityGroupIds", 0)),), TRUE, CL,
        (Setting(Truth.FALSE, TRUE, (*CL_PROPS, "KubernetesNetworkConfig", "IpFamily")),),
        auto_mode=True,
        private_access=(Setting(Truth.TRUE, TRUE, (*VPC_CONFIG, "EndpointPrivateAccess")),),
        public_access=(Setting(Truth.FALSE, TRUE, (*VPC_CONFIG, "EndpointPublicAccess")),),
        public_cidrs=(CidrList(("10.0.0.0/8",), TRUE, (*VPC_CONFIG, "PublicAccessCidrs")),),
        vpc="Vpc",
        dns_hostnames=(Setting(Truth.TRUE, TRUE, (*vpc_props, "EnableDnsHostnames")),),
        dns_support=(Setting(Truth.TRUE, TRUE, vpc_props, explicit=False),),
        addresses=Addresses((Block(IPv4Network("10.0.0.0/24"), "Vpc"), Block(IPv4Network("10.0.1.0/24"), "Vpc")),
                            True, ("SubA", "SubB")),
        remote=(
            RemoteNetwork("node", "192.168.0.0/16", "192.168.0.0/16", IPv4Network("192.168.0.0/16"), TRUE,
                          (*remote, "RemoteNodeNetworks", 0, "Cidrs", 0)),
            RemoteNetwork("pod", "{Ref:'PodCidr'}", ref("PodCidr"), None, TRUE,
                          (*remote, "RemotePodNetworks", 0, "Cidrs", 0), ("PodCidr", IPv4Network("172.16.0.0/16"))),
        ),
        service_ranges=(ServiceRange(IPv4Network("172.20.0.0/16"), True, TRUE),),
        self_egress=(Setting(Truth.FALSE, TRUE, (*CL_PROPS, "Version")),),
    )


def test_bare_cluster_takes_the_eks_defaults_and_knows_nothing_it_was_not_told() -> None:
    """Without settings: IPv4, public endpoint only, no VPC, unknown addresses, the default service range."""
    cluster = cluster_of({})
    assert cluster == ClusterDef(
        "Cl", ("${Cl}",), (), TRUE, CL,
        (Setting(Truth.FALSE, TRUE, (*CL_PROPS, "KubernetesNetworkConfig"), explicit=False),),
        auto_mode=False,
        private_access=(Setting(Truth.FALSE, TRUE, VPC_CONFIG, explicit=False),),
        public_access=(Setting(Truth.TRUE, TRUE, VPC_CONFIG, explicit=False),),
        public_cidrs=(),
        vpc=None, dns_hostnames=(), dns_support=(),
        addresses=Addresses((), False),
        remote=(),
        service_ranges=(ServiceRange(None, False, TRUE),),
        self_egress=(Setting(Truth.TRUE, TRUE, CL_PROPS, explicit=False),),
    )


def test_cluster_group_is_created_with_the_cluster() -> None:
    """The cluster's EKS group: visible rules, the cluster's condition and place, tagged with its names."""
    model = model_of({"Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X",
                             "Properties": {"Name": sub("${AWS::StackName}-eks")}}})
    group = model.groups[key(Origin.CLUSTER, "Cl")]
    assert group.rules_visible
    assert group.guard == X
    assert group.path == CL
    assert group.cluster_tags == (("${Cl}", TRUE), ("${AWS::StackName}-eks", TRUE))
    assert group.tags == ("kubernetes.io/cluster/${Cl}", "kubernetes.io/cluster/${AWS::StackName}-eks")


def test_cluster_name_that_cannot_be_written_down_is_only_its_logical_name() -> None:
    assert cluster_of({"Name": {"Fn::ImportValue": ["odd"]}}).name_tokens == ("${Cl}",)


@pytest.mark.parametrize(("props", "expected"), [
    ({"Enabled": True}, True), ({"Enabled": "true"}, True), ({"Enabled": "True"}, True),
    ({"Enabled": False}, False), ({"Enabled": "false"}, False), ({"Enabled": ref("Auto")}, False), ({}, False),
])
def test_auto_mode_only_when_compute_config_is_enabled(props: Json, expected: bool) -> None:
    """Auto Mode launches nodes outside the template; only a literal true turns it on here."""
    assert cluster_of({"ComputeConfig": props}).auto_mode is expected


def test_cdk_cluster_reads_every_setting_in_camel_case() -> None:
    """CDK's custom resource carries CreateCluster's camelCase request under Config; paths follow it."""
    cluster = cluster_of(
        {"Config": {
            "name": "prod", "version": "1.30",
            "resourcesVpcConfig": {"securityGroupIds": [ref("Cp")], "subnetIds": [ref("SubA")],
                                   "endpointPrivateAccess": True, "endpointPublicAccess": False,
                                   "publicAccessCidrs": ["10.0.0.0/8"]},
            "kubernetesNetworkConfig": {"ipFamily": "ipv6", "serviceIpv4Cidr": "10.100.0.0/16"},
            "computeConfig": {"enabled": True},
            "remoteNetworkConfig": {"remoteNodeNetworks": [{"cidrs": ["192.168.0.0/16"]}]},
        }},
        {"Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"), "SubA": subnet("Vpc", "10.0.0.0/24"), "Cp": sg()},
        rtype="Custom::AWSCDK-EKS-Cluster",
    )
    config = (*CL_PROPS, "Config")
    vpc_config = (*config, "resourcesVpcConfig")
    assert cluster.name_tokens == ("${Cl}", "prod")
    assert cluster.additional == (Member(rkey("Cp"), TRUE, (*vpc_config, "securityGroupIds", 0)),)
    assert cluster.family == (Setting(Truth.TRUE, TRUE, (*config, "kubernetesNetworkConfig", "ipFamily")),)
    assert cluster.auto_mode
    assert cluster.private_access == (Setting(Truth.TRUE, TRUE, (*vpc_config, "endpointPrivateAccess")),)
    assert cluster.public_access == (Setting(Truth.FALSE, TRUE, (*vpc_config, "endpointPublicAccess")),)
    assert cluster.public_cidrs == (CidrList(("10.0.0.0/8",), TRUE, (*vpc_config, "publicAccessCidrs")),)
    assert cluster.vpc == "Vpc"
    assert cluster.remote == (RemoteNetwork(
        "node", "192.168.0.0/16", "192.168.0.0/16", IPv4Network("192.168.0.0/16"), TRUE,
        (*config, "remoteNetworkConfig", "remoteNodeNetworks", 0, "cidrs", 0)),)
    assert cluster.service_ranges == (ServiceRange(IPv4Network("10.100.0.0/16"), True, TRUE),)
    assert cluster.self_egress == (Setting(Truth.FALSE, TRUE, (*config, "version")),)


def test_settings_per_fn_if_branch_with_the_default_where_a_branch_leaves_it_out() -> None:
    """Each branch of an Fn::If is its own setting; AWS::NoValue leaves the API default in that branch."""
    cluster = cluster_of({"ResourcesVpcConfig": {
        "EndpointPrivateAccess": if_("X", True, NO_VALUE),
        "EndpointPublicAccess": if_("X", False, ref("Public")),
    }}, parameters={"Public": {"Type": "String"}})
    private = (*VPC_CONFIG, "EndpointPrivateAccess")
    public = (*VPC_CONFIG, "EndpointPublicAccess")
    assert cluster.private_access == (
        Setting(Truth.TRUE, X, (*private, "Fn::If", 1)),
        Setting(Truth.FALSE, NOT_X, VPC_CONFIG, explicit=False),
    )
    assert cluster.public_access == (
        Setting(Truth.FALSE, X, (*public, "Fn::If", 1)),
        Setting(Truth.UNKNOWN, NOT_X, (*public, "Fn::If", 2), shown="!Ref Public"),
    )


def test_settings_of_a_conditional_cluster_hold_under_its_condition() -> None:
    model = model_of({"Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X", "Properties": {
        "ResourcesVpcConfig": {"EndpointPrivateAccess": if_("Y", "true", "false")}}}})
    private = (*VPC_CONFIG, "EndpointPrivateAccess", "Fn::If")
    assert model.clusters[0].private_access == (
        Setting(Truth.TRUE, X & Y, (*private, 1)), Setting(Truth.FALSE, X & NOT_Y, (*private, 2)))


@pytest.mark.parametrize(("cidrs", "expected"), [
    (["10.0.0.0/8", "192.168.1.0/24"],
     CidrList(("10.0.0.0/8", "192.168.1.0/24"), TRUE, (*VPC_CONFIG, "PublicAccessCidrs"))),
    ([], CidrList((), TRUE, (*VPC_CONFIG, "PublicAccessCidrs"))),
    (["10.0.0.0/8", None], CidrList(("10.0.0.0/8",), TRUE, (*VPC_CONFIG, "PublicAccessCidrs"))),
    (["10.0.0.0/8", ref("Office")], CidrList(None, TRUE, (*VPC_CONFIG, "PublicAccessCidrs"), "!Ref Office")),
    (ref("Cidrs"), CidrList(None, TRUE, (*VPC_CONFIG, "PublicAccessCidrs"), "!Ref Cidrs")),
])
def test_public_access_cidrs_are_read_only_when_every_item_is_literal(cidrs: object, expected: CidrList) -> None:
    """An item given by an expression makes the whole list unreadable (shown as that expression)."""
    assert cluster_of({"ResourcesVpcConfig": {"PublicAccessCidrs": cidrs}}).public_cidrs == (expected,)


def test_public_access_cidrs_per_branch() -> None:
    path = (*VPC_CONFIG, "PublicAccessCidrs", "Fn::If")
    cluster = cluster_of({"ResourcesVpcConfig": {"PublicAccessCidrs": if_("X", ["10.0.0.0/8"], NO_VALUE)}})
    assert cluster.public_cidrs == (CidrList(("10.0.0.0/8",), X, (*path, 1)),)


@pytest.mark.parametrize(("family", "expected"), [
    ("ipv6", Truth.TRUE), ("IPv6", Truth.TRUE), ("ipv4", Truth.FALSE), ("IPV4", Truth.FALSE),
    ("ipv5", Truth.UNKNOWN), (True, Truth.UNKNOWN), (6, Truth.UNKNOWN),
])
def test_ip_family_literal_values(family: object, expected: Truth) -> None:
    """IpFamily is ipv4 or ipv6 in any case; anything else is not something this template fixes."""
    (setting,) = cluster_of({"KubernetesNetworkConfig": {"IpFamily": family}}).family
    assert setting.value is expected


@pytest.mark.parametrize(("value", "expected", "shown"), [
    (True, Truth.TRUE, ""), (False, Truth.FALSE, ""), ("true", Truth.TRUE, ""), ("false", Truth.FALSE, ""),
    ("TRUE", Truth.TRUE, ""), ("False", Truth.FALSE, ""), ("yes", Truth.UNKNOWN, "yes"), (1, Truth.UNKNOWN, "1"),
    (0, Truth.UNKNOWN, "0"),
])
def test_boolean_settings_read_literals_in_any_case(value: object, expected: Truth, shown: str) -> None:
    """CloudFormation takes true/false in any case; 1, 0 or "yes" are not booleans it fixes."""
    assert boolean(value, X, ("P",)) == Setting(expected, X, ("P",), shown=shown)


def test_unknown_setting_shows_its_expression() -> None:
    assert boolean({"Ref": "Private"}, TRUE, ("P",)) == Setting(Truth.UNKNOWN, TRUE, ("P",), shown="!Ref Private")
    assert _ip_family({"Fn::ImportValue": "fam"}, TRUE, ("P",)) == Setting(
        Truth.UNKNOWN, TRUE, ("P",), shown="!ImportValue fam")


@pytest.mark.parametrize(("version", "expected"), [
    ("1.33", Truth.TRUE), ("1.34", Truth.TRUE), (" 1.40 ", Truth.TRUE), ("2.0", Truth.TRUE), ("1.100", Truth.TRUE),
    (1.33, Truth.TRUE), ("1.32", Truth.FALSE), ("1.9", Truth.FALSE), ("0.99", Truth.FALSE), (1.3, Truth.FALSE),
    ("1.33.1", Truth.UNKNOWN), ("v1.33", Truth.UNKNOWN), ("latest", Truth.UNKNOWN), (True, Truth.UNKNOWN),
    (1, Truth.UNKNOWN),
])
def test_version_from_1_33_gives_the_cluster_group_egress_to_itself(version: object, expected: Truth) -> None:
    """Kubernetes 1.33 and later: EKS adds the self egress rule; an unreadable version stays UNKNOWN."""
    setting = _version_setting(version, X, ("V",))
    assert (setting.value, setting.guard, setting.path, setting.explicit) == (expected, X, ("V",), True)
    assert (setting.shown != "") is (expected is Truth.UNKNOWN)  # an unreadable version says what it was


def test_unreadable_version_shows_the_expression() -> None:
    assert _version_setting({"Ref": "K8s"}, TRUE, ("V",)).shown == "!Ref K8s"


def test_quick_start_cluster_without_version_is_unknown_self_egress() -> None:
    """The Quick Start type documents no default version: its self egress rule is not known."""
    cluster = cluster_of({}, rtype="AWSQS::EKS::Cluster")
    assert cluster.self_egress == (Setting(
        Truth.UNKNOWN, TRUE, (*CL_PROPS, "Version"), explicit=False,
        shown="not set, and the default of AWSQS::EKS::Cluster is not documented"),)


def test_quick_start_cluster_with_version_reads_it() -> None:
    assert cluster_of({"Version": "1.33"}, rtype="AWSQS::EKS::Cluster").self_egress == (
        Setting(Truth.TRUE, TRUE, (*CL_PROPS, "Version")),)


def test_eks_cluster_without_version_runs_the_current_default_with_self_egress() -> None:
    assert cluster_of({}).self_egress == (Setting(Truth.TRUE, TRUE, CL_PROPS, explicit=False),)


def test_version_per_branch() -> None:
    cluster = cluster_of({"Version": if_("X", "1.29", NO_VALUE)})
    assert cluster.self_egress == (
        Setting(Truth.FALSE, X, (*CL_PROPS, "Version", "Fn::If", 1)),
        Setting(Truth.TRUE, NOT_X, CL_PROPS, explicit=False),
    )


def test_settings_of_a_conditional_cluster_carry_its_condition() -> None:
    """Lists and blocks read from a cluster that has a Condition exist only under it."""
    model = model_of({"Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X", "Properties": {
        "ResourcesVpcConfig": {"PublicAccessCidrs": ["10.0.0.0/8"]},
        "KubernetesNetworkConfig": {"ServiceIpv4Cidr": "10.100.0.0/16"},
        "RemoteNetworkConfig": {"RemoteNodeNetworks": [{"Cidrs": ["10.80.0.0/16"]}]},
    }}})
    (cluster,) = model.clusters
    assert [c.guard for c in cluster.public_cidrs] == [X]
    assert cluster.service_ranges == (ServiceRange(IPv4Network("10.100.0.0/16"), True, X),)
    assert [r.guard for r in cluster.remote] == [X]
    assert model.groups[key(Origin.CLUSTER, "Cl")].key == key(Origin.CLUSTER, "Cl")


# --- service ranges and remote networks ---------------------------------------------------------------------


def test_service_range_per_branch_and_the_default_where_unset() -> None:
    cluster = cluster_of({"KubernetesNetworkConfig": {"ServiceIpv4Cidr": if_("X", "10.100.0.0/16", NO_VALUE)}})
    assert cluster.service_ranges == (
        ServiceRange(IPv4Network("10.100.0.0/16"), True, X), ServiceRange(None, False, NOT_X))


def test_service_range_in_every_branch_leaves_no_default() -> None:
    cluster = cluster_of({"KubernetesNetworkConfig": {"ServiceIpv4Cidr": if_("X", "10.100.0.0/16", ref("Svc"))}},
                         parameters={"Svc": {"Type": "String"}})
    assert cluster.service_ranges == (
        ServiceRange(IPv4Network("10.100.0.0/16"), True, X), ServiceRange(None, True, NOT_X))


def test_service_range_of_a_conditional_cluster() -> None:
    model = model_of({"Cl": {"Type": "AWS::EKS::Cluster", "Condition": "X", "Properties": {}}})
    assert model.clusters[0].service_ranges == (ServiceRange(None, False, X),)


def test_remote_networks_per_branch_with_their_blocks() -> None:
    """Hybrid nodes' blocks: literal ones parsed, one per Cidrs item, each under its own branch."""
    cluster = cluster_of({"RemoteNetworkConfig": if_("X", {
        "RemoteNodeNetworks": [{"Cidrs": ["10.80.0.0/16", if_("Y", "10.81.0.0/16", NO_VALUE)]}],
        "RemotePodNetworks": [{"Cidrs": [" 10.90.0.0/16 "]}, {"Cidrs": ["not-a-cidr"]}],
    }, NO_VALUE)})
    base = (*CL_PROPS, "RemoteNetworkConfig", "Fn::If", 1)
    nodes = (*base, "RemoteNodeNetworks", 0, "Cidrs")
    pods = (*base, "RemotePodNetworks")
    assert cluster.remote == (
        RemoteNetwork("node", "10.80.0.0/16", "10.80.0.0/16", IPv4Network("10.80.0.0/16"), X, (*nodes, 0)),
        RemoteNetwork("node", "10.81.0.0/16", "10.81.0.0/16", IPv4Network("10.81.0.0/16"), X & Y,
                      (*nodes, 1, "Fn::If", 1)),
        RemoteNetwork("pod", "10.90.0.0/16", " 10.90.0.0/16 ", IPv4Network("10.90.0.0/16"), X,
                      (*pods, 0, "Cidrs", 0)),
        RemoteNetwork("pod", "not-a-cidr", "not-a-cidr", None, X, (*pods, 1, "Cidrs", 0)),
    )


def test_remote_network_from_a_vpc_block_is_that_block() -> None:
    cluster = cluster_of(
        {"RemoteNetworkConfig": {"RemoteNodeNetworks": [{"Cidrs": [getatt("Vpc", "CidrBlock")]}]}},
        {"Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16")})
    (remote,) = cluster.remote
    assert remote.network == IPv4Network("10.0.0.0/16")
    assert remote.cidr == "{Fn::GetAtt:['Vpc','CidrBlock']}"
    assert remote.default is None


@pytest.mark.parametrize("parameter", [
    {"Type": "String"},  # no Default: nothing to assume
    {"Type": "String", "Default": "not-a-cidr"},  # a Default that is no block
])
def test_remote_network_parameter_without_a_usable_default(parameter: Json) -> None:
    cluster = cluster_of({"RemoteNetworkConfig": {"RemotePodNetworks": [{"Cidrs": [ref("Pods")]}]}},
                         parameters={"Pods": parameter})
    (remote,) = cluster.remote
    assert (remote.network, remote.default) == (None, None)


# --- the cluster's VPC ------------------------------------------------------------------------------------


VPC_RESOURCES: Json = {
    "Vpc": res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16", EnableDnsSupport="false", EnableDnsHostnames=ref("Dns")),
    "Vpc2": res("AWS::EC2::VPC", CidrBlock="10.1.0.0/16"),
    "SubA": subnet("Vpc", "10.0.0.0/24"), "SubB": subnet("Vpc", "10.0.1.0/24"), "SubC": subnet("Vpc2", "10.1.0.0/24"),
    "Loose": res("AWS::EC2::Subnet", VpcId="vpc-123", CidrBlock="10.0.2.0/24"),
    "NotSubnet": sg(),
}


@pytest.mark.parametrize(("subnets", "vpc"), [
    ([ref("SubA"), ref("SubB")], "Vpc"),
    ([ref("SubA")], "Vpc"),
    ([ref("SubA"), ref("SubC")], None),  # two VPCs: none is the cluster's
    ([ref("SubA"), "subnet-1"], None),  # a subnet elsewhere could be in any VPC
    ([ref("SubA"), ref("Loose")], None),  # a subnet of a VPC made elsewhere
    ([ref("SubA"), ref("NotSubnet")], None),
    ([ref("SubA"), {"Fn::ImportValue": "subnet"}], None),
    ([], None),
    (None, None),
])
def test_cluster_vpc_is_known_only_when_every_subnet_shows_the_same_one(subnets: object, vpc: str | None) -> None:
    props: Json = {"ResourcesVpcConfig": {"SubnetIds": subnets} if subnets is not None else {}}
    cluster = cluster_of(props, VPC_RESOURCES, {"Dns": {"Type": "String"}})
    assert cluster.vpc == vpc


def test_cluster_vpc_dns_settings_are_read_from_that_vpc() -> None:
    cluster = cluster_of({"ResourcesVpcConfig": {"SubnetIds": [ref("SubA")]}}, VPC_RESOURCES,
                         {"Dns": {"Type": "String"}})
    vpc_props = ("Resources", "Vpc", "Properties")
    assert cluster.dns_support == (Setting(Truth.FALSE, TRUE, (*vpc_props, "EnableDnsSupport")),)
    assert cluster.dns_hostnames == (Setting(Truth.UNKNOWN, TRUE, (*vpc_props, "EnableDnsHostnames"),
                                             shown="!Ref Dns"),)


def test_dns_hostnames_default_to_false_and_follow_the_vpc_condition() -> None:
    cluster = cluster_of({"ResourcesVpcConfig": {"SubnetIds": [ref("Sub")]}}, {
        "Vpc": {"Type": "AWS::EC2::VPC", "Condition": "X", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Sub": subnet("Vpc", "10.0.0.0/24"),
    })
    vpc_props = ("Resources", "Vpc", "Properties")
    assert cluster.dns_hostnames == (Setting(Truth.FALSE, X, vpc_props, explicit=False),)
    assert cluster.dns_support == (Setting(Truth.TRUE, X, vpc_props, explicit=False),)


# --- managed node groups -----------------------------------------------------------------------------------


def nodegroup(**props: object) -> Json:
    return res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"), **props)


BASE: Json = {"Cl": res("AWS::EKS::Cluster"), "NodeSG": sg(), "Other": sg()}


def build(extra: Json, parameters: Json | None = None) -> Model:
    return model_of({**BASE, **extra}, parameters)


def test_managed_node_group_without_launch_template_in_full() -> None:
    model = build({"Sub": res("AWS::EC2::Subnet", CidrBlock="10.0.0.0/24"),
                   "Ng": nodegroup(Subnets=[ref("Sub")])})
    assert the(model, "Ng") == Attachment(
        "Ng", Compute.MANAGED_NODEGROUP, (), True, TRUE, ("Resources", "Ng"), ("${Cl}",), "", TRUE, None,
        Addresses((Block(IPv4Network("10.0.0.0/24")),), True, ("Sub",)))


def test_managed_node_group_with_cluster_name_it_cannot_read_names_no_cluster() -> None:
    model = build({"Ng": res("AWS::EKS::Nodegroup", ClusterName={"Fn::ImportValue": ["odd"]})})
    assert the(model, "Ng").cluster_names == ()


def test_managed_node_group_launch_template_in_full() -> None:
    model = build({"Lt": lt(SecurityGroupIds=[ref("NodeSG")]), "Ng": nodegroup(LaunchTemplate={"Id": ref("Lt")})})
    member = Member(rkey("NodeSG"), TRUE, LT_IDS)
    assert the(model, "Ng") == Attachment(
        "Ng", Compute.MANAGED_NODEGROUP, (member,), True, TRUE, ("Resources", "Ng"), ("${Cl}",), "", FALSE, None,
        Addresses((), False))


def test_managed_node_group_with_a_launch_template_per_branch() -> None:
    """One attachment per launch-template branch, named by it; EKS's group only where no groups are named."""
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Empty": lt(ImageId="ami-1"),
        "Ng": nodegroup(LaunchTemplate={"Id": if_("X", ref("Lt"), if_("Y", ref("Empty"), "lt-0123"))}),
    })
    found = [(a.variant, keys(a.members), a.members_known, a.guard, a.needs_cluster_group)
             for a in attachments(model, "Ng")]
    assert found == [
        ("Lt", [rkey("NodeSG")], True, X, FALSE),
        ("Empty", [], True, NOT_X & Y, NOT_X & Y),
        ("a launch template defined elsewhere", [], False, NOT_X & NOT_Y, FALSE),
    ]


def test_conditional_launch_template_groups_need_the_cluster_group_otherwise() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=if_("X", [ref("NodeSG")], NO_VALUE)),
        "Ng": {"Type": "AWS::EKS::Nodegroup", "Condition": "Y",
               "Properties": {"ClusterName": ref("Cl"), "LaunchTemplate": {"Id": ref("Lt")}}},
    })
    ng = the(model, "Ng")
    assert ng.guard == Y
    assert ng.needs_cluster_group == Y & NOT_X


@pytest.mark.parametrize(("remote", "ami", "expected"), [
    ({"Ec2SshKey": "key"}, None, RemoteAccess(22, TRUE, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"Ec2SshKey": "key", "SourceSecurityGroups": []}, "AL2_x86_64",
     RemoteAccess(22, TRUE, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"Ec2SshKey": "key", "SourceSecurityGroups": [ref("Other")]}, None,
     RemoteAccess(22, FALSE, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"Ec2SshKey": "key", "SourceSecurityGroups": if_("X", [ref("Other")], NO_VALUE)}, None,
     RemoteAccess(22, NOT_X, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"Ec2SshKey": "key"}, "WINDOWS_CORE_2022_x86_64",
     RemoteAccess(3389, TRUE, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"Ec2SshKey": "key"}, "windows_full_2019_x86_64",
     RemoteAccess(3389, TRUE, ("Resources", "Ng", "Properties", "RemoteAccess"))),
    ({"SourceSecurityGroups": [ref("Other")]}, None, None),
    (None, None, None),
])
def test_remote_access_opens_ssh_or_rdp_to_its_sources_or_the_world(
        remote: Json | None, ami: object, expected: RemoteAccess | None) -> None:
    """EKS opens 22 (3389 on Windows AMIs) from SourceSecurityGroups, or from anywhere without any (C-08)."""
    props: Json = {}
    if remote is not None:
        props["RemoteAccess"] = remote
    if ami is not None:
        props["AmiType"] = ami
    model = build({"Ng": nodegroup(**props)})
    assert the(model, "Ng").remote_access == expected


def test_remote_access_of_a_conditional_node_group() -> None:
    model = build({"Ng": {"Type": "AWS::EKS::Nodegroup", "Condition": "X",
                          "Properties": {"ClusterName": "prod", "RemoteAccess": {"Ec2SshKey": "k"}}}})
    remote = the(model, "Ng").remote_access
    assert remote is not None and remote.world == X


# --- launch templates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [
    {"LaunchTemplateId": ref("Lt")}, {"Id": getatt("Lt", "LaunchTemplateId")},
    {"LaunchTemplateId": {"Fn::GetAtt": "Lt.LaunchTemplateId"}},
    {"LaunchTemplateName": "nodes"}, {"Name": "nodes"},
    {"LaunchTemplateName": "nodes", "Version": getatt("Lt", "LatestVersionNumber")},
])
def test_launch_template_found_by_id_or_name(spec: Json) -> None:
    model = build({"Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName="nodes",
                             LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
                   "Vm": res("AWS::EC2::Instance", LaunchTemplate=spec)})
    vm = the(model, "Vm")
    assert keys(vm.members) == [rkey("NodeSG")]
    assert vm.members_known


@pytest.mark.parametrize("spec", [
    {"LaunchTemplateId": ref("NodeSG")},  # a Ref to something that is no launch template
    {"LaunchTemplateId": getatt("NodeSG", "GroupId")},
    {"LaunchTemplateId": {"Fn::GetAtt": []}},
    {"LaunchTemplateId": "lt-0123"},
    {"LaunchTemplateName": "other-name"},
    {"LaunchTemplateName": {"Fn::ImportValue": ["odd"]}},
    {"LaunchTemplateId": {"Fn::ImportValue": "lt"}},
    {"Version": "1"},  # names no template at all
])
def test_launch_template_not_in_this_template_leaves_the_groups_unknown(spec: Json) -> None:
    model = build({"Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateName="nodes",
                             LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
                   "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate=spec)})
    asg = the(model, "Asg")
    assert (asg.members, asg.members_known) == ((), False)


def test_launch_template_id_takes_precedence_over_its_name() -> None:
    """A specification gives an id or a name; where both appear, the id is the one read first."""
    model = build({"Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
                   "Named": res("AWS::EC2::LaunchTemplate", LaunchTemplateName="nodes",
                                LaunchTemplateData={"SecurityGroupIds": [ref("Other")]}),
                   "Vm": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": ref("Lt"),
                                                                   "LaunchTemplateName": "nodes"})})
    assert keys(the(model, "Vm").members) == [rkey("NodeSG")]


def lt_members(data: Json) -> list[tuple[GroupKey, Guard]]:
    model = build({"Lt": lt(**data), "Asg": res("AWS::AutoScaling::AutoScalingGroup",
                                                   LaunchTemplate={"LaunchTemplateId": ref("Lt")})})
    return [(m.key, m.guard) for m in the(model, "Asg").members]


@pytest.mark.parametrize(("interfaces", "expected"), [
    ([{"DeviceIndex": 0, "NetworkCardIndex": 0, "Groups": [ref("NodeSG")]}], [rkey("NodeSG")]),
    ([{"NetworkCardIndex": "0", "Groups": [ref("NodeSG")]}], [rkey("NodeSG")]),
    ([{"DeviceIndex": 0, "NetworkCardIndex": 1, "Groups": [ref("Other")]}], []),
    ([{"DeviceIndex": 2, "Groups": [ref("Other")]}], []),
    ([{"DeviceIndex": 1, "Groups": [ref("Other")]}, {"Groups": [ref("NodeSG")]}], [rkey("NodeSG")]),
])
def test_launch_template_primary_interface_groups(interfaces: list[Json], expected: list[GroupKey]) -> None:
    """Only the primary interface (device 0 on network card 0) carries the node's groups (spec 3.4)."""
    assert [k for k, _ in lt_members({"NetworkInterfaces": interfaces})] == expected


def test_launch_template_interfaces_are_ignored_when_the_template_names_groups() -> None:
    data: Json = {"SecurityGroupIds": [ref("NodeSG")], "NetworkInterfaces": [{"Groups": [ref("Other")]}]}
    assert lt_members(data) == [(rkey("NodeSG"), TRUE)]


def test_launch_template_interface_groups_carry_their_branch_and_the_template_condition() -> None:
    model = build({
        "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Condition": "Y", "Properties": {"LaunchTemplateData": {
            "NetworkInterfaces": [if_("X", {"DeviceIndex": 0, "Groups": [ref("NodeSG")]}, NO_VALUE)]}}},
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    })
    (member,) = the(model, "Asg").members
    assert member == Member(rkey("NodeSG"), Y & X, ("Resources", "Lt", "Properties", "LaunchTemplateData",
                                                      "NetworkInterfaces", 0, "Fn::If", 1, "Groups", 0))


def test_launch_template_security_groups_by_name() -> None:
    model = build({"Named": sg(GroupName="named"), "Lt": lt(SecurityGroups=["named", "sg-9"]),
                   "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")})})
    assert keys(the(model, "Asg").members) == [rkey("Named"), key(Origin.LITERAL, "sg-9")]
    model = build({"Lt": lt(SecurityGroups=["elsewhere"]),
                   "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")})})
    assert keys(the(model, "Asg").members) == [key(Origin.NAME, "elsewhere")]


def test_launch_template_tag_specifications_per_branch() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "n"}]},
            if_("X", {"ResourceType": "instance", "Tags": [{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]},
                NO_VALUE),
        ]),
        "Asg": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    })
    assert the(model, "Asg").cluster_names == ("prod",)


def test_launch_template_security_group_names_point_at_their_item() -> None:
    model = build({"Lt": lt(SecurityGroups=["sg-9"]),
                   "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")})})
    assert the(model, "Asg").members == (Member(key(Origin.LITERAL, "sg-9"), TRUE, (
        "Resources", "Lt", "Properties", "LaunchTemplateData", "SecurityGroups", 0)),)


def test_launch_template_user_data_and_conditional_tags_are_both_evidence() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], UserData={"Fn::Base64": "/etc/eks/bootstrap.sh booted"},
                 TagSpecifications=[{"ResourceType": "instance", "Tags": [
                     if_("X", {"Key": "kubernetes.io/cluster/tagged", "Value": "owned"}, NO_VALUE)]}]),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")}),
    })
    assert the(model, "Asg").cluster_names == ("booted", "tagged")


@pytest.mark.parametrize("spec", [
    {"LaunchTemplateId": getatt("Stack", "Outputs.LaunchTemplateId")},
    {"LaunchTemplateId": {"Fn::GetAtt": "Stack.Outputs.LaunchTemplateId"}},
    {"LaunchTemplateId": {"Fn::ImportValue": "Lt"}},  # an import is never this template's resource, whatever its name
    {"LaunchTemplateId": ref("LtId")},
    {"LaunchTemplateId": getatt("Lookup", "Lt")},  # a custom resource's attribute that happens to be named Lt
])
def test_launch_template_ids_from_other_stacks_are_defined_elsewhere(spec: Json) -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Stack": res("AWS::CloudFormation::Stack", TemplateURL="nodes.yaml"),
        "Lookup": res("Custom::LaunchTemplateLookup", ServiceToken="arn:aws:lambda:us-east-1:1:function:f"),
        "Asg": asg(LaunchTemplate={**spec, "Version": "1"}),
    }, {"LtId": {"Type": "String"}})
    asg_ = the(model, "Asg")
    assert (asg_.members, asg_.members_known) == ((), False)


# --- auto scaling groups ----------------------------------------------------------------------------------


def asg(**props: object) -> Json:
    return res("AWS::AutoScaling::AutoScalingGroup", **props)


def test_auto_scaling_group_in_full() -> None:
    model = build({
        "Sub": res("AWS::EC2::Subnet", CidrBlock="10.0.0.0/24"),
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], UserData={"Fn::Base64": "/etc/eks/bootstrap.sh prod"}),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")}, VPCZoneIdentifier=[ref("Sub")],
                   Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned"},
                         {"Key": "kubernetes.io/cluster/other", "Value": "shared"}]),
    })
    member = Member(rkey("NodeSG"), TRUE, LT_IDS)
    assert the(model, "Asg") == Attachment(
        "Asg", Compute.AUTO_SCALING_GROUP, (member,), True, TRUE, ("Resources", "Asg"), ("prod", "other"), "",
        addresses=Addresses((Block(IPv4Network("10.0.0.0/24")),), True, ("Sub",)))


def test_auto_scaling_group_without_launch_data_is_known_to_carry_nothing() -> None:
    model = build({"Asg": asg(MinSize="1")})
    assert the(model, "Asg") == Attachment("Asg", Compute.AUTO_SCALING_GROUP, (), False, TRUE, ("Resources", "Asg"))


def test_auto_scaling_group_launch_template_per_branch() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": if_("X", ref("Lt"), "lt-0123")}),
    })
    found = [(a.variant, keys(a.members), a.members_known, a.guard) for a in attachments(model, "Asg")]
    assert found == [("Lt", [rkey("NodeSG")], True, X),
                     ("a launch template defined elsewhere", [], False, NOT_X)]


def test_auto_scaling_group_mixed_instances_policy_reads_each_template_once() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Lt2": lt(SecurityGroupIds=[ref("Other")]),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")}, MixedInstancesPolicy={"LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")},
            "Overrides": [{"LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt2")}},
                          {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-0123"}}],
        }}),
    })
    found = [(a.variant, keys(a.members), a.members_known) for a in attachments(model, "Asg")]
    assert found == [("Lt", [rkey("NodeSG")], True), ("Lt2", [rkey("Other")], True),
                     ("a launch template defined elsewhere", [], False)]


def test_mixed_instances_policy_with_overrides_that_are_not_a_list() -> None:
    model = build({"Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
                   "Asg": asg(MixedInstancesPolicy={"LaunchTemplate": {
                       "LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")}, "Overrides": ref("Odd")}})},
                  {"Odd": {"Type": "String"}})
    assert [(a.variant, keys(a.members)) for a in attachments(model, "Asg")] == [("", [rkey("NodeSG")])]


def test_auto_scaling_group_launch_configuration_in_full() -> None:
    model = build({
        "Lc": {"Type": "AWS::AutoScaling::LaunchConfiguration", "Condition": "Y", "Properties": {
            "SecurityGroups": [ref("NodeSG"), if_("X", "sg-1", NO_VALUE)],
            "UserData": {"Fn::Base64": sub("/etc/eks/bootstrap.sh ${Cl}")}}},
        "Asg": asg(LaunchConfigurationName=ref("Lc")),
    })
    path = ("Resources", "Lc", "Properties", "SecurityGroups")
    assert the(model, "Asg") == Attachment(
        "Asg", Compute.AUTO_SCALING_GROUP,
        (Member(rkey("NodeSG"), Y, (*path, 0)), Member(key(Origin.LITERAL, "sg-1"), Y & X, (*path, 1, "Fn::If", 1))),
        True, TRUE, ("Resources", "Asg"), ("${Cl}",), "")


def test_launch_configuration_security_groups_are_read_by_name() -> None:
    model = build({"Lc": res("AWS::AutoScaling::LaunchConfiguration", SecurityGroups=["elsewhere"]),
                   "Asg": asg(LaunchConfigurationName=ref("Lc"))})
    assert keys(the(model, "Asg").members) == [key(Origin.NAME, "elsewhere")]


@pytest.mark.parametrize("name", ["made-elsewhere", ref("LcParam"), {"Fn::ImportValue": "lc"}, ref("NodeSG")])
def test_launch_configuration_defined_elsewhere(name: object) -> None:
    model = build({"Asg": asg(LaunchConfigurationName=name)}, {"LcParam": {"Type": "String"}})
    unknown = Setting(Truth.UNKNOWN, TRUE, (), explicit=False,
                      shown="set by a launch template or configuration defined elsewhere")
    assert the(model, "Asg") == Attachment("Asg", Compute.AUTO_SCALING_GROUP, (), False, TRUE, ("Resources", "Asg"),
                                           public_ips=(unknown,))


def test_launch_configuration_and_template_both_named_give_two_variants() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Lc": res("AWS::AutoScaling::LaunchConfiguration", SecurityGroups=[ref("Other")]),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")}, LaunchConfigurationName=ref("Lc")),
    })
    assert [(a.variant, keys(a.members)) for a in attachments(model, "Asg")] == [
        ("Lt", [rkey("NodeSG")]), ("Lc", [rkey("Other")])]
    model = build({"Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
                   "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")}, LaunchConfigurationName="lc")})
    assert [(a.variant, a.members_known) for a in attachments(model, "Asg")] == [
        ("Lt", True), ("a launch configuration defined elsewhere", False)]


def test_cluster_tags_of_the_groups_a_node_carries_are_evidence() -> None:
    """Only groups this template creates carry tags it can read; each name once, the node's own first."""
    model = build({
        "Tagged": sg(Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]),
        "Lt": lt(SecurityGroupIds=[ref("Tagged"), getatt("Cl", "ClusterSecurityGroupId")]),
        "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                   Tags=[{"Key": "kubernetes.io/cluster/stage", "Value": "owned"},
                         {"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]),
    })
    assert the(model, "Asg").cluster_names == ("stage", "prod")


def test_auto_scaling_group_conditional_cluster_tag_is_evidence() -> None:
    model = build({"Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
                   "Asg": asg(LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                              Tags=[if_("X", {"Key": "kubernetes.io/cluster/prod", "Value": "owned",
                                              "PropagateAtLaunch": True}, NO_VALUE)])})
    assert the(model, "Asg").cluster_names == ("prod",)


def test_every_tagged_group_a_node_carries_is_evidence() -> None:
    model = build({
        "A": sg(Tags=[{"Key": "kubernetes.io/cluster/one", "Value": "owned"}]),
        "B": sg(Tags=[{"Key": "kubernetes.io/cluster/two", "Value": "owned"}]),
        "Vm": res("AWS::EC2::Instance", SecurityGroupIds=[ref("A"), ref("B")]),
    })
    assert the(model, "Vm").cluster_names == ("one", "two")


# --- instances ------------------------------------------------------------------------------------------


def test_instance_in_full() -> None:
    model = build({
        "Sub": res("AWS::EC2::Subnet", CidrBlock="10.0.0.0/24"),
        "Sub2": res("AWS::EC2::Subnet", CidrBlock="10.0.1.0/24"),
        "Named": sg(GroupName="named"),
        "Vm": {"Type": "AWS::EC2::Instance", "Condition": "X", "Properties": {
            "SecurityGroupIds": [ref("NodeSG")], "SecurityGroups": ["named"], "SubnetId": ref("Sub"),
            "NetworkInterfaces": [{"DeviceIndex": "0", "GroupSet": [ref("Other")], "SubnetId": ref("Sub2")},
                                  {"DeviceIndex": 1, "GroupSet": ["sg-2"], "SubnetId": "subnet-9"}],
            "UserData": {"Fn::Base64": "/etc/eks/bootstrap.sh prod"},
            "Tags": [{"Key": "kubernetes.io/cluster/prod", "Value": "owned"},
                     {"Key": "kubernetes.io/cluster/stage", "Value": "owned"}],
        }},
    })
    props = ("Resources", "Vm", "Properties")
    assert the(model, "Vm") == Attachment(
        "Vm", Compute.INSTANCE,
        (Member(rkey("NodeSG"), X, (*props, "SecurityGroupIds", 0)),
         Member(rkey("Named"), X, (*props, "SecurityGroups", 0)),
         Member(rkey("Other"), X, (*props, "NetworkInterfaces", 0, "GroupSet", 0))),
        True, X, ("Resources", "Vm"), ("prod", "stage"),
        addresses=Addresses((Block(IPv4Network("10.0.0.0/24")), Block(IPv4Network("10.0.1.0/24"))), True,
                            ("Sub", "Sub2")))


def test_instance_security_groups_are_names_and_ids_are_ids() -> None:
    model = build({"Vm": res("AWS::EC2::Instance", SecurityGroupIds=["elsewhere"], SecurityGroups=["elsewhere"])})
    assert keys(the(model, "Vm").members) == [key(Origin.LITERAL, "elsewhere"), key(Origin.NAME, "elsewhere")]


def test_instance_takes_launch_template_groups_under_the_branch_that_names_it() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], UserData={"Fn::Base64": "/etc/eks/bootstrap.sh prod"}),
        "Vm": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": if_("X", ref("Lt"), "lt-0123")}),
    })
    vm = the(model, "Vm")
    assert [(m.key, m.guard) for m in vm.members] == [(rkey("NodeSG"), X)]
    assert not vm.members_known  # the other branch's template lives elsewhere
    assert vm.cluster_names == ("prod",)


def test_instance_own_groups_win_over_an_external_launch_template() -> None:
    model = build({"Vm": res("AWS::EC2::Instance", SecurityGroupIds=[ref("NodeSG")],
                             LaunchTemplate={"LaunchTemplateId": "lt-0123"})})
    vm = the(model, "Vm")
    assert keys(vm.members) == [rkey("NodeSG")]
    assert vm.members_known


def test_instance_without_groups_or_subnets() -> None:
    model = build({"Vm": res("AWS::EC2::Instance", ImageId="ami-1")})
    assert the(model, "Vm") == Attachment("Vm", Compute.INSTANCE, (), True, TRUE, ("Resources", "Vm"))


def test_instance_reads_every_launch_template_branch() -> None:
    """An instance without groups of its own takes each branch's launch template groups under that branch."""
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")]),
        "Lt2": lt(SecurityGroupIds=[ref("Other")]),
        "Vm": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": if_("X", "lt-0123", if_(
            "Y", ref("Lt"), ref("Lt2")))}),
    })
    vm = the(model, "Vm")
    assert vm.members == (Member(rkey("NodeSG"), NOT_X & Y, LT_IDS),
                          Member(rkey("Other"), NOT_X & NOT_Y, ("Resources", "Lt2", *LT_IDS[2:])))
    assert not vm.members_known


def test_instance_user_data_and_launch_template_user_data_are_both_evidence() -> None:
    model = build({
        "Lt": lt(UserData={"Fn::Base64": "/etc/eks/bootstrap.sh from-template"}),
        "Vm": res("AWS::EC2::Instance", UserData={"Fn::Base64": "/etc/eks/bootstrap.sh own"},
                  LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                  Tags=[if_("X", {"Key": "kubernetes.io/cluster/tagged", "Value": "owned"}, NO_VALUE)]),
    })
    assert the(model, "Vm").cluster_names == ("own", "from-template", "tagged")


def test_instance_takes_the_user_data_of_every_launch_template_branch_as_evidence() -> None:
    """Whichever template a deployment picks, its bootstrap names the cluster: both names are evidence."""
    model = build({
        "Lt": lt(UserData={"Fn::Base64": "/etc/eks/bootstrap.sh blue"}),
        "Lt2": lt(UserData={"Fn::Base64": "/etc/eks/bootstrap.sh green"}),
        "Vm": res("AWS::EC2::Instance", LaunchTemplate={"LaunchTemplateId": if_("X", ref("Lt"), ref("Lt2"))}),
    })
    assert the(model, "Vm").cluster_names == ("blue", "green")


# --- spot fleets ----------------------------------------------------------------------------------------------


def test_spot_fleet_launch_specifications_and_templates_are_kinds_of_node() -> None:
    model = build({
        "Sub": res("AWS::EC2::Subnet", CidrBlock="10.0.0.0/24"),
        "Sub2": res("AWS::EC2::Subnet", CidrBlock="10.0.1.0/24"),
        "Lt": lt(SecurityGroupIds=[ref("Other")]),
        "Fleet": {"Type": "AWS::EC2::SpotFleet", "Condition": "X", "Properties": {"SpotFleetRequestConfigData": {
            "LaunchSpecifications": [
                {"SecurityGroups": [{"GroupId": ref("NodeSG")}], "SubnetId": ref("Sub"),
                 "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": ["sg-1"], "SubnetId": ref("Sub2")},
                                       {"DeviceIndex": 1, "Groups": ["sg-2"]}],
                 "UserData": {"Fn::Base64": "/etc/eks/bootstrap.sh prod"},
                 "TagSpecifications": [{"Tags": [{"Key": "kubernetes.io/cluster/stage", "Value": "owned"}]}]},
                if_("Y", {"SecurityGroups": [{"GroupId": ref("Other")}]}, NO_VALUE),
            ],
            "LaunchTemplateConfigs": [
                {"LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")}},
                {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-0123"}},
            ],
        }}},
    })
    specs = ("Resources", "Fleet", "Properties", "SpotFleetRequestConfigData", "LaunchSpecifications")
    assert attachments(model, "Fleet") == [
        Attachment("Fleet", Compute.SPOT_FLEET,
                   (Member(rkey("NodeSG"), X, (*specs, 0, "SecurityGroups", 0, "GroupId")),
                    Member(key(Origin.LITERAL, "sg-1"), X, (*specs, 0, "NetworkInterfaces", 0, "Groups", 0))),
                   True, X, ("Resources", "Fleet"), ("prod", "stage"), "launch specification 1",
                   addresses=Addresses((Block(IPv4Network("10.0.0.0/24")), Block(IPv4Network("10.0.1.0/24"))),
                                       True, ("Sub", "Sub2"))),
        Attachment("Fleet", Compute.SPOT_FLEET,
                   (Member(rkey("Other"), X & Y, (*specs, 1, "Fn::If", 1, "SecurityGroups", 0, "GroupId")),),
                   True, X & Y, ("Resources", "Fleet"), (), "launch specification 2"),
        Attachment("Fleet", Compute.SPOT_FLEET,
                   (Member(rkey("Other"), TRUE, ("Resources", "Lt", "Properties", "LaunchTemplateData",
                                                 "SecurityGroupIds", 0)),),
                   True, X, ("Resources", "Fleet"), (), "Lt"),
        Attachment("Fleet", Compute.SPOT_FLEET, (), False, X, ("Resources", "Fleet"), (),
                   "a launch template defined elsewhere",
                   public_ips=(Setting(Truth.UNKNOWN, X, (), explicit=False,
                                       shown="set by a launch template or configuration defined elsewhere"),)),
    ]


def test_spot_fleet_with_one_kind_of_node_has_no_variant_name() -> None:
    model = build({
        "Tagged": sg(Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "owned"}]),
        "Fleet": res("AWS::EC2::SpotFleet", SpotFleetRequestConfigData={
            "LaunchSpecifications": [{"SecurityGroups": [{"GroupId": ref("Tagged")}]}]}),
    })
    fleet = the(model, "Fleet")
    assert (fleet.variant, keys(fleet.members), fleet.cluster_names) == ("", [rkey("Tagged")], ("prod",))


def test_spot_fleet_launch_template_brings_its_evidence() -> None:
    model = build({
        "Lt": lt(SecurityGroupIds=[ref("NodeSG")], UserData={"Fn::Base64": "/etc/eks/bootstrap.sh prod"}),
        "Fleet": res("AWS::EC2::SpotFleet", SpotFleetRequestConfigData={
            "LaunchTemplateConfigs": [{"LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")}}]}),
    })
    fleet = the(model, "Fleet")
    assert (fleet.variant, fleet.cluster_names, fleet.members_known) == ("", ("prod",), True)


def test_spot_fleet_conditional_tags_are_evidence() -> None:
    model = build({"Fleet": res("AWS::EC2::SpotFleet", SpotFleetRequestConfigData={"LaunchSpecifications": [{
        "SecurityGroups": [{"GroupId": ref("NodeSG")}],
        "TagSpecifications": [if_("X", {"Tags": [if_("Y", {"Key": "kubernetes.io/cluster/prod"}, NO_VALUE)]},
                                  NO_VALUE)]}]})})
    assert the(model, "Fleet").cluster_names == ("prod",)


def test_spot_fleet_with_two_kinds_of_node_names_each() -> None:
    model = build({"Lt": lt(SecurityGroupIds=[ref("Other")]),
                   "Fleet": res("AWS::EC2::SpotFleet", SpotFleetRequestConfigData={
                       "LaunchSpecifications": [{"SecurityGroups": [{"GroupId": ref("NodeSG")}]}],
                       "LaunchTemplateConfigs": [{"LaunchTemplateSpecification": {"LaunchTemplateId": ref("Lt")}}]})})
    assert [a.variant for a in attachments(model, "Fleet")] == ["launch specification 1", "Lt"]


# --- VPC endpoints and other group users ------------------------------------------------------------------


@pytest.mark.parametrize(("service", "suffix"), [
    ("com.amazonaws.us-east-1.ecr.api", "ecr.api"),
    (sub("com.amazonaws.${AWS::Region}.ecr.dkr"), "ecr.dkr"),
    ({"Fn::Join": ["", ["com.amazonaws.", ref("AWS::Region"), ".sts"]]}, "sts"),
    ("com.amazonaws.ap-southeast-2.s3", "s3"),
    ("com.amazonaws.us-gov-west-1.ec2", "ec2"),
    ({"Fn::ImportValue": ["odd"]}, ""),
])
def test_vpc_endpoint_service_is_what_follows_the_region(service: object, suffix: str) -> None:
    model = build({"Ep": res("AWS::EC2::VPCEndpoint", ServiceName=service)})
    (endpoint,) = model.endpoints
    assert endpoint.service == suffix


@pytest.mark.parametrize(("kind", "interface"), [
    ("Interface", True), ("interface", True), ("Gateway", False), (None, False), (ref("Kind"), False),
])
def test_vpc_endpoint_is_a_gateway_unless_it_says_interface(kind: object, interface: bool) -> None:
    props: Json = {"ServiceName": "com.amazonaws.us-east-1.s3"}
    if kind is not None:
        props["VpcEndpointType"] = kind
    model = build({"Ep": res("AWS::EC2::VPCEndpoint", **props)}, {"Kind": {"Type": "String"}})
    assert model.endpoints[0].interface is interface


def test_vpc_endpoint_in_full() -> None:
    model = build({
        "Sub": res("AWS::EC2::Subnet", CidrBlock="10.0.0.0/24"),
        "Ep": {"Type": "AWS::EC2::VPCEndpoint", "Condition": "X", "Properties": {
            "ServiceName": "com.amazonaws.eu-west-1.ecr.api", "VpcEndpointType": "Interface",
            "SecurityGroupIds": [ref("NodeSG")], "SubnetIds": [ref("Sub")]}},
    })
    (endpoint,) = model.endpoints
    assert endpoint.resource == "Ep"
    assert endpoint.members == (Member(rkey("NodeSG"), X, ("Resources", "Ep", "Properties", "SecurityGroupIds", 0)),)
    assert endpoint.guard == X
    assert endpoint.path == ("Resources", "Ep")
    assert endpoint.addresses == Addresses((Block(IPv4Network("10.0.0.0/24")),), True, ("Sub",))
    # PrivateDnsEnabled not written: CloudFormation's default, false; no VpcId of this template's.
    assert endpoint.private_dns == (Setting(Truth.FALSE, X, ("Resources", "Ep", "Properties"), explicit=False),)
    assert endpoint.vpc is None and endpoint.route_tables == ()


def test_other_resources_that_carry_groups_are_uses() -> None:
    """Every listed group-carrying property, down nested keys and lists, under the resource's condition."""
    model = build({
        "Db": {"Type": "AWS::RDS::DBInstance", "Condition": "X",
               "Properties": {"VPCSecurityGroups": [ref("NodeSG")]}},
        "Fn": res("AWS::Lambda::Function", VpcConfig=if_("Y", {"SecurityGroupIds": [ref("Other")]}, NO_VALUE)),
        "Lb": res("AWS::ElasticLoadBalancingV2::LoadBalancer", SecurityGroups=["named"]),
        "Vm": res("AWS::EC2::Instance", NetworkInterfaces=[{"GroupSet": [ref("NodeSG")]},
                                                           {"GroupSet": [ref("Other")]}]),
    })
    found = [(u.resource, u.resource_type, u.member.key, u.member.guard, u.member.path) for u in model.uses]
    assert sorted(found, key=lambda u: (u[0], str(u[4]))) == [
        ("Db", "AWS::RDS::DBInstance", rkey("NodeSG"), X, ("Resources", "Db", "Properties", "VPCSecurityGroups", 0)),
        ("Fn", "AWS::Lambda::Function", rkey("Other"), Y,
         ("Resources", "Fn", "Properties", "VpcConfig", "Fn::If", 1, "SecurityGroupIds", 0)),
        ("Lb", "AWS::ElasticLoadBalancingV2::LoadBalancer", key(Origin.NAME, "named"), TRUE,
         ("Resources", "Lb", "Properties", "SecurityGroups", 0)),
        ("Vm", "AWS::EC2::Instance", rkey("NodeSG"), TRUE,
         ("Resources", "Vm", "Properties", "NetworkInterfaces", 0, "GroupSet", 0)),
        ("Vm", "AWS::EC2::Instance", rkey("Other"), TRUE,
         ("Resources", "Vm", "Properties", "NetworkInterfaces", 1, "GroupSet", 0)),
    ]


def test_ids_in_a_security_group_ids_list_are_not_names() -> None:
    model = build({"Cache": res("AWS::ElastiCache::ReplicationGroup", SecurityGroupIds=["elsewhere"])})
    assert [u.member.key for u in model.uses] == [key(Origin.LITERAL, "elsewhere")]


def test_uses_follow_each_fn_if_branch_and_the_resource_condition() -> None:
    """Group lists reached through Fn::If at any level, under the resource's condition and the branch's."""
    model = build({
        "Vm": {"Type": "AWS::EC2::Instance", "Condition": "X", "Properties": {"NetworkInterfaces": if_(
            "Y", [{"GroupSet": [ref("NodeSG")]}], [{"GroupSet": [ref("Other")]}])}},
        "Svc": {"Type": "AWS::ECS::Service", "Condition": "X", "Properties": {"NetworkConfiguration": if_(
            "Y", {"AwsvpcConfiguration": {"SecurityGroups": ["sg-1"]}},
            {"AwsvpcConfiguration": {"SecurityGroups": ["sg-2"]}})}},
    })
    found = [(u.resource, u.member.key, u.member.guard) for u in model.uses if u.resource in ("Vm", "Svc")]
    assert found == [
        ("Vm", rkey("NodeSG"), X & Y), ("Vm", rkey("Other"), X & NOT_Y),
        ("Svc", key(Origin.LITERAL, "sg-1"), X & Y), ("Svc", key(Origin.LITERAL, "sg-2"), X & NOT_Y),
    ]


# --- references: groups named outside rules, and groups handed to other stacks ---------------------------------


def test_groups_named_by_outputs_and_other_resources_are_referenced() -> None:
    template: Json = tmpl({
        "A": sg(), "B": sg(), "C": sg(), "D": sg(), "E": sg(),
        "Rule": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("D"), SourceSecurityGroupId=ref("E"),
                    IpProtocol="-1"),
        "Peer": sg(SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": ref("E")}]),
        "Domain": res("AWS::SageMaker::Domain", DefaultUserSettings={"SecurityGroups": [getatt("B", "GroupId")]}),
        "Param": res("AWS::SSM::Parameter", Value=sub("${C.GroupId}")),
        "Lb": res("AWS::ElasticLoadBalancingV2::LoadBalancer", SecurityGroups=[ref("Peer")]),
    })
    template["Outputs"] = {"Out": {"Value": ref("A")}, "Odd": {"Value": ref("Lb")}}
    assert build_model(template).referenced == {rkey("A"), rkey("B"), rkey("C"), rkey("Peer")}


def test_groups_handed_to_other_stacks_are_exported() -> None:
    """Outputs and nested stacks' parameters hand groups created here to stacks that may add rules."""
    template: Json = tmpl({
        "A": sg(), "B": sg(), "C": sg(),
        "Child": res("AWS::CloudFormation::Stack", TemplateURL="child.yaml",
                     Parameters={"Nodes": getatt("B", "GroupId"), "Joined": {"Fn::Join": [",", [ref("C"), "sg-1"]]}}),
        "Cl": res("AWS::EKS::Cluster"),
    }, {"External": {"Type": "AWS::EC2::SecurityGroup::Id"}})
    template["Outputs"] = {"A": {"Value": ref("A"), "Export": {"Name": "a"}},
                           "Cluster": {"Value": getatt("Cl", "ClusterSecurityGroupId")},
                           "Param": {"Value": ref("External")}, "Text": {"Value": "sg-1"}}
    assert build_model(template).exported == {rkey("A"), rkey("B"), rkey("C"), key(Origin.CLUSTER, "Cl")}


def test_an_export_name_that_matches_a_group_name_hands_out_nothing() -> None:
    """Only expressions hand a group to another stack: literal text in an output is not the group."""
    template: Json = tmpl({"Named": sg(GroupName="nodes")})
    template["Outputs"] = {"Out": {"Description": "nodes", "Value": "sg-1", "Export": {"Name": "nodes"}}}
    assert build_model(template).exported == set()


# --- module helpers --------------------------------------------------------------------------------------


def test_values_walks_every_nested_value() -> None:
    value: Json = {"a": [1, {"b": "x"}], "c": {"Ref": "G"}}
    assert list(_values(value)) == [value, [1, {"b": "x"}], 1, {"b": "x"}, "x", {"Ref": "G"}, "G"]


def test_values_stops_at_depth_twelve() -> None:
    deep: object = "leaf"
    for _ in range(12):
        deep = [deep]
    assert "leaf" in list(_values(deep))
    assert "leaf" not in list(_values(deep, 1))


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"Name": 1}, "Name"), ({"name": 1}, "name"), ({"Name": 1, "name": 2}, "Name"), ({}, "Name"),
    ({"NAME": 1}, "Name"), ("name", "Name"), (None, "Name"),
])
def test_key_of_falls_back_to_camel_case_only_when_that_is_all_there_is(mapping: object, expected: str) -> None:
    assert _key_of(mapping, "Name") == expected


@pytest.mark.parametrize(("user_data", "text"), [
    ("plain", "plain"),
    ({"Fn::Base64": "plain"}, "plain"),
    ({"Fn::Base64": {"Fn::Base64": "twice"}}, "twice"),
    (sub("x ${Cl}"), "x ${Cl}"),
    ({"Fn::Sub": ["x ${N}", {"N": {"Fn::ImportValue": ["odd"]}}]}, "x ${N}"),
    ({"Fn::Sub": [ref("Odd")]}, "?"),
    ({"Fn::Join": ["-", ["a", {"Fn::ImportValue": ["odd"]}, "b"]]}, "a-?-b"),
    ({"Fn::Join": ["-", ref("List")]}, "?"),
    ({"Fn::Join": ["-", ["a"], "extra"]}, "?"),
    ({"Fn::If": ["X", "yes", "no"]}, "yes\nno"),
    ({"Fn::If": ["X", "yes"]}, "?"),
    ({"Fn::Select": [0, ["a"]]}, "?"),
    (ref("UserData"), "${UserData}"),
    ({"Ref": ["odd"]}, "?"),
    (42, "?"),
    ({"a": "b", "c": "d"}, "?"),
])
def test_user_data_as_text(user_data: object, text: str) -> None:
    """Literal text is kept, references become ${Name}, and whatever cannot be read becomes '?'."""
    assert _flat_text(user_data) == text


def test_user_data_nesting_deeper_than_sixteen_is_not_read() -> None:
    deep: object = "bootstrap.sh prod"
    for _ in range(16):
        deep = {"Fn::Base64": deep}
    assert _flat_text(deep) == "bootstrap.sh prod"
    assert _flat_text({"Fn::Base64": deep}) == "?"


@pytest.mark.parametrize(("user_data", "names"), [
    (None, []),
    ("/etc/eks/bootstrap.sh prod --kubelet-extra-args x", ["prod"]),
    ("/etc/eks/bootstrap.sh \"prod\";", ["prod"]),
    ("/etc/eks/bootstrap.sh   'prod'", ["prod"]),
    ("/etc/eks/bootstrap.sh ?", []),
    ("bootstrap.sh\n  prod", ["prod"]),
    ("& $script -EKSClusterName 'win' -Other x", ["win"]),
    ("[settings.kubernetes]\ncluster-name = \"br\"", ["br"]),
    ("cluster-name='br2'", ["br2"]),
    ("apiVersion: node.eks.aws/v1alpha1\nspec:\n  cluster:\n    name: nodeadm\n", ["nodeadm"]),
    ("apiVersion: node.eks.aws/v1alpha1\nspec:\n  cluster:\n    name: 'quoted'\n", ["quoted"]),
    ("/etc/eks/bootstrap.sh a\n/etc/eks/bootstrap.sh b", ["a", "b"]),
    ({"Fn::If": ["X", "/etc/eks/bootstrap.sh a", "/etc/eks/bootstrap.sh b"]}, ["a", "b"]),
    ("echo hello", []),
])
def test_bootstrap_names_from_each_node_family(user_data: object, names: list[str]) -> None:
    """AL2 bootstrap.sh, Windows -EKSClusterName, Bottlerocket cluster-name, AL2023 nodeadm NodeConfig."""
    assert _bootstrap_names(user_data) == names


@pytest.mark.parametrize("wrap", [
    lambda inner: {"Fn::Join": ["", [inner, {"Fn::ImportValue": ["odd"]}]]},
    lambda inner: {"Fn::If": ["X", inner, "b"]},
    lambda inner: {"Fn::If": ["X", "b", inner]},
])
def test_user_data_depth_limit_holds_through_join_and_if(wrap: Callable[[object], object]) -> None:
    """Sixteen levels of Join or If are read; the seventeenth is not, whichever branch nests."""
    deep: object = "bootstrap.sh prod"
    for _ in range(16):
        deep = wrap(deep)
    assert "bootstrap.sh prod" in _flat_text(deep)
    assert "bootstrap.sh prod" not in _flat_text(wrap(deep))
