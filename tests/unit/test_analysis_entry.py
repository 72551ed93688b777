"""Unit tests for the analysis entry: `get_analysis` on what cfn-lint hands a rule, and `analyse_system`
with its parameter values, nested stacks and companions (small files in a temporary directory)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from cfnlint_eks_sg._analysis import MAX_NESTING, MAX_STACKS, Analysis, analyse_system, get_analysis, recorded
from cfnlint_eks_sg.checks._findings import Finding
from tests.unit.pieces import Json, StubConditions, field, getatt, ref, res, sg, tcp

SETTINGS = "cfnlint-eks-sg"
NESTED: Json = {SETTINGS: {"nested_stacks": True}}


def url_of(stack: str) -> tuple[str, str, str, str]:
    return ("Resources", stack, "Properties", "TemplateURL")


def write(directory: Path, name: str, template: Json) -> str:
    """The template as a JSON file (which cfn-lint decodes as it does YAML); its path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=1))
    return str(path)


def found(analysis: Analysis, rule_id: str) -> list[Finding]:
    return analysis.findings_for(rule_id)


def reasons(analysis: Analysis) -> list[tuple[object, str, str]]:
    """IK0001 findings about templates that were not read: (where, which, why)."""
    return [(f.path, field(f, "companion"), field(f, "reason")) for f in found(analysis, "IK0001")
            if "reason" in f.message_fields()]


class FakeTemplate:
    """What `get_analysis` reads of cfn-lint's `Template`: template, filename, conditions, parameter sets."""

    def __init__(self, template: object, filename: str | None = None, conditions: object = None,
                 parameter_sets: object = None) -> None:
        self.template = template
        self.filename = filename
        self.conditions = conditions
        self.context = SimpleNamespace(parameter_sets=parameter_sets)


# --- template pieces: one cluster with its control-plane group, self-managed nodes with theirs -----------


def single_stack(*, api_rule: bool = True) -> Json:
    """A cluster and its nodes in one template; without `api_rule` nothing lets the nodes reach the API."""
    cp_ingress = [tcp(443, 443, SourceSecurityGroupId=ref("NodeSG"))] if api_rule else []
    return {"Resources": {
        "CpSG": sg(SecurityGroupIngress=cp_ingress),
        "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId=ref("CpSG"))]),
        "Cl": res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]}),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Ng": res("AWS::EKS::Nodegroup", ClusterName=ref("Cl"), LaunchTemplate={"Id": ref("Lt")}),
    }}


def cluster_stack() -> Json:
    """The cluster and its control-plane group (no rules: the node stack adds them)."""
    return {
        "Resources": {
            "CpSG": sg(),
            "Cl": res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("CpSG")]}),
        },
        "Outputs": {"ClusterName": {"Value": ref("Cl")}, "CpSG": {"Value": ref("CpSG")}},
    }


def nodes_stack(*, api_rule: bool = True) -> Json:
    """Nodes of the cluster whose name and control-plane group the parent passes in."""
    resources: Json = {
        "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId=ref("CpSG"))]),
        "NodeSelf": res("AWS::EC2::SecurityGroupIngress", GroupId=ref("NodeSG"), SourceSecurityGroupId=ref("NodeSG"),
                        IpProtocol="-1"),
        "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
        "Nodes": res("AWS::AutoScaling::AutoScalingGroup", LaunchTemplate={"LaunchTemplateId": ref("Lt")},
                     Tags=[{"Key": {"Fn::Sub": "kubernetes.io/cluster/${ClusterName}"}, "Value": "owned",
                            "PropagateAtLaunch": True}]),
    }
    if api_rule:
        resources["ApiFromNodes"] = res("AWS::EC2::SecurityGroupIngress", GroupId=ref("CpSG"),
                                        SourceSecurityGroupId=ref("NodeSG"), IpProtocol="tcp", FromPort=443,
                                        ToPort=443)
    return {"Parameters": {"ClusterName": {"Type": "String"}, "CpSG": {"Type": "AWS::EC2::SecurityGroup::Id"}},
            "Resources": resources}


