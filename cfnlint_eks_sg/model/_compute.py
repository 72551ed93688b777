"""Reading compute: clusters, node groups, instances, and the groups each one carries.

Managed node groups get the cluster group unless their launch template names groups (C-07);
auto scaling groups follow launch templates by id or by name, mixed instances policies and
launch configurations; nodes are recognised by cluster tags and bootstrap user data (M-14).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final

from cfnlint_eks_sg.core._cidrs import network as cidr_network
from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg.core._ports import parse_port
from cfnlint_eks_sg.core._resolve import (
    Alt,
    Path,
    canonical,
    function,
    get,
    list_items,
    name_token,
    present,
    references,
    short_form,
)
from cfnlint_eks_sg.model._addresses import AddressReader
from cfnlint_eks_sg.model._types import (
    CLUSTER_TAG,
    CLUSTER_TYPES,
    GROUP_LISTS,
    GROUP_TYPE,
    QUICK_START_CLUSTER,
    Attachment,
    CidrList,
    ClusterDef,
    Compute,
    Group,
    GroupKey,
    Member,
    Origin,
    RemoteAccess,
    RemoteNetwork,
    ServiceRange,
    Setting,
    Truth,
    Use,
    VpcEndpoint,
)

_BOOTSTRAP: Final = (
    re.compile(r"bootstrap\.sh['\"]?\s+['\"]?([^\s'\"\\;]+)"),
    re.compile(r"-EKSClusterName\s+['\"]?([^\s'\"]+)"),
    re.compile(r"cluster-name\s*=\s*['\"]([^'\"]+)"),
    re.compile(r"node\.eks\.aws/[\s\S]*?cluster:[\s\S]*?name:\s*['\"]?([^\s'\"]+)"),
)


NO_LAUNCH_TEMPLATE: Final = ""
_RULE_TYPES: Final = frozenset({GROUP_TYPE, "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"})


class ComputeReader(AddressReader):
    """Clusters and attachments."""

    def _read_cluster(self, name: str) -> None:
        props = self._props(name)
        base: Path = ("Resources", name, "Properties")
        quick_start = str(self.resources[name]["Type"]) == QUICK_START_CLUSTER
        if str(self.resources[name]["Type"]) == "Custom::AWSCDK-EKS-Cluster":
            # CDK's custom resource carries the CreateCluster request in camelCase under Config.
            props = get(props, "Config")
            base = (*base, "Config")
        tokens = ["${" + name + "}"]
        explicit = name_token(get(props, _key_of(props, "Name")))
        if explicit is not None:
            tokens.append(explicit)
        self.model.clusters.append(self._cluster_def(name, props, base, tuple(tokens), quick_start))
        key = GroupKey.make(Origin.CLUSTER, name)
        tag_guard = TRUE
        self.model.groups[key] = Group(key, self.settings.cluster_security_group_defaults, self._guard(name),
                                       ("Resources", name),
                                       tuple((t, tag_guard) for t in tokens),
                                       tuple(CLUSTER_TAG + t for t in tokens))

    def _cluster_def(self, name: str, props: object, base: Path, tokens: tuple[str, ...],
                     quick_start: bool) -> ClusterDef:
        """What the cluster's properties say: its groups, network, endpoint access and settings."""
        guard = self._guard(name)
        vpc_key = _key_of(props, "ResourcesVpcConfig")
        vpc = get(props, vpc_key)
        vpc_path: Path = (*base, vpc_key)
        ids_key = _key_of(vpc, "SecurityGroupIds")
        network_key = _key_of(props, "KubernetesNetworkConfig")
        network = get(props, network_key)
        compute = get(props, _key_of(props, "ComputeConfig"))
        subnets = get(vpc, _key_of(vpc, "SubnetIds"))
        network_vpc = self._vpc_of(subnets)
        return ClusterDef(
            name, tokens, tuple(self.group_members(get(vpc, ids_key), (*vpc_path, ids_key), guard)), guard,
            ("Resources", name),
            self._setting(network, (*base, network_key), "IpFamily", Truth.FALSE, guard, _ip_family),
            get(compute, _key_of(compute, "Enabled")) in (True, "true", "True"),
            private_access=self._setting(vpc, vpc_path, "EndpointPrivateAccess", Truth.FALSE, guard),
            public_access=self._setting(vpc, vpc_path, "EndpointPublicAccess", Truth.TRUE, guard),
            public_cidrs=self._cidr_lists(vpc, vpc_path, guard),
            vpc=network_vpc,
            dns_hostnames=self._vpc_setting(network_vpc, "EnableDnsHostnames", Truth.FALSE),
            dns_support=self._vpc_setting(network_vpc, "EnableDnsSupport", Truth.TRUE),
            addresses=self.addresses(self.subnet_values(subnets)),
            remote=tuple(self._remote_networks(props, base, guard)),
            service_ranges=self._service_ranges(network, guard),
            self_egress=self._self_egress(props, base, guard, quick_start),
        )

    def _remote_networks(self, props: object, base: Path, guard: Guard) -> Iterator[RemoteNetwork]:
        """RemoteNetworkConfig's node and pod CIDR blocks, per Fn::If branch (EKS Hybrid Nodes)."""
        config_key = _key_of(props, "RemoteNetworkConfig")
        for config in present(get(props, config_key), (*base, config_key), guard):
            for kind, prop in (("node", "RemoteNodeNetworks"), ("pod", "RemotePodNetworks")):
                key = _key_of(config.value, prop)
                for item in list_items(get(config.value, key), (*config.path, key), config.guard):
                    cidrs_key = _key_of(item.value, "Cidrs")
                    for cidr in list_items(get(item.value, cidrs_key), (*item.path, cidrs_key), item.guard):
                        covers = self.cidr_range(cidr.value)
                        known = covers.networks if covers is not None and len(covers.networks) == 1 else ()
                        text = str(cidr.value).strip() if isinstance(cidr.value, str) else canonical(cidr.value)
                        given = self.parameter_default(cidr.value)
                        default = cidr_network(given[1]) if given is not None else None
                        yield RemoteNetwork(kind, text, cidr.value, known[0] if known else None, cidr.guard,
                                            cidr.path, (given[0], default) if given and default else None)

    def _self_egress(self, props: object, base: Path, guard: Guard, quick_start: bool) -> tuple[Setting, ...]:
        """Whether EKS gives the cluster group an outbound all-traffic rule to itself: from Kubernetes 1.33, per
        Version branch; without a Version, EKS creates the current default version (1.33 or later), while the
        Quick Start type's own default is not known (its schema says 1.21, its description the latest)."""
        if quick_start and get(props, "Version") is None:
            return (Setting(Truth.UNKNOWN, guard, (*base, "Version"), explicit=False,
                            shown=f"not set, and the default of {QUICK_START_CLUSTER} is not documented"),)
        return self._setting(props, base, "Version", Truth.TRUE, guard, _version_setting)

    def _service_ranges(self, network: object, guard: Guard) -> tuple[ServiceRange, ...]:
        """ServiceIpv4Cidr per Fn::If branch, and where it is not set (EKS's default applies)."""
        key = _key_of(network, "ServiceIpv4Cidr")
        found = [ServiceRange(cidr_network(alt.value), True, alt.guard)
                 for alt in present(get(network, key), (), guard)]
        covered = FALSE
        for service in found:
            covered = covered | service.guard
        rest = guard & ~covered
        return (*found, ServiceRange(None, False, rest)) if not rest.is_false else tuple(found)

    def _setting(self, parent: object, path: Path, key: str, default: Truth, guard: Guard,
                 read: Callable[[object, Guard, Path], Setting] | None = None) -> tuple[Setting, ...]:
        """A setting per Fn::If branch: its literal value, UNKNOWN for an expression this template does not
        fix (never its default), the default where it is absent."""
        key = _key_of(parent, key)
        found = [(read or boolean)(alt.value, alt.guard, alt.path)
                 for alt in present(get(parent, key), (*path, key), guard)]
        covered = FALSE
        for setting in found:
            covered = covered | setting.guard
        rest = guard & ~covered  # absent, or AWS::NoValue in some branch: the API default applies
        if not rest.is_false:
            found.append(Setting(default, rest, path, explicit=False))
        return tuple(found)

    def _cidr_lists(self, parent: object, path: Path, guard: Guard) -> tuple[CidrList, ...]:
        key = _key_of(parent, "PublicAccessCidrs")
        found: list[CidrList] = []
        for alt in present(get(parent, key), (*path, key), guard):
            if isinstance(alt.value, list):
                items = [i for i in alt.value if i is not None]
                unread = [i for i in items if not isinstance(i, str)]
                found.append(CidrList(None if unread else tuple(str(i) for i in items), alt.guard, alt.path,
                                      short_form(unread[0]) if unread else ""))
            else:
                found.append(CidrList(None, alt.guard, alt.path, short_form(alt.value)))
        return tuple(found)

    def _vpc_setting(self, vpc: str | None, key: str, default: Truth) -> tuple[Setting, ...]:
        if vpc is None:
            return ()
        return self._setting(self._props(vpc), ("Resources", vpc, "Properties"), key, default, self._guard(vpc))

    def _vpc_of(self, subnets: object) -> str | None:
        """The template's VPC that a cluster's subnets lie in (all of them), if it shows."""
        vpcs: set[str] = set()
        for alt in list_items(subnets, ()):
            fn = function(alt.value)
            if not (fn and fn[0] == "Ref" and self._type(fn[1]) == "AWS::EC2::Subnet"):
                return None
            vpc = self.vpc_named(get(self._props(str(fn[1])), "VpcId"))
            if vpc is None:
                return None
            vpcs.add(vpc)
        return vpcs.pop() if len(vpcs) == 1 else None

    def read_clusters(self) -> None:
        for ctype in sorted(CLUSTER_TYPES):
            for name in self.by_type.get(ctype, []):
                self._read_cluster(name)

    def read_attachments(self) -> None:
        for name in self.by_type.get("AWS::EKS::Nodegroup", []):
            self._read_managed_nodegroup(name)
        for name in self.by_type.get("AWS::AutoScaling::AutoScalingGroup", []):
            self._read_auto_scaling_group(name)
        for name in self.by_type.get("AWS::EC2::Instance", []):
            self._read_instance(name)
        for name in self.by_type.get("AWS::EC2::SpotFleet", []):
            self._read_spot_fleet(name)

    def _launch_templates(self, spec: object, guard: Guard) -> list[tuple[str | None, Guard]]:
        """The launch template resources a LaunchTemplateSpecification names, by id or by name, per
        `Fn::If` branch; None for a branch whose template lives outside this one."""
        for prop in ("Id", "LaunchTemplateId", "Name", "LaunchTemplateName"):
            value = get(spec, prop)
            if value is not None:
                return [(self._launch_template(alt.value, by_name=prop.endswith("Name")), alt.guard)
                        for alt in present(value, (), guard)]
        return [(None, guard)]

    def _launch_template(self, value: object, by_name: bool) -> str | None:
        if by_name:
            token = name_token(value)
            return self.lt_names.get(token) if token is not None else None
        return self.resource_named(value, "AWS::EC2::LaunchTemplate")

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
        # Without a launch template EKS puts the cluster group on the nodes (NO_LAUNCH_TEMPLATE).
        branches = [(NO_LAUNCH_TEMPLATE, guard)] if spec is None else self._launch_templates(spec, guard)
        remote = self._remote_access(props, ("Resources", name, "Properties", "RemoteAccess"), guard)
        addresses = self.addresses(self.subnet_values(get(props, "Subnets")))
        for lt, branch in branches:
            members: list[Member] = []
            needs_cluster_group = branch if lt == NO_LAUNCH_TEMPLATE else FALSE
            if lt:
                members, _ = self._lt_groups(lt)
                carried = FALSE
                for member in members:
                    carried = carried | member.guard
                # EKS adds the cluster group only when the launch template names no groups (C-07).
                needs_cluster_group = branch & ~carried
            variant = "" if len(branches) == 1 else (lt or "a launch template defined elsewhere")
            self.model.attachments.append(Attachment(
                name, Compute.MANAGED_NODEGROUP, tuple(members), lt is not None, branch, ("Resources", name),
                names, variant, needs_cluster_group, remote, addresses, self._variant_public_ips(lt, branch)))

    def _remote_access(self, props: object, path: Path, guard: Guard) -> RemoteAccess | None:
        """EKS opens SSH (RDP on Windows) from SourceSecurityGroups, or from anywhere without them (C-08)."""
        remote = get(props, "RemoteAccess")
        if remote is None or get(remote, "Ec2SshKey") is None:
            return None
        ami = get(props, "AmiType")
        port = 3389 if isinstance(ami, str) and ami.upper().startswith("WINDOWS") else 22
        sourced = FALSE
        for alt in list_items(get(remote, "SourceSecurityGroups"), (*path, "SourceSecurityGroups"), guard):
            sourced = sourced | alt.guard  # an empty list names no source: EKS opens the port to the world
        return RemoteAccess(port, guard & ~sourced, path)

    def read_endpoints(self) -> None:
        """VPC endpoints, by the service after the region (`com.amazonaws.${AWS::Region}.ecr.api`)."""
        for name in self.by_type.get("AWS::EC2::VPCEndpoint", []):
            props = self._props(name)
            service = name_token(get(props, "ServiceName")) or ""
            suffix = re.sub(r"^.*?(\$\{AWS::Region\}|[a-z]{2}(-[a-z]+)+-\d)\.", "", service)
            kind = get(props, "VpcEndpointType")
            interface = isinstance(kind, str) and kind.lower() == "interface"  # the default is Gateway
            guard = self._guard(name)
            path: Path = ("Resources", name, "Properties", "SecurityGroupIds")
            members = tuple(self.group_members(get(props, "SecurityGroupIds"), path, guard))
            tables = list(list_items(get(props, "RouteTableIds"), ()))
            self.model.endpoints.append(VpcEndpoint(
                name, suffix, interface, members, guard, ("Resources", name),
                self.addresses(self.subnet_values(get(props, "SubnetIds"))), self.vpc_named(get(props, "VpcId")),
                self._setting(props, ("Resources", name, "Properties"), "PrivateDnsEnabled", Truth.FALSE, guard),
                tuple(self.resource_named(t.value, "AWS::EC2::RouteTable") for t in tables)))

    def _public_ips(self, interfaces: object, path: Path, guard: Guard) -> tuple[Setting, ...]:
        """The primary interface's (device 0) AssociatePublicIpAddress per branch, where it is written; () where
        no interface says: the subnet's MapPublicIpOnLaunch decides."""
        found: list[Setting] = []
        for alt in list_items(interfaces, path, guard):
            if parse_port(get(alt.value, "DeviceIndex")) in (None, 0) and get(alt.value, "AssociatePublicIpAddress") \
                    is not None:
                found += [setting for setting in self._setting(alt.value, alt.path, "AssociatePublicIpAddress",
                                                               Truth.FALSE, alt.guard) if setting.explicit]
        return tuple(found)

    def _variant_public_ips(self, via: str | None, guard: Guard) -> tuple[Setting, ...]:
        """Public addresses a kind of node gets from its launch template or configuration (`via`): read from the
        resource; UNKNOWN for one defined elsewhere (None); () without one (the subnet decides)."""
        if via is None:
            return (Setting(Truth.UNKNOWN, guard, (), explicit=False,
                            shown="set by a launch template or configuration defined elsewhere"),)
        rtype = self._type(via)
        props = self._props(via) if rtype is not None else None
        if rtype == "AWS::EC2::LaunchTemplate":
            data = get(props, "LaunchTemplateData")
            return self._public_ips(get(data, "NetworkInterfaces"),
                                    ("Resources", via, "Properties", "LaunchTemplateData", "NetworkInterfaces"),
                                    self._guard(via) & guard)
        if rtype == "AWS::AutoScaling::LaunchConfiguration" and get(props, "AssociatePublicIpAddress") is not None:
            return tuple(s for s in self._setting(props, ("Resources", via, "Properties"), "AssociatePublicIpAddress",
                                                  Truth.FALSE, self._guard(via) & guard) if s.explicit)
        if via and rtype is None:  # "a launch configuration defined elsewhere"
            return self._variant_public_ips(None, guard)
        return ()

    def _launch_spec_public_ips(self, spec: object, guard: Guard) -> tuple[Setting, ...]:
        """An instance's public addresses from its launch template, when it sets none itself."""
        if spec is None:
            return ()
        found: list[Setting] = []
        for lt, branch in self._launch_templates(spec, guard):
            found += self._variant_public_ips(lt, branch)
        return tuple(found)

    def read_uses(self) -> None:
        """Every other resource that puts a group on its interfaces (for sharing and orphan checks)."""
        for rtype, paths in GROUP_LISTS.items():
            for name in self.by_type.get(rtype, []):
                for keys in paths:
                    for member in self._members_at(name, keys):
                        self.model.uses.append(Use(name, rtype, member))

    def _members_at(self, name: str, keys: tuple[str, ...]) -> Iterator[Member]:
        guard = self._guard(name)
        values: list[tuple[object, Path, Guard]] = [(self._props(name), ("Resources", name, "Properties"), guard)]
        for key in keys[:-1]:
            step: list[tuple[object, Path, Guard]] = []
            for value, path, g in values:
                if key == "*":
                    step += [(alt.value, alt.path, alt.guard) for alt in list_items(value, path, g)]
                else:
                    step += [(alt.value, alt.path, alt.guard) for alt in present(get(value, key), (*path, key), g)]
            values = step
        for value, path, g in values:
            yield from self.group_members(get(value, keys[-1]), (*path, keys[-1]), g,
                                          by_name=keys[-1] == "SecurityGroups")

    def read_references(self, template: object) -> None:
        """Groups that something other than a security-group rule names: an output, a nested stack,
        a resource type this plugin does not model (a spot fleet, a SageMaker domain...)."""
        places: list[object] = [get(template, "Outputs")]
        for resource in self.resources.values():
            if str(resource["Type"]) not in _RULE_TYPES:
                places.append(resource.get("Properties"))
        for place in places:
            for logical_id in references(place):
                if self._type(logical_id) == GROUP_TYPE:
                    self.model.referenced.add(GroupKey.make(Origin.RESOURCE, logical_id))
        # Handed to other stacks, which may add rules of their own (a bastion's, a CI runner's).
        handed = [self.outputs]
        handed += [get(self._props(name), "Parameters") for name in self.by_type.get("AWS::CloudFormation::Stack", [])]
        for place in handed:
            for value in _values(place):
                key = self.group_key(value) if function(value) else None
                if key is not None and key.created_here:
                    self.model.exported.add(key)

    def _read_auto_scaling_group(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        _, cluster_tags = self._tags(get(props, "Tags"), ("Resources", name, "Properties", "Tags"), guard)
        evidence = [t for t, _ in cluster_tags]
        variants = [*self._launch_template_variants(props, guard), *self._launch_configuration_variants(props, guard)]
        if not variants:
            variants.append(("", [], False, [], guard))
        many = len(variants) > 1
        addresses = self.addresses(self.subnet_values(get(props, "VPCZoneIdentifier")))
        for via, members, known, names, branch in variants:
            self.model.attachments.append(Attachment(
                name, Compute.AUTO_SCALING_GROUP, tuple(members), known, branch, ("Resources", name),
                tuple(dict.fromkeys(evidence + names + self._group_evidence(members))), via if many else "",
                addresses=addresses, public_ips=self._variant_public_ips(via if known or not via else None, branch)))

    def _launch_template_variants(self, props: object, guard: Guard) -> list[_Variant]:
        """The kinds of node an auto scaling group's launch templates make (its own, a mixed instances policy's
        and its overrides'), each launch template once."""
        specs: list[object] = [get(props, "LaunchTemplate")]
        mixed = get(get(props, "MixedInstancesPolicy"), "LaunchTemplate")
        specs.append(get(mixed, "LaunchTemplateSpecification"))
        overrides = get(mixed, "Overrides")
        if isinstance(overrides, list):
            specs += [get(o, "LaunchTemplateSpecification") for o in overrides]
        variants: list[_Variant] = []
        seen: set[str] = set()
        for spec in specs:
            if spec is None:
                continue
            for lt, branch in self._launch_templates(spec, guard):
                if lt is None:
                    variants.append(("a launch template defined elsewhere", [], False, [], branch))
                elif lt not in seen:
                    seen.add(lt)
                    members, names = self._lt_groups(lt)
                    variants.append((lt, members, True, names, branch))
        return variants

    def _launch_configuration_variants(self, props: object, guard: Guard) -> list[_Variant]:
        """The kind of node an auto scaling group's launch configuration makes, if it names one."""
        lc = function(get(props, "LaunchConfigurationName"))
        if lc and lc[0] == "Ref" and self._type(lc[1]) == "AWS::AutoScaling::LaunchConfiguration":
            lc_name = str(lc[1])
            lc_props = self._props(lc_name)
            lc_path: Path = ("Resources", lc_name, "Properties", "SecurityGroups")
            members = list(self.group_members(get(lc_props, "SecurityGroups"), lc_path, self._guard(lc_name), True))
            return [(lc_name, members, True, _bootstrap_names(get(lc_props, "UserData")), guard)]
        if lc is not None or isinstance(get(props, "LaunchConfigurationName"), str):
            return [("a launch configuration defined elsewhere", [], False, [], guard)]
        return []

    def _read_instance(self, name: str) -> None:
        props = self._props(name)
        guard = self._guard(name)
        base: Path = ("Resources", name, "Properties")
        members = list(self.group_members(get(props, "SecurityGroupIds"), (*base, "SecurityGroupIds"), guard))
        members += self.group_members(get(props, "SecurityGroups"), (*base, "SecurityGroups"), guard, True)
        subnets = self.subnet_values(get(props, "SubnetId"))
        for alt in list_items(get(props, "NetworkInterfaces"), (*base, "NetworkInterfaces"), guard):
            if parse_port(get(alt.value, "DeviceIndex")) in (None, 0):
                members += self.group_members(get(alt.value, "GroupSet"), (*alt.path, "GroupSet"), alt.guard)
                subnets += self.subnet_values(get(alt.value, "SubnetId"))
        names = _bootstrap_names(get(props, "UserData"))
        known = True
        spec = get(props, "LaunchTemplate")
        if spec is not None:
            lt_members, lt_names, known = self._instance_launch_template(spec, guard, own=bool(members))
            members += lt_members
            names += lt_names
        _, cluster_tags = self._tags(get(props, "Tags"), (*base, "Tags"), guard)
        names += [t for t, _ in cluster_tags]
        names += self._group_evidence(members)
        public_ips = self._public_ips(get(props, "NetworkInterfaces"), (*base, "NetworkInterfaces"), guard)
        self.model.attachments.append(Attachment(
            name, Compute.INSTANCE, tuple(members), known, guard, ("Resources", name),
            tuple(dict.fromkeys(names)), addresses=self.addresses(subnets),
            public_ips=public_ips or self._launch_spec_public_ips(spec, guard)))

    def _instance_launch_template(self, spec: object, guard: Guard,
                                  own: bool) -> tuple[list[Member], list[str], bool]:
        """What an instance's launch template adds: its groups (unless the instance names its own, which win),
        the cluster names its user data gives (it runs either way), and whether every group is known."""
        members: list[Member] = []
        names: list[str] = []
        known = True
        for lt, branch in self._launch_templates(spec, guard):
            if lt is None:
                known = known and own
                continue
            lt_members, lt_names = self._lt_groups(lt)
            names += lt_names
            if not own:
                members += [Member(m.key, m.guard & branch, m.path) for m in lt_members]
        return members, names, known

    def _read_spot_fleet(self, name: str) -> None:
        """Each launch specification or launch template of a spot fleet is one kind of node."""
        guard = self._guard(name)
        config = get(self._props(name), "SpotFleetRequestConfigData")
        base: Path = ("Resources", name, "Properties", "SpotFleetRequestConfigData")
        variants: list[tuple[str, list[Member], bool, list[str], list[object], Guard, tuple[Setting, ...]]] = []
        for alt in list_items(get(config, "LaunchSpecifications"), (*base, "LaunchSpecifications"), guard):
            members, names, subnets = self._launch_specification(alt)
            public_ips = self._public_ips(get(alt.value, "NetworkInterfaces"), (*alt.path, "NetworkInterfaces"),
                                          alt.guard)
            variants.append((f"launch specification {len(variants) + 1}", members, True, names, subnets, alt.guard,
                             public_ips))
        for alt in list_items(get(config, "LaunchTemplateConfigs"), (*base, "LaunchTemplateConfigs"), guard):
            for lt, branch in self._launch_templates(get(alt.value, "LaunchTemplateSpecification"), alt.guard):
                public_ips = self._variant_public_ips(lt, branch)
                if lt is None:
                    variants.append(("a launch template defined elsewhere", [], False, [], [], branch, public_ips))
                else:
                    members, names = self._lt_groups(lt)
                    variants.append((lt, members, True, names, [], branch, public_ips))
        for via, members, known, names, subnets, branch, public_ips in variants:
            self.model.attachments.append(Attachment(
                name, Compute.SPOT_FLEET, tuple(members), known, branch, ("Resources", name),
                tuple(dict.fromkeys(names + self._group_evidence(members))), via if len(variants) > 1 else "",
                addresses=self.addresses(subnets), public_ips=public_ips))

    def _launch_specification(self, spec: Alt) -> tuple[list[Member], list[str], list[object]]:
        """A spot fleet launch specification's groups (its own and its primary interface's), the cluster names
        its user data and tags give, and its subnets."""
        members: list[Member] = []
        for group in list_items(get(spec.value, "SecurityGroups"), (*spec.path, "SecurityGroups"), spec.guard):
            members += self.group_members(get(group.value, "GroupId"), (*group.path, "GroupId"), group.guard)
        subnets = self.subnet_values(get(spec.value, "SubnetId"))
        for nic in list_items(get(spec.value, "NetworkInterfaces"), (*spec.path, "NetworkInterfaces"), spec.guard):
            if parse_port(get(nic.value, "DeviceIndex")) in (None, 0):
                members += self.group_members(get(nic.value, "Groups"), (*nic.path, "Groups"), nic.guard)
                subnets += self.subnet_values(get(nic.value, "SubnetId"))
        names = _bootstrap_names(get(spec.value, "UserData"))
        for tags in list_items(get(spec.value, "TagSpecifications"), (*spec.path, "TagSpecifications"), spec.guard):
            names += [t for t, _ in self._tags(get(tags.value, "Tags"), tags.path, tags.guard)[1]]
        return members, names, subnets

    def _group_evidence(self, members: Iterable[Member]) -> list[str]:
        """Cluster names from kubernetes.io/cluster tags on the groups a node carries."""
        names: list[str] = []
        for member in members:
            group = self.model.groups.get(member.key)
            if group is not None and member.key.origin is Origin.RESOURCE:
                names += [t for t, _ in group.cluster_tags]
        return names



# One kind of node an auto scaling group makes: via what, its groups, whether they are all known, the cluster
# names its user data and tags give, and where.
_Variant = tuple[str, list[Member], bool, list[str], Guard]

_BOOLEANS: Final[Mapping[object, Truth]] = {True: Truth.TRUE, False: Truth.FALSE, "true": Truth.TRUE,
                                            "false": Truth.FALSE}
_IPV6: Final[Mapping[object, Truth]] = {"ipv6": Truth.TRUE, "ipv4": Truth.FALSE}


def _literal_setting(value: object, guard: Guard, path: Path, values: Mapping[object, Truth]) -> Setting:
    """One branch of a setting: known for a literal CloudFormation accepts (any case), else UNKNOWN."""
    key = value.lower() if isinstance(value, str) else value
    known = values.get(key) if isinstance(key, (str, bool)) else None
    if known is not None:
        return Setting(known, guard, path)
    return Setting(Truth.UNKNOWN, guard, path, shown=short_form(value))


def boolean(value: object, guard: Guard, path: Path) -> Setting:
    return _literal_setting(value, guard, path, _BOOLEANS)


def _ip_family(value: object, guard: Guard, path: Path) -> Setting:
    """IpFamily: TRUE for ipv6."""
    return _literal_setting(value, guard, path, _IPV6)


SELF_EGRESS_SINCE: Final = (1, 33)


def _version_setting(value: object, guard: Guard, path: Path) -> Setting:
    """A Kubernetes version `1.32`, `"1.33"` as TRUE from 1.33 on, FALSE before; UNKNOWN for an expression."""
    text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if match is None:
        return Setting(Truth.UNKNOWN, guard, path, shown=short_form(value))
    version = (int(match.group(1)), int(match.group(2)))
    return Setting(Truth.of(version >= SELF_EGRESS_SINCE), guard, path)


def _values(value: object, depth: int = 0) -> Iterator[object]:
    """Every value nested in `value`, intrinsic functions included (bounded depth)."""
    if depth > 12:
        return
    yield value
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    for item in items:
        yield from _values(item, depth + 1)


def _key_of(mapping: object, key: str) -> str:
    """`key`, or its camelCase spelling where only that is present (CDK's cluster resource)."""
    camel = key[:1].lower() + key[1:]
    if isinstance(mapping, Mapping) and key not in mapping and camel in mapping:
        return camel
    return key



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


