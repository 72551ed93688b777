"""Companion templates: an eksctl cluster stack and its node group stack checked as one system.

The pair comes from the corpus (eksctl's own test data: the node group imports
`eksctl-wonderful-party-1565212003-cluster::...`, which the cluster stack exports under
`${AWS::StackName}::...`). Files are copied into a temporary root at test time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from cfnlint_eks_sg.core._settings import Companion, Settings
from cfnlint_eks_sg.load import _companions
from tests.conftest import cfg, corpus_or_skip

CLUSTER = "eks/eksctl/pkg__cfn__template__testdata__cluster-example-1.json"
NODES = "eks/eksctl/pkg__cfn__template__testdata__nodegroup-example-old-format-1.json"
OURS = ("EK", "WK", "IK")
Json = dict[str, object]


def _system(root: Path, companions: object = ("cluster.json",)) -> tuple[Json, Json]:
    corpus = corpus_or_skip()
    cluster = json.loads((corpus / CLUSTER).read_text())
    nodes = json.loads((corpus / NODES).read_text())
    if companions is not None:
        nodes.setdefault("Metadata", {})["cfnlint-eks-sg"] = {"companions": list(companions)}  # type: ignore[call-overload]
    return cluster, nodes


def _write(root: Path, cluster: Json, nodes: Json) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cluster.json").write_text(json.dumps(cluster, indent=1))
    path = root / "nodegroup.json"
    path.write_text(json.dumps(nodes, indent=1))
    return path


def _ours(path: Path) -> list[tuple[str, int, str]]:
    return sorted((m.rule.id, m.linenumber, m.message) for m in lint_file(path, cfg()) if m.rule.id.startswith(OURS))


def test_alone_the_node_group_stack_cannot_verify_its_flows(tmp_path: Path) -> None:
    path = _write(tmp_path, *_system(tmp_path, companions=None))
    assert "IK0001" in {rule for rule, _, _ in _ours(path)}


def test_with_its_cluster_stack_every_flow_is_decided(tmp_path: Path) -> None:
    path = _write(tmp_path, *_system(tmp_path))
    found = _ours(path)
    assert {rule for rule, _, _ in found} == {"IK0002"}  # rules on the cluster stack's group: still true
    assert "cluster::ControlPlaneSecurityGroup" in found[0][2]


def test_a_rule_deleted_in_the_node_group_stack_is_caught_across_the_boundary(tmp_path: Path) -> None:
    cluster, nodes = _system(tmp_path)
    del nodes["Resources"]["IngressInterClusterCP"]  # type: ignore[attr-defined]  # CP accepts 443 from nodes
    found = _ours(_write(tmp_path, cluster, nodes))
    ek1001 = [f for f in found if f[0] == "EK1001"]
    assert len(ek1001) == 1 and "cluster::ControlPlaneSecurityGroup" in ek1001[0][2]
    lines = (tmp_path / "nodegroup.json").read_text().splitlines()
    assert "Fn::ImportValue" in lines[ek1001[0][1] - 1] or "GroupId" in lines[ek1001[0][1] - 1]


def test_a_rule_deleted_in_the_cluster_stack_is_caught_in_the_node_group_stack(tmp_path: Path) -> None:
    cluster, nodes = _system(tmp_path)
    del cluster["Resources"]["IngressInterNodeGroupSG"]  # type: ignore[attr-defined]  # shared group accepts itself
    found = _ours(_write(tmp_path, cluster, nodes))
    assert {"EK1005", "WK1009"} <= {rule for rule, _, _ in found}
    lines = (tmp_path / "nodegroup.json").read_text().splitlines()
    for rule, line, message in found:
        if rule in ("EK1005", "WK1009"):
            item = " ".join(lines[line - 1:line + 2])  # a list item in JSON starts at its brace
            assert "SharedNodeSecurityGroup" in item, (rule, line, message)  # where the nodes carry it


def test_a_companion_outside_the_root_is_refused_with_a_finding(tmp_path: Path) -> None:
    cluster, nodes = _system(tmp_path, companions=("../cluster.json",))
    (tmp_path / "cluster.json").write_text(json.dumps(cluster))
    path = _write(tmp_path / "stacks", {"Resources": {}}, nodes)
    found = _ours(path)
    refused = [f for f in found if f[0] == "IK0001" and "Companion template ../cluster.json" in f[2]]
    assert refused and "outside" in refused[0][2]
    assert '"../cluster.json"' in path.read_text().splitlines()[refused[0][1] - 1]  # the entry itself


def test_a_symbolic_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    cluster, nodes = _system(tmp_path, companions=("linked.json",))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "cluster.json").write_text(json.dumps(cluster))
    root = tmp_path / "root"
    path = _write(root, {"Resources": {}}, nodes)
    os.symlink(tmp_path / "elsewhere" / "cluster.json", root / "linked.json")
    assert any("outside" in message for rule, _, message in _ours(path) if rule == "IK0001")


def test_the_root_is_the_cfnlintrc_directory_when_cfn_lint_runs_there(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cluster, nodes = _system(tmp_path, companions=("../shared/cluster.json",))
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "cluster.json").write_text(json.dumps(cluster))
    path = _write(tmp_path / "stacks", {"Resources": {}}, nodes)
    (tmp_path / ".cfnlintrc").write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    assert {rule for rule, _, _ in _ours(path)} == {"IK0002"}


def test_a_missing_companion_and_an_unsaved_buffer_say_why() -> None:
    loaded, refused = _companions.load(None, _settings(("cluster.json",)))
    assert not loaded and "not a file on disk" in refused[0].reason


def test_each_file_is_decoded_once_per_content(tmp_path: Path, decoded: list[str]) -> None:
    path = _write(tmp_path, *_system(tmp_path))
    calls = decoded
    companions = _settings(("cluster.json",))
    for _ in range(3):
        assert _companions.load(str(path), companions)[0]
    assert len(calls) == 1
    cluster = tmp_path / "cluster.json"
    cluster.write_text(cluster.read_text().replace("wonderful-party", "wonderful-parti"))  # same size, same second
    assert _companions.load(str(path), companions)[0]
    assert len(calls) == 2


def _settings(paths: tuple[str, ...]) -> tuple[Companion, ...]:
    return Settings.from_template({"Metadata": {"cfnlint-eks-sg": {"companions": list(paths)}}}).companions


@pytest.mark.parametrize("named", ["/etc/passwd", "../../../../etc/passwd", ".", "missing.yaml", "binary.bin", ""])
def test_hostile_companion_paths_give_a_finding_or_silence_never_an_exception(tmp_path: Path, named: str) -> None:
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    _, nodes = _system(tmp_path, companions=(named,))
    path = _write(tmp_path, {"Resources": {}}, nodes)
    matches = lint_file(path, cfg())
    assert not [m for m in matches if m.rule.id == "E0002"]
    refused = [m for m in matches if m.rule.id == "IK0001" and "Companion template" in m.message]
    assert len(refused) == (1 if named else 0)  # an empty entry is no companion at all


OFFICIAL = "eks/amazon-eks-ami/2022-05-09_9ba701dc__amazon-eks-nodegroup.yaml"
SAMPLE_VPC = "eks/Kyrieee-ops-eks-network/amazon-eks-vpc-private-subnets.yaml"
FEED = ("Metadata:\n  cfnlint-eks-sg:\n    companions:\n      - path: vpc.yaml\n"
        "        parameters: {ClusterControlPlaneSecurityGroup: SecurityGroups}\n")


def _official(tmp_path: Path, with_vpc: bool, drop: str | None = None) -> Path:
    """The official node template, optionally fed the sample VPC's control-plane group, minus a rule."""
    corpus = corpus_or_skip()
    text = (corpus / OFFICIAL).read_text()
    (tmp_path / "vpc.yaml").write_text((corpus / SAMPLE_VPC).read_text())
    if with_vpc:
        text = text.replace("\nMetadata:\n", "\n" + FEED, 1)
    if drop:
        start = text.index(f"\n  {drop}:\n")
        end = text.index("\n  ", text.index("Properties:", start) + 12)
        while text[end + 3] == " ":  # skip the deeper lines of the resource
            end = text.index("\n  ", end + 1)
        text = text[:start] + text[end:]
    path = tmp_path / "nodes.yaml"
    path.write_text(text)
    return path


def test_a_parameter_fed_by_a_companion_output_makes_the_official_template_decidable(tmp_path: Path) -> None:
    assert {r for r, _, _ in _ours(_official(tmp_path, with_vpc=False))} == {"IK0002"}
    assert {r for r, _, _ in _ours(_official(tmp_path, with_vpc=True))} == {"IK0002"}
    # Without its ingress rule, nodes -> control plane hangs on the control-plane group's other rules (the
    # companion shows them: there are none) and on the cluster's own group (its cluster is in no template).
    drop = "ClusterControlPlaneSecurityGroupIngress"
    alone = [m for r, _, m in _ours(_official(tmp_path, False, drop=drop)) if r == "IK0001"]
    system = [m for r, _, m in _ours(_official(tmp_path, True, drop=drop)) if r == "IK0001"]
    assert len(alone) == 1 and "parameter ClusterControlPlaneSecurityGroup and" in alone[0]
    assert len(system) == 1 and "depend on the EKS cluster security group of cluster" in system[0]
