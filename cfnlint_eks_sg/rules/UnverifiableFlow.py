"""IK0001: required flows that depend on a group defined outside the template."""

from collections.abc import Mapping
from typing import ClassVar

from cfnlint_eks_sg.rules._base import SECURITY_GROUP_REQUIREMENTS, AnalysisRule


class UnverifiableFlow(AnalysisRule):
    id = "IK0001"
    shortdesc = "Required EKS flows depend on something this template does not show"
    description = (
        "A required flow cannot be verified because a security group it needs is a parameter, an import "
        "or a literal id whose rules live in another stack (one finding per such group), or because a rule's "
        "protocol, ports or peer range, or a node group's launch template, is not fixed here."
    )
    source_url = SECURITY_GROUP_REQUIREMENTS
    tags = ["eks", "security-group", "visibility"]
    message_format = (
        "{count} required flow check(s) cannot be verified here because they depend on {group}, defined "
        "outside this template: {flows}. Lint the stack that defines it, or check its rules there."
    )
    message_formats: ClassVar[Mapping[str, str]] = {
        "companion": (
            "Companion template {companion} was not read: {reason}. Flows through the groups it defines "
            "stay unverified here."
        ),
        "aws_apis": (
            "WK1006 cannot be verified here for node group {node_group} of cluster {cluster}{when}: {why}. The "
            "nodes reach the AWS APIs on TCP 443 only if there are {needs}."
        ),
        "undecided": (
            "{count} required flow check(s) cannot be verified from this template alone. Why: {causes}. "
            "Unverified: {flows}. Check them where those values are defined, or define them in this template."
        ),
        "remote_network": (
            "Remote {network} network {cidr} of cluster {cluster}{when} may be refused by EKS: {why}."
        ),
        "setting": "{check} cannot be judged for cluster {cluster}{when}: {why}.",
        "exposure": (
            "WK3001 cannot be judged for {group} (on {role} interfaces){when}: a rule of it accepts traffic from "
            "{source}, on a protocol or ports this template does not fix and no Default decides. Check the "
            "values it is deployed with."
        ),
        "nested": (
            "Nested stack template {companion} was not followed: {reason}. Flows through the groups it defines "
            "stay unverified here."
        ),
    }
