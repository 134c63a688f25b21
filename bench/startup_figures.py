"""The navigation figures of issue 15 (tab switch, cursor, page down, ``G``, ``g``, opening a thread),
Pilot-driven like bench/desk_figures.py, with the desk's clock stopped at the process's start:
on a big demo database deadlines pass every few seconds, and each one that passes changes a tab
(its total moves under the ``G`` being timed).

    python -m bench.startup_figures DB [DB ...] --runs 3

Each database in its own process (heaps do not mix), one after the other; prints medians in ms
and each figure's ratio to the same at the first database; the last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .desk_figures import SIZE, settle
from .probe import home_ready, list_ready, probed

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("home_first_paint", "tab_switch", "cursor_down", "page_down", "jump_last", "jump_first",
           "jump_last_updated", "thread_open_5", "thread_open_200")


def thread_claims(desk) -> dict[int, tuple[str, int]]:
    """Claims whose thread is nearest 5 and 200 messages, among the 3,000 newest (a full GROUP BY
    over ten million messages takes longer than the figures)."""
    rows = desk.database.execute_sql(
        "SELECT c.claim_no, (SELECT COUNT(*) FROM message m WHERE m.claim_id = c.id) FROM claim c "
        "ORDER BY c.id DESC LIMIT 3000").fetchall()
    return {want: min(rows, key=lambda r: (abs(r[1] - want), r[0])) for want in (5, 200)}


async def measure(db: str, runs: int) -> dict:
    from safet_tui.app import SafetApp
    from safet_tui.config import Config
    from safet_tui.domain.clock import FixedClock
    from safet_tui.screens.thread import ThreadScreen
    from safet_tui.service.desk import Desk

    App = probed(SafetApp)
    desk = Desk(db, user="bench", clock=FixedClock(datetime.now(UTC)))
    samples: dict[str, list[float]] = {k: [] for k in FIGURES}
    info: dict = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        app = App(desk, Config())
        waiter = app.probe.expect(lambda app=app: home_ready(app))
        async with app.run_test(size=SIZE) as pilot:
            samples["home_first_paint"].append(await waiter.wait() - t0)
            await settle(app, pilot)

    app = App(desk, Config())
    ready = app.probe.expect(lambda: home_ready(app))
    async with app.run_test(size=SIZE) as pilot:
        await ready.wait()
        await settle(app, pilot)
        cl = app.screen.claim_list

        async def timed(key: str, condition) -> float:
            waiter = app.probe.expect(condition)
            t0 = time.perf_counter()
            await pilot.press(key)
            t = await waiter.wait() - t0
            await settle(app, pilot)
            return t

        for _ in range(runs):
            await pilot.press("1")
            await settle(app, pilot)
            samples["tab_switch"].append(await timed("3", lambda: cl.tab == "resolved" and list_ready(cl)))
            c = cl.cursor
            samples["cursor_down"].append(await timed("j", lambda c=c: cl.cursor == c + 1 and list_ready(cl)))
            c = cl.cursor
            samples["page_down"].append(await timed("pagedown", lambda c=c: cl.cursor > c + 1 and list_ready(cl)))
            samples["jump_last"].append(await timed("G", lambda: cl.cursor == cl.total - 1 and list_ready(cl)))
            samples["jump_first"].append(await timed("g", lambda: cl.cursor == 0 and list_ready(cl)))
            await pilot.press("s")  # deadline -> updated
            await settle(app, pilot)
            samples["jump_last_updated"].append(await timed("G", lambda: cl.cursor == cl.total - 1 and list_ready(cl)))
            for _ in range(3):  # back to the deadline sort
                await pilot.press("s")
            await settle(app, pilot)
        info["resolved_rows"] = cl.total

        for want, (claim_no, n) in thread_claims(desk).items():
            info[f"thread_{want}_messages"] = n
            for _ in range(runs):
                waiter = app.probe.expect(
                    lambda c=claim_no: isinstance(app.screen, ThreadScreen) and app.screen.claim_no == c
                    and app.screen.view is not None)
                t0 = time.perf_counter()
                app.open_thread(claim_no)
                samples[f"thread_open_{want}"].append(await waiter.wait() - t0)
                await settle(app, pilot)
                app.pop_screen()
                await settle(app, pilot)
    desk.close()
    return {"samples": samples, "info": info}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dbs", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child: one database
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.dbs[0], args.runs))))
        return 0
    results = {}
    for db in args.dbs:
        out = subprocess.run([sys.executable, "-m", "bench.startup_figures", db, "--runs", str(args.runs), "--one"],
                             capture_output=True, text=True, cwd=ROOT, timeout=3600)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode or not lines:
            print(f"{db}: failed: {out.stderr.strip()[-1500:]}", file=sys.stderr)
            return 1
        results[db] = json.loads(lines[-1])
    ref = args.dbs[0]
    med = {db: {k: statistics.median(v) for k, v in r["samples"].items() if v} for db, r in results.items()}
    print(f"{'figure':18s}" + "".join(f"{Path(db).name:>22s}" for db in args.dbs))
    for name in FIGURES:
        cells = "".join(f"{med[db][name] * 1000:9.1f} ms ({med[db][name] / med[ref][name]:4.2f}x)"
                        for db in args.dbs)
        print(f"{name:18s}{cells}")
    print(json.dumps({"medians_s": med, "info": {db: r["info"] for db, r in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
