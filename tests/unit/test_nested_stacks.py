"""`nested_stacks`: which local file each `AWS::CloudFormation::Stack` deploys, and which are not followed."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.core._settings import Companion, Settings
from cfnlint_eks_sg.load._companions import Refused
from cfnlint_eks_sg.load._nested import STACK_TYPE, nested_stacks, parameters_of
from tests.unit.pieces import Json, ref, sg

NOT_FOLLOWED = "its TemplateURL is neither a relative path nor under a nested_stack_urls prefix"
HASH = "3f0e2a7c9b1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7"
BUCKET = "https://${Bucket}.s3.amazonaws.com/templates/"


def _stack(url: object, **properties: object) -> Json:
    return {"Type": STACK_TYPE, "Properties": {"TemplateURL": url, **properties}}


def _where(name: str) -> tuple[str, ...]:
    return ("Resources", name, "Properties", "TemplateURL")


def _settings(urls: dict[str, str] | None = None) -> Settings:
    metadata: Json = {"nested_stacks": True}
    if urls is not None:
        metadata["nested_stack_urls"] = urls
    return Settings.from_template({"Metadata": {"cfnlint-eks-sg": metadata}})


def _one(url: object, urls: dict[str, str] | None = None,
         assets: dict[str, str] | None = None) -> tuple[list[Companion], list[Refused]]:
    return nested_stacks({"Resources": {"Child": _stack(url)}}, _settings(urls), assets)


@pytest.mark.parametrize("url", ["nodes.yaml", "./stacks/nodes.yaml", "../shared/nodes.yaml", "1http://x/y.yaml"])
def test_a_relative_template_url_names_a_file_next_to_its_template(url: str) -> None:
    """A path without a URL scheme is the file, as `aws cloudformation package` reads it; the loader checks the root."""
    assert _one(url) == ([Companion(url, "Child", _where("Child"))], [])


@pytest.mark.parametrize("url", [
    "https://s3.amazonaws.com/bucket/nodes.yaml",
    "s3://bucket/nodes.yaml",
    "file:///etc/passwd",
    "git+ssh://host/repo.yaml",
    "HTTP://bucket.s3.amazonaws.com/nodes.yaml",
])
def test_a_url_is_never_followed_without_a_mapping(url: str) -> None:
    """No URL is fetched: a URL names a file only through `nested_stack_urls`; else the stack is refused, named."""
    assert _one(url) == ([], [Refused(Companion(url, None, _where("Child")), NOT_FOLLOWED)])


def test_a_sub_url_with_a_reference_is_not_a_relative_path() -> None:
    """`${Bucket}/nodes.yaml` holds a value known only at deploy time: refused, named as written."""
    url = "${Bucket}/nodes.yaml"
    assert _one({"Fn::Sub": url}) == ([], [Refused(Companion(url, None, _where("Child")), NOT_FOLLOWED)])


@pytest.mark.parametrize("urls, written, local", [
    ({BUCKET: "stacks"}, {"Fn::Sub": BUCKET + "cluster.yaml"}, "stacks/cluster.yaml"),
    ({BUCKET: "stacks/"}, {"Fn::Sub": BUCKET + "cluster.yaml"}, "stacks/cluster.yaml"),
    ({BUCKET: "."}, {"Fn::Join": ["", ["https://", ref("Bucket"), ".s3.amazonaws.com/templates/sub/nodes.yaml"]]},
     "./sub/nodes.yaml"),
    ({"https://s3.amazonaws.com/bucket/": "out", "https://s3.amazonaws.com/bucket/nested/": "deep"},
     "https://s3.amazonaws.com/bucket/nested/nodes.yaml", "deep/nodes.yaml"),
    ({"https://s3.amazonaws.com/bucket/": "out", "https://s3.amazonaws.com/bucket/nested/": "deep"},
     "https://s3.amazonaws.com/bucket/other/nodes.yaml", "out/other/nodes.yaml"),
    ({"https://s3.amazonaws.com/bucket/": "X"}, "https://s3.amazonaws.com/bucket/nodes.yaml", "X/nodes.yaml"),
])
def test_a_url_under_a_configured_prefix_names_the_file_in_its_directory(urls: dict[str, str], written: object,
                                                                       local: str) -> None:
    """The prefix is matched on the URL as written (Sub and Join text alike); the longest prefix wins."""
    assert _one(written, urls) == ([Companion(local, "Child", _where("Child"))], [])


def test_a_url_under_no_configured_prefix_is_still_refused() -> None:
    url = "https://elsewhere.example.com/nodes.yaml"
    assert _one(url, {BUCKET: "stacks"})[1] == [Refused(Companion(url, None, _where("Child")), NOT_FOLLOWED)]


def _cdk_url(last: object) -> Json:
    return {"Fn::Join": ["", ["https://s3.", ref("AWS::Region"), ".", ref("AWS::URLSuffix"), "/",
                              {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, last]]}


@pytest.mark.parametrize("last", [f"/{HASH}.json", f"{HASH}.json", f"/prefix/{HASH}.json"])
def test_a_cdk_asset_address_names_the_file_its_manifest_lists(last: str) -> None:
    """CDK writes `Fn::Join` of the assets bucket and the object key; the manifest maps the key to a local file."""
    assets = {f"{HASH}.json": "ParentNodes.nested.template.json", "other.json": "Other.json"}
    assert _one(_cdk_url(last), assets=assets) == (
        [Companion("ParentNodes.nested.template.json", "Child", _where("Child"))], [])


@pytest.mark.parametrize("written", [
    _cdk_url("/unlisted.json"),  # no manifest lists it
    _cdk_url(ref("Key")),  # the key is not written down
    {"Fn::Join": ["", []]},
    {"Fn::Join": ["", ref("Parts")]},
    {"Fn::Join": ["", ["https://s3/", ref("Key")], [f"{HASH}.json"]]},
    {"Fn::Join": [[ref("Key"), f"{HASH}.json"]]},
    {"Fn::Join": "https://s3/" + HASH + ".json"},
    {"Fn::Sub": ["https://${B}/" + HASH + ".json", {"B": {"Fn::GetAtt": ["Bucket", "DomainName"]}}]},
    {"Fn::Select": [0, [{"Fn::Sub": "https://${B}/other.json"}, f"https://s3/{HASH}.json"]]},
])
def test_an_address_no_manifest_resolves_is_refused(written: object) -> None:
    """Only the `Fn::Join` CDK writes, ending in an object key a `cdk.out` manifest lists, is followed."""
    found, refused = _one(written, assets={"other.json": "Other.json", f"{HASH}.json": "Nodes.json"})
    assert found == [] and [r.reason for r in refused] == [NOT_FOLLOWED]


def test_an_unwritable_url_is_named_by_its_short_form() -> None:
    """A URL built from a resource's attribute is named as a person writes it, so the finding says which one."""
    written = {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}, "/cluster.yaml"]]}
    (refused,) = _one(written)[1]
    assert refused.companion == Companion('!Join ["", ["https://", !GetAtt Bucket.RegionalDomainName, /cluster.yaml]]',
                                          None, _where("Child"))


