"""The analytics screen fill, two trees interleaved on one database (ratios in the same run).

    python -m bench.analytics_ab BEFORE_TREE AFTER_TREE DB [ROUNDS]

Each round runs a fresh process per tree (one warm-up fill, then two measured fills of
``bench.analytics._screen_fill`` at 160x45, period 12m). The claimable refunds' index
(``refund_claimable_file_by``) is dropped before the BEFORE tree's runs and created before the
AFTER tree's, so the before figures are those of a database without it. Prints the medians of
first paint, fill and worker query (ms) per tree, and the fill ratio after / before.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys

_CODE = """
import asyncio, json, sys
from bench.analytics import _screen_fill, _now_of
db = sys.argv[1]; now = _now_of(db)
asyncio.run(_screen_fill(db, now))
print(json.dumps([asyncio.run(_screen_fill(db, now)) for _ in range(2)]))
"""
_INDEX = ("CREATE INDEX IF NOT EXISTS refund_claimable_file_by"
          " ON refund (claim_id, not_claimable, file_by, account_id, currency, amount_minor)"
          " WHERE claim_id IS NULL AND not_claimable = ''")


def _index(db: str, on: bool) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute(_INDEX if on else "DROP INDEX IF EXISTS refund_claimable_file_by")
        con.commit()
    finally:
        con.close()


def main(before: str, after: str, db: str, rounds: int = 2) -> dict:
    runs: dict[str, list] = {"before": [], "after": []}
    for _ in range(rounds):
        for key, tree in (("before", before), ("after", after)):
            _index(db, key == "after")
            out = subprocess.run([sys.executable, "-c", _CODE, db], cwd=tree, env={"PYTHONPATH": tree},
                                 capture_output=True, text=True, check=True)
            runs[key] += json.loads(out.stdout.strip().splitlines()[-1])
    _index(db, True)
    report = {k: {name: round(statistics.median(r[i] for r in v), 1)
                  for i, name in enumerate(("first_paint_ms", "fill_ms", "query_ms"))} for k, v in runs.items()}
    report["fill_ratio"] = round(report["after"]["fill_ms"] / report["before"]["fill_ms"], 2)
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 2)))
