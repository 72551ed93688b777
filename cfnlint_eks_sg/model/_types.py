"""The model's values: security groups, their permissions, and what carries them.

The values are immutable; the `Model` collects them while the readers run (and the roles stage adds
the cluster groups of clusters defined elsewhere). Every later stage reads these, never the template.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Final, NamedTuple

from cfnlint_eks_sg.core._cidrs import UNKNOWN_ADDRESSES, Addresses, Network, Range
from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.core._stacks import STACK_SEPARATOR
from cfnlint_eks_sg.core._value import Value, set_field

if TYPE_CHECKING:
    from cfnlint_eks_sg.model._vpc import Routing

# AWSQS::EKS::Cluster: the Quick Start registry type. Its schema has AWS::EKS::Cluster's ResourcesVpcConfig, Name,
# Version and KubernetesNetworkConfig.ServiceIpv4Cidr (no IpFamily: IPv4 only, no RemoteNetworkConfig, no
# ComputeConfig) and returns ClusterSecurityGroupId; its Version defaults to "1.21" in the schema while its
# description says the latest, so a missing Version is not known there.
QUICK_START_CLUSTER: Final = "AWSQS::EKS::Cluster"
CLUSTER_TYPES: Final = frozenset({"AWS::EKS::Cluster", "Custom::AWSCDK-EKS-Cluster", QUICK_START_CLUSTER})
GROUP_TYPE: Final = "AWS::EC2::SecurityGroup"
CLUSTER_TAG: Final = "kubernetes.io/cluster/"


# Resources that put groups on interfaces of their own, beyond clusters and node groups (WK2002).
GROUP_LISTS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "AWS::EC2::Instance": (("SecurityGroupIds",), ("SecurityGroups",), ("NetworkInterfaces", "*", "GroupSet")),
    "AWS::EC2::LaunchTemplate": (("LaunchTemplateData", "SecurityGroupIds"), ("LaunchTemplateData", "SecurityGroups"),
                                 ("LaunchTemplateData", "NetworkInterfaces", "*", "Groups")),
    "AWS::AutoScaling::LaunchConfiguration": (("SecurityGroups",),),
    "AWS::EC2::NetworkInterface": (("GroupSet",),),
    "AWS::EC2::VPCEndpoint": (("SecurityGroupIds",),),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (("SecurityGroups",),),
    "AWS::ElasticLoadBalancing::LoadBalancer": (("SecurityGroups",),),
    "AWS::RDS::DBInstance": (("VPCSecurityGroups",),),
    "AWS::RDS::DBCluster": (("VpcSecurityGroupIds",),),
    "AWS::Lambda::Function": (("VpcConfig", "SecurityGroupIds"),),
    "AWS::Serverless::Function": (("VpcConfig", "SecurityGroupIds"),),  # cfn-lint no longer expands SAM
    "AWS::ElastiCache::CacheCluster": (("VpcSecurityGroupIds",),),
    "AWS::ElastiCache::ReplicationGroup": (("SecurityGroupIds",),),
    "AWS::EFS::MountTarget": (("SecurityGroups",),),
    "AWS::ECS::Service": (("NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups"),),
    "AWS::Batch::ComputeEnvironment": (("ComputeResources", "SecurityGroupIds"),),
    "AWS::OpenSearchService::Domain": (("VPCOptions", "SecurityGroupIds"),),
    "AWS::MSK::Cluster": (("BrokerNodeGroupInfo", "SecurityGroups"),),
    "AWS::Redshift::Cluster": (("VpcSecurityGroupIds",),),
    "AWS::CodeBuild::Project": (("VpcConfig", "SecurityGroupIds"),),
    "AWS::EC2::ClientVpnEndpoint": (("SecurityGroupIds",),),
    "AWS::Route53Resolver::ResolverEndpoint": (("SecurityGroupIds",),),
}
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


class GroupKey(Value):
    """The identity of a group: equal keys are the same group. Build with `make`."""

    __slots__ = ("_hash", "ident", "kind", "origin")
    __match_args__ = ("origin", "ident", "kind")
    origin: Origin
    ident: str
    kind: str  # origin.value: keys order and hash on plain strings
    _hash: int  # every stage keys its maps by group

    def __init__(self, origin: Origin, ident: str, kind: str = "") -> None:
        set_field(self, "origin", origin)
        set_field(self, "ident", ident)
        set_field(self, "kind", kind)
        set_field(self, "_hash", hash((ident, kind)))

    def key(self) -> tuple[str, str]:
        return self.ident, self.kind

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def make(cls, origin: Origin, ident: str) -> GroupKey:
        return _key(origin, ident)

    @property
    def created_here(self) -> bool:
        return self.origin in _CREATED_HERE

    @property
    def stack(self) -> str:
        """The stack that creates this group or declares this parameter: a companion's label, '' for the
        linted template's own (meaningless for values any stack may hold: imports, literals, names)."""
        head, separator, _ = self.ident.partition(STACK_SEPARATOR)
        return head if separator else ""

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
    Origin.OPAQUE: "the group {}",
}


