"""`_companions`: companion templates are read only inside the root, never by URL or absolute path, once each."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cfnlint.decode
import pytest

from cfnlint_eks_sg.core._settings import Companion
from cfnlint_eks_sg.load import _companions
from cfnlint_eks_sg.load._companions import MAX_BYTES, Loaded, Refused, cdk_assets, load

WHERE = ("Metadata", "cfnlint-eks-sg", "companions", 0)
CLUSTER = "Resources:\n  Cp:\n    Type: AWS::EC2::SecurityGroup\n"
NOT_ON_DISK = "the linted template is not a file on disk (an editor may lint a copy), so relative paths mean nothing"
RELATIVE_ONLY = "only paths relative to the template are followed"


def _companion(path: str, stack_name: str | None = None) -> Companion:
    return Companion(path, stack_name, WHERE)


def _file(path: Path, text: str = CLUSTER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A linted template `stacks/nodes.yaml` with a companion next to it; cfn-lint runs elsewhere."""
    monkeypatch.chdir(tmp_path)
    _file(tmp_path / "stacks" / "nodes.yaml", "Resources: {}\n")
    _file(tmp_path / "stacks" / "cluster.yaml")
    return tmp_path


def _reasons(refused: list[Refused]) -> list[str]:
    return [r.reason for r in refused]


def test_a_companion_next_to_the_template_is_loaded_with_its_file_stem_as_label(tree: Path) -> None:
    companion = _companion("cluster.yaml")
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [companion])
    assert refused == []
    assert loaded == [Loaded(companion, "cluster", {"Resources": {"Cp": {"Type": "AWS::EC2::SecurityGroup"}}},
                             str(tree / "stacks" / "cluster.yaml"))]


def test_a_stack_name_labels_the_companion(tree: Path) -> None:
    (loaded,), _ = load(str(tree / "stacks" / "nodes.yaml"), [_companion("cluster.yaml", "prod-cluster")])
    assert loaded.label == "prod-cluster"


def test_two_files_of_one_name_get_labels_apart(tree: Path) -> None:
    """a/cluster.yaml and b/cluster.yaml both stem `cluster`; their groups must not be named alike."""
    for sub in ("a", "b", "c"):
        _file(tree / "stacks" / sub / "cluster.yaml")
    companions = [_companion(f"{sub}/cluster.yaml") for sub in ("a", "b", "c")]
    companions += [_companion("cluster.yaml", "x"), _companion("a/cluster.yaml", "x")]
    loaded, _ = load(str(tree / "stacks" / "nodes.yaml"), companions)
    assert [c.label for c in loaded] == ["cluster", "cluster2", "cluster3", "x", "x2"]


@pytest.mark.parametrize("linted", [None, "", "missing.yaml", "stacks"])
def test_without_a_linted_file_on_disk_every_companion_is_refused(tree: Path, linted: str | None) -> None:
    """An editor buffer or a directory gives no place for relative paths: all refused, none read."""
    companions = [_companion("cluster.yaml"), _companion("stacks/cluster.yaml")]
    assert load(linted, companions) == ([], [Refused(c, NOT_ON_DISK) for c in companions])


