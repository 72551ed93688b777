"""Pipeline stage `model` (addresses): subnets, VPC blocks and prefix lists of the template.

Subnet blocks come from `AWS::EC2::Subnet` (`CidrBlock` literal, or `Fn::Select` over `Fn::Cidr` of a
known VPC block). Parameters are never replaced by their defaults: what is not written down stays
unknown, and unknown addresses make a CIDR rule undecidable rather than wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from cfnlint_eks_sg.core._cidrs import MAX_CIDR_COUNT, Addresses, Block, Range, inside, network
from cfnlint_eks_sg.core._ports import parse_port
from cfnlint_eks_sg.core._resolve import function, get, list_items
from cfnlint_eks_sg.model._reader import TemplateReader


class AddressReader(TemplateReader):
    """Subnets, VPC blocks and prefix lists of this template."""

    def addresses(self, subnets: Sequence[object]) -> Addresses:
        """The blocks of a list of subnet expressions (items already taken out of their lists)."""
        blocks = [self._subnet_block(value) for value in subnets]
        known = bool(blocks) and all(b is not None for b in blocks)
        names = (self.subnet_named(value) for value in subnets)
        # Each distinct block once, in order: equal subnets give equal addresses.
        return Addresses(tuple(dict.fromkeys(b for b in blocks if b is not None)), known,
                         tuple(dict.fromkeys(n for n in names if n is not None)))

    def subnet_named(self, value: object) -> str | None:
        """The template's subnet that `!Ref Subnet` names; None for parameters, imports and literal ids."""
        fn = function(value)
        return str(fn[1]) if fn and fn[0] == "Ref" and self._type(fn[1]) == "AWS::EC2::Subnet" else None

    def read_vpcs(self) -> None:
        """The VPCs this template creates, with their IPv4 blocks."""
        for name in self.by_type.get("AWS::EC2::VPC", []):
            block = network(get(self._props(name), "CidrBlock"))
            self.model.vpcs[name] = (block,) if block is not None else ()
            if block is not None:
                self.model.vpc_primaries[name] = block
        for name in self.by_type.get("AWS::EC2::VPCCidrBlock", []):
            vpc = self.vpc_named(get(self._props(name), "VpcId"))
            block = network(get(self._props(name), "CidrBlock"))
            if vpc is not None and block is not None:
                self.model.vpcs[vpc] = (*self.model.vpcs[vpc], block)

    def subnet_values(self, value: object) -> list[object]:
        return [alt.value for alt in list_items(value, ())]

    def _subnet_block(self, value: object) -> Block | None:
        subnet = self.subnet_named(value)
        if subnet is None:
            return None  # a parameter, an import: not known here
        props = self._props(subnet)
        vpc_name = self.vpc_named(get(props, "VpcId"))
        cidr = get(props, "CidrBlock")
        found = self.cidr_range(cidr)
        if found is None:
            return Block(None)
        net = found.networks[0] if found.networks else None
        primary = found.vpc_primary
        if primary is None and vpc_name is not None and net is not None:
            vpc_block = network(get(self._props(vpc_name), "CidrBlock"))
            if vpc_block is not None and inside(net, vpc_block):
                primary = vpc_name
        return Block(net, primary)

    def cidr_range(self, value: object, depth: int = 0) -> Range | None:
        """A CIDR expression: a literal, `GetAtt Vpc.CidrBlock`, or `Select` over `Cidr` of one."""
        if depth > 8:
            return None
        literal = network(value)
        if literal is not None:
            return Range((literal,))
        fn = function(value)
        if fn is None:
            return None
        name, arg = fn
        if name == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1) if isinstance(arg, str) else []
            if len(parts) == 2 and parts[1] == "CidrBlock" and self._type(parts[0]) == "AWS::EC2::VPC":
                vpc = str(parts[0])
                block = network(get(self._props(vpc), "CidrBlock"))
                return Range((block,) if block is not None else (), vpc)
        if name == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            index = parse_port(arg[0])
            pieces = self._cidr_pieces(arg[1], depth + 1)
            if index is not None and pieces is not None and 0 <= index < len(pieces):
                return pieces[index]
        return None

    def _cidr_pieces(self, value: object, depth: int) -> list[Range] | None:
        """`Fn::Cidr [block, count, bits]`: the first `count` subnets of /(max - bits) in `block`."""
        fn = function(value)
        if not (fn and fn[0] == "Fn::Cidr" and isinstance(fn[1], list) and len(fn[1]) == 3):
            return None
        parent = self.cidr_range(fn[1][0], depth)
        count, bits = parse_port(fn[1][1]), parse_port(fn[1][2])
        if parent is None or count is None or bits is None or not parent.networks:
            return None
        base = parent.networks[0]
        new_prefix = base.max_prefixlen - bits
        if not 0 < count <= MAX_CIDR_COUNT or not base.prefixlen <= new_prefix <= base.max_prefixlen:
            return None
        pieces: list[Range] = []
        for subnet in base.subnets(new_prefix=new_prefix):
            # A piece lies in the VPC's block but is not that block: a rule naming it covers the piece only.
            pieces.append(Range((subnet,), parent.vpc_primary, part=parent.vpc_primary is not None))
            if len(pieces) == count:
                break
        return pieces

    def prefix_list_range(self, value: object) -> Range | None:
        """A customer-managed `AWS::EC2::PrefixList` with literal entries."""
        fn = function(value)
        if fn is None or fn[0] not in ("Ref", "Fn::GetAtt"):
            return None
        target = fn[1] if isinstance(fn[1], str) else fn[1][0] if isinstance(fn[1], list) and fn[1] else None
        target = str(target).split(".")[0] if isinstance(target, str) else None
        if self._type(target) != "AWS::EC2::PrefixList":
            return None
        entries = get(self._props(str(target)), "Entries")
        if not isinstance(entries, list):
            return None
        networks = [network(get(entry, "Cidr")) for entry in entries]
        if any(n is None for n in networks):
            return None
        return Range(tuple(n for n in networks if n is not None))