class Truth(Enum):
    """A fact of the template: what a setting is, where an expression leaves it open (STYLE.md 3.4)."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool) -> Truth:
        return cls.TRUE if value else cls.FALSE


class Identity(Enum):
    """Whether two keys name one group once deployed (STYLE.md 3.4: unknown is a value, never `different`)."""

    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


class Direction(Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


class GroupPeer(NamedTuple):
    key: GroupKey


class CidrPeer(Value):
    __slots__ = ("cidr", "covers", "version")
    __match_args__ = ("cidr", "version", "covers")
    cidr: str
    version: int  # 4 or 6: the property it came from (CidrIp or CidrIpv6)
    covers: Range | None  # what it names, when the template shows it

    def __init__(self, cidr: str, version: int, covers: Range | None = None) -> None:
        set_field(self, "cidr", cidr)
        set_field(self, "version", version)
        set_field(self, "covers", covers)

    def key(self) -> tuple[str, int]:
        return self.cidr, self.version

    @property
    def anywhere(self) -> bool:
        """The whole internet of its IP version: 0.0.0.0/0 in CidrIp, ::/0 in CidrIpv6 (the one home of that idea)."""
        networks = self.covers.networks if self.covers is not None else ()
        return any(n.prefixlen == 0 and n.version == self.version for n in networks)

    @property
    def misfiled(self) -> bool:
        """An IPv4 range in CidrIpv6 or an IPv6 range in CidrIp: EC2 rejects the rule, so it opens nothing."""
        networks = self.covers.networks if self.covers is not None else ()
        return bool(networks) and all(n.version != self.version for n in networks)


class PrefixListPeer(Value):
    __slots__ = ("covers", "ident")
    __match_args__ = ("ident", "covers")
    ident: str
    covers: Range | None  # a customer prefix list's literal entries

    def __init__(self, ident: str, covers: Range | None = None) -> None:
        set_field(self, "ident", ident)
        set_field(self, "covers", covers)

    def key(self) -> tuple[str]:
        return (self.ident,)


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
    doubt: str = ""  # why the rule may or may not be there (the ::/0 half of a default); '' when it surely is
    assumed: str = ""  # read with parameter defaults (`Model.assumed`, exposure checks only): which ones

    @property
    def certain(self) -> bool:
        return not self.doubt

    @property
    def anywhere(self) -> bool:
        """Its peer is the whole internet (0.0.0.0/0, ::/0 in its own IP version)."""
        return isinstance(self.peer, CidrPeer) and self.peer.anywhere

    def opens(self, flow_protocol: IpProtocol) -> tuple[PortSet, PortSet]:
        """(ports surely opened, ports possibly opened) for traffic of `flow_protocol`. A rule EC2 rejects for its
        range (`CidrPeer.misfiled`) opens nothing, whatever its ports."""
        if isinstance(self.peer, CidrPeer) and self.peer.misfiled:
            return NO_PORTS, NO_PORTS
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
    """A group attached to something, under a guard, written at `path`; `inferred` when the template does not
    say so and the roles stage guessed it from the shape of its rules (it may or may not be there)."""

    key: GroupKey
    guard: Guard
    path: Path
    inferred: bool = False


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
    public_ips: tuple[Setting, ...] = ()  # AssociatePublicIpAddress per branch; () where the subnet decides


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
    vpc: str | None = None  # the template's VPC it is in
    private_dns: tuple[Setting, ...] = ()  # PrivateDnsEnabled per branch (CloudFormation's default: false)
    # A gateway endpoint's RouteTableIds: the template's tables, None for others (never one of the template's:
    # nothing but `Ref` names a table this stack creates).
    route_tables: tuple[str | None, ...] = ()


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
    family: tuple[Setting, ...]  # KubernetesNetworkConfig.IpFamily per branch: TRUE for ipv6 (default ipv4)
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
    self_egress: tuple[Setting, ...] = ()  # whether EKS gives its group an all-traffic egress to itself (Version)


class RemoteNetwork(NamedTuple):
    """One CIDR block of a cluster's RemoteNetworkConfig: where hybrid nodes (`kind` "node") or their
    pods ("pod") live, off AWS: no security group is ever theirs, only their addresses."""

    kind: str
    cidr: str  # as written, or its expression's text
    value: object  # the template's value, for a rule that names it
    network: Network | None  # None when the template does not fix it
    guard: Guard
    path: Path
    default: tuple[str, Network] | None = None  # a parameter's Default, when the block is that parameter

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
    """A boolean setting in one scenario: TRUE, FALSE, or UNKNOWN where an expression gives it (`shown`);
    `explicit` is False where it is left to its default."""

    value: Truth
    guard: Guard
    path: Path
    explicit: bool = True
    shown: str = ""  # the expression, when the value is UNKNOWN

    @property
    def why(self) -> str:
        """Why the setting is UNKNOWN, for IK0001."""
        return f"is given by {self.shown}, which this template does not fix"


def setting_in(settings: tuple[Setting, ...], scenario: Mapping[str, bool], default: Truth = Truth.FALSE) -> Truth:
    """The value of a setting in `scenario` (`default` where no branch holds: its resource is not there);
    UNKNOWN when the scenario leaves open which branch holds."""
    values = {s.value for s in settings if s.guard.holds(scenario)}
    return values.pop() if len(values) == 1 else default if not values else Truth.UNKNOWN


def setting_names(settings: tuple[Setting, ...]) -> frozenset[str]:
    """The conditions a setting's branches depend on."""
    return frozenset(name for s in settings for name in s.guard.names())


