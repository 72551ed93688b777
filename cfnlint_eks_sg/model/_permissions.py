"""Reading rules: inline and standalone rules to permissions, plus the defaults EC2 and EKS add.

- a group without inline egress gets allow-all egress, removed by any standalone egress on it (M-1, M-2);
- the EKS cluster group of a cluster in this template has visible default rules (C-02);
- groups defined elsewhere (parameters, imports, literal ids) only show this template's rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from cfnlint_eks_sg.core._guards import FALSE, TRUE, Guard
from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, parse_port, parse_protocol, port_set
from cfnlint_eks_sg.core._resolve import (
    Alt,
    Path,
    alternatives,
    canonical,
    get,
    list_items,
    name_token,
    present,
    short_form,
)
from cfnlint_eks_sg.model._addresses import AddressReader
from cfnlint_eks_sg.model._types import (
    ANYWHERE_V4,
    ANYWHERE_V6,
    GROUP_TYPE,
    CidrPeer,
    ClusterDef,
    Direction,
    Group,
    GroupKey,
    GroupPeer,
    Identity,
    Origin,
    Peer,
    Permission,
    PrefixListPeer,
    StandaloneRule,
    Truth,
    UnknownPeer,
)


class PermissionReader(AddressReader):
    """Groups and their rules."""

    def read_groups(self) -> None:
        for name in self.by_type.get(GROUP_TYPE, []):
            self._read_group(name)

    def read_standalone_rules(self) -> dict[GroupKey, Guard]:
        """Standalone ingress/egress resources; returns where each group's default egress is stripped."""
        stripped: dict[GroupKey, Guard] = {}
        for rtype, direction in (
            ("AWS::EC2::SecurityGroupIngress", Direction.INGRESS),
            ("AWS::EC2::SecurityGroupEgress", Direction.EGRESS),
        ):
            for name in self.by_type.get(rtype, []):
                for owner_alt, key in self._standalone_owners(name, direction):
                    self._ensure_external(key)
                    self.model.places.setdefault(key, []).append(owner_alt.path)
                    self.model.used_in(key, owner_alt.path)
                    self.model.standalone.append(
                        StandaloneRule(name, direction, key, owner_alt.guard, owner_alt.path))
                    self._add_rules(key, direction, self._props(name), ("Resources", name, "Properties"),
                                    owner_alt.guard, "standalone")
                    if direction is Direction.EGRESS:
                        # A standalone SecurityGroupEgress removes the default allow-all (eksctl#6455)
                        stripped[key] = stripped.get(key, FALSE) | owner_alt.guard
        return stripped

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

    def _add_rules(self, owner: GroupKey, direction: Direction, rule: object, path: Path,
                   guard: Guard, source: str, assumed: str = "") -> None:
        """One raw rule (inline item or standalone properties) to permissions, per `Fn::If` branch; a rule with
        values from parameters with Defaults is also read with those into `Model.assumed`."""
        if not isinstance(rule, Mapping):
            return
        if not assumed:
            defaults = self._defaults(rule)
            if defaults:
                note = ", ".join(f"the default {value} of parameter {name}" for name, value in defaults.values())
                with_defaults = {**rule, **{prop: value for prop, (_, value) in defaults.items()}}
                self._add_rules(owner, direction, with_defaults, path, guard, source, assumed="with " + note)
        # Of the protocol's and ports' branches only the guards count: a rule is placed by its peer.
        for proto_alt in alternatives(rule.get("IpProtocol"), path, guard):
            protocol = parse_protocol(proto_alt.value)
            for from_alt in alternatives(rule.get("FromPort"), path, proto_alt.guard):
                for to_alt in alternatives(rule.get("ToPort"), path, from_alt.guard):
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
                        (self.model.assumed if assumed else self.model.permissions).append(Permission(
                            owner, direction, peer, protocol if readable else None, ports,
                            peer_guard, peer_path, source, assumed=assumed))

    def _defaults(self, rule: Mapping[object, object]) -> dict[str, tuple[str, object]]:
        """The values of a rule that parameters with a Default give, as (parameter, Default), where the
        parameter's AllowedValues or AllowedPattern let it take its Default (and, for a range, the whole
        internet: a parameter that can never be 0.0.0.0/0 never opens a group to it)."""
        found: dict[str, tuple[str, object]] = {}
        for prop in ("IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6"):
            value = rule.get(prop)
            if value is None or isinstance(value, (str, int)):
                continue  # written out: nothing to assume
            given = self.parameter_default(value)
            if given is None or not self.may_take(given[0], str(given[1]).strip()):
                continue
            if prop in _WORLD and not self.may_take(given[0], _WORLD[prop]):
                continue
            found[prop] = given
        return found

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
                    self.model.peer_places.setdefault(peer.key, []).append(alt.path)
                    self.model.used_in(peer.key, alt.path)
                yield peer, alt.guard, alt.path
        if not found:
            yield None, guard, path

    def _peer(self, prop: str, value: object) -> Peer:
        if prop in ("CidrIp", "CidrIpv6"):
            version = 6 if prop == "CidrIpv6" else 4
            covers = self.cidr_range(value)
            if isinstance(value, str):
                return CidrPeer(str(value).strip(), version, covers)
            if covers is not None:
                return CidrPeer(short_form(value), version, covers)
            # `cidr` stays the canonical text: a remote block written the same way is the same range.
            return UnknownPeer(f"{prop} {short_form(value)}", canonical(value) if version == 4 else "")
        if prop.endswith("PrefixListId"):
            return PrefixListPeer(name_token(value) or short_form(value), self.prefix_list_range(value))
        key = self.group_key(value, by_name=prop.endswith("Name"))
        return GroupPeer(key) if key is not None else UnknownPeer(f"{prop} is empty")

    def add_default_egress(self, stripped: Mapping[GroupKey, Guard]) -> None:
        """Allow-all egress of groups without inline egress, unless a standalone egress strips it.

        A standalone egress rule on a key that may name the group (an import of it, a GroupId this template
        does not pin down) may strip it: there the default is only possibly there."""
        self._group_default_egress(stripped)
        if self.settings.cluster_security_group_defaults:
            for cluster in self.model.clusters:
                self._cluster_defaults(cluster, stripped)

    def _group_default_egress(self, stripped: Mapping[GroupKey, Guard]) -> None:
        """EC2 gives every new group allow-all egress; inline egress replaces it."""
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
            for part, doubt in self._default_parts(key, guard, stripped):
                self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V4, ALL_TRAFFIC,
                                                         ALL_PORTS, part, path, "default egress", doubt))
                # The ::/0 half exists only if the VPC had IPv6 when the group was made (uncertain).
                self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V6, ALL_TRAFFIC,
                                                         ALL_PORTS, part, path, "default egress",
                                                         doubt or IPV6_DEFAULT))

    def _cluster_defaults(self, cluster: ClusterDef, stripped: Mapping[GroupKey, Guard]) -> None:
        """The rules EKS gives the cluster security group it creates.

        EKS user guide, "View Amazon EKS security group requirements for clusters": all traffic in from the
        group itself; out to 0.0.0.0/0 (and ::/0 on IPv6 clusters, whose group keeps the IPv4 allow-all EC2
        gives every new group); from Kubernetes 1.33 also out to the group itself (EFA, eksctl PR #8509).
        EKS recreates the self rules on every cluster update; the allow-all is removable, and a standalone
        egress rule on the group removes it (eksctl#6455)."""
        key = GroupKey.make(Origin.CLUSTER, cluster.resource)
        path = cluster.path
        self.model.permissions.append(
            Permission(key, Direction.INGRESS, GroupPeer(key), ALL_TRAFFIC, ALL_PORTS, TRUE, path, "EKS default"))
        for setting in cluster.self_egress:
            if setting.value is not Truth.FALSE:
                doubt = "" if setting.value is Truth.TRUE else (
                    f"EKS adds it from Kubernetes 1.33, and the cluster's Version is {setting.shown}")
                self.model.permissions.append(Permission(key, Direction.EGRESS, GroupPeer(key), ALL_TRAFFIC,
                                                         ALL_PORTS, setting.guard, path, "EKS default", doubt))
        for part, doubt in self._default_parts(key, ~stripped.get(key, FALSE), stripped):
            self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V4, ALL_TRAFFIC, ALL_PORTS,
                                                     part, path, "EKS default", doubt))
            for family in cluster.family:
                # Where the family is not fixed here it exists whenever it matters: an IPv6 rule only ever
                # decides IPv6 traffic, which only an IPv6 cluster carries.
                if family.value is not Truth.FALSE:
                    self.model.permissions.append(Permission(key, Direction.EGRESS, ANYWHERE_V6, ALL_TRAFFIC,
                                                             ALL_PORTS, part & family.guard, path, "EKS default",
                                                             doubt))

    def _default_parts(self, key: GroupKey, guard: Guard,
                       stripped: Mapping[GroupKey, Guard]) -> Iterator[tuple[Guard, str]]:
        """Where a default egress surely exists (no doubt), and where a standalone egress on a key that
        may name the group may have removed it (with why)."""
        maybe, owners = FALSE, list[GroupKey]()
        for owner, where in stripped.items():
            # Two groups this template creates are two groups: only other keys may name this one.
            if not owner.created_here and self.model.identity(key, owner) is Identity.UNKNOWN:
                maybe, owners = maybe | where, [*owners, owner]
        surely = guard & ~maybe
        if not surely.is_false:
            yield surely, ""
        if owners and not (guard & maybe).is_false:
            yield guard & maybe, (f"a standalone egress rule on {owners[0]}, which may be {key}, would remove this "
                                  "default (eksctl#6455)")


_WORLD: Final = {"CidrIp": ANYWHERE_V4.cidr, "CidrIpv6": ANYWHERE_V6.cidr}  # a parameter that may be the internet
IPV6_DEFAULT: Final = ("the ::/0 half of a default egress exists only if the VPC had an IPv6 CIDR block when the "
                        "group was created; an explicit rule to ::/0 makes it certain")

_PEER_PROPS: Final = {
    Direction.INGRESS: ("CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName"),
    Direction.EGRESS: ("CidrIp", "CidrIpv6", "DestinationPrefixListId", "DestinationSecurityGroupId"),
}


def _unresolved(value: object) -> bool:
    """A port given by an intrinsic (a parameter, a mapping): not known here."""
    return isinstance(value, Mapping)


