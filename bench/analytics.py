"""Analytics timings: the aggregates, the screen fill, and a raw baseline.

``measure(db_path)`` returns milliseconds (medians of a few runs):

- ``aggregates_ms``: ``Desk.analytics("12m")`` (every SQL aggregate of the dashboard);
- ``screen_fill_ms``: a headless app at 160x45 pushes AnalyticsScreen until the
  figures and charts are on screen (worker done, plots rendered);
- ``first_paint_ms``: push to the screen's first frame (before the figures: the UI never waits);
- ``baseline_ms``: the floor — raw ``sqlite3`` GROUP BY queries for the same figures
  plus building the same six plotext charts without Textual;
- ``ratio``: screen_fill_ms / baseline_ms.

Run: ``python bench/analytics.py [DB]`` (default /tmp/d100k.db).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

RUNS = 3


def _median(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _now_of(db_path: str) -> datetime:
    con = sqlite3.connect(db_path)
    try:
        (latest,) = con.execute("SELECT MAX(filed_at) FROM claim").fetchone()
    finally:
        con.close()
    return datetime.fromtimestamp(latest or time.time(), UTC) + timedelta(hours=1)


def baseline(db_path: str, now: datetime) -> float:
    """Raw sqlite3 aggregates (12 months) + plotext builds of the same charts, in ms."""
    import plotext  # noqa: F401  (import cost is not part of a build)
    from textual_plotext.plot import Plot

    start = int((now - timedelta(days=365)).timestamp())
    end = int(now.timestamp()) + 1
    con = sqlite3.connect(db_path)
    try:
        t = time.perf_counter()
        w = "c.filed_at >= ? AND c.filed_at < ?"
        p = (start, end)
        by_reason = con.execute(
            "SELECT c.currency, c.reason, COUNT(*), SUM(c.claimed_minor),"
            " SUM(c.status <> 'resolved'), SUM(c.status = 'resolved'),"
            " SUM(c.outcome = 'grant_full'), SUM(c.outcome = 'grant_partial'), SUM(c.outcome = 'no_grant'),"
            " SUM(CASE WHEN c.status = 'resolved' THEN c.claimed_minor END),"
            " SUM(CASE WHEN c.status = 'resolved' THEN c.reimbursed_minor END),"
            " SUM(c.appeal_used), SUM(c.appeal_decided)"
            f" FROM claim c WHERE {w} GROUP BY 1, 2", p).fetchall()
        con.execute(
            f"WITH d AS (SELECT c.changed_at - c.filed_at s FROM claim c WHERE {w} AND c.status = 'resolved'),"
            " o AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) rn, COUNT(*) OVER () n FROM d)"
            " SELECT AVG(s) FROM o WHERE rn IN ((n + 1) / 2, (n + 2) / 2)", p).fetchall()
        con.execute("SELECT currency, COUNT(*), SUM(claimed_minor) FROM claim"
                    " WHERE status IN ('awaiting', 'investigating') GROUP BY 1").fetchall()
        con.execute("SELECT currency, COUNT(*), SUM(amount_minor) FROM refund WHERE claim_id IS NULL"
                    " AND file_by < ? GROUP BY 1", (end,)).fetchall()
        months = con.execute(f"SELECT c.filed_at / 86400, COUNT(*) FROM claim c WHERE {w} GROUP BY 1", p).fetchall()
        con.execute("SELECT changed_at / 86400, currency, SUM(reimbursed_minor) FROM claim c WHERE"
                    f" status = 'resolved' AND reimbursed_minor > 0 AND {w.replace('filed_at', 'changed_at')}"
                    " GROUP BY 1, 2", p).fetchall()
        denials = con.execute(f"SELECT denial_reason, COUNT(*) FROM claim c WHERE {w} AND outcome = 'no_grant'"
                              " GROUP BY 1 ORDER BY 2 DESC", p).fetchall()
        products = con.execute(f"SELECT product_id, COUNT(*), SUM(claimed_minor) FROM claim c WHERE {w}"
                               " GROUP BY 1 ORDER BY 2 DESC LIMIT 10", p).fetchall()
        sql_ms = (time.perf_counter() - t) * 1000
    finally:
        con.close()

    t = time.perf_counter()
    monthly: dict[int, int] = {}
    for day, n in months:
        key = datetime.fromtimestamp(day * 86400, UTC)
        monthly[key.year * 12 + key.month] = monthly.get(key.year * 12 + key.month, 0) + n
    charts = [
        ("v", list(range(1, len(monthly) + 1)), list(monthly.values())),
        ("v", list(range(1, len(monthly) + 1)), list(monthly.values())),
        ("h", list(range(1, 9)), [r[2] for r in by_reason[:8]]),
        ("h", list(range(1, len(denials) + 1)), [r[1] for r in denials]),
        ("h", list(range(1, len(products) + 1)), [r[1] for r in products]),
        ("h", list(range(1, 9)), [50 for _ in range(8)]),
    ]
    for orientation, x, y in charts:
        plt = Plot()
        plt.plotsize(90, 12)
        plt._set_size(90, 12)
        plt.bar(x, y, orientation="horizontal" if orientation == "h" else "vertical")
        plt.title("baseline")
        plt.build()
    plot_ms = (time.perf_counter() - t) * 1000
    return sql_ms + plot_ms


async def _screen_fill(db_path: str, now: datetime, size=(160, 45)) -> tuple[float, float, float]:
    from textual.app import App

    from safet_tui.domain.clock import FixedClock
    from safet_tui.screens.analytics import AnalyticsScreen
    from safet_tui.service.desk import Desk

    class Host(App):
        def on_mount(self) -> None:
            self.desk = Desk(db_path, clock=FixedClock(now), user="bench")

    app = Host()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = AnalyticsScreen(app.desk, period="12m")
        t = screen._created_at
        app.push_screen(screen)
        await app.workers.wait_for_complete()
        while screen.result is None:  # the worker hands over through call_from_thread
            await pilot.pause(0.005)
        await pilot.pause()
        fill = (time.perf_counter() - t) * 1000
        query_ms = screen.query_ms or 0.0
        first_paint = screen.first_paint_ms or 0.0
        app.desk.close()
    return first_paint, fill, query_ms


def measure(db_path: str) -> dict:
    from safet_tui.domain.clock import FixedClock
    from safet_tui.service.desk import Desk

    now = _now_of(db_path)
    desk = Desk(db_path, clock=FixedClock(now), user="bench")
    try:
        claims = desk.database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]
        aggregates = _median(lambda: desk.analytics("12m"))
        aggregates_all = _median(lambda: desk.analytics("all"))
        aggregates_30d = _median(lambda: desk.analytics("30d"))
    finally:
        desk.close()
    fills = [asyncio.run(_screen_fill(db_path, now)) for _ in range(RUNS)]
    first_paint = statistics.median(f[0] for f in fills)
    fill = statistics.median(f[1] for f in fills)
    worker_query = statistics.median(f[2] for f in fills)
    base = _median(lambda: baseline(db_path, now))
    return {
        "claims": claims,
        "period": "12m",
        "aggregates_ms": round(aggregates, 1),
        "aggregates_all_ms": round(aggregates_all, 1),
        "aggregates_30d_ms": round(aggregates_30d, 1),
        "screen_first_paint_ms": round(first_paint, 1),
        "screen_fill_ms": round(fill, 1),
        "screen_worker_query_ms": round(worker_query, 1),
        "baseline_ms": round(base, 1),
        "ratio": round(fill / base, 2) if base else None,
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1] if len(sys.argv) > 1 else "/tmp/d100k.db"), indent=2))