class CidrList(NamedTuple):
    """PublicAccessCidrs in one scenario: None when unreadable (a parameter, `shown`)."""

    cidrs: tuple[str, ...] | None
    guard: Guard
    path: Path
    shown: str = ""


Anchor = tuple[str, str, str, str]


def _at(value: object, path: Path) -> object:
    """What a template holds at `path` below `value` (None where the path leaves it)."""
    for step in path:
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def _masked(value: object, depth: int = 0) -> str:
    """A value's text with every logical id left out (`!Ref X` is `!Ref`), so it reads the same under renames."""
    if depth > 16:
        return "..."
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return "!Ref"
            if key == "Fn::GetAtt":
                attribute = arg[-1] if isinstance(arg, list) and arg else str(arg).partition(".")[2]
                return f"!GetAtt .{attribute}"
            if key == "Fn::Sub" and isinstance(arg, str):
                return "!Sub " + re.sub(r"\$\{[^}.!]*", "${", str(arg))
        items = sorted((str(k), _masked(v, depth + 1)) for k, v in value.items() if k != "DependsOn")
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(sorted(_masked(v, depth + 1) for v in value)) + "]"
    return repr(value)


class StandaloneRule(NamedTuple):
    """An AWS::EC2::SecurityGroupIngress/Egress resource and the group it changes."""

    resource: str
    direction: Direction
    group: GroupKey
    guard: Guard
    path: Path  # its GroupId (or GroupName)


