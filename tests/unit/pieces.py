"""Small builders for template dicts shared by the unit tests."""

from __future__ import annotations

from cfnlint_eks_sg._model import GroupKey, Origin

Json = dict[str, object]


def res(rtype: str, **props: object) -> Json:
    return {"Type": rtype, "Properties": props}


def sg(**props: object) -> Json:
    return res("AWS::EC2::SecurityGroup", **props)


def ref(name: str) -> Json:
    return {"Ref": name}


def getatt(name: str, attr: str) -> Json:
    return {"Fn::GetAtt": [name, attr]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def key(origin: Origin, ident: str) -> GroupKey:
    return GroupKey.make(origin, ident)


def rkey(name: str) -> GroupKey:
    return GroupKey.make(Origin.RESOURCE, name)


# -- larger pieces: rules, clusters, launch templates and managed node groups ----------------------

NO_VALUE: Json = {"Ref": "AWS::NoValue"}


def tcp(first: int, last: int, **peer: object) -> Json:
    """An inline rule item for TCP `first`-`last` with its peer (`CidrIp=...`, `SourceSecurityGroupId=...`)."""
    return {"IpProtocol": "tcp", "FromPort": first, "ToPort": last, **peer}


def if_(condition: str, then: object, otherwise: object = NO_VALUE) -> Json:
    return {"Fn::If": [condition, then, otherwise]}


def eks_cluster(*groups: object, **vpc_config: object) -> Json:
    """An AWS::EKS::Cluster listing `groups` in ResourcesVpcConfig.SecurityGroupIds (plus `vpc_config`)."""
    return res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": list(groups), **vpc_config})


def launch_template(*groups: object) -> Json:
    return res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": list(groups)})


def managed_nodegroup(cluster: str = "Cl", lt: str | None = "Lt", **props: object) -> Json:
    """An AWS::EKS::Nodegroup of `cluster`, with launch template `lt` (None: EKS's own, with the cluster group)."""
    extra: Json = {"LaunchTemplate": {"Id": ref(lt)}} if lt is not None else {}
    return res("AWS::EKS::Nodegroup", ClusterName=ref(cluster), **extra, **props)


def with_condition(resource: Json, condition: str) -> Json:
    return {**resource, "Condition": condition}
