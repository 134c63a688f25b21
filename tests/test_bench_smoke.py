"""The benchmark suite still runs: one quick pass at the smallest size (no timed assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_writes_every_figure(tmp_path):
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--sizes", "200", "--data-dir", str(tmp_path / "data"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    from bench.__main__ import FIGURES

    names = {r["name"] for r in report["results"]}
    assert names == set(FIGURES)
    for r in report["results"]:
        assert {"name", "size", "median", "baseline_median", "ratio", "target", "pass"} <= set(r)
    assert proc.stdout.rstrip().splitlines()[-1].startswith("bench: ")
    assert f"of {len(FIGURES)} targets met" in proc.stdout
