"""The model's values: security groups, their permissions, and what carries them.

The values are immutable; the `Model` collects them while the readers run (and the roles stage adds
the cluster groups of clusters defined elsewhere). Every later stage reads these, never the template.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, NamedTuple

from cfnlint_eks_sg._cidrs import UNKNOWN_ADDRESSES, Addresses, Network, Range
from cfnlint_eks_sg._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, IpProtocol, PortSet
from cfnlint_eks_sg._resolve import Path, get

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
        return _key(origin, ident)

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


@functools.lru_cache(maxsize=8192)
def _key(origin: Origin, ident: str) -> GroupKey:
    """One object per group: a template names each group many times (rules, peers, members)."""
    return GroupKey(origin, ident, origin.value)


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


class GroupPeer(NamedTuple):
    key: GroupKey


@dataclass(frozen=True, slots=True)
class CidrPeer:
    cidr: str
    version: int  # 4 or 6: the property it came from (CidrIp or CidrIpv6)
    covers: Range | None = field(default=None, compare=False)  # what it names, when the template shows it


@dataclass(frozen=True, slots=True)
class PrefixListPeer:
    ident: str
    covers: Range | None = field(default=None, compare=False)  # a customer prefix list's literal entries


class UnknownPeer(NamedTuple):
    why: str
    cidr: str = ""  # a CidrIp written as an expression (a parameter): its text, which a role's block may share


Peer = GroupPeer | CidrPeer | PrefixListPeer | UnknownPeer

ANYWHERE_V4: Final = CidrPeer("0.0.0.0/0", 4, Range((ipaddress.ip_network("0.0.0.0/0"),)))
ANYWHERE_V6: Final = CidrPeer("::/0", 6, Range((ipaddress.ip_network("::/0"),)))


class Permission(NamedTuple):
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


class Group(NamedTuple):
    """A security group as this template sees it."""

    key: GroupKey
    rules_visible: bool  # all of its rules are in this template (plus known defaults)
    guard: Guard
    path: Path
    cluster_tags: tuple[tuple[str, Guard], ...] = ()  # name tokens of kubernetes.io/cluster/NAME tags
    tags: tuple[str, ...] = ()  # every tag key token, for later rules


class Member(NamedTuple):
    """A group attached to something, under a guard, written at `path`."""

    key: GroupKey
    guard: Guard
    path: Path


class Compute(Enum):
    MANAGED_NODEGROUP = "managed node group"
    AUTO_SCALING_GROUP = "auto scaling group"
    INSTANCE = "instance"
    SPOT_FLEET = "spot fleet"
    DECLARED = "declared in Metadata"


class Attachment(NamedTuple):
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
    remote_access: RemoteAccess | None = None  # managed node groups: the SSH/RDP group EKS creates
    addresses: Addresses = UNKNOWN_ADDRESSES  # the subnets its interfaces live in


class RemoteAccess(NamedTuple):
    """`RemoteAccess` of a managed node group: EKS opens `port` from the source groups, else the world."""

    port: int  # 22, or 3389 for Windows AMI types
    world: Guard  # when no SourceSecurityGroups are given (then 0.0.0.0/0 may connect)
    path: Path


class VpcEndpoint(NamedTuple):
    """An AWS::EC2::VPCEndpoint: the AWS service it serves and, for interface endpoints, its groups."""

    resource: str
    service: str  # the part after the region: "ecr.api", "ecr.dkr", "sts", "ec2", "s3", ...
    interface: bool  # Interface (groups, subnets) or Gateway (route tables, prefix list)
    members: tuple[Member, ...]
    guard: Guard
    path: Path
    addresses: Addresses = UNKNOWN_ADDRESSES


class Use(NamedTuple):
    """Any resource that lists a security group for its own interfaces (endpoint, database, function...)."""

    resource: str
    resource_type: str
    member: Member


class ClusterDef(NamedTuple):
    """An EKS cluster resource of this template."""

    resource: str
    name_tokens: tuple[str, ...]
    additional: tuple[Member, ...]  # ResourcesVpcConfig.SecurityGroupIds
    guard: Guard
    path: Path
    ipv6: bool
    auto_mode: bool = False  # ComputeConfig.Enabled: EKS launches nodes outside the template
    private_access: tuple[Setting, ...] = ()  # EndpointPrivateAccess per Fn::If branch (default false)
    public_access: tuple[Setting, ...] = ()  # EndpointPublicAccess per branch (default true)
    public_cidrs: tuple[CidrList, ...] = ()  # PublicAccessCidrs per branch (default 0.0.0.0/0)
    vpc: str | None = None  # the AWS::EC2::VPC of its subnets, when the template shows it
    dns_hostnames: tuple[Setting, ...] = ()  # that VPC's EnableDnsHostnames (default false)
    dns_support: tuple[Setting, ...] = ()  # that VPC's EnableDnsSupport (default true)
    addresses: Addresses = UNKNOWN_ADDRESSES  # ResourcesVpcConfig.SubnetIds: where its interfaces live
    remote: tuple[RemoteNetwork, ...] = ()  # RemoteNetworkConfig: hybrid nodes' and pods' CIDR blocks
    service_ranges: tuple[ServiceRange, ...] = ()  # KubernetesNetworkConfig.ServiceIpv4Cidr per branch


class RemoteNetwork(NamedTuple):
    """One CIDR block of a cluster's RemoteNetworkConfig: where hybrid nodes (`kind` "node") or their
    pods ("pod") live, off AWS: no security group is ever theirs, only their addresses."""

    kind: str
    cidr: str  # as written, or its expression's text
    value: object  # the template's value, for a rule that names it
    network: Network | None  # None when the template does not fix it
    guard: Guard
    path: Path

    @property
    def shown(self) -> str:
        """The block as a person reads it: `10.80.0.0/16`, `!Ref RemoteNodeCidr`, or the expression."""
        if isinstance(self.value, Mapping) and len(self.value) == 1 and isinstance(self.value.get("Ref"), str):
            return f"!Ref {self.value['Ref']}"
        return self.cidr


class ServiceRange(NamedTuple):
    """KubernetesNetworkConfig.ServiceIpv4Cidr in one scenario: its network when literal (None when not fixed
    here), and `explicit` False where it is not set (EKS picks 10.100.0.0/16 or 172.20.0.0/16)."""

    network: Network | None
    explicit: bool
    guard: Guard


class Setting(NamedTuple):
    """A boolean cluster setting in one scenario; `explicit` is False where it is left to its default."""

    value: bool
    guard: Guard
    path: Path
    explicit: bool = True


class CidrList(NamedTuple):
    """PublicAccessCidrs in one scenario: None when unreadable (a parameter)."""

    cidrs: tuple[str, ...] | None
    guard: Guard
    path: Path


class Companion(NamedTuple):
    """A template deployed with the linted one (Metadata `companions`), relative to the linted file."""

    path: str
    stack_name: str | None  # its stack's name, for exports written with ${AWS::StackName}
    where: Path  # the entry in the linted template's Metadata
    parameters: tuple[tuple[str, str], ...] = ()  # a parameter of the linted template -> an output of this one


SETTINGS_KEY: Final = "cfnlint-eks-sg"


class Settings(NamedTuple):
    """Plugin-wide settings from the template Metadata key `cfnlint-eks-sg`."""

    cluster_security_group_defaults: bool = True
    control_plane_security_groups: tuple[str, ...] = ()  # logical names of groups the control plane carries
    node_security_groups: tuple[str, ...] = ()  # logical names of groups nodes outside the template carry
    companions: tuple[Companion, ...] = ()
    nested_stacks: bool = False  # follow AWS::CloudFormation::Stack with a local TemplateURL
    nested_stack_urls: tuple[tuple[str, str], ...] = ()  # TemplateURL prefix (as written) -> local directory

    @classmethod
    def from_template(cls, template: object) -> Settings:
        raw = get(get(template, "Metadata"), SETTINGS_KEY)
        trust = get(raw, "cluster_security_group_defaults")
        return cls(
            cluster_security_group_defaults=trust is not False and trust != "false",
            control_plane_security_groups=_names(get(raw, "control_plane_security_groups")),
            node_security_groups=_names(get(raw, "node_security_groups")),
            companions=_companions(get(raw, "companions")),
            nested_stacks=get(raw, "nested_stacks") is True or get(raw, "nested_stacks") == "true"
            or bool(_url_map(get(raw, "nested_stack_urls"))),
            nested_stack_urls=_url_map(get(raw, "nested_stack_urls")),
        )


def _url_map(value: object) -> tuple[tuple[str, str], ...]:
    """`{prefix: directory}`, longest prefix first."""
    if not isinstance(value, Mapping):
        return ()
    pairs = [(str(k), str(v)) for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and k]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _companions(value: object) -> tuple[Companion, ...]:
    """`- path` or `- {path: ..., stack_name: ...}`; anything else is ignored."""
    found = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        where: Path = ("Metadata", SETTINGS_KEY, "companions", index)
        path, stack = (item, None) if isinstance(item, str) else (get(item, "path"), get(item, "stack_name"))
        given = get(item, "parameters")
        outputs = tuple((str(k), str(v)) for k, v in given.items()
                        if isinstance(k, str) and isinstance(v, str)) if isinstance(given, Mapping) else ()
        if isinstance(path, str) and path.strip():
            found.append(Companion(path.strip(), stack if isinstance(stack, str) and stack else None, where, outputs))
    return tuple(found)


def _names(value: object) -> tuple[str, ...]:
    """A list of logical names (a single name is a list of one); anything else is ignored."""
    values = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in values if isinstance(v, str))


class StandaloneRule(NamedTuple):
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
    uses: list[Use] = field(default_factory=list)
    endpoints: list[VpcEndpoint] = field(default_factory=list)
    vpcs: dict[str, tuple[Network, ...]] = field(default_factory=dict)  # VPCs created here: their known blocks
    referenced: set[GroupKey] = field(default_factory=set)  # named by a resource other than rules, or an output
    exported: set[GroupKey] = field(default_factory=set)  # this template's groups handed to other stacks
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
            self.groups[key] = Group(key, rules_visible=False, guard=TRUE, path=(), cluster_tags=((name, TRUE),),
                                     tags=(CLUSTER_TAG + name,))
            if self.settings.cluster_security_group_defaults:
                self.permissions.extend(
                    Permission(key, direction, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, (), "EKS default")
                    for direction in Direction
                )
        return key

