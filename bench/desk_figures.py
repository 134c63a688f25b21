"""The desk's interactive figures, Pilot-driven (``App.run_test()``), for one database.

    python -m bench.desk_figures DB --runs N --word WORD [--naive]

Each figure is the time from the action (key press, app start, screen push) to the
first frame painted with its result (see bench/probe.py). Prints one JSON line of
samples in seconds. Run in its own process per database, so heaps do not mix.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from .probe import home_ready, list_ready, probed

SIZE = (160, 45)
HOME_RUNS_CAP = 5


def thread_claims(desk) -> dict[int, tuple[str, int]]:
    """The claims whose thread length is nearest to 5 and to 200 messages (SQLite or PostgreSQL)."""
    rows = desk.database.execute_sql(
        "SELECT c.claim_no, n FROM (SELECT claim_id, COUNT(*) n FROM message GROUP BY claim_id) m "
        "JOIN claim c ON c.id = m.claim_id").fetchall()
    out = {}
    for want in (5, 200):
        claim_no, n = min(rows, key=lambda r: (abs(r[1] - want), r[0]))
        out[want] = (claim_no, n)
    return out


async def settle(app, pilot) -> None:
    """Let the preview timer, workers and refreshes finish before the next action."""
    await _workers_done(app)
    await pilot.pause(0.12)
    await _workers_done(app)
    await pilot.pause()


async def _workers_done(app) -> None:
    """Every worker finished; one replaced by a newer one (an exclusive worker) counts as finished."""
    from textual.worker import WorkerCancelled, WorkerFailed

    while any(not w.is_finished for w in app.workers):
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            continue


async def measure(db: str, runs: int, word: str) -> dict:
    from safet_tui.app import SafetApp
    from safet_tui.config import Config
    from safet_tui.screens.thread import ThreadScreen
    from safet_tui.service.desk import Desk

    App = probed(SafetApp)
    from datetime import UTC, datetime

    from safet_tui.domain.clock import FixedClock

    # the clock stopped at the start: on a large demo a deadline passes every few seconds, moving
    # a tab's total under a timed G (which then waits for a row that is no longer the last)
    desk = Desk(db, user="bench", clock=FixedClock(datetime.now(UTC)))
    samples: dict[str, list[float]] = {k: [] for k in (
        "home_first_paint", "tab_switch", "cursor_down", "page_down", "jump_last",
        "thread_open_5", "thread_open_200")}
    info: dict = {}

    # Home screen first paint: a new app each run, from constructing it to the first frame
    # with the tab counts and every visible row.
    for _ in range(min(runs, HOME_RUNS_CAP)):
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
        home = app.screen
        cl = home.claim_list

        async def timed(key: str, condition) -> float:
            waiter = app.probe.expect(condition)
            t0 = time.perf_counter()
            await pilot.press(key)
            t = await waiter.wait() - t0
            await settle(app, pilot)
            return t

        for _ in range(runs):
            # Each round starts on tab 1 with a fresh list (no cached pages), as after start-up.
            await pilot.press("1")
            await settle(app, pilot)
            samples["tab_switch"].append(await timed("3", lambda: cl.tab == "resolved" and list_ready(cl)))
            c = cl.cursor
            samples["cursor_down"].append(await timed("j", lambda c=c: cl.cursor == c + 1 and list_ready(cl)))
            c = cl.cursor
            samples["page_down"].append(await timed("pagedown", lambda c=c: cl.cursor > c + 1 and list_ready(cl)))
            samples["jump_last"].append(await timed("G", lambda: cl.cursor == cl.total - 1 and list_ready(cl)))
        info["resolved_rows"] = cl.total

        # Open a thread: from the push to the first frame showing its messages.
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
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--word", default="warehouse")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.db, args.runs, args.word))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
