"""Reading a template: resources by type, and which security group an expression names.

Group identity follows CloudFormation: `Ref` and `GetAtt .GroupId` of one group are the same group;
a parameter is one external group whatever its default; `Fn::Select`/`Fn::Split` over list
parameters and Sub/Join strings are taken apart; anything else is an opaque group that may be any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final

from cfnlint_eks_sg.core._guards import TRUE, Guard
from cfnlint_eks_sg.core._ports import parse_port
from cfnlint_eks_sg.core._resolve import Alt, Path, function, get, list_items, name_token, present, short_form
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.core._stacks import FED_PARAMETERS
from cfnlint_eks_sg.model._types import (
    CLUSTER_TAG,
    CLUSTER_TYPES,
    GROUP_LISTS,
    GROUP_TYPE,
    GroupKey,
    Member,
    Model,
    Origin,
)
from cfnlint_eks_sg.model._values import Reducer

# The resource types the routing model reads (`_routing`), reduced to one form only when it does.
ROUTING_TYPES: Final = frozenset({
    "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::NatGateway", "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation", "AWS::EC2::VPCGatewayAttachment",
})
# The types whose properties the model reads (what names groups, rules, compute, addresses and nested stacks);
# every other resource is read only for the logical ids it refers to.
READ_TYPES: Final = frozenset({
    GROUP_TYPE, "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", *CLUSTER_TYPES,
    "AWS::EKS::Nodegroup", "AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::LaunchConfiguration",
    "AWS::EC2::Instance", "AWS::EC2::SpotFleet", "AWS::EC2::LaunchTemplate", "AWS::EC2::VPCEndpoint",
    "AWS::EC2::VPC", "AWS::EC2::VPCCidrBlock", "AWS::EC2::Subnet", "AWS::EC2::PrefixList",
    "AWS::CloudFormation::Stack", *GROUP_LISTS,
})


class TemplateReader:
    """The template's resources and parameters, indexed once; group identity on top."""

    def __init__(self, template: object, settings: Settings) -> None:
        self.settings = settings
        self.template = template
        self.resources = _resources(template)
        # Every spelling of a value reduced to one form before anything reads it (`_values`).
        self.reducer = Reducer({name: str(res["Type"]) for name, res in self.resources.items()},
                               get(template, "Mappings"), get(template, "Conditions"))
        self.reduce_types(READ_TYPES)
        self.outputs = self.reducer.reduce(get(template, "Outputs"))
        self.parameters = _parameters(template)
        self.by_type: dict[str, list[str]] = {}
        for name, res in self.resources.items():
            self.by_type.setdefault(str(res["Type"]), []).append(name)
        self.group_names: dict[str, str] = {}
        for name in self.by_type.get(GROUP_TYPE, []):
            gname = get(self._props(name), "GroupName")
            if isinstance(gname, str):
                self.group_names[str(gname)] = name
        self.lt_names: dict[str, str] = {}
        for name in self.by_type.get("AWS::EC2::LaunchTemplate", []):
            token = name_token(get(self._props(name), "LaunchTemplateName"))
            if token is not None:
                self.lt_names[token] = name
        self.model = Model(parameters=self.parameters, settings=settings, resources=self.resources)
        self._read_fed_parameters(get(template, FED_PARAMETERS))

    def _read_fed_parameters(self, fed: object) -> None:
        """Parameters a parent stack feeds this nested one: their declaration and the groups they carry."""
        for name, entry in fed.items() if isinstance(fed, Mapping) else ():
            declared = get(entry, "Declaration")
            value = self.reducer.reduce(get(entry, "Value"))
            keys = [self.group_key(item) for item in (value if isinstance(value, list) else [value])]
            self.model.fed[str(name)] = (declared if isinstance(declared, Mapping) else {},
                                         tuple(k for k in keys if k is not None))

    def reduce_types(self, types: frozenset[str]) -> None:
        """The properties of the resources of `types` in one form (`_values`): what the model reads of them."""
        for name, res in self.resources.items():
            if res["Type"] not in types:
                continue  # an IAM policy's statements say nothing about groups: not worth reading twice
            props = res.get("Properties")
            reduced = self.reducer.reduce(props)
            if reduced is not props:
                self.resources[name] = {**res, "Properties": reduced}

    # -- helpers -------------------------------------------------------------------------

    def _props(self, name: str) -> object:
        return self.resources[name].get("Properties")

    def _guard(self, name: str) -> Guard:
        cond = self.resources[name].get("Condition")
        return Guard.when(str(cond), True) if isinstance(cond, str) else TRUE

    def _type(self, name: object) -> str | None:
        if isinstance(name, str) and name in self.resources:
            return str(self.resources[name]["Type"])
        return None

    def resource_named(self, value: object, rtype: str) -> str | None:
        """The template's resource of type `rtype` that `!Ref X` or `!GetAtt X.Attr` names; None for anything else."""
        fn = function(value)
        target: object = None
        if fn is not None and fn[0] == "Ref":
            target = fn[1]
        elif fn is not None and fn[0] == "Fn::GetAtt":
            target = fn[1][0] if isinstance(fn[1], list) and fn[1] else str(fn[1]).split(".")[0]
        return str(target) if self._type(target) == rtype else None

    def vpc_named(self, value: object) -> str | None:
        """The template's VPC that `!Ref Vpc` names; None for parameters, imports and literal ids."""
        fn = function(value)
        return str(fn[1]) if fn and fn[0] == "Ref" and self._type(fn[1]) == "AWS::EC2::VPC" else None

    def parameter_default(self, value: object) -> tuple[str, object] | None:
        """(P, its Default) for `!Ref P`, P a parameter with a Default: what validity and exposure checks
        (never flow checks) assume, saying so, where the template fixes nothing else."""
        fn = function(value)
        if fn is None or fn[0] != "Ref" or not isinstance(fn[1], str) or fn[1] not in self.parameters:
            return None
        default = self.parameters[str(fn[1])].get("Default")
        return (str(fn[1]), default) if default is not None and not isinstance(default, (list, dict)) else None

    def may_take(self, parameter: str, value: str) -> bool:
        """Whether the parameter's AllowedValues and AllowedPattern let it take `value`."""
        declared = self.parameters.get(parameter, {})
        allowed, pattern = declared.get("AllowedValues"), declared.get("AllowedPattern")
        if isinstance(allowed, list) and not any(str(v).strip() == value for v in allowed):
            return False
        if isinstance(pattern, str):
            try:
                return re.fullmatch(str(pattern), value) is not None
            except re.error:
                return True  # cfn-lint reports a pattern that is not one
        return True

    # -- group identity ------------------------------------------------------------------

    def group_key(self, value: object, by_name: bool = False) -> GroupKey | None:
        """The group a scalar expression names; None when it names nothing (empty string)."""
        if isinstance(value, str):
            text = str(value).strip()
            if not text:
                return None
            if text.startswith("sg-"):
                return GroupKey.make(Origin.LITERAL, text)
            if text in self.group_names:
                return GroupKey.make(Origin.RESOURCE, self.group_names[text])
            return GroupKey.make(Origin.NAME if by_name else Origin.LITERAL, text)
        fn = function(value)
        if fn is None:
            return GroupKey.make(Origin.OPAQUE, short_form(value))
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            if self._type(arg) == GROUP_TYPE:
                return GroupKey.make(Origin.RESOURCE, arg)
            if arg in self.parameters:
                return GroupKey.make(Origin.PARAMETER, arg)
        elif name == "Fn::GetAtt":
            return self._getatt_key(arg, value)
        elif name == "Fn::ImportValue":
            return GroupKey.make(Origin.IMPORT, name_token(arg) or short_form(arg))
        elif name == "Fn::Select":
            return self._select_key(arg, value)
        return GroupKey.make(Origin.OPAQUE, short_form(value))

    def _getatt_key(self, arg: object, whole: object) -> GroupKey:
        parts: list[object] = []
        if isinstance(arg, str):
            parts = list(str(arg).split(".", 1))
        elif isinstance(arg, list):
            parts = list(arg)
        if len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], str):
            res, attr = str(parts[0]), str(parts[1])
            rtype = self._type(res)
            if rtype == GROUP_TYPE and attr in ("GroupId", "Id"):
                return GroupKey.make(Origin.RESOURCE, res)
            if rtype in CLUSTER_TYPES and attr == "ClusterSecurityGroupId":
                return GroupKey.make(Origin.CLUSTER, res)
            if rtype == "AWS::EC2::VPC" and attr == "DefaultSecurityGroup":
                return GroupKey.make(Origin.VPC_DEFAULT, res)
            if rtype == "AWS::CloudFormation::Stack" and attr.startswith("Outputs."):
                return GroupKey.make(Origin.NESTED, f"{res}.{attr[len('Outputs.'):]}")
        return GroupKey.make(Origin.OPAQUE, short_form(whole))

    def _select_key(self, arg: object, whole: object) -> GroupKey:
        if isinstance(arg, list) and len(arg) == 2:
            index = parse_port(arg[0])
            source = arg[1]
            param = self._list_parameter(source)
            if param is not None and index is not None:
                return GroupKey.make(Origin.PARAMETER_ITEM, f"{param}[{index}]")
        return GroupKey.make(Origin.OPAQUE, short_form(whole))

    def _list_parameter(self, value: object) -> str | None:
        """`P` for `!Ref P` or `!Split [d, !Ref P]` where P is a parameter."""
        fn = function(value)
        if fn and fn[0] == "Ref" and isinstance(fn[1], str) and fn[1] in self.parameters:
            return str(fn[1])
        if fn and fn[0] == "Fn::Split" and isinstance(fn[1], list) and len(fn[1]) == 2:
            return self._list_parameter(fn[1][1])
        return None

    def group_members(self, value: object, path: Path, guard: Guard, by_name: bool = False) -> Iterator[Member]:
        """Members of a list of groups: literal lists, `Fn::If`, list parameters, `Fn::Split`."""
        for alt in list_items(value, path, guard, keep_null=True):
            if alt.value is None:
                # A null item: a value that was meant to be there (a stubbed import); unknown, not absent.
                yield Member(GroupKey.make(Origin.OPAQUE, f"null at {'/'.join(map(str, alt.path))}"),
                             alt.guard, alt.path)
                continue
            for member in self._list_piece(alt, by_name):
                self.model.places.setdefault(member.key, []).append(member.path)
                self.model.used_in(member.key, member.path)
                yield member

    def _list_piece(self, alt: Alt, by_name: bool) -> Iterator[Member]:
        fn = function(alt.value)
        if fn and fn[0] == "Fn::Split" and isinstance(fn[1], list) and len(fn[1]) == 2:
            delimiter, source = fn[1]
            pieces = self._split_pieces(delimiter, source)
            if pieces is not None:
                for piece in pieces:
                    key = self.group_key(piece, by_name)
                    if key is not None:
                        yield Member(key, alt.guard, alt.path)
                return
        key = self.group_key(alt.value, by_name)
        if key is not None:
            yield Member(key, alt.guard, alt.path)

    def _split_pieces(self, delimiter: object, source: object, depth: int = 0) -> list[object] | None:
        """The pieces `Fn::Split` cuts from a Sub or Join that lists groups (the 2019 node template)."""
        if not isinstance(delimiter, str) or not delimiter or depth > 8:  # CloudFormation rejects ""
            return None
        fn = function(source)
        if fn and fn[0] == "Ref":
            return [source]
        if fn and fn[0] == "Fn::Sub":
            template: object = fn[1]
            variables: Mapping[object, object] = {}
            if isinstance(template, list) and template:
                if len(template) > 1 and isinstance(template[1], Mapping):
                    variables = template[1]
                template = template[0]
            if not isinstance(template, str):
                return None
            pieces: list[object] = []
            for piece in str(template).split(delimiter):
                inner = re.fullmatch(r"\s*\$\{([^}.!]+)\}\s*", piece)
                if inner and inner.group(1) in variables:
                    value = variables[inner.group(1)]
                    pieces += self._split_pieces(delimiter, value, depth + 1) or [value]
                elif piece.strip():
                    pieces.append(self.reducer.reduce({"Fn::Sub": piece.strip()}))
            return pieces
        joined = fn[1] if fn and fn[0] == "Fn::Join" else None
        if isinstance(joined, list) and len(joined) == 2 and joined[0] == delimiter:
            return list(joined[1]) if isinstance(joined[1], list) else [joined[1]]
        return None

    def _tags(self, value: object, path: Path, guard: Guard) -> tuple[tuple[str, ...], tuple[tuple[str, Guard], ...]]:
        keys: list[str] = []
        cluster: list[tuple[str, Guard]] = []
        for alt in list_items(value, path, guard):
            for key_alt in present(get(alt.value, "Key"), alt.path, alt.guard):
                token = name_token(key_alt.value)
                if token is None:
                    continue
                keys.append(token)
                if token.startswith(CLUSTER_TAG) and len(token) > len(CLUSTER_TAG):
                    cluster.append((token[len(CLUSTER_TAG):], key_alt.guard))
        return tuple(keys), tuple(cluster)


def _resources(template: object) -> dict[str, Mapping[object, object]]:
    """The resources that have a logical id and a type: the rest cannot deploy, and nothing reads them."""
    resources = get(template, "Resources")
    found: dict[str, Mapping[object, object]] = {}
    if isinstance(resources, Mapping):
        for name, res in resources.items():
            if isinstance(name, str) and isinstance(res, Mapping) and isinstance(res.get("Type"), str):
                found[name] = res
    return found


def _parameters(template: object) -> dict[str, Mapping[object, object]]:
    """Each parameter's declaration by name (an unreadable declaration is an empty one)."""
    params = get(template, "Parameters")
    found: dict[str, Mapping[object, object]] = {}
    if isinstance(params, Mapping):
        for name, p in params.items():
            if isinstance(name, str):
                found[name] = p if isinstance(p, Mapping) else {}
    return found
