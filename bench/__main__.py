"""The benchmark suite: ``python -m bench`` (``make bench``).

Builds or reuses seeded demo databases (``safet demo``) in bench/data, measures every
figure of the performance table at each size, several runs each, with its baseline
measured in the same run (interleaved where it can be), and writes
bench/results/latest.json plus a table ending with ``bench: N of M targets met``.

    python -m bench                      # 1k and 100k claims, 5 runs
    python -m bench --sizes 1000 --runs 3
    python -m bench --quick --sizes 200  # the smoke test: one run of everything

Targets are judged at the largest size; smaller sizes are the reference for the
size-independence figures and are reported for context.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .proc import run_process

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: name -> (what, target ratio, what the ratio is to)
FIGURES = {
    "cold_start": ("process start to home painted with counts and rows", 1.5, "bare start"),
    "tab_switch": ("switch tab 1 -> 3 to painted", 1.5, "same at smallest size"),
    "cursor_down": ("cursor down (j) to painted", 1.5, "same at smallest size"),
    "page_down": ("page down to painted", 1.5, "same at smallest size"),
    "jump_last": ("jump to last (G) to painted", 1.5, "same at smallest size"),
    "filter_fts": ("filter (message text, FTS) applied to painted", 3.0, "raw SQL (sqlite3)"),
    "thread_open_200": ("open a ~200-message thread to painted", 3.0, "same with 5 messages"),
    "analytics": ("analytics screen filled", 2.0, "raw SQL aggregates + plotext"),
    "import_returns": ("import a returns report", 3.0, "csv + sqlite3 executemany"),
    "home_first_paint": ("home screen first paint (in-process)", 0.05, "naive DataTable list"),
    "memory_home": ("resident memory, home screen open", 1.5, "bare start"),
    "notify": ("safet notify: pending status changes e-mailed over loopback SMTP", 3.0,
               "the same e-mails built in a bare loop"),
    "notify_memory": ("safet notify: peak resident memory", 1.5, "the bare loop's"),
}
SIZE_RELATIVE = ("tab_switch", "cursor_down", "page_down", "jump_last")
PILOT = ("home_first_paint", "tab_switch", "cursor_down", "page_down", "jump_last", "filter_fts",
         "filter_keystroke", "thread_open_5", "thread_open_200")


def stats(samples: list[float]) -> dict:
    return {"runs": len(samples), "min": min(samples), "median": statistics.median(samples), "max": max(samples)}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- databases -------------------------------------------------------------------------------
def demo_db(data: Path, claims: int, seed: int) -> tuple[Path, float | None]:
    """The demo database for (claims, seed), built with ``safet demo`` unless it exists."""
    path = data / f"demo-{claims}-s{seed}.db"
    if path.exists():
        return path, None
    data.mkdir(parents=True, exist_ok=True)
    part = data / f"build-{claims}-s{seed}.db"
    for p in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{part}.attachments", ignore_errors=True)
    log(f"building the {claims:,}-claim demo database (seed {seed}) with safet demo …")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "safet_tui", "demo", "--db", str(part), "--claims", str(claims),
                    "--seed", str(seed)], check=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    os.replace(f"{part}.attachments", f"{path}.attachments")
    os.replace(part, path)  # last: a database file that exists is complete
    return path, seconds


# -- helpers written elsewhere (bench/analytics.py, bench/import_returns.py) -------------------
HELPER = """
import json, sys, importlib
mod = importlib.import_module(sys.argv[1])
arg = sys.argv[2]
print(json.dumps(mod.measure(int(arg)) if sys.argv[1].endswith("import_returns") else mod.measure(arg)))
"""


def helper(module: str, arg: str, timeout: float = 300) -> tuple[dict | None, str]:
    """Call ``module.measure(arg)`` in its own process; (result, "") or (None, why not)."""
    if not (HERE / (module.rsplit(".", 1)[-1] + ".py")).exists():
        return None, f"not measured: {module.replace('.', '/')}.py does not exist"
    try:
        proc = subprocess.run([sys.executable, "-c", HELPER, module, arg], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"not measured: {module}.measure took more than {timeout:.0f} s"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"not measured: {module}.measure failed: {last[:200]}"
    return json.loads(lines[-1]), ""


def pilot(db: Path, runs: int, word: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.desk_figures", str(db), "--runs", str(runs), "--word", word],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(f"bench.desk_figures failed on {db.name}: {out.stderr.strip()[-1500:]}")
    return json.loads(lines[-1])


def naive(db: Path, runs: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.baseline_naive_list", str(db), "--runs", str(runs)],
                         capture_output=True, text=True, cwd=ROOT, timeout=1200)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(f"bench.baseline_naive_list failed on {db.name}: {out.stderr.strip()[-1500:]}")
    return json.loads(lines[-1])


# -- the run ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="claims per demo database, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--naive-runs", type=int, default=2,
                        help="runs of the naive DataTable list (slow at 100k; default 2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--word", default="warehouse", help="filter word (in ~3%% of messages)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--notify-changes", type=int, default=10_000,
                        help="pending status changes safet notify sends (default 10,000)")
    parser.add_argument("--quick", action="store_true",
                        help="one run of everything at the smallest size, small import (smoke test)")
    parser.add_argument("--data-dir", default=str(HERE / "data"))
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    runs, naive_runs, import_rows = args.runs, min(args.naive_runs, args.runs), args.import_rows
    if args.quick:
        sizes, runs, naive_runs, import_rows = sizes[:1], 1, 1, min(import_rows, 2000)
        args.notify_changes = min(args.notify_changes, 200)
    data = Path(args.data_dir)
    dbs: dict[int, Path] = {}
    builds: dict[int, float | None] = {}
    for n in sizes:
        dbs[n], builds[n] = demo_db(data, n, args.seed)
    smallest, largest = sizes[0], sizes[-1]

    samples: dict[tuple[str, int], list[float]] = {}
    base: dict[tuple[str, int], list[float]] = {}
    info: dict = {"demo_build_seconds": {str(n): builds[n] for n in sizes},
                  "demo_db_mb": {str(n): round(dbs[n].stat().st_size / 1e6, 1) for n in sizes}}

    # 1. Processes: bare start and the desk's cold start, interleaved; one warm-up each.
    log("cold start and memory (real processes) …")
    if not args.quick:
        run_process("bench.baseline_bare", cwd=str(ROOT))
        for n in sizes:
            run_process("bench.cold_start", str(dbs[n]), cwd=str(ROOT))
    for _ in range(runs):
        bare = run_process("bench.baseline_bare", cwd=str(ROOT))
        base.setdefault(("bare_start", 0), []).append(bare["start_to_paint"])
        base.setdefault(("bare_rss", 0), []).append(bare["rss"] / 2**20)
        for n in sizes:
            desk = run_process("bench.cold_start", str(dbs[n]), cwd=str(ROOT))
            samples.setdefault(("cold_start", n), []).append(desk["start_to_paint"])
            samples.setdefault(("memory_home", n), []).append(desk["rss"] / 2**20)
            samples.setdefault(("peak_rss_to_exit", n), []).append(desk["peak_rss"] / 2**20)

    # 2. Pilot figures per database, in rounds that alternate the sizes; the raw SQL filter
    #    baseline right after each round on the same database.
    from . import baseline_sql

    rounds = 1 if runs < 4 else 2
    per_round = math.ceil(runs / rounds)
    for r in range(rounds):
        for n in sizes:
            log(f"desk figures at {n:,} claims (round {r + 1}/{rounds}) …")
            result = pilot(dbs[n], per_round, args.word)
            for name, values in result["samples"].items():
                samples.setdefault((name, n), []).extend(values)
            info.setdefault("pilot", {})[str(n)] = result["info"]
            raw = baseline_sql.measure(str(dbs[n]), args.word, per_round)
            base.setdefault(("raw_sql_filter", n), []).extend(raw["samples"])
            info.setdefault("raw_sql_filter_tab_total", {})[str(n)] = raw["tab_total"]

    # 3. The naive list (slow by design at 100k).
    for n in sizes:
        log(f"naive DataTable list at {n:,} claims ({naive_runs} run(s)) …")
        result = naive(dbs[n], naive_runs)
        base[("naive_list", n)] = result["samples"]
        info.setdefault("naive_list_rows", {})[str(n)] = result["rows"]

    # 4. Figures measured by the helpers other sessions wrote.
    helpers: dict = {}
    for n in sizes:
        log(f"analytics at {n:,} claims …")
        helpers[("analytics", n)] = helper("bench.analytics", str(dbs[n]))
    log(f"returns import of {import_rows:,} rows …")
    helpers[("import_returns", import_rows)] = helper("bench.import_returns", str(import_rows))
    log(f"safet notify on {args.notify_changes:,} pending changes …")
    helpers[("notify", args.notify_changes)] = helper("bench.notify", str(args.notify_changes), timeout=900)

    # -- results ------------------------------------------------------------------------
    results = []

    def entry(name, size, s, b, unit, baseline_name, note=""):
        ratio = s["median"] / b["median"] if s and b and b["median"] else None
        judged = size == largest or name in ("import_returns", "notify", "notify_memory")
        target = FIGURES[name][1]
        results.append({
            "name": name, "what": FIGURES[name][0], "size": size, "unit": unit,
            **({k: s[k] for k in ("runs", "min", "median", "max")} if s else
               {"runs": 0, "min": None, "median": None, "max": None}),
            "baseline": baseline_name,
            "baseline_min": b["min"] if b else None, "baseline_median": b["median"] if b else None,
            "baseline_max": b["max"] if b else None,
            "ratio": ratio, "target": target,
            "pass": (ratio is not None and ratio <= target) if judged else None,
            "note": note,
        })

    bare_t, bare_m = stats(base[("bare_start", 0)]), stats(base[("bare_rss", 0)])
    for n in sizes:
        entry("cold_start", n, stats(samples[("cold_start", n)]), bare_t, "s", "bare_start")
        for name in SIZE_RELATIVE:
            ref = stats(samples[(name, smallest)])
            note = "reference size" if n == smallest and len(sizes) > 1 else ""
            if len(sizes) == 1:
                note = "single size: compared with itself"
            entry(name, n, stats(samples[(name, n)]), ref, "s", f"{name}@{smallest}", note)
        entry("filter_fts", n, stats(samples[("filter_fts", n)]), stats(base[("raw_sql_filter", n)]), "s",
              "raw_sql_filter",
              f"keystroke to painted incl. 0.12 s debounce: median {statistics.median(samples[('filter_keystroke', n)]):.3f} s")
        msgs = info["pilot"][str(n)]
        entry("thread_open_200", n, stats(samples[("thread_open_200", n)]), stats(samples[("thread_open_5", n)]), "s",
              "thread_open_5", f"{msgs['thread_200_messages']} vs {msgs['thread_5_messages']} messages")
        got, why = helpers[("analytics", n)]
        if got:
            s = {"runs": 3, "min": None, "median": got["screen_fill_ms"] / 1000, "max": None}
            b = {"min": None, "median": got["baseline_ms"] / 1000, "max": None}
            entry("analytics", n, s, b, "s", "raw_sql_aggregates_plotext",
                  "medians of bench/analytics.py's own runs (min/max not reported)")
        else:
            entry("analytics", n, None, None, "s", "raw_sql_aggregates_plotext", why)
        entry("home_first_paint", n, stats(samples[("home_first_paint", n)]), stats(base[("naive_list", n)]), "s",
              "naive_list", f"naive list of {info['naive_list_rows'][str(n)]:,} rows")
        entry("memory_home", n, stats(samples[("memory_home", n)]), bare_m, "MiB", "bare_rss",
              f"peak RSS to exit: median {statistics.median(samples[('peak_rss_to_exit', n)]):.0f} MiB")
    got, why = helpers[("import_returns", import_rows)]
    if got:
        entry("import_returns", import_rows, {"runs": 1, "min": None, "median": got["import_seconds"], "max": None},
              {"min": None, "median": got["raw_seconds"], "max": None}, "s", "csv_executemany",
              f"{import_rows:,} rows, one run each")
    else:
        entry("import_returns", import_rows, None, None, "s", "csv_executemany", why)

    got, why = helpers[("notify", args.notify_changes)]
    n_changes = args.notify_changes
    if got:
        entry("notify", n_changes, {"runs": 1, "min": None, "median": got["notify_seconds"], "max": None},
              {"min": None, "median": got["baseline_seconds"], "max": None}, "s", "compose_loop",
              f"{n_changes:,} changes, {got['sent']:,} e-mails accepted by an aiosmtpd sink; one run each")
        entry("notify_memory", n_changes, {"runs": 1, "min": None, "median": got["notify_rss"] / 2**20, "max": None},
              {"min": None, "median": got["baseline_rss"] / 2**20, "max": None}, "MiB", "compose_loop_rss",
              "peak resident memory of each process")
    else:
        entry("notify", n_changes, None, None, "s", "compose_loop", why)
        entry("notify_memory", n_changes, None, None, "MiB", "compose_loop_rss", why)
    judged = [r for r in results if r["pass"] is not None]
    met = sum(1 for r in judged if r["pass"])
    elapsed = time.perf_counter() - started
    baselines = {f"{k[0]}@{k[1]}" if k[1] else k[0]: stats(v) for k, v in base.items()}
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sizes": sizes, "runs": runs, "quick": args.quick,
        "seed": args.seed, "word": args.word, "seconds": round(elapsed, 1), "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(), "targets_met": met, "targets": len(judged),
        "results": results, "baselines": baselines, "info": info,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print_table(results, baselines, elapsed, out)
    print(f"bench: {met} of {len(judged)} targets met")
    return 0


def fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.1f}ms" if value < 10 else f"{value:.1f}s"
    return f"{value:.0f}{unit}"


def print_table(results: list[dict], baselines: dict, elapsed: float, out: Path) -> None:
    head = ("figure", "size", "min", "median", "max", "baseline", "base med", "ratio", "target", "pass")
    rows = [head]
    for r in results:
        u = r["unit"]
        rows.append((r["name"], f"{r['size']:,}", fmt(r["min"], u), fmt(r["median"], u), fmt(r["max"], u),
                     r["baseline"], fmt(r["baseline_median"], u),
                     "—" if r["ratio"] is None else f"{r['ratio']:.2f}x", f"≤{r['target']}x",
                     {True: "PASS", False: "FAIL", None: ""}[r["pass"]]))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    for i, row in enumerate(rows):
        print("  ".join(str(c).ljust(w) if j in (0, 5) else str(c).rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    notes = [f"  {r['name']}@{r['size']:,}: {r['note']}" for r in results if r["note"]]
    if notes:
        print("notes:")
        print("\n".join(notes))
    print("baselines: " + ", ".join(f"{k} {fmt(v['median'], 'MiB' if 'rss' in k else 's')}"
                                    f" [{fmt(v['min'], 'MiB' if 'rss' in k else 's')}…"
                                    f"{fmt(v['max'], 'MiB' if 'rss' in k else 's')}]" for k, v in baselines.items()))
    print(f"results: {out} · {elapsed:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
