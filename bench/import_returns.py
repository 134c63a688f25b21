"""Benchmark: a returns report through ``safet import returns`` vs a raw csv + sqlite3 load.

    python bench/import_returns.py [ROWS ...] [--repeat N]     (e.g. 100000 1000000 --repeat 3)

``measure(rows=100_000, repeat=1) -> dict`` generates the report in a temporary
directory (90% claimable refunds, 10% rows with a SAFE-T claim in every
state, ~500 SKUs), imports it into an empty database with ``run_import``
(parse, checks, policy deadlines, the lifecycle, one transaction), and times the
floor for the same file: ``csv.reader`` + ``sqlite3`` ``executemany`` of the
same columns' raw cells into the same tables, with the same indexes
(:func:`raw_baseline`). Issue 15's target: the import within 2x the raw load.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HEADER = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\tAmazon RMA ID\tMerchant RMA ID\tLabel type\t"
    "Label cost\tCurrency code\tReturn carrier\tTracking ID\tLabel to be paid by\tA-to-Z Claim\tIs prime\tASIN\t"
    "Merchant SKU\tItem Name\tReturn quantity\tReturn Reason\tIn policy\tReturn type\tResolution\tInvoice number\t"
    "Return delivery date\tOrder Amount\tOrder quantity\tSafeT Action reason\tSafeT claim id\tSafeT claim state\t"
    "SafeT claim creation time\tSafeT claim reimbursement amount\tRefunded Amount\tCategory\tOrder Item ID"
)
STATES = ("Under Investigation", "Awaiting Seller Response", "Resolved")
REASONS = ("Item returned damaged", "Materially different item returned", "Item not returned")


def write_report(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = date(2026, 8, 1)
    lines = [HEADER]
    for i in range(rows):
        ordered = start + timedelta(days=rng.randrange(90))
        requested = ordered + timedelta(days=rng.randrange(1, 10))
        delivered = requested + timedelta(days=rng.randrange(2, 9))
        price = f"{rng.randrange(500, 20000) / 100:,.2f}"
        sku = f"SKU-{rng.randrange(500):04d}"
        claim = [""] * 5
        if i % 10 == 0:
            state = STATES[i % 3]
            claim = [REASONS[i % 3], str(3_500_000_000 + i), state,
                     f"{delivered + timedelta(days=2)}T10:00:00+00:00", price if state == "Resolved" else ""]
        cells = [
            f"1{rng.randrange(10, 99)}-{i:07d}-{rng.randrange(10**6, 10**7)}", ordered.isoformat(),
            requested.strftime("%d-%b-%Y"), "Approved", f"D{i:08d}RMA", "", "AmazonPrePaidLabel", "7.50", "USD",
            "UPS", f"1Z{i:016d}", "Customer", "N", "Y", f"B0{i % 100000:08d}", sku, f"Product {sku} [blue]",
            "1", "Item arrived damaged", "Y", "C-Returns", "StandardRefund", "", delivered.isoformat(), price, "1",
            *claim, price, "Home", f"{i:014d}",
        ]
        lines.append("\t".join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def raw_table(path: Path, db_path: Path) -> float:
    """The old floor: every cell, as text, into a table of its own without an index."""
    started = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=normal")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        cols = ", ".join(f"c{i}" for i in range(len(header)))
        conn.execute(f"CREATE TABLE raw ({cols})")
        marks = ", ".join("?" * len(header))
        with conn:
            conn.executemany(f"INSERT INTO raw VALUES ({marks})", reader)
    conn.close()
    return time.perf_counter() - started


#: the refund and claim columns an import fills, each from the report's cell it comes from (None:
#: computed, not in the report); the raw load writes the cell's text as it is
_REFUND_CELLS = (("product_id", "Merchant SKU"), ("order_id", "Order ID"), ("order_item_id", "Order Item ID"),
                 ("return_reason", "Return Reason"), ("currency", "Currency code"),
                 ("amount_minor", "Refunded Amount"), ("delivered_at", "Return delivery date"),
                 ("file_by", "Return request date"), ("claim_id", "SafeT claim id"), ("order_minor", "Order Amount"),
                 ("not_claimable", "Return type"))
_CLAIM_CELLS = (("claim_no", "SafeT claim id"), ("product_id", "Merchant SKU"), ("order_id", "Order ID"),
                ("order_item_id", "Order Item ID"), ("reason", "SafeT Action reason"), ("description", "Item Name"),
                ("status", "SafeT claim state"), ("currency", "Currency code"), ("claimed_minor", "Refunded Amount"),
                ("reimbursed_minor", "SafeT claim reimbursement amount"), ("filed_at", "SafeT claim creation time"))


def raw_baseline(path: Path, db_path: Path) -> float:
    """The floor for the same file: ``csv.reader`` and ``sqlite3`` ``executemany`` of the same columns
    into the same tables (refund; claim for the rows with a claim id) of a desk database, with the
    same indexes and the desk's settings, as text cells: no check, no conversion, no deadline, no
    lifecycle, no foreign key. Timed from the file read to the commit, like the import (the empty
    database is made beforehand, untimed)."""
    from safet_tui.db_open import SQLITE_PRAGMAS, open_database
    from safet_tui.transactions import close_database

    close_database(open_database(str(db_path)))
    started = time.perf_counter()
    conn = sqlite3.connect(db_path)
    # the desk's settings (WAL, its cache), but for foreign keys: raw cells point at nothing
    for name, value in SQLITE_PRAGMAS.items():
        if name != "foreign_keys":
            conn.execute(f"PRAGMA {name} = {value}")
    conn.execute("INSERT INTO account (id, name, marketplace, currency) VALUES (1, 'raw', 'amazon.com', 'USD')")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        at = {name: i for i, name in enumerate(next(reader))}
        refund_cells = [at[cell] for _, cell in _REFUND_CELLS]
        claim_cells = [at[cell] for _, cell in _CLAIM_CELLS]
        claim_id = at["SafeT claim id"]
        claims: list[tuple] = []

        def refunds():
            for row in reader:
                if row[claim_id]:
                    claims.append(tuple(row[i] for i in claim_cells))
                yield tuple(row[i] for i in refund_cells)

        refund_sql = (f"INSERT INTO refund (account_id, {', '.join(c for c, _ in _REFUND_CELLS)}, basis, created_at) "
                      f"VALUES (1, {', '.join('?' * len(_REFUND_CELLS))}, '', 0)")
        claim_sql = (f"INSERT INTO claim (account_id, {', '.join(c for c, _ in _CLAIM_CELLS)}, updated_at, "
                     f"changed_at, appeal_used, appeal_decided, paid_minor) "
                     f"VALUES (1, {', '.join('?' * len(_CLAIM_CELLS))}, 0, 0, 0, 0, 0)")
        with conn:
            conn.executemany(refund_sql, refunds())
            conn.executemany(claim_sql, claims)
    conn.close()
    return time.perf_counter() - started


def _import(report: Path, db_path: Path):
    from safet_tui.domain.clock import FixedClock
    from safet_tui.reports import run_import
    from safet_tui.service.desk import Desk

    desk = Desk(str(db_path), clock=FixedClock(datetime(2026, 11, 23, 12, tzinfo=UTC)), user="bench")
    try:
        started = time.perf_counter()
        summary = run_import(desk, "returns", report)
        return time.perf_counter() - started, summary
    finally:
        desk.close()


def measure(rows: int = 100_000, repeat: int = 1) -> dict:
    """The import and the raw load of one generated report, ``repeat`` times each, interleaved (raw,
    import, old raw table); medians, and the median of the runs' ratios."""
    raws, imports, tables, ratios = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="safet-bench-") as tmp:
        report = Path(tmp) / "returns.tsv"
        write_report(report, rows)
        size = report.stat().st_size
        for run in range(repeat):
            raws.append(raw_baseline(report, Path(tmp) / f"raw-{run}.db"))
            seconds, summary = _import(report, Path(tmp) / f"safet-{run}.db")
            imports.append(seconds)
            tables.append(raw_table(report, Path(tmp) / f"table-{run}.db"))
            ratios.append(seconds / raws[-1])
            for name in (f"raw-{run}.db", f"safet-{run}.db", f"table-{run}.db"):
                for end in ("", "-wal", "-shm"):
                    (Path(tmp) / (name + end)).unlink(missing_ok=True)
    imported, raw = statistics.median(imports), statistics.median(raws)
    return {
        "rows": rows,
        "runs": repeat,
        "file_mb": round(size / 1e6, 1),
        "import_seconds": round(imported, 3),
        "raw_seconds": round(raw, 3),
        "ratio": round(statistics.median(ratios), 2),
        "raw_table_seconds": round(statistics.median(tables), 3),
        "rows_per_second": int(rows / imported) if imported else None,
        "claims_created": len(summary.claims_created),
        "refunds_added": summary.refunds_added,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a returns report through safet import vs a raw load")
    parser.add_argument("rows", nargs="*", type=int, default=[100_000], help="report sizes (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved (medians)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    for rows in args.rows:
        r = measure(rows, args.repeat)
        print(f"returns report: {r['rows']:,} rows ({r['file_mb']} MB), {r['runs']} run(s) each, medians")
        print(f"safet import returns : {r['import_seconds']:.2f} s ({r['rows_per_second']:,} rows/s; "
              f"{r['claims_created']:,} claims, {r['refunds_added']:,} refunds)")
        print(f"raw csv + executemany: {r['raw_seconds']:.2f} s (same columns, tables and indexes)")
        print(f"  (every cell as text into one unindexed table: {r['raw_table_seconds']:.2f} s)")
        print(f"ratio                : {r['ratio']}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
