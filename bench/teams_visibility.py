"""What limiting a seller to their accounts costs the list (issue 13): counts and windows of
``ListQueries`` for every account and for one account, on a demo database opened read-only.

    PYTHONPATH=. .venv/bin/python bench/teams_visibility.py bench/data/demo-100000-s7.db

Prints medians in ms and each limited figure as a ratio to the same figure for every account,
measured in the same run (the machine is shared: ratios are steadier than times).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime

import peewee as pw

from safet_tui.service.queries import Filter, ListQueries
from safet_tui.service.visibility import EVERYTHING, Visibility
from safet_tui.transactions import bound

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def median_ms(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(path: str) -> None:
    db = pw.SqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas={"query_only": 1})
    with bound(db):
        horizon = int((db.execute_sql("SELECT value FROM meta WHERE key = 'unread_horizon'").fetchone() or [0])[0])
        sizes = db.execute_sql("SELECT a.name, COUNT(*) FROM claim c JOIN account a ON a.id = c.account_id "
                               "GROUP BY a.name ORDER BY 2").fetchall()
        print("claims per account:", ", ".join(f"{name} {n:,}" for name, n in sizes))
        cases = {"counts": lambda q: q.counts(), "window 0": lambda q: q.window("resolved", 0, 50),
                 "window @20000": lambda q: q.window("resolved", 20_000, 50),
                 "filter": lambda q: q.window("resolved", 0, 50, flt=Filter("brick"))}
        base = {k: median_ms(lambda f=f: f(ListQueries("sam", NOW, horizon, EVERYTHING))) for k, f in cases.items()}
        print(f"{'every account':28}" + "".join(f"{k} {v:7.1f} ms   " for k, v in base.items()))
        for name, _n in sizes:
            q = ListQueries("sam", NOW, horizon, Visibility((name,)))
            line = "".join(f"{k} {median_ms(lambda f=f, q=q: f(q)) / base[k]:5.1f}x   " for k, f in cases.items())
            print(f"{'only ' + name:28}{line}")


if __name__ == "__main__":
    main(sys.argv[1])