def stack(url: object, **parameters: object) -> Json:
    return res("AWS::CloudFormation::Stack", TemplateURL=url, **({"Parameters": parameters} if parameters else {}))


def parent(cluster_url: object = "cluster.json", nodes_url: object = "nodes.json", metadata: Json | None = None,
           **more: Json) -> Json:
    """The parent that nests the cluster stack and the node stack and wires them together."""
    return {
        "Metadata": NESTED if metadata is None else metadata,
        "Resources": {
            "ClusterStack": stack(cluster_url),
            "NodesStack": stack(nodes_url, ClusterName=getatt("ClusterStack", "Outputs.ClusterName"),
                                CpSG=getatt("ClusterStack", "Outputs.CpSG")),
            **more,
        },
    }


def tree(directory: Path, *, api_rule: bool = True, metadata: Json | None = None) -> tuple[Json, str]:
    write(directory, "cluster.json", cluster_stack())
    write(directory, "nodes.json", nodes_stack(api_rule=api_rule))
    template = parent(metadata=metadata)
    return template, write(directory, "parent.json", template)


def shared_group_by_color() -> Json:
    """Two clusters on one control-plane group parameter, each deployed for one value of Color."""
    return {
        "Parameters": {"Cp": {"Type": "AWS::EC2::SecurityGroup::Id"},
                       "Color": {"Type": "String", "AllowedValues": ["blue", "green"]}},
        "Conditions": {"IsBlue": {"Fn::Equals": [ref("Color"), "blue"]},
                       "IsGreen": {"Fn::Equals": [ref("Color"), "green"]}},
        "Resources": {
            "Blue": {**res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("Cp")]}),
                     "Condition": "IsBlue"},
            "Green": {**res("AWS::EKS::Cluster", ResourcesVpcConfig={"SecurityGroupIds": [ref("Cp")]}),
                      "Condition": "IsGreen"},
        },
    }


def exclusive() -> StubConditions:
    return StubConditions(["IsBlue", "IsGreen"], lambda s: not (s["IsBlue"] and s["IsGreen"]))


# --- get_analysis: built once per cfn-lint Template, from what that Template holds ---------------------


def test_one_analysis_per_template_object() -> None:
    """Every rule of one lint run reads the same analysis; another Template gets its own."""
    cfn = FakeTemplate(single_stack(api_rule=False))
    first = get_analysis(cfn)
    assert get_analysis(cfn) is first
    assert [f.path for f in found(first, "EK1001")] == [("Resources", "CpSG")]
    other = get_analysis(FakeTemplate(single_stack(api_rule=False)))
    assert other is not first
    assert other.all_findings() == first.all_findings()


def test_recorded_lists_each_analysis_built_inside_once() -> None:
    """`fix` and `explain` see every analysis the rules built, with its Template, once."""
    cfn = FakeTemplate(single_stack())
    with recorded() as seen:
        analysis = get_analysis(cfn)
        assert get_analysis(cfn) is analysis
    assert seen == [(cfn, analysis)]
    with recorded() as later:
        get_analysis(cfn)  # already built: nothing new to record
    assert later == []


def test_the_template_condition_engine_decides_the_scenarios() -> None:
    """cfn-lint's engine knows IsBlue and IsGreen exclude each other: the group is never shared."""
    assert found(get_analysis(FakeTemplate(shared_group_by_color(), conditions=exclusive())), "WK2001") == []
    independent = StubConditions(["IsBlue", "IsGreen"])
    shared = found(get_analysis(FakeTemplate(shared_group_by_color(), conditions=independent)), "WK2001")
    assert [field(f, "cluster") for f in shared] == ["Blue", "Green"]


