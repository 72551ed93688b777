"""The base class of this plugin's rules: reads the cached analysis, renders its findings (`_messages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfnlint_eks_sg.rules._gate import worth_analysing

if TYPE_CHECKING:
    from cfnlint.template import Template

    from cfnlint_eks_sg.core._ports import PortSet

# Each rule's source_url: the AWS documentation it is based on (SARIF's helpUri, the JSON output's Rule.Source).
_EKS_GUIDE: Final = "https://docs.aws.amazon.com/eks/latest/userguide/"
SECURITY_GROUP_REQUIREMENTS: Final = _EKS_GUIDE + "sec-group-reqs.html"
CLUSTER_ENDPOINT: Final = _EKS_GUIDE + "cluster-endpoint.html"
PRIVATE_CLUSTERS: Final = _EKS_GUIDE + "private-clusters.html"
HYBRID_NODES_NETWORKING: Final = _EKS_GUIDE + "hybrid-nodes-networking.html"
ROUTE_TABLES: Final = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html"
NETWORK_ACLS: Final = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"
REMOTE_ACCESS: Final = "https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteAccessConfig.html"


class AnalysisRule(CloudFormationLintRule):
    """`id = ""`: cfn-lint instantiates this base when it is imported, then drops it."""

    id = ""

    def match(self, cfn: Template) -> list[RuleMatch]:
        if not self.active() or not worth_analysing(cfn):
            return []
        # The engine is loaded on the first template that has something for it: plain cfn-lint runs,
        # `cfn-lint -l` and templates without EKS or security groups never pay its import.
        from cfnlint_eks_sg._analysis import get_analysis
        from cfnlint_eks_sg.rules._messages import message

        return [RuleMatch(list(finding.path), message(finding))
                for finding in get_analysis(cfn).findings_for(self.id, self.ports())]

    def settings(self, definition: dict[str, dict[str, object]]) -> None:
        """Declare `configure_rules` options; call after `super().__init__()` (it resets them)."""
        self.config_definition = definition
        self.configure()  # type: ignore[no-untyped-call]  # defaults now, so direct use works too

    def active(self) -> bool:
        """False for opt-in rules that are not switched on."""
        return True

    def ports(self) -> PortSet | None:
        """Ports that replace a flow rule's own (from configure_rules); None keeps them."""
        return None


class WebhookPortsRule(AnalysisRule):
    """A flow rule towards webhooks: `webhook_ports` (configure_rules) replaces the ports it checks."""

    id = ""

    def __init__(self) -> None:
        super().__init__()
        self.settings({"webhook_ports": {"default": [], "type": "list", "itemtype": "integer"}})

    def ports(self) -> PortSet | None:
        return configured_ports(self.config.get("webhook_ports"))


def configured_flag(value: object) -> bool:
    """A boolean option as cfn-lint reads one: only true / "true" / "True" are true."""
    return value is True or value in ("true", "True")


def configured_ports(value: object) -> PortSet | None:
    """A `configure_rules` port list as a PortSet; None when empty or not ports at all."""
    from cfnlint_eks_sg.core._ports import PortSet  # here: templates without work for the engine never load it

    values = value if isinstance(value, list) else [value]
    ports = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535]
    return PortSet.of(*(PortSet.span(p, p).ranges[0] for p in ports)) if ports else None