@pytest.mark.parametrize("written", [
    "/etc/passwd",
    str(Path("/") / "tmp" / "cluster.yaml"),
    "C:\\Windows\\cluster.yaml",
    "c:cluster.yaml",
    "\\\\server\\share\\cluster.yaml",
    "//server/share/cluster.yaml",
])
def test_absolute_drive_and_network_paths_are_refused_by_their_text(tree: Path, written: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before any file-system call (so a network share is never touched)."""
    def no_io(*_: object) -> str:
        raise AssertionError("touched the file system")

    linted = str(tree / "stacks" / "nodes.yaml")
    root = Path(os.path.realpath(tree / "stacks"))
    monkeypatch.setattr(os.path, "realpath", no_io)
    assert _companions._inside(root, root, written) == (None, RELATIVE_ONLY)
    monkeypatch.undo()
    assert load(linted, [_companion(written)]) == ([], [Refused(_companion(written), RELATIVE_ONLY)])


def test_a_path_out_of_the_root_is_refused(tree: Path) -> None:
    _file(tree / "cluster.yaml")
    root = os.path.realpath(tree / "stacks")
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion("../cluster.yaml")])
    assert loaded == [] and _reasons(refused) == [f"it is outside {root}, the directory companions must stay in"]


def test_a_symbolic_link_out_of_the_root_is_refused(tree: Path) -> None:
    outside = _file(tree / "elsewhere" / "cluster.yaml")
    os.symlink(outside, tree / "stacks" / "linked.yaml")
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion("linked.yaml")])
    assert loaded == [] and _reasons(refused)[0].startswith("it is outside ")


def test_a_symbolic_link_inside_the_root_is_followed_to_its_real_file(tree: Path) -> None:
    os.symlink(tree / "stacks" / "cluster.yaml", tree / "stacks" / "linked.yaml")
    (loaded,), _ = load(str(tree / "stacks" / "nodes.yaml"), [_companion("linked.yaml")])
    assert loaded.file == os.path.realpath(tree / "stacks" / "cluster.yaml") and loaded.label == "cluster"


@pytest.mark.parametrize("written", ["missing.yaml", ".", "sub", ""])
def test_a_missing_file_or_a_directory_is_no_such_file(tree: Path, written: str) -> None:
    (tree / "stacks" / "sub").mkdir()
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion(written)])
    assert loaded == [] and _reasons(refused) == ["there is no such file"]


@pytest.mark.parametrize("written", ["clu\0ster.yaml", "x" * 300])
def test_an_unusable_path_is_refused_with_the_error(tree: Path, written: str) -> None:
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion(written)])
    assert loaded == [] and _reasons(refused)[0].startswith("its path cannot be used (")
    assert _reasons(refused)[0].endswith(")")


def test_a_file_at_the_size_limit_is_read_whole(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Resources: {Cp: {Type: T}}"
    monkeypatch.setattr(_companions, "MAX_BYTES", len(text))
    _file(tree / "stacks" / "limit.yaml", text)
    (loaded,), _ = load(str(tree / "stacks" / "nodes.yaml"), [_companion("limit.yaml")])
    assert loaded.template == {"Resources": {"Cp": {"Type": "T"}}}


def test_a_file_that_grew_past_the_limit_after_its_size_check_is_refused_not_cut(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size is checked, then the file is read: if it grew in between (an editor saving, a generator writing),
    its first MAX_BYTES are not decoded as if they were the template (a YAML cut at a line can still decode)."""
    first = "Resources: {Cp: {Type: T}}\n"
    _file(tree / "stacks" / "growing.yaml", first + "Outputs: {}\n")
    monkeypatch.setattr(_companions, "_inside", lambda root, here, written: (here / written, ""))
    monkeypatch.setattr(_companions, "MAX_BYTES", len(first))
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion("growing.yaml")])
    assert loaded == [] and _reasons(refused) == ["it is larger than 5 MB"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tree: Path) -> None:
    """At most MAX_BYTES (5 MB): the limit itself is allowed, one byte more is not."""
    root = Path(os.path.realpath(tree / "stacks"))
    for name, size in (("limit.yaml", MAX_BYTES), ("over.yaml", MAX_BYTES + 1)):
        with open(root / name, "wb") as handle:
            handle.truncate(size)  # sparse: nothing is written
    assert MAX_BYTES == 5_000_000
    assert _companions._inside(root, root, "limit.yaml") == (root / "limit.yaml", "")
    assert _companions._inside(root, root, "over.yaml") == (None, "it is larger than 5 MB")