def kubelet_port_by_parameter() -> Json:
    template = single_stack()
    resources = template["Resources"]
    assert isinstance(resources, dict)
    resources["NodeSG"] = sg(SecurityGroupIngress=[
        tcp(ref("KubeletPort"), ref("KubeletPort"), SourceSecurityGroupId=ref("CpSG"))])
    return {"Parameters": {"KubeletPort": {"Type": "Number"}}, **template}


def test_parameter_values_cfn_lint_was_given_decide_a_rule() -> None:
    """Alone the kubelet rule's port is unknown (IK0001); given 10250 it allows EK1002, given 22 it does not."""
    alone = get_analysis(FakeTemplate(kubelet_port_by_parameter()))
    assert found(alone, "EK1002") == []
    assert [f.path for f in found(alone, "IK0001")] == [
        ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0)]

    def given(port: str) -> Analysis:
        sets = [SimpleNamespace(parameters={"KubeletPort": port})]
        return get_analysis(FakeTemplate(kubelet_port_by_parameter(), parameter_sets=sets))

    assert found(given("10250"), "EK1002") == found(given("10250"), "IK0001") == []
    assert [f.path for f in found(given("22"), "EK1002")] == [("Resources", "NodeSG")]


def test_companions_are_read_relative_to_the_template_file(tmp_path: Path) -> None:
    """The Template's filename locates its companions; without a file nothing relative can be read."""
    write(tmp_path, "cluster.json", cluster_stack() | {"Outputs": {
        "CpSG": {"Value": ref("CpSG"), "Export": {"Name": "cp-sg"}},
        "Name": {"Value": ref("Cl"), "Export": {"Name": "cluster-name"}}}})
    nodes: Json = {
        "Metadata": {SETTINGS: {"companions": ["cluster.json"]}},
        "Resources": {
            "NodeSG": sg(SecurityGroupIngress=[tcp(0, 65535, SourceSecurityGroupId={"Fn::ImportValue": "cp-sg"})]),
            "Lt": res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"SecurityGroupIds": [ref("NodeSG")]}),
            "Ng": res("AWS::EKS::Nodegroup", ClusterName={"Fn::ImportValue": "cluster-name"},
                      LaunchTemplate={"Id": ref("Lt")}),
        },
    }
    with_file = get_analysis(FakeTemplate(nodes, write(tmp_path, "nodes.json", nodes)))
    # the companion's control-plane group lets no node in: reported where this template names that group
    (api,) = found(with_file, "EK1001")
    assert api.path == ("Resources", "NodeSG", "Properties", "SecurityGroupIngress", 0, "SourceSecurityGroupId")
    assert field(api, "fix") == "an ingress rule on cluster::CpSG allowing TCP 443 from NodeSG"
    assert reasons(with_file) == []
    buffer = get_analysis(FakeTemplate(nodes))
    assert found(buffer, "EK1001") == []
    assert [(where, name) for where, name, _ in reasons(buffer)] == [
        (("Metadata", SETTINGS, "companions", 0), "cluster.json")]


class OldTemplate:
    """A Template with only some of what cfn-lint 1.x offers (no context, no condition engine, no file)."""

    def __init__(self, **attributes: object) -> None:
        self.__dict__.update(attributes)


def test_what_a_template_does_not_offer_is_left_out() -> None:
    """No parameter sets, engine or file: the analysis of the template alone; no template: nothing."""
    alone = get_analysis(OldTemplate(template=single_stack(api_rule=False)))
    assert [f.path for f in found(alone, "EK1001")] == [("Resources", "CpSG")]
    assert get_analysis(OldTemplate()).all_findings() == {}


def test_a_real_cfn_lint_template(tmp_path: Path) -> None:
    """cfn-lint's own Template: its condition engine and its file are what the analysis uses."""
    from cfnlint.decode import decode_str
    from cfnlint.template import Template

    text = json.dumps(shared_group_by_color())
    decoded, errors = decode_str(text)
    assert errors == [] and decoded is not None
    cfn = Template(write(tmp_path, "colors.json", shared_group_by_color()), decoded, ["us-east-1"])
    assert get_analysis(cfn).all_findings() == {}


