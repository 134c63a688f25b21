"""Benchmark: a 100k-row returns report through ``safet import returns`` vs raw csv + sqlite3.

    python bench/import_returns.py [ROWS]

``measure(rows=100_000) -> dict`` generates the report in a temporary
directory (90% claimable refunds, 10% rows with a SAFE-T claim in every
state, ~500 SKUs), imports it into an empty database with ``run_import``
(parse, checks, policy deadlines, one transaction, executemany), and times the
floor for the same file: ``csv.reader`` + one ``sqlite3`` ``executemany`` of
the raw cells into a table. Returns seconds for both and their ratio.
"""

from __future__ import annotations

import csv
import random
import sqlite3
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


def raw_baseline(path: Path, db_path: Path) -> float:
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


def measure(rows: int = 100_000) -> dict:
    from safet_tui.domain.clock import FixedClock
    from safet_tui.reports import run_import
    from safet_tui.service.desk import Desk

    with tempfile.TemporaryDirectory(prefix="safet-bench-") as tmp:
        report = Path(tmp) / "returns.tsv"
        write_report(report, rows)
        raw = raw_baseline(report, Path(tmp) / "raw.db")
        desk = Desk(str(Path(tmp) / "safet.db"), clock=FixedClock(datetime(2026, 11, 23, 12, tzinfo=UTC)),
                    user="bench")
        try:
            started = time.perf_counter()
            summary = run_import(desk, "returns", report)
            imported = time.perf_counter() - started
        finally:
            desk.close()
        size = report.stat().st_size
    return {
        "rows": rows,
        "file_mb": round(size / 1e6, 1),
        "import_seconds": round(imported, 3),
        "raw_seconds": round(raw, 3),
        "ratio": round(imported / raw, 1) if raw else None,
        "rows_per_second": int(rows / imported) if imported else None,
        "claims_created": len(summary.claims_created),
        "refunds_added": summary.refunds_added,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 100_000
    r = measure(rows)
    print(f"returns report: {r['rows']:,} rows ({r['file_mb']} MB)")
    print(f"safet import returns : {r['import_seconds']:.2f} s ({r['rows_per_second']:,} rows/s; "
          f"{r['claims_created']:,} claims, {r['refunds_added']:,} refunds)")
    print(f"raw csv + executemany: {r['raw_seconds']:.2f} s")
    print(f"ratio                : {r['ratio']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
