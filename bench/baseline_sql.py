"""Baseline "raw SQL" for the filter: what the desk needs to show filtered results, asked
of SQLite directly with the ``sqlite3`` module (no ORM, no threads, no rows as objects):

1. the tab totals and unread counts over the matching claims (one GROUP BY),
2. the claimable refunds that match (one COUNT),
3. the first 100 rows of the current tab in deadline order (one query).

The filter is the desk's: claim id, order id, SKU/ASIN/title LIKE, or message text through
FTS5 (``"word"*``), as one set of claim ids. Run in-process by the suite on a fresh
connection, interleaved with the desk's runs.
"""

from __future__ import annotations

import sqlite3
import time

ESC = "ESCAPE '\\'"
CLAIMS = (
    f"SELECT id FROM claim WHERE claim_no LIKE :like {ESC} UNION ALL "
    f"SELECT id FROM claim WHERE order_id LIKE :like {ESC} UNION ALL "
    f"SELECT id FROM claim WHERE product_id IN (SELECT id FROM product WHERE sku LIKE :like {ESC} "
    f"OR asin LIKE :like {ESC} OR title LIKE :like {ESC}) UNION ALL "
    "SELECT m.claim_id FROM message m WHERE m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH :match)"
)
COUNTS = (
    "SELECT c.status, COUNT(*), SUM(CASE WHEN c.changed_at > COALESCE(r.seen_at, :horizon) THEN 1 ELSE 0 END) "
    "FROM claim c LEFT JOIN read_mark r ON r.claim_id = c.id AND r.user = :user "
    f"WHERE c.id IN ({CLAIMS}) GROUP BY c.status"
)
CLAIMABLE = (
    "SELECT COUNT(*) FROM refund f WHERE f.claim_id IS NULL AND f.file_by >= :now AND "
    f"(f.order_id LIKE :like {ESC} OR f.product_id IN (SELECT id FROM product WHERE sku LIKE :like {ESC} "
    f"OR asin LIKE :like {ESC} OR title LIKE :like {ESC}))"
)
PAGE = (
    "SELECT c.id, c.claim_no, c.order_id, p.sku, p.title, c.reason, c.claimed_minor, c.reimbursed_minor, "
    "c.currency, c.due_at, c.updated_at, c.status, c.outcome, "
    "c.changed_at > COALESCE(r.seen_at, :horizon), a.marketplace "
    "FROM claim c JOIN account a ON a.id = c.account_id LEFT JOIN product p ON p.id = c.product_id "
    "LEFT JOIN read_mark r ON r.claim_id = c.id AND r.user = :user "
    f"WHERE c.status = :tab AND c.id IN ({CLAIMS}) "
    "ORDER BY CASE WHEN c.due_at IS NULL THEN 2 WHEN c.due_at >= :now THEN 0 ELSE 1 END, "
    "CASE WHEN c.due_at >= :now THEN c.due_at END, CASE WHEN c.due_at < :now THEN c.due_at END DESC, "
    "CASE WHEN c.due_at >= :now THEN c.id END, c.id DESC LIMIT 100"
)


def fts_query(text: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return " ".join(f'"{w}"*' for w in words)


def filtered(con: sqlite3.Connection, word: str, tab: str, user: str, now: int) -> tuple[dict, int, list]:
    horizon = int(con.execute("SELECT value FROM meta WHERE key = 'unread_horizon'").fetchone()[0])
    like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    args = {"like": like, "match": fts_query(word), "horizon": horizon, "user": user, "now": now, "tab": tab}
    counts = {status: (n, unread) for status, n, unread in con.execute(COUNTS, args)}
    claimable = con.execute(CLAIMABLE, args).fetchone()[0]
    rows = con.execute(PAGE, args).fetchall()
    return counts, claimable, rows


def measure(db: str, word: str, runs: int, tab: str = "awaiting", user: str = "bench") -> dict:
    """Seconds per run (a fresh connection each run, as a worker thread gets), and the result."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con = sqlite3.connect(db)
        result = filtered(con, word, tab, user, int(time.time()))
        con.close()
        samples.append(time.perf_counter() - t0)
    counts, claimable, rows = result
    return {"samples": samples, "tab_total": counts.get(tab, (0, 0))[0], "keys": [r[0] for r in rows]}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "warehouse", 3), default=str)[:400])