# --- analyse_system: parameters and odd input ----------------------------------------------------------


def test_a_template_that_is_no_mapping_gives_an_empty_analysis() -> None:
    """What cfn-lint could not decode into a mapping is quietly nothing, even with parameter values."""
    for template in (None, ["Resources"], "text"):
        assert analyse_system(template, None, None, {"KubeletPort": "10250"}).all_findings() == {}


def test_the_given_engine_decides_when_nothing_joins_the_template() -> None:
    """No companion and no nested stack: the Template's own condition engine, not a new one."""
    independent = StubConditions(["IsBlue", "IsGreen"])
    shared = found(analyse_system(shared_group_by_color(), None, independent), "WK2001")
    assert [field(f, "cluster") for f in shared] == ["Blue", "Green"]
    assert independent.calls != []


# --- nested stacks ------------------------------------------------------------------------------------


def test_a_sound_tree_of_nested_stacks_has_nothing_to_report(tmp_path: Path) -> None:
    template, filename = tree(tmp_path)
    analysis = analyse_system(template, filename, None)
    assert analysis.all_findings() == {}
    assert analysis.placement.anchors == {"ClusterStack": url_of("ClusterStack"), "NodesStack": url_of("NodesStack")}


def test_a_gap_in_a_nested_stack_is_reported_at_its_template_url(tmp_path: Path) -> None:
    """The control-plane group lives in the cluster stack: the parent's TemplateURL of that stack."""
    template, filename = tree(tmp_path, api_rule=False)
    (api,) = found(analyse_system(template, filename, None), "EK1001")
    assert api.path == url_of("ClusterStack")
    assert field(api, "fix") == "an ingress rule on ClusterStack::CpSG allowing TCP 443 from NodesStack::NodeSG"


def test_nested_stacks_are_not_followed_unless_asked(tmp_path: Path) -> None:
    template, filename = tree(tmp_path, api_rule=False, metadata={})
    assert analyse_system(template, filename, None).all_findings() == {}


def test_nested_stacks_of_a_template_without_a_file_are_not_read() -> None:
    analysis = analyse_system(parent(), None, None)
    assert found(analysis, "EK1001") == []
    assert [(where, name) for where, name, _ in reasons(analysis)] == [
        (url_of("ClusterStack"), "cluster.json"), (url_of("NodesStack"), "nodes.json")]
    assert all("not a file on disk" in why for _, _, why in reasons(analysis))


def test_a_stack_that_includes_itself_is_refused_and_the_others_still_read(tmp_path: Path) -> None:
    """parent -> parent.json and parent -> loop.json -> parent.json are refused; the stacks after them are read."""
    write(tmp_path, "cluster.json", cluster_stack())
    write(tmp_path, "nodes.json", nodes_stack(api_rule=False))
    write(tmp_path, "loop.json", {"Resources": {"Back": stack("parent.json")}})
    template = parent()
    resources = template["Resources"]
    assert isinstance(resources, dict)
    template["Resources"] = {"Self": stack("parent.json"), "Loop": stack("loop.json"), **resources}
    analysis = analyse_system(template, write(tmp_path, "parent.json", template), None)
    assert reasons(analysis) == [(url_of("Loop"), "loop.json > parent.json", "it includes itself"),
                                 (url_of("Self"), "parent.json", "it includes itself")]
    assert [f.path for f in found(analysis, "EK1001")] == [url_of("ClusterStack")]


def test_nesting_deeper_than_the_limit_is_refused_at_the_top_stack(tmp_path: Path) -> None:
    """Levels 1 to MAX_NESTING are read; what the deepest of them nests is refused, named by its chain."""
    levels = MAX_NESTING + 1
    for level in range(1, levels + 1):
        below = {"Down": stack(f"level{level + 1}.json")} if level < levels else {}
        write(tmp_path, f"level{level}.json", {"Resources": {f"Sg{level}": sg(), **below}})
    template: Json = {"Metadata": NESTED, "Resources": {"Down": stack("level1.json")}}
    analysis = analyse_system(template, write(tmp_path, "root.json", template), None)
    chain = " > ".join(f"level{level}.json" for level in range(1, levels + 1))
    assert reasons(analysis) == [(url_of("Down"), chain, "nested stacks go deeper than this")]


