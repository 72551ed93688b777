"""Benchmark: plugin overhead against plain cfn-lint, analysis scaling, and import time.

Run from the repository root with the package installed:

    python bench/bench.py            # the full table (several minutes)
    python bench/bench.py --smoke    # tiny sizes, a few seconds: proves the script still runs

Everything is measured in one run on one machine; ratios, not absolute times, are the point.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CFNLINT_EKS_SG_CORPUS", ROOT.parent / "shared" / "corpus"))
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def generated(groups: int, seed: int = 7) -> dict[str, object]:
    """groups : node groups : rules = 10 : 1 : 40, with conditions and CIDR peers."""
    rng = random.Random(seed)
    names = [f"Group{i}" for i in range(groups)]
    resources: dict[str, object] = {
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
            "Name": "bench", "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": {"SubnetIds": ["subnet-11111111"], "SecurityGroupIds": [{"Ref": names[0]}]}}},
    }
    for name in names:
        resources[name] = {"Type": "AWS::EC2::SecurityGroup",
                           "Properties": {"GroupDescription": name, "VpcId": "vpc-12345678"}}
    for index in range(max(1, groups // 10)):
        resources[f"Template{index}"] = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": {"SecurityGroupIds": [{"Ref": names[(index + 1) % groups]}]}}}
        resources[f"Nodes{index}"] = {"Type": "AWS::EKS::Nodegroup", "Properties": {
            "ClusterName": {"Ref": "Cluster"}, "NodeRole": "arn:aws:iam::123456789012:role/node",
            "Subnets": ["subnet-11111111"], "LaunchTemplate": {"Id": {"Ref": f"Template{index}"}}}}
    for index in range(groups * 4):
        rule: dict[str, object] = {
            "GroupId": {"Ref": rng.choice(names)}, "IpProtocol": rng.choice(["tcp", "udp", "-1"]),
            "FromPort": rng.choice([53, 443, 1025, 10250]), "ToPort": rng.choice([443, 10250, 65535]),
        }
        if rng.random() < 0.25:
            rule["CidrIp"] = rng.choice(["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24"])
        else:
            rule["SourceSecurityGroupId"] = {"Ref": rng.choice(names)}
        resource: dict[str, object] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": rule}
        if rng.random() < 0.1:
            resource["Condition"] = rng.choice(["Blue", "Green"])
        resources[f"Rule{index}"] = resource
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Color": {"Type": "String"}},
        "Conditions": {"Blue": {"Fn::Equals": [{"Ref": "Color"}, "blue"]},
                       "Green": {"Fn::Equals": [{"Ref": "Color"}, "green"]}},
        "Resources": resources,
    }


def analysis_seconds(groups: int, repeats: int) -> float:
    """Median time of our analysis alone (model to findings of every rule), each size in a fresh
    process so that one size's heap does not slow the next."""
    result = subprocess.run([sys.executable, __file__, "--analysis", str(groups), "--repeats", str(repeats)],
                            capture_output=True, text=True, check=True)
    return float(result.stdout)


def _analysis_in_process(groups: int, repeats: int) -> float:
    from cfnlint_eks_sg._analysis import analyse

    template = generated(groups)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        analyse(template).all_findings()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cfn_lint_seconds(path: Path, plugin: bool) -> float:
    command = [CFN_LINT, *(["--append-rules=cfnlint_eks_sg"] if plugin else []), "--", str(path)]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def overhead(paths: Sequence[Path], rounds: int) -> tuple[float, int]:
    """Median of per-pair ratios (with plugin / without), runs interleaved A, B, A, B."""
    ratios = []
    for _ in range(rounds):
        for path in paths:
            plain = cfn_lint_seconds(path, plugin=False)
            with_plugin = cfn_lint_seconds(path, plugin=True)
            ratios.append(with_plugin / plain)
    return statistics.median(ratios), len(ratios)


def import_milliseconds(module: str) -> float:
    """Import time that `module` adds on top of cfn-lint and the plugin's entry point (-X importtime)."""
    script = f"import cfnlint.api, cfnlint.rules; import cfnlint_eks_sg; import {module}"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", script], capture_output=True, text=True,
                            check=False)
    total = 0
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and match.group(3) == module and not match.group(2):
            total = int(match.group(1))
    return total / 1000


def end_to_end(groups: int, rounds: int) -> tuple[int, float]:
    """Resources of a generated template, and cfn-lint's time with the plugin over without (median)."""
    template = generated(groups)
    resources = len(template["Resources"])  # type: ignore[arg-type]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(template, handle)
    path = Path(handle.name)
    try:
        ratio, _ = overhead([path], rounds)
    finally:
        path.unlink()
    return resources, ratio


def compile_package() -> str:
    """Bytecode for the package, as installing a wheel writes it: an editable checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run and count that."""
    import cfnlint_eks_sg

    compileall.compile_dir(str(Path(cfnlint_eks_sg.__file__).parent), quiet=1)
    return str(Path(cfnlint_eks_sg.__file__).parent)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to prove the script runs")
    parser.add_argument("--analysis", type=int, help=argparse.SUPPRESS)  # one size, in this process
    parser.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.analysis:
        sys.stdout.write(f"{_analysis_in_process(args.analysis, args.repeats)}\n")
        return 0
    package = compile_package()
    lines = [f"machine   {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"cfn-lint {metadata.version('cfn-lint')}, package at {package}"]
    sizes = [10, 40] if args.smoke else [10, 100, 1000, 1250, 4000, 5000]
    timings = {n: analysis_seconds(n, 3 if args.smoke else 5) for n in sizes}
    for n, seconds in timings.items():
        lines.append(f"analysis  N={n:>5} groups: {seconds * 1000:9.1f} ms")
    for small in sizes:
        if 4 * small in timings:
            lines.append(f"scaling   time({4 * small})/time({small}) = {timings[4 * small] / timings[small]:.2f} "
                         "(linear: 4)")
    for module in ("cfnlint_eks_sg", "cfnlint_eks_sg._analysis"):
        what = "the plugin" if module == "cfnlint_eks_sg" else "its engine (EKS templates only)"
        lines.append(f"import    {what} adds {import_milliseconds(module):.1f} ms")
    eks = sorted(p for p in (CORPUS / "eks").rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    sample = [*eks, *sorted((ROOT / "templates").rglob("*.yaml"))]
    if args.smoke:
        sample = sample[-1:]
    resources, ratio = end_to_end(10 if args.smoke else 95, 1 if args.smoke else 5)
    lines.append(f"cfn-lint  {resources} resources: with/without plugin = {ratio:.3f}")
    ratio, pairs = overhead(sample, rounds=1)
    lines.append(f"overhead  median of {pairs} interleaved pairs (corpus EKS templates and templates/): {ratio:.3f}")
    # Stacks that build their own network: the routing and network ACL model is read for them only.
    every = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    vpcs = [p for p in every if "AWS::EC2::Subnet" in p.read_text(errors="ignore")]
    if args.smoke:
        vpcs = vpcs[:1]
    ratio, pairs = overhead(vpcs, rounds=1)
    lines.append(f"overhead  median of {pairs} interleaved pairs (corpus templates that create subnets): {ratio:.3f}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