@pytest.mark.parametrize("content, reason", [
    (b"Resources: {\xff}\n",
     "it cannot be read ('utf-8' codec can't decode byte 0xff in position 12: invalid start byte)"),
    (b"- a\n- b\n", "it does not decode as a template (not a mapping)"),
    (b"just text\n", "it does not decode as a template (not a mapping)"),
    (b"a: [\n", "it does not decode as a template (did not find expected node content)"),
])
def test_a_file_that_is_no_template_is_refused_with_why(tree: Path, content: bytes, reason: str) -> None:
    (tree / "stacks" / "odd.yaml").write_bytes(content)
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion("odd.yaml")])
    assert loaded == [] and refused == [Refused(_companion("odd.yaml"), reason)]


@pytest.mark.parametrize("error", [RecursionError, MemoryError, ValueError])
def test_a_decoder_failure_is_a_refusal_not_a_crash(tree: Path, error: type[Exception],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(_: str) -> object:
        raise error("deep")

    monkeypatch.setattr(cfnlint.decode, "decode_str", failing)
    _file(tree / "stacks" / "deep.yaml", f"# {error.__name__}\n" + CLUSTER)  # content never decoded before
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), [_companion("deep.yaml")])
    assert loaded == [] and _reasons(refused) == [f"it does not decode as a template ({error.__name__})"]


def test_refused_and_loaded_companions_keep_their_order(tree: Path) -> None:
    """One companion that cannot be used does not hide the others."""
    _file(tree / "stacks" / "list.yaml", "- a\n")
    _file(tree / "stacks" / "vpc.yaml")
    companions = [_companion("missing.yaml"), _companion("list.yaml"), _companion("cluster.yaml"),
                  _companion("/abs.yaml"), _companion("vpc.yaml")]
    loaded, refused = load(str(tree / "stacks" / "nodes.yaml"), companions)
    assert [c.companion for c in loaded] == [companions[2], companions[4]]
    assert [r.companion for r in refused] == [companions[0], companions[1], companions[3]]


def test_paths_are_relative_to_the_nested_template_when_given(tree: Path) -> None:
    """A nested stack's companions sit next to its own file; the root stays the linted template's."""
    _file(tree / "stacks" / "child" / "nodes.yaml", "Resources: {}\n")
    _file(tree / "stacks" / "child" / "cluster.yaml", "Resources: {Child: {Type: T}}\n")
    linted = str(tree / "stacks" / "nodes.yaml")
    (loaded,), _ = load(linted, [_companion("cluster.yaml")], relative_to=str(tree / "stacks" / "child" / "nodes.yaml"))
    assert loaded.template == {"Resources": {"Child": {"Type": "T"}}}
    (sibling,), _ = load(linted, [_companion("../cluster.yaml")], relative_to=str(tree / "stacks" / "child" / "x"))
    assert sibling.file == str(Path(os.path.realpath(tree / "stacks" / "cluster.yaml")))


def test_the_root_is_the_cfnlintrc_directory_when_it_holds_the_template(tree: Path) -> None:
    _file(tree / "shared" / "cluster.yaml")
    linted = str(tree / "stacks" / "nodes.yaml")
    assert load(linted, [_companion("../shared/cluster.yaml")])[0] == []  # no .cfnlintrc: the template's directory
    (tree / ".cfnlintrc").write_text("{}\n")
    (loaded,), refused = load(linted, [_companion("../shared/cluster.yaml")])
    assert refused == [] and loaded.label == "cluster"


