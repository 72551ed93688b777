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