def test_only_stacks_are_followed_and_each_is_named_by_its_logical_id() -> None:
    template: Json = {"Resources": {
        "Group": sg(GroupDescription="nodes.yaml"),
        "Cluster": _stack("cluster.yaml"),
        "NotAStack": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {"TemplateURL": "x.yaml"}},
        7: _stack("seven.yaml"),  # a YAML key that is not a logical id
        "Nodes": _stack("nodes.yaml"),
        "Broken": "not a resource",
    }}
    found, refused = nested_stacks(template, _settings())
    assert found == [Companion("cluster.yaml", "Cluster", _where("Cluster")),
                     Companion("nodes.yaml", "Nodes", _where("Nodes"))]
    assert refused == []


@pytest.mark.parametrize("template", [{}, {"Resources": []}, {"Resources": "x"}, [], None])
def test_a_template_without_resources_nests_nothing(template: object) -> None:
    assert nested_stacks(template, _settings()) == ([], [])


@pytest.mark.parametrize("stack, expected", [
    ("Nodes", {"ClusterName": ref("Cluster")}),
    ("Other", {}),  # no Parameters
    ("Listed", {}),  # Parameters that are not a map
    ("Missing", {}),
])
def test_parameters_of_is_what_the_parent_passes(stack: str, expected: Json) -> None:
    template: Json = {"Resources": {
        "Nodes": _stack("nodes.yaml", Parameters={"ClusterName": ref("Cluster")}),
        "Other": _stack("other.yaml"),
        "Listed": _stack("listed.yaml", Parameters=["ClusterName"]),
    }}
    assert parameters_of(template, stack) == expected
