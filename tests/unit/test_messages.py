"""Messages are rendered from typed facts in one place: every kind has a wording, and the flow wording follows the
requirements table."""

from __future__ import annotations

import typing

import pytest

from cfnlint_eks_sg.checks import _findings
from cfnlint_eks_sg.checks._findings import ApiBlocked, Finding, FlowGap, RefusedNetwork, UnreadNested
from cfnlint_eks_sg.flows._requirements import REQUIREMENTS
from cfnlint_eks_sg.rules._messages import message

KINDS = typing.get_args(_findings.Facts)


def _sample(kind: type) -> object:
    """A record of `kind` whose every fact names itself, so a message shows which facts it uses."""
    values = {name: (f"<{name}>",) if hint == "tuple[str, ...]" else 7 if hint == "int" else f"<{name}>"
              for name, hint in kind.__annotations__.items()}
    return kind(**values)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_of_finding_has_a_wording_that_uses_all_its_text_facts(kind: type) -> None:
    facts = _sample(kind)
    rule_id = "EK1002" if kind is FlowGap else "EK4005" if kind is RefusedNetwork else "IK0001"
    text = message(Finding(rule_id, ("Resources", "X"), facts))  # type: ignore[arg-type]
    unused = {"impact", "anywhere", "node_group", "cluster"} if kind is FlowGap else {"anywhere"}
    missing = [name for name in kind.__annotations__ if name not in unused and f"<{name}>" not in text
               and not (name == "total" and "7" in text)]
    assert not missing, f"{kind.__name__}: {text}"
    assert text.endswith(".")


def test_a_kind_without_wording_fails_loudly_not_silently() -> None:
    class Stray(typing.NamedTuple):
        what: str

    with pytest.raises(TypeError, match="no wording for Stray"):
        message(Finding("IK0001", (), Stray("x")))  # type: ignore[arg-type]


@pytest.mark.parametrize("req", REQUIREMENTS, ids=lambda req: req.rule_id)
def test_each_flow_rule_says_what_its_requirement_says_breaks(req: object) -> None:
    gap = _sample(FlowGap)
    text = message(Finding(req.rule_id, (), gap))  # type: ignore[attr-defined, arg-type]
    if req.consequence is None:  # type: ignore[attr-defined]
        assert "allows it<impact>. Add <fix>." in text
    elif req.all_traffic:  # type: ignore[attr-defined]
        assert text == ("<initiator> cannot send <traffic> to <responder><when>: no <half> rule on <groups> allows "
                        f"all protocols ({req.consequence}). Add <fix>.")  # type: ignore[attr-defined]
    else:
        assert text == ("<initiator> cannot reach <responder> on <traffic><when>: no <half> rule on <groups> allows "
                        f"it ({req.consequence}). Add <fix>.")  # type: ignore[attr-defined]


def test_refused_and_possibly_refused_networks_differ_only_in_verdict_and_advice() -> None:
    facts = RefusedNetwork("Cl", "node", "10.0.0.0/8", "it overlaps the VPC", " when H is true")
    assert message(Finding("EK4005", (), facts)) == (
        "Remote node network 10.0.0.0/8 of cluster Cl when H is true is refused by EKS: it overlaps the VPC. Choose "
        "a block that meets the RemoteNetworkConfig requirements.")
    assert message(Finding("IK0001", (), facts)) == (
        "Remote node network 10.0.0.0/8 of cluster Cl when H is true may be refused by EKS: it overlaps the VPC.")
    assert Finding("IK0001", (), facts).fields[0] == ("kind", "remote_network")
    assert Finding("EK4005", (), facts).fields[0] == ("cluster", "Cl")


def test_the_facts_view_is_kind_first_and_text_only() -> None:
    assert Finding("IK0001", (), UnreadNested("n.yaml", "too deep")).fields == (
        ("kind", "nested"), ("companion", "n.yaml"), ("reason", "too deep"))
    blocked = ApiBlocked("Ng", "Cl", "", "why", ("0.0.0.0/0", "::/0"))
    assert dict(Finding("WK1006", (), blocked).fields)["anywhere"] == "0.0.0.0/0 ::/0"
