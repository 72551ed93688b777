"""The one analysis per template: model -> roles -> flows -> reach -> findings, cached.

Rules call `get_analysis(cfn)` and read `findings_for(rule_id)`; nothing else walks the template.
Links are evaluated once per template; a flow rule's findings are derived from them on first
request, per rule and per configured port set (the only rule setting that changes a verdict).
The cache is keyed on the cfn-lint `Template` object (weakly, so entries die with it).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from cfnlint_eks_sg.checks._design import (
    control_plane_groups_used_elsewhere,
    egress_stripping_shared_groups,
    multiple_cluster_tagged_groups,
    orphaned_node_groups,
    public_exposure,
    shared_control_plane_groups,
    undecided_exposure,
)
from cfnlint_eks_sg.checks._endpoint import (
    private_endpoint_without_clients,
    private_endpoint_without_dns,
    restricted_public_endpoint,
)
from cfnlint_eks_sg.checks._findings import Finding
from cfnlint_eks_sg.checks._gaps import Gap, gap_finding, link_gap_records, requirement_traffic
from cfnlint_eks_sg.checks._hybrid import refused_remote_networks
from cfnlint_eks_sg.checks._internet import AWS_APIS_RULE, ApiAccess, aws_api_access
from cfnlint_eks_sg.checks._outside import foreign_rules, unreadable_companions, unverifiable_flows
from cfnlint_eks_sg.checks._placement import Placement
from cfnlint_eks_sg.core._guards import Scenario, Scenarios, ScenarioSource
from cfnlint_eks_sg.core._ports import IpProtocol, PortSet
from cfnlint_eks_sg.core._resolve import Path, get
from cfnlint_eks_sg.core._settings import Settings
from cfnlint_eks_sg.flows._flows import LinkResult, build_links, evaluate, remote_links
from cfnlint_eks_sg.flows._reach import PermissionIndex
from cfnlint_eks_sg.flows._requirements import FLOW_RULES, REQUIREMENT_OF, REQUIREMENTS, Channel
from cfnlint_eks_sg.flows._roles import Roles, infer_roles
from cfnlint_eks_sg.load._companions import Refused, cdk_assets, load
from cfnlint_eks_sg.load._nested import nested_stacks
from cfnlint_eks_sg.load._system import combine, inline, parameter_values, with_fixed_values, with_parameters
from cfnlint_eks_sg.model._build import build_model
from cfnlint_eks_sg.model._types import Model
from cfnlint_eks_sg.model._values import fixed_conditions

if TYPE_CHECKING:
    from cfnlint_eks_sg.checks._acls import Crossing
    from cfnlint_eks_sg.checks._routes import RouteVerdict

LOGGER = logging.getLogger(__name__)
_FLOW_RULES: Final = REQUIREMENT_OF
# The rules whose findings are BLOCKED verdicts (a required flow's half, the nodes' path to the AWS APIs), in the
# order of their numbers: what `explain --check` fails on and what `fix` closes.
BLOCKING_RULES: Final = tuple(sorted((*FLOW_RULES, AWS_APIS_RULE), key=lambda rule_id: rule_id[2:]))
_PORT_SETTINGS = {"WK3001": public_exposure}  # rules whose findings depend on a configured port list
MAX_NESTING: Final = 5
MAX_STACKS: Final = 50


class Analysis:
    """One template's analysis, shared by every rule (a plain class: see `Model`)."""

    def __init__(self, model: Model, roles: Roles, anchors: dict[str, Path]) -> None:
        self.model = model
        self.roles = roles
        self.links: list[LinkResult] = []
        self.api_access = ApiAccess()  # WK1006 per node group, for explain
        self.route_verdicts: list[RouteVerdict] = []  # EK5001 per node group and subnet, for explain
        self.crossings: list[tuple[Crossing, Scenario]] = []  # network ACL crossings of required flows (EK5002)
        self.findings: dict[str, list[Finding]] = {}
        self._flow_cache: dict[tuple[str, PortSet | None], list[Finding]] = {}
        self.placement = Placement(model, anchors)  # nested stack -> its TemplateURL in the linted file

    def all_findings(self) -> dict[str, list[Finding]]:
        """Every rule's findings with default settings, by rule ID (empty lists left out)."""
        every = {rule_id: self.findings_for(rule_id) for rule_id in (*_FLOW_RULES, *_PORT_SETTINGS)}
        every.update(self.findings)
        return {rule_id: found for rule_id, found in sorted(every.items()) if found}

    def findings_for(self, rule_id: str, ports: PortSet | None = None) -> list[Finding]:
        """Findings of one rule. `ports` is the rule's port setting: the ports a flow rule checks
        (WK1003's webhook_ports), or the public ports WK3001 allows."""
        if rule_id not in _FLOW_RULES and rule_id not in _PORT_SETTINGS:
            return self.findings.get(rule_id, [])
        key = (rule_id, ports)
        hit = self._flow_cache.get(key)
        if hit is None:
            with _collector_paused():
                hit = self._flow_cache[key] = self._computed(rule_id, ports)
        return hit

    def _computed(self, rule_id: str, ports: PortSet | None) -> list[Finding]:
        """A flow rule's findings from its gaps, or a port-setting rule's; the collector paused as in `analyse`."""
        if rule_id in _FLOW_RULES:
            found = [finding for gap in self.gaps_for(rule_id, ports)
                     if (finding := self._placed(gap)) is not None]
        else:
            found = self.placement.own(_PORT_SETTINGS[rule_id](self.model, self.roles, ports))
        return sorted(found, key=Finding.sort_key)

    def _placed(self, gap: Gap) -> Finding | None:
        return self.placement.flow(gap_finding(gap), gap.link, gap.side)

    def reported_gaps(self, rule_id: str, ports: PortSet | None = None) -> list[tuple[Gap, Finding]]:
        """The gaps behind the findings this template gets (not a flow between companions), each
        with its finding: where cfn-lint reports it."""
        return [(gap, finding) for gap in self.gaps_for(rule_id, ports) if (finding := self._placed(gap)) is not None]

    def gaps_for(self, rule_id: str, ports: PortSet | None = None) -> list[Gap]:
        """The blocked halves a flow rule reports, as records (what `fix` closes)."""
        req = _FLOW_RULES.get(rule_id)
        if req is None:
            return []
        traffic = requirement_traffic(req, ports)
        return [gap for result in self.links if result.link.channel is req.channel
                for gap in link_gap_records(req, traffic, result)]


