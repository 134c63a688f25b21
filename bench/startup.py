"""Cold start and memory of the desk against the bare Textual app, at several sizes, interleaved
(one run of each per round, so a burst of load on the machine falls on both), as ratios.

    python -m bench.startup DB [DB ...] [--runs 7] [--also TREE]

Prints a table of medians and the ratios to the bare app measured in the same rounds; the last
line is JSON. ``--also TREE``: the desk of another checkout (an older commit, unpacked with
``git archive``) measured in the same rounds, for before/after figures on a loaded machine. A database may be opened read-only by the desk (a folder it cannot write): the
figures are then those of a reader that cannot catch up with time (see README Performance).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from .proc import run_process

ROOT = Path(__file__).resolve().parent.parent


def measure(dbs: list[str], runs: int, trees: list[str] | None = None) -> dict:
    trees = [str(ROOT), *(trees or [])]
    cases = [(tree, db) for tree in trees for db in dbs]
    name = {case: (Path(case[1]).name if case[0] == str(ROOT) else f"{Path(case[1]).name}@{case[0]}")
            for case in cases}
    run_process("bench.baseline_bare", cwd=str(ROOT))  # warm the file cache once
    for tree, db in cases:
        run_process("bench.cold_start", db, cwd=tree)
    start: dict[str, list[float]] = {"bare": [], **{name[c]: [] for c in cases}}
    rss: dict[str, list[float]] = {"bare": [], **{name[c]: [] for c in cases}}
    for _ in range(runs):
        bare = run_process("bench.baseline_bare", cwd=str(ROOT))
        start["bare"].append(bare["start_to_paint"])
        rss["bare"].append(bare["rss"] / 2**20)
        for case in cases:
            desk = run_process("bench.cold_start", case[1], cwd=case[0])
            start[name[case]].append(desk["start_to_paint"])
            rss[name[case]].append(desk["rss"] / 2**20)
    med = {k: statistics.median(v) for k, v in start.items()}
    mem = {k: statistics.median(v) for k, v in rss.items()}
    return {
        "runs": runs,
        "start_s": med, "rss_mb": mem,
        "start_ratio": {k: med[k] / med["bare"] for k in med if k != "bare"},
        "rss_ratio": {k: mem[k] / mem["bare"] for k in mem if k != "bare"},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dbs", nargs="+")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--also", action="append", default=[], metavar="TREE",
                        help="another checkout's desk, measured in the same rounds")
    args = parser.parse_args()
    result = measure(args.dbs, args.runs, args.also)
    print(f"bare: start {result['start_s']['bare']:.3f} s, rss {result['rss_mb']['bare']:.1f} MB")
    for key in result["start_ratio"]:
        print(f"{key}: start {result['start_s'][key]:.3f} s ({result['start_ratio'][key]:.2f}x), "
              f"rss {result['rss_mb'][key]:.1f} MB ({result['rss_ratio'][key]:.2f}x)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
