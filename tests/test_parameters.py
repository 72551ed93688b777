"""Parameter values given to cfn-lint (`--parameters`, parameter files) take part in the analysis.

A value replaces the parameter, so a literal `sg-` id given for it is the same group as that id in
a companion template: rules the companion adds to it become visible.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cfnlint.api import lint_file

from tests.conftest import TEMPLATES, cfg

EXAMPLE = TEMPLATES / "broken" / "ik0001-node-group-defined-elsewhere.yaml"
NODE_GROUP = "sg-0123456789abcdef0"
NODE_RULES = {"Resources": {
    "NodesFromEverything": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": NODE_GROUP, "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}},  # wide open, but decisive
    "NodesToEverything": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": NODE_GROUP, "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}},
}}


def _ik0001(path: Path, **parameters: str) -> list[str]:
    config = cfg(parameters=[parameters]) if parameters else cfg()
    return [m.message for m in lint_file(path, config) if m.rule.id == "IK0001"]


def test_a_value_replaces_the_parameter(tmp_path: Path) -> None:
    path = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, path)
    assert "parameter NodeSecurityGroupId" in _ik0001(path)[0]
    assert f"depend on {NODE_GROUP}," in _ik0001(path, NodeSecurityGroupId=NODE_GROUP)[0]


def test_a_literal_given_for_a_parameter_is_the_same_group_in_a_companion(tmp_path: Path) -> None:
    (tmp_path / "node-rules.json").write_text(json.dumps(NODE_RULES))
    text = EXAMPLE.read_text().replace("Resources:\n", "Metadata:\n  cfnlint-eks-sg:\n"
                                       "    companions: [node-rules.json]\nResources:\n", 1)
    path = tmp_path / EXAMPLE.name
    path.write_text(text)
    assert _ik0001(path)  # without the value, the parameter is not the companion's sg- id
    assert _ik0001(path, NodeSecurityGroupId=NODE_GROUP) == []


def test_values_the_parameter_sets_disagree_on_are_not_used(tmp_path: Path) -> None:
    path = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, path)
    config = cfg(parameters=[{"NodeSecurityGroupId": NODE_GROUP}, {"NodeSecurityGroupId": "sg-0fedcba9876543210"}])
    messages = [m.message for m in lint_file(path, config) if m.rule.id == "IK0001"]
    assert messages and all("parameter NodeSecurityGroupId" in message for message in messages)
