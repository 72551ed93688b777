"""`explain --format json|mermaid`: the required flows as data for machines, or a graph for a pull request.

One edge per required flow and link, with its worst verdict over the scenarios (BLOCKED, then
UNKNOWN, then ALLOWED) and, when blocked, the half and the ports no rule allows, and whether its
findings are suppressed (cfn-lint, with the user's settings, shows none of them). The graph has one
node per cluster control plane and node group; GitHub renders it from a ```mermaid block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from cfnlint_eks_sg._analysis import Analysis
from cfnlint_eks_sg.checks._findings import Reported, shown_by_default
from cfnlint_eks_sg.checks._gaps import render_traffic
from cfnlint_eks_sg.checks._internet import AWS_APIS_RULE
from cfnlint_eks_sg.cli._explain import (
    PortsOf,
    Suppressed,
    Traffic,
    default_ports,
    halves_of,
    required_flows,
    verdict_text,
)
from cfnlint_eks_sg.flows._flows import LinkResult

_ORDER = ("BLOCKED", "UNKNOWN", "ALLOWED")
Json = dict[str, object]


def flows(analysis: Analysis, ports: PortsOf = default_ports,
          reported: Reported = shown_by_default) -> list[Json]:
    """Each required flow on each link with its worst verdict, the half it is decided by, why, and whether
    cfn-lint shows none of its findings (a BLOCKED flow the user suppressed)."""
    hidden = Suppressed(analysis, ports, reported)
    found: list[Json] = []
    for req, traffic, results in required_flows(analysis, ports):
        for result in results:
            verdict, half, why, suppressed = _worst(req.rule_id, result, traffic, hidden)
            found.append({"rule": req.rule_id, "from": result.link.initiator_label, "to": result.link.responder_label,
                          "traffic": render_traffic(traffic), "level": req.level.value, "verdict": verdict,
                          "half": half, **_reason(verdict, why), "suppressed": suppressed})
    for api in analysis.api_access.verdicts:
        texts = [text for text, _ in api.verdicts] or ["ALLOWED"]
        text = min(texts, key=lambda t: _ORDER.index(t.split(":")[0]))
        verdict, _, why = text.partition(": ")
        found.append({"rule": AWS_APIS_RULE, "from": f"node group {api.node_group}", "to": "the AWS APIs",
                      "traffic": "TCP 443", "level": "recommended", "verdict": verdict,
                      "half": "egress" if verdict != "ALLOWED" else None,
                      "missing": "TCP 443" if verdict == "BLOCKED" else None, "why": why or None,
                      "suppressed": verdict == "BLOCKED" and hidden.aws_apis(api.node_group)})
    return found


def _reason(verdict: str, why: str | None) -> Json:
    """BLOCKED: the traffic no rule allows; UNKNOWN: what is not visible; ALLOWED: neither."""
    return {"missing": why if verdict == "BLOCKED" else None, "why": why if verdict != "BLOCKED" else None}


def _worst(rule_id: str, result: LinkResult, traffic: Traffic,
           hidden: Suppressed) -> tuple[str, str | None, str | None, bool]:
    """The worst verdict over halves and scenarios; of BLOCKED ones, one cfn-lint shows before a suppressed one."""
    worst: tuple[str, str | None, str | None, bool] = ("ALLOWED", None, None, False)
    if not result.states:
        return "ALLOWED", None, "never both there in the same scenario", False
    for direction in result.link.halves:
        for state in result.states:
            verdict, _, why = verdict_text(halves_of(traffic, direction, state), traffic).partition(": ")
            suppressed = verdict == "BLOCKED" and hidden.half(rule_id, result, direction, state.scenario)
            if (_ORDER.index(verdict), suppressed) < (_ORDER.index(worst[0]), worst[3]):
                worst = (verdict, direction.value, why.removeprefix("no rule allows ") or None, suppressed)
    return worst


def as_json(analysis: Analysis, ports: PortsOf = default_ports, reported: Reported = shown_by_default) -> str:
    roles = analysis.roles
    data = {
        "clusters": [{"name": c.label, "control_plane_groups": [str(m.key) for m in c.control_plane]}
                     for c in roles.clusters.values()],
        "node_groups": [{"name": n.label, "cluster": n.cluster, "kind": n.compute.value,
                         "groups": [str(m.key) for m in n.members], "groups_known": n.members_known}
                        for n in roles.node_groups],
        "flows": flows(analysis, ports, reported),
    }
    return json.dumps(data, indent=2)


def as_mermaid(analysis: Analysis, ports: PortsOf = default_ports,
               reported: Reported = shown_by_default) -> Iterator[str]:
    """A flowchart: allowed flows as plain arrows (rules sharing one), blocked and unknown ones dotted
    with the ports missing; blocked ones red unless their findings are suppressed."""
    yield "flowchart LR"
    ids: dict[str, str] = {}

    def node(label: str) -> str:
        if label not in ids:
            ids[label] = f"n{len(ids) + 1}"
        return ids[label]

    edges: dict[tuple[str, str], list[str]] = {}
    odd: list[tuple[str, str, str, bool]] = []
    for flow in flows(analysis, ports, reported):
        ends = (node(str(flow["from"])), node(str(flow["to"])))
        if flow["verdict"] == "ALLOWED":
            edges.setdefault(ends, []).append(str(flow["rule"]))  # EK1005 checks TCP and UDP: once
        else:
            missing = f": {flow['half']} misses {flow['missing']}" if flow["verdict"] == "BLOCKED" else ""
            verdict = f"{flow['verdict']} (suppressed)" if flow["suppressed"] else flow["verdict"]
            odd.append((*ends, f"{flow['rule']} {verdict}{missing}",
                        flow["verdict"] == "BLOCKED" and not flow["suppressed"]))
    for label, ident in ids.items():
        yield f'  {ident}["{_quoted(label)}"]'
    for (first, second), rules in edges.items():
        yield f'  {first} -->|"{" ".join(dict.fromkeys(rules))}"| {second}'
    for first, second, text, _ in odd:
        yield f'  {first} -.->|"{_quoted(text)}"| {second}'
    red = [str(len(edges) + number) for number, item in enumerate(odd) if item[3]]
    if red:
        yield f"  linkStyle {','.join(red)} stroke:#d00,color:#d00"


def _quoted(text: str) -> str:
    """Mermaid labels in double quotes: no quotes, brackets or pipes inside."""
    return re.sub(r'["|\[\]{}<>]', "'", text)