def analyse(template: object, conditions: ScenarioSource | None = None,
            refused: Sequence[Refused] = (), anchors: Mapping[str, Path] | None = None) -> Analysis:
    """Pure: the same decoded template (and condition engine) gives the same findings. `template`
    may be a system (`_system.combine`); `refused` are the companions that could not be read."""
    with _collector_paused():
        return _analyse(template, conditions, refused, anchors or {})


def analyse_system(template: object, filename: str | None, conditions: ScenarioSource | None,
                   parameters: Mapping[str, object] | None = None) -> Analysis:
    """The template at `filename`, with the parameter values cfn-lint was given, and the nested
    stacks and companions its settings name (read from disk, inside the root)."""
    settings = Settings.from_template(template)
    refused: list[Refused] = []
    anchors: dict[str, Path] = {}
    if parameters and isinstance(template, Mapping):
        template = with_parameters(template, parameters)
    if settings.nested_stacks and isinstance(template, Mapping):
        seen = frozenset({os.path.realpath(filename)}) if filename else frozenset()
        template, refused, anchors = _with_nested(template, filename, filename, settings, 0, seen, [MAX_STACKS])
    if settings.companions and isinstance(template, Mapping):
        loaded, more = load(filename, settings.companions)
        template, refused = (combine(template, loaded) if loaded else template), [*refused, *more]
    if (anchors or settings.companions) and isinstance(template, Mapping) and get(template, "Conditions"):
        conditions = _system_conditions(template, conditions)
    return analyse(template, conditions, refused, anchors)


def _system_conditions(system: Mapping[Any, object], linted: ScenarioSource | None) -> ScenarioSource | None:
    """cfn-lint's condition engine over the whole system, so a companion's conditions keep their
    relations (IsDev: !Not [IsProd]); the linted template's engine if cfn-lint cannot build one."""
    from cfnlint.template import Template

    fixed = fixed_conditions(system)
    if fixed:  # written so that cfn-lint's engine knows them too
        conditions = get(system, "Conditions")
        system = {**system, "Conditions": {**(dict(conditions) if isinstance(conditions, Mapping) else {}),
                                           **{name: {"Fn::Equals": ["true", str(value).lower()]}
                                              for name, value in fixed.items()}}}
    try:
        engine: ScenarioSource = Template(None, dict(system), ["us-east-1"]).conditions
    except Exception:  # cfn-lint on a synthesized template: a failure only costs precision
        LOGGER.debug("no condition engine for the system", exc_info=True)
        return linted
    return engine


def _with_nested(template: Mapping[Any, object], linted: str | None, own: str | None, settings: Settings,
                 depth: int, seen: frozenset[str],
                 budget: list[int]) -> tuple[dict[str, Any], list[Refused], dict[str, Path]]:
    """`template` with its nested stacks' templates inlined, recursively; cycles, depth and more than
    `budget` stacks in all are refused (a tree that nests one file many times grows exponentially)."""
    entries, refused = nested_stacks(template, settings,
                                     cdk_assets(linted, os.path.dirname(os.path.realpath(own)) if own else None))
    if depth >= MAX_NESTING:
        return dict(template), [*refused, *(Refused(e, "nested stacks go deeper than this") for e in entries)], {}
    loaded, more = load(linted, entries, relative_to=own)
    refused += more
    children = []
    for child in loaded:
        if child.file in seen:
            refused.append(Refused(child.companion, "it includes itself"))
            continue
        if budget[0] <= 0:
            refused.append(Refused(child.companion, f"the tree holds more than {MAX_STACKS} nested stacks"))
            continue
        budget[0] -= 1
        flat, deeper, _ = _with_nested(child.template, linted, child.file, settings, depth + 1, seen | {child.file},
                                       budget)
        children.append(child._replace(template=flat))
        refused += [Refused(r.companion._replace(path=f"{child.companion.path} > {r.companion.path}",
                                                 where=child.companion.where), r.reason) for r in deeper]
    return inline(template, children), refused, {c.label: c.companion.where for c in children}


