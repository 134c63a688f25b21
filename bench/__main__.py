"""The benchmark suite: ``python -m bench`` (``make bench``).

Builds or reuses seeded demo databases (``safet demo``) in bench/data, measures every
figure at each size, several runs each, with its baseline measured in the same run
(interleaved where it can be), prints how each figure grows from the smallest size to the
largest, and writes bench/results/latest.json plus a table ending with
``bench: N of M targets met`` (bench/targets.py says what each figure is judged against).

    python -m bench                      # 1k, 100k and 1M claims, 5 runs
    python -m bench --sizes 1000,100000 --runs 3
    python -m bench --quick --sizes 200  # the smoke test: one run of everything

A demo database is rebuilt (and its build timed) when the code that makes it changed since it was
built: the demo generator, the schema or the migrations (a fingerprint beside it says which).
"""

from __future__ import annotations

import argparse
import hashlib
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
from .report import print_curve, print_targets
from .targets import FIGURES, REFERENCE_MAX, SIZE_RELATIVE, judged_size, verdict

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def stats(samples: list[float]) -> dict:
    return {"runs": len(samples), "min": min(samples), "median": statistics.median(samples), "max": max(samples)}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- databases -------------------------------------------------------------------------------
def demo_fingerprint() -> str:
    """The code a demo database is made of: the generator, the schema and the migrations."""
    digest = hashlib.sha256()
    pkg = ROOT / "safet_tui"
    for path in sorted([*(pkg / "demo").rglob("*.py"), pkg / "db.py", *(pkg / "migrations").rglob("*.py")]):
        digest.update(path.relative_to(pkg).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{path}.attachments", ignore_errors=True)


def demo_db(data: Path, claims: int, seed: int) -> tuple[Path, dict]:
    """The demo database for (claims, seed), built with ``safet demo`` unless one made by the same
    code exists; and how it was built: {"seconds", "fingerprint", "built", "fresh"}."""
    path = data / f"demo-{claims}-s{seed}.db"
    card = data / f"demo-{claims}-s{seed}.json"
    fingerprint = demo_fingerprint()
    if path.exists() and card.exists():
        built = json.loads(card.read_text())
        if built.get("fingerprint") == fingerprint:
            return path, {**built, "fresh": False}
        log(f"{path.name} was made by other code ({built.get('fingerprint')} vs {fingerprint}): rebuilding")
    data.mkdir(parents=True, exist_ok=True)
    part = data / f"build-{claims}-s{seed}.db"
    remove_db(part)
    log(f"building the {claims:,}-claim demo database (seed {seed}) with safet demo …")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "safet_tui", "demo", "--db", str(part), "--claims", str(claims),
                    "--seed", str(seed)], check=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    remove_db(path)
    os.replace(f"{part}.attachments", f"{path}.attachments")
    os.replace(part, path)  # last: a database file that exists is complete
    built = {"seconds": round(seconds, 1), "fingerprint": fingerprint, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    card.write_text(json.dumps(built))
    return path, {**built, "fresh": True}


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


def pilot(db: Path | str, runs: int, word: str) -> dict:
    """The Pilot figures of one database: bench/desk_figures.py (start, tabs, cursor, threads) and
    bench/filter_figures.py (the filter), each in its own process; their samples and info merged."""
    merged: dict = {"samples": {}, "info": {}}
    for module in ("bench.desk_figures", "bench.filter_figures"):
        out = subprocess.run([sys.executable, "-m", module, str(db), "--runs", str(runs), "--word", word],
                             capture_output=True, text=True, cwd=ROOT, timeout=1800)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode or not lines:
            raise RuntimeError(f"{module} failed on {db}: {out.stderr.strip()[-1500:]}")
        got = json.loads(lines[-1])
        merged["samples"].update(got["samples"])
        merged["info"].update(got["info"])
    return merged


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
    parser.add_argument("--sizes", default="1000,100000,1000000", help="claims per demo database, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--naive-runs", type=int, default=2,
                        help=f"runs of the naive DataTable list, at sizes up to {REFERENCE_MAX:,} (default 2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--word", default="warehouse", help="filter word (in ~3%% of messages)")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--notify-changes", type=int, default=10_000,
                        help="pending status changes safet notify sends (default 10,000)")
    parser.add_argument("--quick", action="store_true",
                        help="one run of everything at the smallest size, small import (smoke test)")
    parser.add_argument("--data-dir", default=str(HERE / "data"))
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    # byte-compiled once, as an installed package is: a checkout run with PYTHONDONTWRITEBYTECODE
    # would compile ~70 modules in every cold start (70-80 ms of it)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "safet_tui")], check=False, cwd=ROOT)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    runs, naive_runs, import_rows = args.runs, min(args.naive_runs, args.runs), args.import_rows
    if args.quick:
        sizes, runs, naive_runs, import_rows = sizes[:1], 1, 1, min(import_rows, 2000)
        args.notify_changes = min(args.notify_changes, 200)
    data = Path(args.data_dir)
    dbs: dict[int, Path] = {}
    builds: dict[int, dict] = {}
    for n in sizes:
        dbs[n], builds[n] = demo_db(data, n, args.seed)
    smallest, largest = sizes[0], sizes[-1]

    samples: dict[tuple[str, int], list[float]] = {}
    base: dict[tuple[str, int], list[float]] = {}
    info: dict = {"demo_build": {str(n): builds[n] for n in sizes},
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

    # 2. Pilot figures per database, in rounds that alternate the sizes.
    rounds = 1 if runs < 4 else 2
    per_round = math.ceil(runs / rounds)
    for r in range(rounds):
        for n in sizes:
            log(f"desk figures at {n:,} claims (round {r + 1}/{rounds}) …")
            result = pilot(dbs[n], per_round, args.word)
            for name, values in result["samples"].items():
                samples.setdefault((name, n), []).extend(values)
            info.setdefault("pilot", {})[str(n)] = result["info"]

    # 3. The naive list (slow by design: built only up to REFERENCE_MAX claims).
    for n in sizes:
        if n > REFERENCE_MAX:
            continue
        log(f"naive DataTable list at {n:,} claims ({naive_runs} run(s)) …")
        result = naive(dbs[n], naive_runs)
        base[("naive_list", n)] = result["samples"]
        info.setdefault("naive_list_rows", {})[str(n)] = result["rows"]

    # 4. Figures measured by helper modules in their own processes.
    helpers: dict = {}
    for n in sizes:
        log(f"analytics at {n:,} claims …")
        helpers[("analytics", n)] = helper("bench.analytics", str(dbs[n]))
    log(f"returns import of {import_rows:,} rows …")
    helpers[("import_returns", import_rows)] = helper("bench.import_returns", str(import_rows), timeout=1800)
    log(f"safet notify on {args.notify_changes:,} pending changes …")
    helpers[("notify", args.notify_changes)] = helper("bench.notify", str(args.notify_changes), timeout=900)

    # -- results ------------------------------------------------------------------------
    results: list[dict] = []
    curve: dict[str, dict[int, float]] = {}

    def entry(name, size, s, b, baseline_name, note="", sizes_judged=sizes):
        ratio, passed = verdict(name, s["median"] if s else None, b["median"] if b else None)
        judged = judged_size(name, size, sizes_judged)
        results.append({
            "name": name, "what": FIGURES[name].what, "size": size, "unit": FIGURES[name].unit,
            **({k: s[k] for k in ("runs", "min", "median", "max")} if s else
               {"runs": 0, "min": None, "median": None, "max": None}),
            "baseline": baseline_name,
            "baseline_min": b["min"] if b else None, "baseline_median": b["median"] if b else None,
            "baseline_max": b["max"] if b else None,
            "ratio": ratio, "target": FIGURES[name].target, "pass": passed if judged else None,
            "note": note,
        })

    def series(name: str, n: int) -> dict | None:
        values = samples.get((name, n))
        if values:
            curve.setdefault(name, {})[n] = statistics.median(values)
        return stats(values) if values else None

    bare_t, bare_m = stats(base[("bare_start", 0)]), stats(base[("bare_rss", 0)])
    for n in sizes:
        entry("cold_start", n, series("cold_start", n), bare_t, "bare_start")
        entry("memory_home", n, series("memory_home", n), bare_m, "bare_rss",
              f"peak RSS to exit: median {statistics.median(samples[('peak_rss_to_exit', n)]):.0f} MiB")
        for name in SIZE_RELATIVE:
            note = "reference size" if n == smallest and len(sizes) > 1 else ""
            if len(sizes) == 1:
                note = "single size: compared with itself"
            if name.startswith("thread_open"):
                note += f"{'; ' if note else ''}{info['pilot'][str(n)].get(name.replace('open_', '') + '_messages', '?')}" \
                        " messages"
            entry(name, n, series(name, n), stats(samples[(name, smallest)]), f"{name}@{smallest:,}", note)
        for name in ("filter_clear", "filter_prefix_keystroke", "filter_all_tabs"):
            series(name, n)
        texts = info["pilot"][str(n)].get("texts", {})
        every = samples.get(("filter_all_tabs", n))
        entry("filter_keystroke", n, series("filter_keystroke", n), None, "absolute",
              f"'{texts.get('word', args.word)}' in messages, {info['pilot'][str(n)].get('word_matches', '?')} listed"
              f" (capped at 1,000); every tab counted: {statistics.median(every) * 1000:.0f} ms" if every else "")
        order = samples.get(("filter_order_keystroke", n))
        prefix = samples.get(("filter_prefix_keystroke", n))
        entry("filter_order_keystroke", n, series("filter_order_keystroke", n), None, "absolute",
              f"order id {texts.get('order', '?')}; its first 8 characters:"
              f" {statistics.median(prefix) * 1000:.0f} ms" if order and prefix else
              "not measured: bench/filter_figures.py gave no filter_order_keystroke")
        got, why = helpers[("analytics", n)]
        if got:
            curve.setdefault("analytics", {})[n] = got["screen_fill_ms"] / 1000
            entry("analytics", n, {"runs": 3, "min": None, "median": got["screen_fill_ms"] / 1000, "max": None},
                  {"min": None, "median": got["baseline_ms"] / 1000, "max": None}, "raw_sql_aggregates_plotext",
                  f"medians of bench/analytics.py's runs; the full GROUP BYs + plotext floor is"
                  f" {got['baseline_ms'] / 1000:.2f} s")
        else:
            entry("analytics", n, None, None, "absolute", why)
        if ("naive_list", n) in base:
            entry("home_first_paint", n, series("home_first_paint", n), stats(base[("naive_list", n)]),
                  "naive_list", f"naive list of {info['naive_list_rows'][str(n)]:,} rows")
        else:
            series("home_first_paint", n)
    build = builds[largest]
    if build.get("seconds"):
        when = "built in this run" if build["fresh"] else f"built {build['built']} by the same code ({build['fingerprint']})"
        entry("demo_build", largest, {"runs": 1, "min": None, "median": build["seconds"], "max": None}, None,
              "absolute", f"safet demo --claims {largest:,}: {when}")
    else:
        entry("demo_build", largest, None, None, "absolute", "not measured: no build record beside the database")
    got, why = helpers[("import_returns", import_rows)]
    if got:
        entry("import_returns", import_rows, {"runs": 1, "min": None, "median": got["import_seconds"], "max": None},
              {"min": None, "median": got["raw_seconds"], "max": None}, "csv_executemany",
              f"{import_rows:,} rows, one run each")
    else:
        entry("import_returns", import_rows, None, None, "csv_executemany", why)

    got, why = helpers[("notify", args.notify_changes)]
    n_changes = args.notify_changes
    if got:
        entry("notify", n_changes, {"runs": 1, "min": None, "median": got["notify_seconds"], "max": None},
              {"min": None, "median": got["baseline_seconds"], "max": None}, "compose_loop",
              f"{n_changes:,} changes, {got['sent']:,} e-mails accepted by an aiosmtpd sink; one run each")
        entry("notify_memory", n_changes, {"runs": 1, "min": None, "median": got["notify_rss"] / 2**20, "max": None},
              {"min": None, "median": got["baseline_rss"] / 2**20, "max": None}, "compose_loop_rss",
              "peak resident memory of each process")
    else:
        entry("notify", n_changes, None, None, "compose_loop", why)
        entry("notify_memory", n_changes, None, None, "compose_loop_rss", why)
    judged = [r for r in results if judged_size(r["name"], r["size"], sizes)]
    met = sum(1 for r in judged if r["pass"])
    elapsed = time.perf_counter() - started
    baselines = {f"{k[0]}@{k[1]}" if k[1] else k[0]: stats(v) for k, v in base.items()}
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sizes": sizes, "runs": runs, "quick": args.quick,
        "seed": args.seed, "word": args.word, "seconds": round(elapsed, 1), "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(), "targets_met": met, "targets": len(judged),
        "curve": {name: {str(n): v for n, v in per.items()} for name, per in curve.items()},
        "results": results, "baselines": baselines, "info": info,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print_curve(curve, sizes)
    print_targets(results, baselines, elapsed, out)
    print(f"bench: {met} of {len(judged)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
