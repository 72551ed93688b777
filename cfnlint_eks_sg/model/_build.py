"""Pipeline stage `model`: security groups, their permissions and what carries them, built in one pass.

Reads the decoded template once and produces typed values only (`_types`): rules through
`_permissions`, clusters and node groups through `_compute`, identity through `_reader`.
Semantics and sources: ../shared/reference/eks-sg-spec.md, section 4.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from cfnlint_eks_sg.core._resolve import get
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.model._compute import ComputeReader
from cfnlint_eks_sg.model._membership import add_memberships
from cfnlint_eks_sg.model._permissions import PermissionReader
from cfnlint_eks_sg.model._types import Model


class ModelBuilder(PermissionReader, ComputeReader):
    """Reads one template into a `Model`: groups and clusters, then rules, then attachments."""

    def build(self) -> Model:
        self.read_groups()
        self.read_clusters()
        self.read_references(self.template)  # which groups are handed out decides what may name them
        stripped = self.read_standalone_rules()
        self.add_default_egress(stripped)
        self.read_attachments()
        self.read_uses()
        self.read_endpoints()
        self.read_vpcs()
        self.read_network()
        add_memberships(self.model)  # last: it reads the clusters and attachments
        return self.model

    def read_network(self) -> None:
        """Subnets, routes and network ACLs: only a template that creates subnets has any (`_routing_builder`)."""


def build_model(template: object, settings: Settings | None = None) -> Model:
    """The whole-template model; pure: same template in, same model out."""
    builder = _routing_builder() if _creates_subnets(template) else ModelBuilder
    return builder(template, settings or Settings.from_template(template)).build()


def _creates_subnets(template: object) -> bool:
    resources = get(template, "Resources")
    return isinstance(resources, Mapping) and any(get(r, "Type") == "AWS::EC2::Subnet" for r in resources.values())


@functools.cache
def _routing_builder() -> type[ModelBuilder]:
    """A builder that reads routing too, loaded on the first template that creates subnets: the others (most EKS
    templates take their subnets as parameters) never pay its import."""
    from cfnlint_eks_sg.model._routing import RoutingReader

    class RoutingBuilder(ModelBuilder, RoutingReader):
        def read_network(self) -> None:
            self.read_routing()

    return RoutingBuilder