def _analyse(template: object, conditions: ScenarioSource | None, refused: Sequence[Refused],
             anchors: Mapping[str, Path]) -> Analysis:
    if isinstance(template, Mapping):
        template = with_fixed_values(template)  # a parameter of one allowed value is that value
    model = build_model(template)  # with the settings of its own Metadata
    roles = infer_roles(model)
    scenarios = Scenarios(conditions, _condition_names(template, conditions))
    analysis = Analysis(model, roles, anchors=dict(anchors))
    index = PermissionIndex(model)
    protocols: dict[Channel, list[IpProtocol]] = {}
    for req in REQUIREMENTS:
        for protocol, _ in req.traffic:
            if protocol not in protocols.setdefault(req.channel, []):
                protocols[req.channel].append(protocol)
    for link in (*build_links(roles, index), *remote_links(roles)):
        analysis.links.append(evaluate(index, scenarios, link, protocols.get(link.channel, [])))
    analysis.api_access = aws_api_access(model, roles, index, scenarios)
    paths = _paths(analysis, scenarios) if model.routing is not None else []
    found = [
        *shared_control_plane_groups(roles, scenarios),
        *control_plane_groups_used_elsewhere(model, roles, scenarios),
        *multiple_cluster_tagged_groups(model, roles, scenarios),
        *egress_stripping_shared_groups(model, roles),
        *orphaned_node_groups(model, roles, scenarios),
        *analysis.api_access.findings,
        *paths,
        *restricted_public_endpoint(model, scenarios),
        *private_endpoint_without_dns(model, scenarios),
        *private_endpoint_without_clients(model, roles, scenarios),
        *refused_remote_networks(model, scenarios),
        *undecided_exposure(model, roles),
        *unverifiable_flows(model, analysis.links, analysis.api_access.hidden),
        *foreign_rules(model, anchors.keys()),
        *unreadable_companions(refused),
    ]
    found = analysis.placement.own(found)
    for finding in sorted(found, key=Finding.sort_key):
        analysis.findings.setdefault(finding.rule_id, []).append(finding)
    return analysis


def _paths(analysis: Analysis, scenarios: Scenarios) -> list[Finding]:
    """The hops past the security groups (EK5001, EK5002, WK5003), for a template that creates subnets: their
    modules load on the first such template only."""
    from cfnlint_eks_sg.checks._acls import acl_crossings, acl_findings
    from cfnlint_eks_sg.checks._routes import api_route_access

    routes = api_route_access(analysis.model, analysis.roles, scenarios)
    analysis.route_verdicts = routes.verdicts
    analysis.crossings = list(acl_crossings(analysis.model, analysis.roles, scenarios))
    return [*routes.findings, *acl_findings(analysis.crossings)]


def _condition_names(template: object, conditions: ScenarioSource | None) -> list[str]:
    engine_names = getattr(conditions, "_conditions", None)
    if isinstance(engine_names, Mapping):
        return [str(n) for n in engine_names]  # only what cfn-lint's engine could parse
    known = get(template, "Conditions")
    return [str(n) for n in known] if isinstance(known, Mapping) else []


# -- the per-template cache ----------------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary[object, Analysis] = weakref.WeakKeyDictionary()
_RECORDERS: list[list[tuple[Any, Analysis]]] = []
_LOCK = threading.Lock()  # only matters for threaded users of cfnlint.api; the CLI is single-threaded


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The analysis makes many small objects and no cycles; left on, the cyclic collector walks
    the whole decoded template again and again while they pile up (a third of the time at
    thousands of rules). Resumed afterwards, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def get_analysis(cfn: object) -> Analysis:
    """The analysis of a cfn-lint `Template`, built on first use and shared by every rule."""
    with _LOCK:
        hit = _CACHE.get(cfn)
    if hit is not None:
        return hit
    template = getattr(cfn, "template", None)
    parameter_sets = getattr(getattr(cfn, "context", None), "parameter_sets", None)
    result = analyse_system(template, getattr(cfn, "filename", None), getattr(cfn, "conditions", None),
                            parameter_values(parameter_sets, template))
    with _LOCK:
        kept = _CACHE.setdefault(cfn, result)
        if kept is result:
            for recorder in _RECORDERS:
                recorder.append((cfn, result))
        return kept


@contextlib.contextmanager
def recorded() -> Iterator[list[tuple[Any, Analysis]]]:
    """Every analysis the rules build while inside, with the cfn-lint `Template` it is of: `fix` and
    `explain` run cfn-lint's runner, then read the analyses its rules reported from."""
    recorder: list[tuple[Any, Analysis]] = []
    with _LOCK:
        _RECORDERS.append(recorder)
    try:
        yield recorder
    finally:
        with _LOCK:
            _RECORDERS.remove(recorder)
