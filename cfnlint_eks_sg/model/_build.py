"""Pipeline stage `model`: security groups, their permissions and what carries them, built in one pass.

Reads the decoded template once and produces typed values only (`_types`): rules through
`_permissions`, clusters and node groups through `_compute`, identity through `_reader`.
Semantics and sources: ../shared/reference/eks-sg-spec.md, section 4.
"""

from __future__ import annotations

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
        add_memberships(self.model)  # it reads the clusters and attachments
        if any(attachment.addresses.subnets for attachment, _ in self.model.joined):
            # Node groups in subnets this template creates: their routes and network ACLs matter. Loaded only
            # then: most templates take their subnets as parameters, and VPC stacks have no node groups.
            from cfnlint_eks_sg.model._routing import read_routing

            read_routing(self)
        return self.model


def build_model(template: object, settings: Settings | None = None) -> Model:
    """The whole-template model; pure: same template in, same model out."""
    return ModelBuilder(template, settings or Settings.from_template(template)).build()
