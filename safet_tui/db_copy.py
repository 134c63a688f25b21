"""``safet db copy SRC DST``: a whole team's database from one engine to the other (a SQLite file to
PostgreSQL and back) with nothing lost: every table's rows with their ids, in one read snapshot of
the source and one write transaction on the destination, then the attachment files. On PostgreSQL
the id sequences continue after the largest id copied; on SQLite the full-text index is rebuilt.
A destination that already holds data is refused unless ``replace`` is asked for.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import peewee as pw

from safet_tui import attachments as store
from safet_tui import tallies
from safet_tui.db import MODELS, is_sqlite, sql_for
from safet_tui.db_open import DbTarget, open_database, parse_db_url
from safet_tui.transactions import DatabaseError, bound, close_database, write_transaction

#: rows read and written at a time
CHUNK = 5000


@dataclass
class CopyResult:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    def line(self) -> str:
        counts = ", ".join(f"{n:,} {t}" for t, n in self.rows.items() if t != "meta" and n)
        return f"copied {counts or 'no rows'}; {self.files:,} attachment file(s)"


def _tables() -> list[tuple[str, list[str], set[str]]]:
    """(table, columns, boolean columns), parents before children."""
    out = []
    for model in MODELS:
        fields = model._meta.sorted_fields
        out.append((model._meta.table_name, [f.column_name for f in fields],
                    {f.column_name for f in fields if isinstance(f, pw.BooleanField)}))
    return out


def holds_data(database: pw.Database) -> dict[str, int]:
    """Tables (other than meta) with rows in them, and how many."""
    found = {}
    for table, _, _ in _tables():
        if table == "meta":
            continue
        n = database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        if n:
            found[table] = n
    return found


def _delete_all(database: pw.Database) -> None:
    for table, _, _ in reversed(_tables()):
        database.execute_sql(f'DELETE FROM "{table}"')


def clear_database(database: pw.Database, wait: float = 30.0) -> None:
    """Delete every row (``--replace`` on a server database): the schema stays, at its version."""
    with bound(database), write_transaction(database, wait), tallies.bulk_load(database):
        version = database.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        _delete_all(database)
        if version is not None:
            database.execute_sql(sql_for(database, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"),
                                 (version[0],))
        if is_sqlite(database):
            database.execute_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")


@contextmanager
def _snapshot(database: pw.Database) -> Iterator[None]:
    """One consistent read of the whole source (a WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL)."""
    if is_sqlite(database):
        with database.atomic():
            yield
    else:
        with database.atomic(isolation_level="REPEATABLE READ"):
            yield


def _rows(database: pw.Database, table: str, columns: list[str]) -> Iterator[list[tuple]]:
    cols = ", ".join(f'"{c}"' for c in columns)
    order = "id" if "id" in columns else ", ".join(f'"{c}"' for c in columns[:2])
    sql = f'SELECT {cols} FROM "{table}" ORDER BY {order}'
    if is_sqlite(database):
        cursor = database.execute_sql(sql)
    else:  # a server-side cursor: a million messages are not held in memory at once
        cursor = database.connection().cursor(name=f"safet_copy_{table}")
        cursor.execute(sql)
    try:
        while chunk := cursor.fetchmany(CHUNK):
            yield chunk
    finally:
        cursor.close()


def _write(database: pw.Database, table: str, columns: list[str], bools: set[str], chunk: list[tuple]) -> None:
    flags = [c in bools for c in columns]
    rows = [tuple(bool(v) if flag and v is not None else v for v, flag in zip(row, flags, strict=True))
            for row in chunk]
    cols = ", ".join(f'"{c}"' for c in columns)
    if is_sqlite(database):
        marks = ", ".join("?" * len(columns))
        database.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        return
    with database.cursor().copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def copy_database(source: DbTarget | str, dest: DbTarget | str, *, replace: bool = False, wait: float = 30.0,
                  progress: Callable[[str, int], object] | None = None) -> CopyResult:
    """Copy every row (and the attachment files) from ``source`` to ``dest``; see the module."""
    src_t = source if isinstance(source, DbTarget) else parse_db_url(source)
    dst_t = dest if isinstance(dest, DbTarget) else parse_db_url(dest)
    if str(src_t) == str(dst_t) or (src_t.path and dst_t.path and src_t.path.resolve() == dst_t.path.resolve()):
        raise DatabaseError("the source and the destination are the same database")
    src = open_database(src_t, create=False)
    dst = open_database(dst_t, create=True)
    result = CopyResult()
    try:
        with bound(dst), write_transaction(dst, wait):
            present = holds_data(dst)
            if present and not replace:
                what = ", ".join(f"{n:,} {t}" for t, n in present.items())
                raise DatabaseError(f"{dst_t.name} already holds data ({what}): nothing was copied; "
                                    "add --replace to overwrite it")
            tables = _tables()
            # the tallies are not copied: counted on the destination from the claims copied
            suspended = tallies.suspend(dst)
            _delete_all(dst)
            with bound(src), _snapshot(src):
                for table, columns, bools in tables:
                    n = 0
                    for chunk in _rows(src, table, columns):
                        _write(dst, table, columns, bools, chunk)
                        n += len(chunk)
                        if progress:
                            progress(table, n)
                    result.rows[table] = n
                shas = [sha for (sha,) in src.execute_sql("SELECT DISTINCT sha256 FROM attachment")]
            if suspended:
                tallies.resume(dst)
            if is_sqlite(dst):
                dst.execute_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
            else:
                from safet_tui.postgres import reset_sequences

                reset_sequences(dst, [t for t, cols, _ in tables if "id" in cols])
        result.files = _copy_files(src_t, dst_t, shas)
        if not is_sqlite(dst):
            dst.execute_sql("VACUUM ANALYZE")  # planner statistics, and the visibility map for index-only counts
    finally:
        for database in (src, dst):
            close_database(database)
    return result


def _copy_files(src_t: DbTarget, dst_t: DbTarget, shas: list[str]) -> int:
    """The attachment files the rows name, from one store to the other (content-addressed: a file
    already there is the same file)."""
    copied = 0
    src_dir, dst_dir = src_t.attachments_dir, dst_t.attachments_dir
    if src_dir.resolve() == dst_dir.resolve():
        return 0
    for sha in shas:
        try:
            src_file = store.stored_path(src_dir, sha)
            dst_file = store.stored_path(dst_dir, sha)
        except (ValueError, store.AttachmentError):
            continue
        if not src_file.is_file() or dst_file.exists():
            continue
        dst_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src_file, dst_file)
        copied += 1
    return copied
