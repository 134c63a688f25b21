"""How long ``safet demo`` takes, phase by phase: ``python -m bench.demo_build --claims 100000``.

Builds a seeded demo into a scratch folder (deleted afterwards) ``--repeat`` times and prints, per
run, the wall time, the CPU time of this process and of the processes that told stories for it,
and the generator's phases (setup, waiting for stories, writes, indexes, fts, analyze, commit).
Run it from two checkouts one after the other to compare them (ratios, not absolute figures: the
machine is shared). Issue 15's target: a million claims within 3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its (finished) children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def build(claims: int, seed: int, folder: Path, workers: int | None) -> dict:
    from safet_tui.demo.generate import generate

    path = folder / f"demo-{claims}-s{seed}.db"
    kw: dict[str, Any] = {} if workers is None else {"workers": workers}
    cpu, wall = _cpu(), time.perf_counter()
    made = generate(str(path), claims=claims, seed=seed, now=NOW, **kw)
    own, kids = _cpu()
    out = {"claims": claims, "messages": made.messages, "seconds": round(time.perf_counter() - wall, 2),
           "cpu_seconds": round(own + kids - sum(cpu), 2),
           # the writer's own share: on idle cores the build takes about this long, or the stories'
           # share divided among the cores, whichever is more
           "cpu_writer": round(own - cpu[0], 2), "cpu_tellers": round(kids - cpu[1], 2),
           "mb": round(path.stat().st_size / 1e6, 1),
           "workers": getattr(made, "workers", None), "load": round(os.getloadavg()[0], 1),
           "phases": {k: round(v, 2) for k, v in getattr(made, "phases", {}).items()}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="story processes (default: the generator's)")
    parser.add_argument("--dir", default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="demo-build-", dir=args.dir))
        try:
            runs.append(build(args.claims, args.seed, folder, args.workers))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(json.dumps(runs[-1]), flush=True)
    if len(runs) > 1:
        print(json.dumps({"median_seconds": statistics.median(r["seconds"] for r in runs),
                          "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs)}))


if __name__ == "__main__":
    main()