def test_nested_stacks_are_read_relative_to_their_own_file(tmp_path: Path) -> None:
    """sub/middle.json nests inner.json: sub/inner.json, whose gap goes to the top TemplateURL."""
    write(tmp_path, "sub/middle.json", {"Resources": {"Inner": stack("inner.json")}})
    write(tmp_path, "sub/inner.json", single_stack(api_rule=False))
    write(tmp_path, "inner.json", single_stack())  # the wrong one: next to the root
    template: Json = {"Metadata": NESTED, "Resources": {"Middle": stack("sub/middle.json")}}
    analysis = analyse_system(template, write(tmp_path, "root.json", template), None)
    assert reasons(analysis) == []
    (api,) = found(analysis, "EK1001")
    assert api.path == url_of("Middle")
    assert field(api, "fix") == "an ingress rule on Middle::Inner::CpSG allowing TCP 443 from Middle::Inner::NodeSG"


def test_stacks_beyond_the_budget_are_refused_each(tmp_path: Path) -> None:
    """A tree of more than MAX_STACKS nested stacks: the first MAX_STACKS are read, every later one refused."""
    write(tmp_path, "leaf.json", {"Resources": {"Sg": sg()}})
    names = [f"S{number:02}" for number in range(MAX_STACKS + 2)]
    template: Json = {"Metadata": NESTED, "Resources": {name: stack("leaf.json") for name in names}}
    analysis = analyse_system(template, write(tmp_path, "root.json", template), None)
    why = f"the tree holds more than {MAX_STACKS} nested stacks"
    assert reasons(analysis) == [(url_of(name), "leaf.json", why) for name in names[MAX_STACKS:]]
    assert sorted(analysis.placement.anchors) == names[:MAX_STACKS]


def test_the_budget_counts_stacks_at_every_level(tmp_path: Path) -> None:
    """A and the MAX_STACKS - 1 stacks it nests fill the budget: B, next to A, is over it."""
    write(tmp_path, "leaf.json", {"Resources": {"Sg": sg()}})
    inner = [f"L{number:02}" for number in range(MAX_STACKS - 1)]
    write(tmp_path, "branch.json", {"Resources": {name: stack("leaf.json") for name in inner}})
    template: Json = {"Metadata": NESTED, "Resources": {"A": stack("branch.json"), "B": stack("branch.json")}}
    analysis = analyse_system(template, write(tmp_path, "root.json", template), None)
    why = f"the tree holds more than {MAX_STACKS} nested stacks"
    assert reasons(analysis) == [(url_of("B"), "branch.json", why)]
    assert sorted(analysis.placement.anchors) == ["A"]


def test_stacks_refused_for_their_url_and_for_their_file_are_both_reported(tmp_path: Path) -> None:
    template: Json = {"Metadata": NESTED, "Resources": {
        "Remote": stack("https://example.com/bucket/cluster.json"),
        "Missing": stack("missing.json"),
    }}
    analysis = analyse_system(template, write(tmp_path, "root.json", template), None)
    assert [(where, name) for where, name, _ in reasons(analysis)] == [
        (url_of("Missing"), "missing.json"), (url_of("Remote"), "https://example.com/bucket/cluster.json")]


