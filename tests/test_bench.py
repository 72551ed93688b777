"""The benchmark's smoke run: every measurement path of bench/bench.py runs, on tiny sizes."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, summary


def test_benchmark_smoke_run_prints_every_measure() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--smoke"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for measure in ("machine", "analysis", "scaling", "import", "cfn-lint", "overhead"):
        assert any(line.startswith(measure) for line in lines), (measure, result.stdout)
    summary(f"benchmark smoke run: {len(lines)} lines (numbers at tiny sizes mean nothing; run bench/bench.py)")
