"""Pipeline stage `model`: security groups, their permissions and what carries them.

Reads the decoded template once and produces typed values only: `Group`, `Permission` and
`Attachment`. Semantics (sources in ../shared/reference/eks-sg-spec.md, section 4):
- a group without inline egress gets allow-all egress, removed by any standalone egress on it (M-1, M-2);
- the EKS cluster group of a cluster in this template has visible default rules (C-02);
- groups defined elsewhere (parameters, imports, literal ids) only show this template's rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from cfnlint_eks_sg._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg._ports import (
    ALL_PORTS,
    ALL_TRAFFIC,
    NO_PORTS,
    IpProtocol,
    PortSet,
    parse_port,
    parse_protocol,
    port_set,
)
from cfnlint_eks_sg._resolve import (
    Alt,
    Path,
    alternatives,
    canonical,
    function,
    get,
    list_items,
    name_token,
    present,
)

CLUSTER_TYPES: Final = frozenset({"AWS::EKS::Cluster", "Custom::AWSCDK-EKS-Cluster"})
GROUP_TYPE: Final = "AWS::EC2::SecurityGroup"
CLUSTER_TAG: Final = "kubernetes.io/cluster/"


class Origin(Enum):
    """Where a group comes from; decides whether its rules are visible and what it may equal."""

    RESOURCE = "resource"  # AWS::EC2::SecurityGroup in this template
    CLUSTER = "cluster"  # the EKS-created cluster group of a cluster in this template
    VPC_DEFAULT = "vpc-default"  # GetAtt Vpc.DefaultSecurityGroup
    PARAMETER = "parameter"
    PARAMETER_ITEM = "parameter-item"  # Fn::Select from a list parameter
    IMPORT = "import"
    LITERAL = "literal"  # sg-0123...
    NAME = "name"  # a group name that no group of this template carries
    NESTED = "nested"  # GetAtt Stack.Outputs.X
    EXTERNAL_CLUSTER = "external-cluster"  # the cluster group of a cluster defined elsewhere
    OPAQUE = "opaque"  # an expression we cannot pin down: may be any group


_CREATED_HERE: Final = frozenset({Origin.RESOURCE, Origin.CLUSTER, Origin.VPC_DEFAULT})


@dataclass(frozen=True, slots=True, order=True)
class GroupKey:
    """The identity of a group: equal keys are the same group. Build with `make`."""

    origin: Origin = field(compare=False)
    ident: str
    kind: str = ""  # origin.value: keys order and hash on plain strings

    @classmethod
    def make(cls, origin: Origin, ident: str) -> GroupKey:
        return cls(origin, ident, origin.value)

    @property
    def created_here(self) -> bool:
        return self.origin in _CREATED_HERE

    def may_equal(self, other: GroupKey) -> bool:
        """Whether two different keys could name one group once deployed."""
        if self == other:
            return True
        if Origin.OPAQUE in (self.origin, other.origin):
            return True
        if self.created_here or other.created_here:
            return False  # a group this stack creates has an id no other value can know
        literal = (Origin.LITERAL, Origin.LITERAL)
        return (self.origin, other.origin) != literal

    def __str__(self) -> str:
        return _LABELS[self.origin].format(self.ident)


_LABELS: Final = {
    Origin.RESOURCE: "{}",
    Origin.CLUSTER: "the EKS cluster security group of {}",
    Origin.VPC_DEFAULT: "the default security group of {}",
    Origin.PARAMETER: "parameter {}",
    Origin.PARAMETER_ITEM: "parameter item {}",
    Origin.IMPORT: "imported {}",
    Origin.LITERAL: "{}",
    Origin.NAME: "group named {}",
    Origin.NESTED: "nested-stack output {}",
    Origin.EXTERNAL_CLUSTER: "the EKS cluster security group of cluster {}",
    Origin.OPAQUE: "group {}",
}


class Direction(Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


@dataclass(frozen=True, slots=True)
class GroupPeer:
    key: GroupKey


@dataclass(frozen=True, slots=True)
class CidrPeer:
    cidr: str
    version: int  # 4 or 6: the property it came from (CidrIp or CidrIpv6)


@dataclass(frozen=True, slots=True)
class PrefixListPeer:
    ident: str


@dataclass(frozen=True, slots=True)
class UnknownPeer:
    why: str


Peer = GroupPeer | CidrPeer | PrefixListPeer | UnknownPeer

ANYWHERE_V4: Final = CidrPeer("0.0.0.0/0", 4)
ANYWHERE_V6: Final = CidrPeer("::/0", 6)


@dataclass(frozen=True, slots=True)
class Permission:
    """One security-group rule, normalised. `protocol` None means it could not be read."""

    group: GroupKey
    direction: Direction
    peer: Peer | None  # None: the rule names no peer and opens nothing
    protocol: IpProtocol | None
    ports: PortSet
    guard: Guard
    path: Path
    source: str  # "inline", "standalone", "default egress", "EKS default"
    certain: bool = True  # False for defaults that may or may not exist (the ::/0 half)

    def opens(self, flow_protocol: IpProtocol) -> tuple[PortSet, PortSet]:
        """(ports surely opened, ports possibly opened) for traffic of `flow_protocol`."""
        if self.protocol is None:
            return NO_PORTS, ALL_PORTS
        if self.protocol == ALL_TRAFFIC:
            surely = ALL_PORTS
        elif self.protocol == flow_protocol:
            surely = self.ports
        else:
            surely = NO_PORTS
        return (surely, NO_PORTS) if self.certain else (NO_PORTS, surely)


@dataclass(frozen=True, slots=True)
class Group:
    """A security group as this template sees it."""

    key: GroupKey
    rules_visible: bool  # all of its rules are in this template (plus known defaults)
    guard: Guard
    path: Path
    cluster_tags: tuple[tuple[str, Guard], ...] = ()  # name tokens of kubernetes.io/cluster/NAME tags
    tags: tuple[str, ...] = ()  # every tag key token, for later rules


@dataclass(frozen=True, slots=True)
class Member:
    """A group attached to something, under a guard, written at `path`."""

    key: GroupKey
    guard: Guard
    path: Path


class Compute(Enum):
    CLUSTER = "cluster"
    MANAGED_NODEGROUP = "managed node group"
    AUTO_SCALING_GROUP = "auto scaling group"
    INSTANCE = "instance"


@dataclass(frozen=True, slots=True)
class Attachment:
    """Which groups a piece of compute carries (for a node group: on its instances' ENIs)."""

    resource: str
    compute: Compute
    members: tuple[Member, ...]
    members_known: bool  # False when a launch template or group list lives outside the template
    guard: Guard
    path: Path
    cluster_names: tuple[str, ...] = ()  # name tokens of the clusters it joins (tags, user data, ClusterName)
    variant: str = ""  # the launch template, for auto scaling groups with several
    needs_cluster_group: Guard = FALSE  # managed node groups: when EKS adds the cluster group itself


@dataclass(frozen=True, slots=True)
class ClusterDef:
    """An EKS cluster resource of this template."""

    resource: str
    name_tokens: tuple[str, ...]
    additional: tuple[Member, ...]  # ResourcesVpcConfig.SecurityGroupIds
    guard: Guard
    path: Path
    ipv6: bool


@dataclass(frozen=True, slots=True)
class Settings:
    """Plugin-wide settings from the template Metadata key `cfnlint-eks-sg`."""

    cluster_security_group_defaults: bool = True

    @classmethod
    def from_template(cls, template: object) -> Settings:
        raw = get(get(template, "Metadata"), "cfnlint-eks-sg")
        trust = get(raw, "cluster_security_group_defaults")
        return cls(cluster_security_group_defaults=trust is not False and trust != "false")


@dataclass(frozen=True, slots=True)
class StandaloneRule:
    """An AWS::EC2::SecurityGroupIngress/Egress resource and the group it changes."""

    resource: str
    direction: Direction
    group: GroupKey
    guard: Guard
    path: Path  # its GroupId (or GroupName)


@dataclass(slots=True)
class Model:
    groups: dict[GroupKey, Group] = field(default_factory=dict)
    standalone: list[StandaloneRule] = field(default_factory=list)
    first_use: dict[GroupKey, Path] = field(default_factory=dict)  # where a group is first attached or changed
    peer_use: dict[GroupKey, Path] = field(default_factory=dict)  # where a rule first names it as a peer
    permissions: list[Permission] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    clusters: list[ClusterDef] = field(default_factory=list)
    parameters: dict[str, Mapping[object, object]] = field(default_factory=dict)
    settings: Settings = field(default_factory=lambda: Settings())

    def external_cluster_group(self, name: str, used_at: Path = ()) -> GroupKey:
        """The cluster group of a cluster defined elsewhere, with the rules EKS always restores.

        EKS recreates the group's self rules on every cluster update (C-02); its other rules, the
        0.0.0.0/0 egress included, may have been changed where the cluster lives: not visible.
        """
        key = GroupKey.make(Origin.EXTERNAL_CLUSTER, name)
        if used_at:
            self.first_use.setdefault(key, used_at)
        if key not in self.groups:
            self.groups[key] = Group(key, rules_visible=False, guard=TRUE, path=())
            if self.settings.cluster_security_group_defaults:
                self.permissions.extend(
                    Permission(key, direction, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, (), "EKS default")
                    for direction in Direction
                )
        return key


_BOOTSTRAP: Final = (
    re.compile(r"bootstrap\.sh['\"]?\s+['\"]?([^\s'\"\\;]+)"),
    re.compile(r"-EKSClusterName\s+['\"]?([^\s'\"]+)"),
    re.compile(r"cluster-name\s*=\s*['\"]([^'\"]+)"),
    re.compile(r"node\.eks\.aws/[\s\S]*?cluster:[\s\S]*?name:\s*['\"]?([^\s'\"]+)"),
)


class ModelBuilder:
    """Reads one template into a `Model` in a single pass over its resources."""

    def __init__(self, template: object, settings: Settings) -> None:
        self.settings = settings
        resources = get(template, "Resources")
        self.resources: dict[str, Mapping[object, object]] = {}
        if isinstance(resources, Mapping):
            for name, res in resources.items():
                if isinstance(name, str) and isinstance(res, Mapping) and isinstance(res.get("Type"), str):
                    self.resources[name] = res
        params = get(template, "Parameters")
        self.parameters: dict[str, Mapping[object, object]] = {}
        if isinstance(params, Mapping):
            for name, p in params.items():
                if isinstance(name, str):
                    self.parameters[name] = p if isinstance(p, Mapping) else {}
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
        self.model = Model(parameters=self.parameters, settings=settings)

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
            return GroupKey.make(Origin.OPAQUE, canonical(value))
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            if self._type(arg) == GROUP_TYPE:
                return GroupKey.make(Origin.RESOURCE, arg)
            if arg in self.parameters:
                return GroupKey.make(Origin.PARAMETER, arg)
        elif name == "Fn::GetAtt":
            return self._getatt_key(arg, value)
        elif name == "Fn::ImportValue":
            return GroupKey.make(Origin.IMPORT, name_token(arg) or canonical(arg))
        elif name == "Fn::Select":
            return self._select_key(arg, value)
        elif name == "Fn::Sub" and isinstance(arg, str):
            text = str(arg)
            inner = re.fullmatch(r"\$\{([^}.!]+)\}", text)
            if inner:
                return self.group_key({"Ref": inner.group(1)}, by_name)
            if "${" not in text:
                return self.group_key(text, by_name)
        return GroupKey.make(Origin.OPAQUE, canonical(value))

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
        return GroupKey.make(Origin.OPAQUE, canonical(whole))

    def _select_key(self, arg: object, whole: object) -> GroupKey:
        if isinstance(arg, list) and len(arg) == 2:
            index = parse_port(arg[0])
            source = arg[1]
            param = self._list_parameter(source)
            if param is not None and index is not None:
                return GroupKey.make(Origin.PARAMETER_ITEM, f"{param}[{index}]")
            if isinstance(source, list) and index is not None and 0 <= index < len(source):
                key = self.group_key(source[index])
                if key is not None:
                    return key
        return GroupKey.make(Origin.OPAQUE, canonical(whole))

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
                self.model.first_use.setdefault(member.key, member.path)
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
        if not isinstance(delimiter, str) or depth > 8:
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
                    pieces.append({"Fn::Sub": piece.strip()})
            return pieces
        joined = fn[1] if fn and fn[0] == "Fn::Join" else None
        if isinstance(joined, list) and len(joined) == 2 and joined[0] == delimiter:
            return list(joined[1]) if isinstance(joined[1], list) else [joined[1]]
        return None

    # -- groups and permissions ----------------------------------------------------------

    def build(self) -> Model:
        for name in self.by_type.get(GROUP_TYPE, []):
            self._read_group(name)
        for ctype in sorted(CLUSTER_TYPES):
            for name in self.by_type.get(ctype, []):
                self._read_cluster(name)
        stripped: dict[GroupKey, Guard] = {}
        for rtype, direction in (
            ("AWS::EC2::SecurityGroupIngress", Direction.INGRESS),
            ("AWS::EC2::SecurityGroupEgress", Direction.EGRESS),
        ):
            for name in self.by_type.get(rtype, []):
                for owner_alt, key in self._standalone_owners(name, direction):
                    self._ensure_external(key)
                    self.model.first_use.setdefault(key, owner_alt.path)
                    self.model.standalone.append(StandaloneRule(name, direction, key, owner_alt.guard, owner_alt.path))
                    self._add_rules(key, direction, self._props(name), ("Resources", name, "Properties"),
                                    owner_alt.guard, "standalone")
                    if direction is Direction.EGRESS:
                        # A standalone SecurityGroupEgress removes the default allow-all (eksctl#6455)
                        stripped[key] = stripped.get(key, FALSE) | owner_alt.guard
        self._add_default_egress(stripped)
        self._read_attachments()
        return self.model

    def _ensure_external(self, key: GroupKey) -> None:
        if key not in self.model.groups:
            path: Path = ("Parameters", key.ident) if key.origin is Origin.PARAMETER else ()
            self.model.groups[key] = Group(key, rules_visible=False, guard=TRUE, path=path)

    def _standalone_owners(self, name: str, direction: Direction) -> Iterator[tuple[Alt, GroupKey]]:
        props = self._props(name)
        guard = self._guard(name)
        base: Path = ("Resources", name, "Properties")
        owner = get(props, "GroupId")
        by_name = False
        if owner is None and direction is Direction.INGRESS:
            owner, by_name = get(props, "GroupName"), True
        field_name = "GroupId" if not by_name else "GroupName"
        for alt in present(owner, (*base, field_name), guard):
            key = self.group_key(alt.value, by_name)
            if key is not None:
                yield alt, key

    def _read_group(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        key = GroupKey.make(Origin.RESOURCE, name)
        base: Path = ("Resources", name, "Properties")
        tags, cluster_tags = self._tags(get(props, "Tags"), (*base, "Tags"), guard)
        self.model.groups[key] = Group(key, True, guard, ("Resources", name), cluster_tags, tags)
        for prop, direction in (("SecurityGroupIngress", Direction.INGRESS), ("SecurityGroupEgress", Direction.EGRESS)):
            for alt in list_items(get(props, prop), (*base, prop), guard):
                self._add_rules(key, direction, alt.value, alt.path, alt.guard, "inline")

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

    def _add_rules(self, owner: GroupKey, direction: Direction, rule: object, path: Path,
                   guard: Guard, source: str) -> None:
        """One raw rule (inline item or standalone properties) to permissions, per `Fn::If` branch."""
        if not isinstance(rule, Mapping):
            return
        for proto_alt in alternatives(rule.get("IpProtocol"), (*path, "IpProtocol"), guard):
            protocol = parse_protocol(proto_alt.value)
            for from_alt in alternatives(rule.get("FromPort"), (*path, "FromPort"), proto_alt.guard):
                for to_alt in alternatives(rule.get("ToPort"), (*path, "ToPort"), from_alt.guard):
                    ports = NO_PORTS
                    readable = protocol is not None
                    if protocol is not None and protocol.has_ports:
                        first, last = parse_port(from_alt.value), parse_port(to_alt.value)
                        if _unresolved(from_alt.value) or _unresolved(to_alt.value):
                            readable = False
                        ports = port_set(protocol, first, last)
                    elif protocol is not None:
                        ports = port_set(protocol, None, None)
                    for peer, peer_guard, peer_path in self._peers(rule, direction, path, to_alt.guard):
                        self.model.permissions.append(Permission(
                            owner, direction, peer, protocol if readable else None, ports,
                            peer_guard, peer_path, source))

    def _peers(self, rule: Mapping[object, object], direction: Direction, path: Path,
               guard: Guard) -> Iterator[tuple[Peer | None, Guard, Path]]:
        names = _PEER_PROPS[direction]
        found = False
        for prop in names:
            if prop not in rule:
                continue
            for alt in present(rule.get(prop), (*path, prop), guard):
                found = True
                peer = self._peer(prop, alt.value)
                if isinstance(peer, GroupPeer):
                    self.model.peer_use.setdefault(peer.key, alt.path)
                yield peer, alt.guard, alt.path
        if not found:
            yield None, guard, path

    def _peer(self, prop: str, value: object) -> Peer:
        if prop in ("CidrIp", "CidrIpv6"):
            version = 6 if prop == "CidrIpv6" else 4
            if isinstance(value, str):
                return CidrPeer(str(value).strip(), version)
            return UnknownPeer(f"{prop} {canonical(value)}")
        if prop.endswith("PrefixListId"):
            return PrefixListPeer(name_token(value) or canonical(value))
        key = self.group_key(value, by_name=prop.endswith("Name"))
        return GroupPeer(key) if key is not None else UnknownPeer(f"{prop} is empty")

    def _add_default_egress(self, stripped: Mapping[GroupKey, Guard]) -> None:
        """Allow-all egress of groups without inline egress, unless a standalone egress strips it."""
        inline: dict[GroupKey, Guard] = {}
        for perm in self.model.permissions:
            if perm.direction is Direction.EGRESS and perm.source == "inline":
                inline[perm.group] = inline.get(perm.group, FALSE) | perm.guard
        for key, group in list(self.model.groups.items()):
            if key.origin is not Origin.RESOURCE:
                continue
            guard = group.guard & ~inline.get(key, FALSE) & ~stripped.get(key, FALSE)
            if guard.is_false:
                continue
            path = (*group.path, "Properties")
            self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V4, ALL_TRAFFIC,
                                                     ALL_PORTS, guard, path, "default egress"))
            # The ::/0 half exists only if the VPC had IPv6 when the group was made (uncertain).
            self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V6, ALL_TRAFFIC,
                                                     ALL_PORTS, guard, path, "default egress", certain=False))
        for cluster in self.model.clusters:
            key = GroupKey.make(Origin.CLUSTER, cluster.resource)
            if not self.settings.cluster_security_group_defaults:
                continue
            path = cluster.path
            egress_guard = ~stripped.get(key, FALSE)
            anywhere = ANYWHERE_V6 if cluster.ipv6 else ANYWHERE_V4
            # EKS recreates the self rules on every cluster update; 0.0.0.0/0 (::/0) is removable (C-02).
            self.model.permissions.extend((
                Permission(key, Direction.INGRESS, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, path, "EKS default"),
                Permission(key, Direction.EGRESS, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, path, "EKS default"),
                Permission(key, Direction.EGRESS, anywhere, ALL_TRAFFIC, ALL_PORTS, egress_guard, path, "EKS default"),
            ))

    # -- clusters and attachments -------------------------------------------------------

    def _read_cluster(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        base: Path = ("Resources", name, "Properties")
        if str(self.resources[name]["Type"]) == "Custom::AWSCDK-EKS-Cluster":
            # CDK's custom resource carries the CreateCluster request in camelCase under Config.
            props = get(props, "Config")
            base = (*base, "Config")
        vpc_key = _key_of(props, "ResourcesVpcConfig")
        vpc = get(props, vpc_key)
        vpc_path: Path = (*base, vpc_key)
        ids_key = _key_of(vpc, "SecurityGroupIds")
        additional = tuple(self.group_members(get(vpc, ids_key), (*vpc_path, ids_key), guard))
        tokens = ["${" + name + "}"]
        explicit = name_token(get(props, _key_of(props, "Name")))
        if explicit is not None:
            tokens.append(explicit)
        network = get(props, _key_of(props, "KubernetesNetworkConfig"))
        family = get(network, _key_of(network, "IpFamily"))
        ipv6 = isinstance(family, str) and family.lower() == "ipv6"
        cluster = ClusterDef(name, tuple(tokens), additional, guard, ("Resources", name), ipv6)
        self.model.clusters.append(cluster)
        key = GroupKey.make(Origin.CLUSTER, name)
        tag_guard = TRUE
        self.model.groups[key] = Group(key, self.settings.cluster_security_group_defaults, guard,
                                       ("Resources", name),
                                       tuple((t, tag_guard) for t in tokens),
                                       tuple(CLUSTER_TAG + t for t in tokens))

    def _read_attachments(self) -> None:
        for name in self.by_type.get("AWS::EKS::Nodegroup", []):
            self._read_managed_nodegroup(name)
        for name in self.by_type.get("AWS::AutoScaling::AutoScalingGroup", []):
            self._read_auto_scaling_group(name)
        for name in self.by_type.get("AWS::EC2::Instance", []):
            self._read_instance(name)

    def _launch_template(self, spec: object) -> str | None:
        """The launch template resource a LaunchTemplateSpecification names, by id or by name."""
        for prop in ("Id", "LaunchTemplateId"):
            fn = function(get(spec, prop))
            if fn and fn[0] == "Ref" and self._type(fn[1]) == "AWS::EC2::LaunchTemplate":
                return str(fn[1])
            if fn and fn[0] == "Fn::GetAtt":
                target = fn[1][0] if isinstance(fn[1], list) and fn[1] else str(fn[1]).split(".")[0]
                if self._type(target) == "AWS::EC2::LaunchTemplate":
                    return str(target)
        for prop in ("Name", "LaunchTemplateName"):
            token = name_token(get(spec, prop))
            if token is not None and token in self.lt_names:
                return self.lt_names[token]
        return None

    def _lt_groups(self, lt: str) -> tuple[list[Member], list[str]]:
        """Groups and cluster-name evidence of a launch template resource."""
        data = get(self._props(lt), "LaunchTemplateData")
        guard = self._guard(lt)
        base: Path = ("Resources", lt, "Properties", "LaunchTemplateData")
        members = list(self.group_members(get(data, "SecurityGroupIds"), (*base, "SecurityGroupIds"), guard))
        members += self.group_members(get(data, "SecurityGroups"), (*base, "SecurityGroups"), guard, by_name=True)
        if not members:
            for alt in list_items(get(data, "NetworkInterfaces"), (*base, "NetworkInterfaces"), guard):
                device = parse_port(get(alt.value, "DeviceIndex"))
                card = parse_port(get(alt.value, "NetworkCardIndex"))
                if device not in (None, 0) or card not in (None, 0):
                    continue  # the primary interface is device 0 on network card 0 (spec 3.4)
                members += self.group_members(get(alt.value, "Groups"), (*alt.path, "Groups"), alt.guard)
        names = _bootstrap_names(get(data, "UserData"))
        for alt in list_items(get(data, "TagSpecifications"), (*base, "TagSpecifications"), guard):
            _, cluster_tags = self._tags(get(alt.value, "Tags"), alt.path, alt.guard)
            names += [t for t, _ in cluster_tags]
        return members, names

    def _read_managed_nodegroup(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        cluster = name_token(get(props, "ClusterName"))
        names = (cluster,) if cluster is not None else ()
        spec = get(props, "LaunchTemplate")
        members: list[Member] = []
        known = True
        needs_cluster_group = guard
        if spec is not None:
            lt = self._launch_template(spec)
            if lt is None:
                known = False
                needs_cluster_group = FALSE
            else:
                members, _ = self._lt_groups(lt)
                carried = FALSE
                for member in members:
                    carried = carried | member.guard
                # EKS adds the cluster group only when the launch template names no groups (C-07).
                needs_cluster_group = guard & ~carried
        self.model.attachments.append(Attachment(
            name, Compute.MANAGED_NODEGROUP, tuple(members), known, guard, ("Resources", name),
            names, needs_cluster_group=needs_cluster_group))

    def _read_auto_scaling_group(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        base: Path = ("Resources", name, "Properties")
        _, cluster_tags = self._tags(get(props, "Tags"), (*base, "Tags"), guard)
        evidence = [t for t, _ in cluster_tags]
        variants: list[tuple[str, list[Member], bool, list[str]]] = []
        specs: list[object] = [get(props, "LaunchTemplate")]
        mixed = get(get(props, "MixedInstancesPolicy"), "LaunchTemplate")
        specs.append(get(mixed, "LaunchTemplateSpecification"))
        overrides = get(mixed, "Overrides")
        if isinstance(overrides, list):
            specs += [get(o, "LaunchTemplateSpecification") for o in overrides]
        seen: set[str] = set()
        for spec in specs:
            if spec is None:
                continue
            lt = self._launch_template(spec)
            if lt is None:
                variants.append(("", [], False, []))
            elif lt not in seen:
                seen.add(lt)
                members, names = self._lt_groups(lt)
                variants.append((lt, members, True, names))
        lc = function(get(props, "LaunchConfigurationName"))
        if lc and lc[0] == "Ref" and self._type(lc[1]) == "AWS::AutoScaling::LaunchConfiguration":
            lc_name = str(lc[1])
            lc_props = self._props(lc_name)
            lc_path: Path = ("Resources", lc_name, "Properties", "SecurityGroups")
            members = list(self.group_members(get(lc_props, "SecurityGroups"), lc_path, self._guard(lc_name), True))
            variants.append((lc_name, members, True, _bootstrap_names(get(lc_props, "UserData"))))
        elif lc is not None or isinstance(get(props, "LaunchConfigurationName"), str):
            variants.append(("", [], False, []))
        if not variants:
            variants.append(("", [], False, []))
        many = len(variants) > 1
        for via, members, known, names in variants:
            self.model.attachments.append(Attachment(
                name, Compute.AUTO_SCALING_GROUP, tuple(members), known, guard, ("Resources", name),
                tuple(dict.fromkeys(evidence + names + self._group_evidence(members))), via if many else ""))

    def _read_instance(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        base: Path = ("Resources", name, "Properties")
        members = list(self.group_members(get(props, "SecurityGroupIds"), (*base, "SecurityGroupIds"), guard))
        members += self.group_members(get(props, "SecurityGroups"), (*base, "SecurityGroups"), guard, True)
        for alt in list_items(get(props, "NetworkInterfaces"), (*base, "NetworkInterfaces"), guard):
            if parse_port(get(alt.value, "DeviceIndex")) in (None, 0):
                members += self.group_members(get(alt.value, "GroupSet"), (*alt.path, "GroupSet"), alt.guard)
        names = _bootstrap_names(get(props, "UserData"))
        known = True
        spec = get(props, "LaunchTemplate")
        if spec is not None:
            lt = self._launch_template(spec)
            if lt is not None:
                lt_members, lt_names = self._lt_groups(lt)
                names += lt_names  # the template's user data runs even when the instance names groups
                if not members:
                    members = lt_members
            elif not members:
                known = False
        _, cluster_tags = self._tags(get(props, "Tags"), (*base, "Tags"), guard)
        names += [t for t, _ in cluster_tags]
        names += self._group_evidence(members)
        self.model.attachments.append(Attachment(
            name, Compute.INSTANCE, tuple(members), known, guard, ("Resources", name),
            tuple(dict.fromkeys(names))))

    def _group_evidence(self, members: Iterable[Member]) -> list[str]:
        """Cluster names from kubernetes.io/cluster tags on the groups a node carries."""
        names: list[str] = []
        for member in members:
            group = self.model.groups.get(member.key)
            if group is not None and member.key.origin is Origin.RESOURCE:
                names += [t for t, _ in group.cluster_tags]
        return names


_PEER_PROPS: Final = {
    Direction.INGRESS: ("CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName"),
    Direction.EGRESS: ("CidrIp", "CidrIpv6", "DestinationPrefixListId", "DestinationSecurityGroupId"),
}


def _key_of(mapping: object, key: str) -> str:
    """`key`, or its camelCase spelling where only that is present (CDK's cluster resource)."""
    camel = key[:1].lower() + key[1:]
    if isinstance(mapping, Mapping) and key not in mapping and camel in mapping:
        return camel
    return key


def _unresolved(value: object) -> bool:
    """A port given by an intrinsic (a parameter, a mapping): not known here."""
    return isinstance(value, Mapping)


def _flat_text(value: object, depth: int = 0) -> str:
    """User data as text: literal strings and `${Name}` for references, '?' for anything else."""
    if depth > 16:
        return "?"
    if isinstance(value, str):
        return str(value)
    fn = function(value)
    if fn is None:
        return "?"
    name, arg = fn
    if name == "Fn::Base64":
        return _flat_text(arg, depth + 1)
    if name in ("Fn::Sub", "Fn::Join", "Ref"):
        token = name_token(value)
        if token is not None:
            return token
        if name == "Fn::Sub" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return str(arg[0])
        if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            sep = arg[0] if isinstance(arg[0], str) else ""
            return str(sep).join(_flat_text(p, depth + 1) for p in arg[1])
    if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        return _flat_text(arg[1], depth + 1) + "\n" + _flat_text(arg[2], depth + 1)
    return "?"


def _bootstrap_names(user_data: object) -> list[str]:
    """Cluster names that bootstrap user data joins (AL2, Windows, Bottlerocket, nodeadm)."""
    if user_data is None:
        return []
    text = _flat_text(user_data)
    names: list[str] = []
    for pattern in _BOOTSTRAP:
        names += [m.strip() for m in pattern.findall(text) if m.strip() and m.strip() != "?"]
    return names


def build_model(template: object, settings: Settings | None = None) -> Model:
    """The whole-template model; pure: same template in, same model out."""
    return ModelBuilder(template, settings or Settings.from_template(template)).build()