class Model:
    """What the template says about groups, their rules and uses. A plain class, like the other per-analysis
    containers: building a dataclass costs each run that loads the engine about half a millisecond."""

    def __init__(self, parameters: dict[str, Mapping[object, object]] | None = None, settings: Settings | None = None,
                 resources: Mapping[str, Mapping[object, object]] | None = None) -> None:
        self.groups: dict[GroupKey, Group] = {}
        self.standalone: list[StandaloneRule] = []
        # Every place a group is attached or changed at, and every place a rule names it as a peer (`first_place`).
        self.places: dict[GroupKey, list[Path]] = {}
        self.peer_places: dict[GroupKey, list[Path]] = {}
        self.uses: list[Use] = []
        self.endpoints: list[VpcEndpoint] = []
        self.vpcs: dict[str, tuple[Network, ...]] = {}  # VPCs created here: their known blocks
        self.vpc_primaries: dict[str, Network] = {}  # their CidrBlock (what `GetAtt Vpc.CidrBlock` is), when known
        self.referenced: set[GroupKey] = set()  # named by a resource other than rules, or an output
        self.exported: set[GroupKey] = set()  # this template's groups handed to other stacks
        self.value_stacks: dict[GroupKey, set[str]] = {}  # the stacks that name a value key
        self.permissions: list[Permission] = []
        # Rules whose values come from parameters, read with the parameters' Defaults: what a deployment gets when
        # nobody says otherwise. Never facts for flows; exposure checks (WK3001) report them saying so.
        self.assumed: list[Permission] = []
        self.attachments: list[Attachment] = []
        self.clusters: list[ClusterDef] = []
        self.parameters: dict[str, Mapping[object, object]] = parameters if parameters is not None else {}
        self.resources: Mapping[str, Mapping[object, object]] = resources if resources is not None else {}  # as read
        # A system of stacks (companions, nested stacks): their names are `LABEL::Name`.
        self.other_stacks = any(STACK_SEPARATOR in name for name in (*self.parameters, *self.resources))
        self._content: dict[str, str] = {}  # `anchor_key`'s masked resources
        # Parameters given a value: their declaration, and the groups the value names.
        self.fed: dict[str, tuple[Mapping[object, object], tuple[GroupKey, ...]]] = {}
        self.settings: Settings = settings if settings is not None else Settings()
        # Which cluster each node attachment joins, and the clusters no resource here defines (`_membership`).
        self.joined: list[tuple[Attachment, str]] = []
        self.elsewhere: list[str] = []
        # Subnets, route tables and routes (`_routing`), read only when the template creates subnets.
        self.routing: Routing | None = None

    def identity(self, a: GroupKey, b: GroupKey) -> Identity:
        """Whether `a` and `b` name one group.

        A group a stack creates gets its id at deploy time: no other value of that stack can hold it, and
        another stack's value (a parameter, an import, a literal id, a nested stack's output) can only if
        the group is handed out (an output, an export, a nested stack's parameter), and another stack's
        parameter can also be the cluster group EKS hands out. Two literal ids differ;
        everything else may or may not be one group.
        """
        if a == b:
            return Identity.SAME
        if Origin.OPAQUE in (a.origin, b.origin):
            return Identity.UNKNOWN
        if a.created_here and b.created_here:
            return Identity.DIFFERENT
        if a.created_here or b.created_here:
            made, value = (a, b) if a.created_here else (b, a)
            if value.origin is Origin.EXTERNAL_CLUSTER:
                return Identity.DIFFERENT  # EKS creates an external cluster's group: never one of ours
            declared = value.origin in (Origin.PARAMETER, Origin.PARAMETER_ITEM)
            stacks = {value.stack} if declared else self.value_stacks.get(value, set())
            if not stacks - {made.stack}:
                return Identity.DIFFERENT  # a stack is never given its own group (parameter, import of its export)
            if made in self.exported:
                return Identity.UNKNOWN
            # EKS hands out the cluster group itself (DescribeCluster): another stack's parameter may be given it.
            return Identity.UNKNOWN if declared and made.origin is Origin.CLUSTER else Identity.DIFFERENT
        if a.origin is Origin.LITERAL and b.origin is Origin.LITERAL:
            return Identity.DIFFERENT
        return Identity.UNKNOWN

    def anchor_key(self, path: Path) -> Anchor:
        """Where a finding goes when several places fit: the first by what the places hold (the resource's type
        and properties, logical ids left out), so the choice survives reordering and renaming resources; their
        names decide only between places that hold the same."""
        if len(path) > 1 and path[0] == "Resources" and str(path[1]) in self.resources:
            name = str(path[1])
            content = self._content.get(name)
            if content is None:
                resource = self.resources[name]
                content = self._content[name] = _masked({"Type": resource.get("Type"),
                                                         "Properties": resource.get("Properties")})
            place = re.sub(r"/\d+", "/#", "/".join(map(str, path[2:])))
            return content, place, _masked(_at(self.resources[name], path[2:])), name
        return "~", "/".join(map(str, path)), "", ""

    def first_place(self, table: dict[GroupKey, list[Path]], key: GroupKey) -> Path | None:
        """Of the places a group is used at (`places` or `peer_places`), the first by `anchor_key`: a finding anchored
        there does not move when resources are reordered or renamed."""
        places = table.get(key)
        return min(places, key=self.anchor_key) if places else None

    def used_in(self, key: GroupKey, path: Path) -> None:
        """Note which stack of the system names a value (an import, a literal id) at `path`."""
        if not key.created_here and len(path) > 1:
            head, separator, _ = str(path[1]).partition(STACK_SEPARATOR)
            self.value_stacks.setdefault(key, set()).add(head if separator else "")

    def closed(self, key: GroupKey) -> bool:
        """Whether no other key of the system can name this group: one this template creates and keeps."""
        return key.created_here and not self.handed_out(key)

    def handed_out(self, key: GroupKey) -> bool:
        """Whether the system's other stacks may be given the group: the template hands it out (an output, a nested
        stack's parameter), or it is a cluster security group, which EKS hands out itself (DescribeCluster): node
        stacks deployed apart from the cluster are often given it as a parameter."""
        return key in self.exported or (key.origin is Origin.CLUSTER and self.other_stacks)

    def external_cluster_group(self, name: str, used_at: Path = ()) -> GroupKey:
        """The cluster group of a cluster defined elsewhere, with the rules EKS always restores.

        EKS recreates the group's self rules on every cluster update (C-02): all traffic in from itself, and from
        Kubernetes 1.33 all traffic out to itself, which a cluster of unknown version may or may not have; its
        other rules, the 0.0.0.0/0 egress included, may have been changed where the cluster lives: not visible.
        """
        key = GroupKey.make(Origin.EXTERNAL_CLUSTER, name)
        if used_at:
            self.places.setdefault(key, []).append(used_at)
        if key not in self.groups:
            self.groups[key] = Group(key, rules_visible=False, guard=TRUE, path=(), cluster_tags=((name, TRUE),),
                                     tags=(CLUSTER_TAG + name,))
            if self.settings.cluster_security_group_defaults:
                self.permissions.extend((
                    Permission(key, Direction.INGRESS, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, (), "EKS default"),
                    Permission(key, Direction.EGRESS, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, (), "EKS default",
                               "EKS adds it from Kubernetes 1.33, and the version of a cluster defined elsewhere is "
                               "not known here"),
                ))
        return key