def test_a_cdk_nested_stack_is_found_through_the_asset_manifest(tmp_path: Path) -> None:
    """CDK writes the nested template next to the parent and maps its S3 object key in *.assets.json."""
    write(tmp_path, "nested.template.json", single_stack(api_rule=False))
    write(tmp_path, "Parent.assets.json", {"files": {"abc": {
        "source": {"path": "nested.template.json"},
        "destinations": {"d": {"bucketName": "cdk-bucket", "objectKey": "abc123.json"}}}}})
    url = {"Fn::Join": ["", ["https://s3.us-east-1.", ref("AWS::URLSuffix"), "/cdk-bucket/abc123.json"]]}
    template: Json = {"Metadata": NESTED, "Resources": {"Child": stack(url)}}
    analysis = analyse_system(template, write(tmp_path, "Parent.template.json", template), None)
    assert reasons(analysis) == []
    assert [f.path for f in found(analysis, "EK1001")] == [url_of("Child")]


# --- the condition engine over a whole system -----------------------------------------------------------


def test_the_system_gets_a_condition_engine_of_its_own(tmp_path: Path) -> None:
    """With companions (none given an engine), cfn-lint's engine over the system knows IsBlue excludes IsGreen."""
    write(tmp_path, "other.json", {"Resources": {}})
    template = shared_group_by_color() | {"Metadata": {SETTINGS: {"companions": ["other.json"]}}}
    analysis = analyse_system(template, write(tmp_path, "colors.json", template), None)
    assert analysis.all_findings() == {}


def test_conditions_a_parent_fixes_are_fixed_for_the_engine(tmp_path: Path) -> None:
    """The parent hands the node stack a group it creates: HasExtra (the id is not empty) always holds,
    so the API rule it guards always exists; the parent's own IsBlue and IsGreen still exclude each other."""
    nodes = nodes_stack(api_rule=False)
    resources = nodes["Resources"]
    assert isinstance(resources, dict)
    resources["ApiFromNodes"] = {**res("AWS::EC2::SecurityGroupIngress", GroupId=ref("CpSG"), IpProtocol="tcp",
                                       SourceSecurityGroupId=ref("NodeSG"), FromPort=443, ToPort=443),
                                 "Condition": "HasExtra"}
    nodes["Parameters"] = {**nodes["Parameters"], "Extra": {"Type": "String", "Default": ""}}  # type: ignore[dict-item]
    nodes["Conditions"] = {"HasExtra": {"Fn::Not": [{"Fn::Equals": [ref("Extra"), ""]}]}}
    write(tmp_path, "cluster.json", cluster_stack())
    write(tmp_path, "nodes.json", nodes)
    colors = shared_group_by_color()
    template: Json = {**colors, "Metadata": NESTED, "Resources": {
        **colors["Resources"],  # type: ignore[dict-item]
        "Extra": sg(),
        "ClusterStack": stack("cluster.json"),
        "NodesStack": stack("nodes.json", ClusterName=getatt("ClusterStack", "Outputs.ClusterName"),
                            CpSG=getatt("ClusterStack", "Outputs.CpSG"), Extra=getatt("Extra", "GroupId")),
    }}
    analysis = analyse_system(template, write(tmp_path, "parent.json", template), None)
    assert analysis.all_findings() == {}


def test_without_a_system_engine_the_linted_one_decides(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A system cfn-lint cannot build an engine for (too deeply nested here) keeps the Template's engine."""
    deep: list[object] = []
    inner = deep
    for _ in range(5000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    write(tmp_path, "other.json", {"Resources": {}})
    template = shared_group_by_color() | {"Metadata": {SETTINGS: {"companions": ["other.json"]}, "Deep": deep}}
    filename = write(tmp_path, "colors.json", shared_group_by_color())  # the file is not what is analysed
    with caplog.at_level(logging.DEBUG, logger="cfnlint_eks_sg._analysis"):
        analysis = analyse_system(template, filename, exclusive())
    assert analysis.all_findings() == {}
    (record,) = [r for r in caplog.records if r.name == "cfnlint_eks_sg._analysis"]
    assert record.getMessage() == "no condition engine for the system"
    assert record.exc_info and record.exc_info[0] is RecursionError  # the cause, for --debug
    independent = analyse_system(template, filename, StubConditions(["IsBlue", "IsGreen"]))
    assert [field(f, "cluster") for f in found(independent, "WK2001")] == ["Blue", "Green"]
