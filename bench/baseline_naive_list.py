"""Baseline "naive list": what a simple Textual app would do. On mount it reads every claim
of the largest tab with ``sqlite3`` and fills a stock DataTable with them (the same eight
columns as the desk's list), then paints.

    python -m bench.baseline_naive_list DB [--runs N]

Prints one JSON line: seconds from constructing the app to the first frame with the
table filled, per run, and the number of rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from .probe import probed

SIZE = (160, 45)
COLUMNS = ("Claim", "Order", "Product", "Reason", "Claimed", "Reimbursed", "Deadline", "Updated")


def largest_tab(db: str) -> tuple[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT status, COUNT(*) n FROM claim GROUP BY status ORDER BY n DESC LIMIT 1").fetchone()
    finally:
        con.close()


class NaiveList(App):
    def __init__(self, db: str, status: str) -> None:
        super().__init__()
        self.db = db
        self.status = status
        self.rows = -1

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        con = sqlite3.connect(self.db)
        rows = con.execute(
            "SELECT c.claim_no, c.order_id, COALESCE(p.sku, '') || ' · ' || COALESCE(p.title, ''), c.reason, "
            "c.claimed_minor, c.reimbursed_minor, c.currency, c.due_at, c.updated_at FROM claim c "
            "LEFT JOIN product p ON p.id = c.product_id WHERE c.status = ? ORDER BY c.due_at, c.id",
            (self.status,)).fetchall()
        con.close()
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows([
            (no, order, product, reason, f"{claimed / 100:,.2f} {cur}",
             "" if paid is None else f"{paid / 100:,.2f} {cur}",
             "" if due is None else datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d"),
             datetime.fromtimestamp(updated, UTC).strftime("%Y-%m-%d %H:%M"))
            for no, order, product, reason, claimed, paid, cur, due, updated in rows])
        self.rows = len(rows)


async def measure(db: str, runs: int) -> dict:
    status, n = largest_tab(db)
    App = probed(NaiveList)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        app = App(db, status)
        waiter = app.probe.expect(lambda app=app: app.rows >= 0 and app.query_one(DataTable).row_count == app.rows)
        async with app.run_test(size=SIZE):
            samples.append(await waiter.wait(timeout=600) - t0)
    return {"samples": samples, "rows": n, "tab": status}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.db, args.runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
