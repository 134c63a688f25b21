"""Helpers for the report import/export tests (no tests here; named so the reports tests own it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"  # copies of ../shared/samples, so CI needs nothing outside the repo
US_RETURNS = SAMPLES / "returns-report-us.tsv"
IN_RETURNS = SAMPLES / "returns-report-in.tsv"
US_SETTLEMENT = SAMPLES / "settlement-v2-us.tsv"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def table_counts(database) -> dict[str, int]:
    names = [n for n in database.get_tables() if not n.startswith("sqlite_")]  # SQLite's and PostgreSQL's
    return {n: database.execute_sql(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def snapshot(database) -> dict[str, list[tuple]]:
    """Every row of the tables an import writes, for before/after comparisons."""
    out = {}
    for table in ("account", "product", "claim", "refund", "status_event", "payout", "message", "import_log"):
        out[table] = list(database.execute_sql(f"SELECT * FROM {table} ORDER BY 1"))
    return out


def rows_of(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line]


def write_rows(path: Path, rows: list[list[str]], *, crlf: bool = True, bom: bool = False) -> Path:
    end = "\r\n" if crlf else "\n"
    data = end.join("\t".join(r) for r in rows) + end
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def set_cell(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    """Set the cell at file line ``line`` (header = 1) in ``column``."""
    i = rows[0].index(column)
    row = rows[line - 1]
    row.extend([""] * (i + 1 - len(row)))
    row[i] = value
    return rows
