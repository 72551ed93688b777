"""Every finding's message, rendered from its typed facts: the one place this plugin's wording lives.

Rules carry metadata; what they report is a record from `checks/_findings`. A renamed or missing fact fails mypy
here, and a finding kind without a wording fails it too (`_unworded`).
"""

from __future__ import annotations

from typing import NoReturn

from cfnlint_eks_sg.checks._findings import (
    AclBlocked,
    ApiBlocked,
    ApiUnverified,
    EndpointWithoutDns,
    Exposure,
    ExposureUnjudged,
    ExternalGroups,
    Finding,
    FlowGap,
    ForeignRules,
    GroupUsedElsewhere,
    NodesOnlyClients,
    NoRoute,
    OrphanedGroup,
    PublicOnlyEndpoint,
    RefusedNetwork,
    SettingUnjudged,
    SharedGroup,
    StrippedEgress,
    TaggedGroups,
    UndecidedFlows,
    UnreadCompanion,
    UnreadNested,
)
from cfnlint_eks_sg.flows._requirements import REQUIREMENT_OF


def message(finding: Finding) -> str:
    """The message cfn-lint shows for a finding."""
    facts = finding.facts
    match facts:
        case FlowGap():
            return _flow_gap(finding.rule_id, facts)
        case SharedGroup(group, cluster, others, when):
            return (f"Security group {group} is a control-plane group of cluster {cluster} and also of {others}{when}; "
                    "give each cluster its own group in ResourcesVpcConfig.SecurityGroupIds.")
        case GroupUsedElsewhere(group, cluster, resource, resource_type, when):
            return (f"Security group {group}, a control-plane group of {cluster}, is also attached to "
                    f"{resource_type} {resource}{when}; give the control plane a dedicated group.")
        case TaggedGroups(node_group, cluster, total, groups, when):
            return (f"Node group {node_group} carries {total} security groups with the kubernetes.io/cluster tag of "
                    f"cluster {cluster}{when}: {groups}. Load balancer controllers need exactly one; remove the tag "
                    "from all but one.")
        case StrippedEgress(resource, total, group, why, when):
            return (f"{group} has {total} standalone egress rule(s) ({resource}){when}, and it is {why}: "
                    "CloudFormation then removes the group's default allow-all egress and everything on it loses "
                    "outbound traffic the explicit rules do not allow. Put the rules on a dedicated group, or restate "
                    "the allow-all egress.")
        case OrphanedGroup(group, when):
            return (f"Security group {group} is written for nodes but nothing in this template carries it{when}: its "
                    "rules protect nothing. Attach it to the node group's launch template, export it, or remove it.")
        case Exposure(group, role, what, source, when):
            return (f"{group} (on {role} interfaces) accepts {what} from {source}{when}. Restrict the source to the "
                    "addresses that need it, or list the port in allowed_public_ports.")
        case ExposureUnjudged(group, role, source, when):
            return (f"WK3001 cannot be judged for {group} (on {role} interfaces){when}: a rule of it accepts traffic "
                    f"from {source}, on a protocol or ports this template does not fix and no Default decides. Check "
                    "the values it is deployed with.")
        case RefusedNetwork(cluster, network, cidr, why, when):
            verdict = "is refused by EKS" if finding.rule_id == "EK4005" else "may be refused by EKS"
            advice = (" Choose a block that meets the RemoteNetworkConfig requirements."
                      if finding.rule_id == "EK4005" else "")
            return f"Remote {network} network {cidr} of cluster {cluster}{when} {verdict}: {why}.{advice}"
        case ApiBlocked(node_group, cluster, when, why):
            return f"Node group {node_group} of cluster {cluster} cannot reach the AWS APIs on TCP 443{when}: {why}."
        case NoRoute(node_group, cluster, subnets, when, why, fix):
            where = f"subnet {subnets[0]}" if len(subnets) == 1 else f"subnets {', '.join(subnets)}"
            return (f"Node group {node_group} of cluster {cluster} has no way to the AWS APIs from {where}{when}: "
                    f"{why}. Nodes there cannot reach what they need to register, so they never join. {fix}.")
        case AclBlocked(acl, direction, flows, subnets, why, when, add):
            return (f"{acl[0].upper()}{acl[1:]} blocks {direction} traffic that EKS needs between subnets "
                    f"{subnets}{when}: {flows}. It does because {why}. Add {add}.")
        case ApiUnverified(node_group, cluster, when, why, needs):
            return (f"WK1006 cannot be verified here for node group {node_group} of cluster {cluster}{when}: {why}. "
                    f"The nodes reach the AWS APIs on TCP 443 only if there are {needs}.")
        case PublicOnlyEndpoint(cluster, cidrs, when):
            return (f"Cluster {cluster} has only a public endpoint, restricted to {cidrs}{when}: nodes call it from "
                    "their NAT or public addresses, which must be in that list or they cannot join. Enable "
                    "EndpointPrivateAccess, or add the nodes' egress addresses.")
        case EndpointWithoutDns(cluster, vpc, setting, state, when):
            return (f"Cluster {cluster} enables private endpoint access{when}, but {setting} of VPC {vpc} is "
                    f"{state}: the private endpoint does not resolve inside the VPC. Set EnableDnsHostnames and "
                    "EnableDnsSupport to true.")
        case SettingUnjudged(check, cluster, when, why):
            return f"{check} cannot be judged for cluster {cluster}{when}: {why}."
        case NodesOnlyClients(cluster, group, when):
            return (f"Cluster {cluster} enables private endpoint access{when}, but only its nodes may reach the API "
                    "on TCP 443: kubectl from a bastion, CI runner or VPN inside the VPC will time out. If they need "
                    f"it, add an ingress rule on {group} for TCP 443 from their security group or address range.")
        case ForeignRules(resources, total, group, extra, when):
            return (f"This template adds {total} rule(s) to {group}{when}, which another stack owns ({resources}): "
                    f"they are deleted with this stack{extra}.")
        case ExternalGroups(group, flows, total):
            return (f"{total} required flow check(s) cannot be verified here because they depend on {group}, "
                    f"defined outside this template: {flows}. Lint the stack that defines it, or check its rules "
                    "there.")
        case UndecidedFlows(causes, flows, total):
            return (f"{total} required flow check(s) cannot be verified from this template alone. Why: {causes}. "
                    f"Unverified: {flows}. Check them where those values are defined, or define them in this "
                    "template.")
        case UnreadCompanion(companion, reason):
            return (f"Companion template {companion} was not read: {reason}. Flows through the groups it defines "
                    "stay unverified here.")
        case UnreadNested(companion, reason):
            return (f"Nested stack template {companion} was not followed: {reason}. Flows through the groups it "
                    "defines stay unverified here.")
        case _:
            _unworded(facts)


def _flow_gap(rule_id: str, gap: FlowGap) -> str:
    """The requirements table says what breaks; node to node needs every protocol."""
    req = REQUIREMENT_OF[rule_id]
    if req.all_traffic:
        return (f"{gap.initiator} cannot send {gap.traffic} to {gap.responder}{gap.when}: no {gap.half} rule on "
                f"{gap.groups} allows all protocols ({req.consequence}). Add {gap.fix}.")
    why = f" ({req.consequence})" if req.consequence is not None else gap.impact
    return (f"{gap.initiator} cannot reach {gap.responder} on {gap.traffic}{gap.when}: no {gap.half} rule on "
            f"{gap.groups} allows it{why}. Add {gap.fix}.")


def _unworded(facts: NoReturn) -> NoReturn:
    """mypy proves no finding kind reaches this: every one has a case above (Python 3.10 has no assert_never)."""
    raise TypeError(f"no wording for {type(facts).__name__}")
