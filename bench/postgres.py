"""The desk's main figures on PostgreSQL beside SQLite's, on the same demo data.

    python -m bench.postgres                       # 100k claims, 3 runs, a throwaway cluster
    python -m bench.postgres --claims 1000 --runs 1 --url postgresql://me@host/empty_db

The SQLite demo database of ``python -m bench`` (bench/data) is copied to a PostgreSQL database
with ``safet db copy`` (timed), then each figure is measured on both, in their own processes:
cold start to the painted home screen, and the Pilot figures of bench/desk_figures.py (tab
switch, cursor, page, jump to last, the message-text filter, opening a thread). Without
``--url`` a throwaway cluster is started as in the tests (tests/pg_support.py: Debian's
initdb and pg_ctl, loopback, removed at exit). Writes bench/results/postgres.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .__main__ import HERE, ROOT, demo_db, log, pilot
from .proc import run_process

FIGURES = ("cold_start", "home_first_paint", "tab_switch", "cursor_down", "page_down", "jump_last",
           "filter_keystroke", "filter_order_keystroke", "filter_prefix_keystroke", "filter_clear", "thread_open_5",
           "thread_open_200")


def server(url: str | None) -> str:
    """The URL of an empty database to copy the demo to ('' when no server can be started here)."""
    if url:
        return url
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_support import cluster, unavailable

    if unavailable():
        return ""  # main says why

    c = cluster()
    return c.create(c.fresh_name("bench"))


def figures(target: str, runs: int, word: str, tries: int = 2) -> dict:
    """The Pilot figures (bench/desk_figures.py and bench/filter_figures.py) on one database, in
    their own processes (tried again once: under load a settle step can see a worker cancelled by
    the next one)."""
    for attempt in range(tries):
        try:
            return pilot(target, runs, word)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            log(f"desk figures failed (try {attempt + 1}): {str(exc).splitlines()[-1][:200]}")
    raise RuntimeError(f"the desk figures failed on {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--word", default="warehouse")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--data-dir", default=str(HERE / "data"))
    parser.add_argument("--out", default=str(HERE / "results" / "postgres.json"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sqlite_db, _ = demo_db(Path(args.data_dir), args.claims, args.seed)
    # the server copy's attachment files (content-addressed) beside the bench's data, not in ~/.local
    os.environ.setdefault("SAFET_ATTACHMENTS", str(Path(args.data_dir) / "postgres-attachments"))
    url = server(args.url)
    if not url:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg_support import unavailable

        print(f"bench.postgres: not measured: {unavailable()}; or give --url postgresql://… (an empty database)")
        return 0
    log(f"copying {sqlite_db.name} to PostgreSQL (safet db copy) …")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "safet_tui", "db", "copy", str(sqlite_db), url, "--replace"],
                   check=True, cwd=ROOT)
    copy_seconds = time.perf_counter() - t0

    samples: dict[str, dict[str, list[float]]] = {"sqlite": {}, "postgresql": {}}
    targets = {"sqlite": str(sqlite_db), "postgresql": url}
    for _ in range(args.runs):  # cold starts interleaved
        for engine, target in targets.items():
            got = run_process("bench.cold_start", target, cwd=str(ROOT))
            samples[engine].setdefault("cold_start", []).append(got["start_to_paint"])
    for engine, target in targets.items():
        log(f"desk figures on {engine} at {args.claims:,} claims …")
        result = figures(target, args.runs, args.word)
        for name, values in result["samples"].items():
            samples[engine].setdefault(name, []).extend(values)

    rows = []
    for name in FIGURES:
        a, b = samples["sqlite"].get(name), samples["postgresql"].get(name)
        if not a or not b:
            continue
        sa, sb = statistics.median(a), statistics.median(b)
        rows.append({"figure": name, "sqlite_median": sa, "postgresql_median": sb, "ratio": sb / sa if sa else None,
                     "runs": len(b)})
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "claims": args.claims, "runs": args.runs,
              "copy_seconds": round(copy_seconds, 1), "seconds": round(time.perf_counter() - started, 1),
              "results": rows, "samples": samples}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"PostgreSQL beside SQLite at {args.claims:,} claims (medians of {args.runs} run(s)); "
          f"safet db copy took {copy_seconds:.1f} s")
    print(f"{'figure':<18}{'SQLite':>10}{'PostgreSQL':>12}{'ratio':>8}")
    for r in rows:
        print(f"{r['figure']:<18}{r['sqlite_median'] * 1000:>8.1f}ms{r['postgresql_median'] * 1000:>10.1f}ms"
              f"{r['ratio']:>7.2f}x")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
