"""Pipeline stage `flows`: node groups that one half of a node-to-node flow treats alike.

Checking every pair of node groups is quadratic in work and in findings. One half of a flow is
decided by the groups of its own side; the other side matters only through the groups the
deciding rules name (or might name), whether its groups are known at all, when it exists and
has a group, and its subnets when address rules decide. Node groups equal in all of that form
one class and get one verdict. A node group's rules name a bounded set of peers, so the classes
of one endpoint are found through indexes, without looking at every other endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple

from cfnlint_eks_sg.core._cidrs import Addresses
from cfnlint_eks_sg.core._guards import FALSE, Guard
from cfnlint_eks_sg.flows._reach import PermissionIndex
from cfnlint_eks_sg.model._types import Direction, GroupKey, Model, Origin

LISTED: Final = 3  # endpoints named in a class's label; the rest are counted


class PeerClass(NamedTuple):
    """Endpoints that get one verdict on a half: the first few of them, and how many in all."""

    listed: tuple[int, ...]
    total: int
    bucket: tuple[object, ...] | None = None  # None: a class of one


class _Rules(NamedTuple):
    named: frozenset[GroupKey]  # peer groups the rules name
    foreign: bool  # a peer may be another stack's group, equal to any foreign group of the other side
    by_address: bool  # CIDR or prefix-list rules: the other side's subnets matter


class PeerDirectory:
    """Indexes over one cluster's node endpoints, built once."""

    def __init__(self, keys: Sequence[frozenset[GroupKey]], known: Sequence[bool],
                 guards: Sequence[Guard], present: Sequence[Guard], addresses: Sequence[Addresses],
                 model: Model) -> None:
        self._keys = keys
        self._by_key: dict[GroupKey, list[int]] = {}
        self._special: list[int] = []  # other side unknown or opaque: every rule may match it
        self._foreign: list[int] = []  # carries a group another stack owns
        for position, groups in enumerate(keys):
            for key in groups:
                self._by_key.setdefault(key, []).append(position)
            if not known[position] or any(k.origin is Origin.OPAQUE for k in groups):
                self._special.append(position)
            if any(not model.closed(k) for k in groups):
                self._foreign.append(position)
        self._buckets: dict[bool, dict[tuple[object, ...], list[int]]] = {True: {}, False: {}}
        self._bucket_of: dict[bool, list[tuple[object, ...]]] = {True: [], False: []}
        for position in range(len(keys)):
            for with_addresses in (True, False):
                bucket = (guards[position], present[position],
                          addresses[position] if with_addresses else None)
                self._buckets[with_addresses].setdefault(bucket, []).append(position)
                self._bucket_of[with_addresses].append(bucket)

    def classes(self, index: PermissionIndex, position: int, direction: Direction) -> Iterator[PeerClass]:
        """The classes of the other side for the `direction` half of endpoint `position`.

        Endpoints its rules may single out (and the endpoint itself) are classes of one; the rest
        are grouped by existence, presence of a group and, when address rules decide, subnets.
        """
        rules = self._rules(index, position, direction)
        single = self._single(rules, position)
        for other in sorted(single):
            yield PeerClass((other,), 1)
        bucket_of = self._bucket_of[rules.by_address]
        taken: dict[tuple[object, ...], int] = {}
        for other in single:
            taken[bucket_of[other]] = taken.get(bucket_of[other], 0) + 1
        for bucket, members in self._buckets[rules.by_address].items():
            count = len(members) - taken.get(bucket, 0)
            if count <= 0:
                continue
            listed: list[int] = []
            for other in members:
                if other not in single:
                    listed.append(other)
                    if len(listed) == LISTED:
                        break
            yield PeerClass(tuple(listed), count, bucket)

    def members(self, index: PermissionIndex, position: int, direction: Direction, found: PeerClass) -> list[int]:
        """Every endpoint of a class (linear in the endpoints: for `fix`, not for the analysis)."""
        if found.bucket is None:
            return list(found.listed)
        rules = self._rules(index, position, direction)
        single = self._single(rules, position)
        return [p for p in self._buckets[rules.by_address][found.bucket] if p not in single]

    def _single(self, rules: _Rules, position: int) -> set[int]:
        single = {position}
        for key in rules.named:
            single.update(self._by_key.get(key, ()))
        single.update(self._special)
        if rules.foreign:
            single.update(self._foreign)
        return single

    def _rules(self, index: PermissionIndex, position: int, direction: Direction) -> _Rules:
        named: set[GroupKey] = set()
        foreign = by_address = False
        for group in self._keys[position]:
            for rules in (index.rules(group, direction), index.maybe_rules(group, direction)):
                named.update(rules.by_peer)
                foreign = foreign or bool(rules.foreign_peers)
                by_address = by_address or bool(rules.other)
        return _Rules(frozenset(named), foreign, by_address)


def present_guard(guards: Sequence[Guard]) -> Guard:
    """When at least one of the guarded groups is on the interfaces."""
    present = FALSE
    for guard in guards:
        present = present | guard
    return present
