"""Small builders for template dicts shared by the unit tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

from cfnlint_eks_sg._analysis import analyse
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.model._types import GroupKey, Origin

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


def tcp(first: object, last: object, **peer: object) -> Json:
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


class StubConditions:
    """cfn-lint's condition engine as analyse() reads it: `_conditions` and `build_scenarios`."""

    def __init__(self, names: list[str], allowed: Callable[[dict[str, bool]], bool] = lambda s: True) -> None:
        self._conditions: dict[str, object] = {name: object() for name in names}
        self._allowed = allowed
        self.calls: list[dict[str, set[bool]]] = []

    def build_scenarios(self, conditions: dict[str, set[bool]]) -> Iterator[dict[str, bool]]:
        self.calls.append(conditions)
        names = sorted(conditions)
        for values in itertools.product((True, False), repeat=len(names)):
            scenario = dict(zip(names, values, strict=True))
            if self._allowed(scenario):
                yield scenario


def findings(template: Json, rule_id: str, conditions: StubConditions | None = None) -> list[Finding]:
    return analyse(template, conditions).findings_for(rule_id)


def field(found: Finding, name: str) -> str:
    return found.message_fields()[name]