def test_a_cfnlintrc_directory_that_does_not_hold_the_template_is_no_root(tree: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Running cfn-lint in `stacks/` on `../other/x.yaml` does not make `stacks/` reachable from there."""
    _file(tree / "other" / "x.yaml", "Resources: {}\n")
    (tree / "stacks" / ".cfnlintrc").write_text("{}\n")
    monkeypatch.chdir(tree / "stacks")
    loaded, refused = load(str(tree / "other" / "x.yaml"), [_companion("../stacks/cluster.yaml")])
    assert loaded == [] and _reasons(refused)[0].startswith("it is outside ")


def test_a_cfnlintrc_directory_is_not_a_file(tree: Path) -> None:
    """Only a `.cfnlintrc` file marks the root; a directory of that name does not."""
    _file(tree / "shared" / "cluster.yaml")
    (tree / ".cfnlintrc").mkdir()
    assert load(str(tree / "stacks" / "nodes.yaml"), [_companion("../shared/cluster.yaml")])[0] == []


def test_each_file_is_decoded_once_per_content(tree: Path, decoded: list[str]) -> None:
    calls = decoded
    _file(tree / "stacks" / "once.yaml", "Resources: {Once: {Type: A}}\n")
    _file(tree / "stacks" / "bad.yaml", "- not a template\n")
    linted = str(tree / "stacks" / "nodes.yaml")
    for _ in range(3):
        loaded, refused = load(linted, [_companion("once.yaml"), _companion("bad.yaml")])
        assert [c.template for c in loaded] == [{"Resources": {"Once": {"Type": "A"}}}]
        assert _reasons(refused) == ["it does not decode as a template (not a mapping)"]  # a refusal is kept too
    assert len(calls) == 2
    _file(tree / "stacks" / "once.yaml", "Resources: {Once: {Type: B}}\n")  # same size, maybe the same second
    (changed,), _ = load(linted, [_companion("once.yaml")])
    assert changed.template == {"Resources": {"Once": {"Type": "B"}}} and len(calls) == 3


def test_the_cache_forgets_the_least_recently_used_file(tree: Path, decoded: list[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = decoded
    monkeypatch.setattr(_companions, "_CACHE", type(_companions._CACHE)())
    monkeypatch.setattr(_companions, "_CACHE_SIZE", 2)
    linted = str(tree / "stacks" / "nodes.yaml")
    for name in "abc":
        _file(tree / "stacks" / f"{name}.yaml", f"Resources: {{{name}: {{Type: T}}}}\n")

    def read(name: str) -> None:
        assert load(linted, [_companion(f"{name}.yaml")])[0]

    for name in "aba":  # a is now the most recent
        read(name)
    read("c")  # b goes
    assert len(calls) == 3
    for name in "ac":
        read(name)
    assert len(calls) == 3
    read("b")
    assert len(calls) == 4 and len(_companions._CACHE) == 2


def test_the_cache_holds_256_files(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough for pre-commit over a repository of stacks that name each other."""
    monkeypatch.setattr(_companions, "_CACHE", type(_companions._CACHE)())
    linted = str(tree / "stacks" / "nodes.yaml")
    companions = []
    for number in range(257):
        _file(tree / "stacks" / f"s{number}.yaml", "{}\n")
        companions.append(_companion(f"s{number}.yaml"))
    load(linted, companions[:256])
    assert len(_companions._CACHE) == 256
    load(linted, companions[256:])
    assert len(_companions._CACHE) == 256 and next(iter(_companions._CACHE))[0].endswith("s1.yaml")


# -- CDK asset manifests -------------------------------------------------------------------------------------

def _manifest(files: object) -> str:
    return json.dumps({"version": "36.0.0", "files": files})


def _asset(path: object, *keys: object) -> object:
    return {"source": {"path": path, "packaging": "file"},
            "destinations": {f"d{number}": {"bucketName": "b", "objectKey": key} for number, key in enumerate(keys)}}


@pytest.fixture
def cdk_out(tree: Path) -> Path:
    out = tree / "stacks" / "cdk.out"
    _file(out / "Parent.template.json", "{}")
    return out


def test_cdk_asset_keys_map_to_the_files_the_manifests_list(cdk_out: Path) -> None:
    _file(cdk_out / "Parent.assets.json", _manifest({
        "h1": _asset("Nodes.nested.template.json", "h1.json", "copy/h1.json"),
        "h2": _asset("Cluster.nested.template.json", "h2.json")}))
    _file(cdk_out / "Other.assets.json", _manifest({"h3": _asset("Other.json", "h3.json")}))
    linted = str(cdk_out / "Parent.template.json")
    assert cdk_assets(linted, str(cdk_out)) == {
        "h1.json": "Nodes.nested.template.json", "copy/h1.json": "Nodes.nested.template.json",
        "h2.json": "Cluster.nested.template.json", "h3.json": "Other.json"}


def test_odd_manifest_entries_are_skipped_and_the_rest_kept(cdk_out: Path) -> None:
    _file(cdk_out / "A.assets.json", _manifest({
        "list": ["not an asset"],
        "no-source": {"destinations": {"d": {"objectKey": "n.json"}}},
        "source-list": {"source": ["x"], "destinations": {"d": {"objectKey": "s.json"}}},
        "path-number": _asset(7, "p.json"),
        "destinations-list": {"source": {"path": "D.json"}, "destinations": ["d"]},
        "destination-text": {"source": {"path": "T.json"}, "destinations": {"d": "text", "e": {"objectKey": 5}}},
        "good": _asset("Good.json", "good.json")}))
    _file(cdk_out / "B.assets.json", json.dumps({"files": ["not", "a", "map"]}))
    _file(cdk_out / "C.assets.json", json.dumps(["no", "files"]))
    _file(cdk_out / "D.assets.json", "{not json")
    _file(cdk_out / "E.assets.json", json.dumps({"version": "1"}))
    (cdk_out / "F.assets.json").write_bytes(b"\xff\xfe")
    (cdk_out / "G.assets.json").mkdir()
    _file(cdk_out / "Z.assets.json", _manifest({"last": _asset("Last.json", "last.json")}))
    assert cdk_assets(str(cdk_out / "Parent.template.json"), str(cdk_out)) == {"good.json": "Good.json",
                                                                               "last.json": "Last.json"}


def test_a_later_manifest_wins_for_one_key(cdk_out: Path) -> None:
    _file(cdk_out / "A.assets.json", _manifest({"h": _asset("First.json", "k.json")}))
    _file(cdk_out / "B.assets.json", _manifest({"h": _asset("Second.json", "k.json")}))
    assert cdk_assets(str(cdk_out / "Parent.template.json"), str(cdk_out)) == {"k.json": "Second.json"}


def test_a_manifest_linked_from_outside_the_root_is_not_read(tree: Path, cdk_out: Path) -> None:
    outside = _file(tree / "elsewhere" / "Evil.assets.json", _manifest({"h": _asset("../../x.json", "h.json")}))
    os.symlink(outside, cdk_out / "Evil.assets.json")
    assert cdk_assets(str(cdk_out / "Parent.template.json"), str(cdk_out)) == {}


def test_a_manifest_over_the_size_limit_is_not_read(cdk_out: Path) -> None:
    text = _manifest({"h": _asset("Big.json", "h.json")})
    (cdk_out / "Big.assets.json").write_text(text + " " * (MAX_BYTES + 1 - len(text)))
    fits = _manifest({"h": _asset("Fit.json", "h.json")})
    (cdk_out / "Fit.assets.json").write_text(" " * (MAX_BYTES - len(fits)) + fits)  # its last byte counts
    assert cdk_assets(str(cdk_out / "Parent.template.json"), str(cdk_out)) == {"h.json": "Fit.json"}


def test_no_manifests_are_read_outside_the_root_or_without_a_linted_file(tree: Path, cdk_out: Path) -> None:
    _file(cdk_out / "Parent.assets.json", _manifest({"h": _asset("Nodes.json", "h.json")}))
    linted = str(cdk_out / "Parent.template.json")
    assert cdk_assets(linted, str(cdk_out)) == {"h.json": "Nodes.json"}
    assert cdk_assets(None, str(cdk_out)) == {}
    assert cdk_assets("", str(cdk_out)) == {}
    assert cdk_assets(str(cdk_out / "missing.json"), str(cdk_out)) == {}
    assert cdk_assets(linted, None) == {}
    assert cdk_assets(linted, "") == {}
    _file(tree / "elsewhere" / "Other.assets.json", _manifest({"o": _asset("Other.json", "o.json")}))
    assert cdk_assets(linted, str(tree / "elsewhere")) == {}  # a directory outside the root
    assert cdk_assets(str(tree / "stacks" / "nodes.yaml"), str(cdk_out)) == {"h.json": "Nodes.json"}  # inside it
