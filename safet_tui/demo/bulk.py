"""Writing the demo's rows in bulk: a rollback journal when the file is ours alone, the bulk
tables' indexes dropped and rebuilt once, rows written in chunks with the cursor's executemany."""

from __future__ import annotations

import sqlite3

import peewee as pw

from safet_tui.demo.stories import Rows
from safet_tui.reports.bulk.store import (
    ATTACHMENT_COLUMNS,
    CLAIM_COLUMNS,
    REFUND_COLUMNS,
    REFUND_VERDICT_COLUMNS,
)


def set_journal_mode(database, mode: str) -> bool:
    """Switch the journal mode; False when SQLite refuses because another connection has the file
    open ("database is locked", at once: the busy timeout does not apply)."""
    try:
        database.execute_sql(f"PRAGMA journal_mode = {mode}")
    except pw.OperationalError as exc:
        if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
            raise
        return False
    return True


def leave_wal(database) -> bool:
    """A rollback journal for the bulk load, when the file is ours alone; True if switched."""
    current = database.execute_sql("PRAGMA journal_mode").fetchone()[0]
    return current.lower() == "wal" and set_journal_mode(database, "DELETE")


_BULK_TABLES = ("claim", "refund", "message", "attachment", "status_event")


def drop_indexes(database) -> list[str]:
    """Drop the bulk tables' indexes; return the statements that recreate them exactly."""
    marks = ",".join("?" * len(_BULK_TABLES))
    rows = database.execute_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
        " ORDER BY rowid", _BULK_TABLES).fetchall()
    for name, _ in rows:
        database.execute_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


#: the claim columns the demo's rows fill, in their order: id, then the import's column list up to
#: its deadline flag (the demo's deadlines are the policy's, never estimated: a literal 0)
_CLAIM_HEAD = ("id", *CLAIM_COLUMNS[:CLAIM_COLUMNS.index("deadline_estimated")])


def _claim_insert(decided_at: bool) -> str:
    """The claim INSERT for the demo's rows (``decided_at``: the table has the column, and each row
    ends with it)."""
    columns = (*_CLAIM_HEAD, *(("decided_at",) if decided_at else ()), "deadline_estimated")
    return f"INSERT INTO claim ({', '.join(columns)}) VALUES ({','.join('?' * (len(columns) - 1))},0)"


#: a refund row's columns, then its order amount (the refund's own: the demo's refunds are full) and
#: no reason it cannot be claimed
_REFUND_INSERT = (
    f"INSERT INTO refund ({', '.join((*REFUND_COLUMNS, *REFUND_VERDICT_COLUMNS))}) "
    f"VALUES ({','.join(f'?{i}' for i in range(1, len(REFUND_COLUMNS) + 1))},"
    f"?{REFUND_COLUMNS.index('amount_minor') + 1},'')"
)


#: an attachment row's columns; its message is named by its place in the rows written with it
_ATTACHMENT_INSERT = (f"INSERT INTO attachment ({', '.join(ATTACHMENT_COLUMNS)}) "
                      f"VALUES (?1, ?2 + {{messages_before}}, {','.join(f'?{i}' for i in range(3, len(ATTACHMENT_COLUMNS) + 1))})")


def write_rows(cur: sqlite3.Cursor, r: Rows, decided_at: bool, messages_before: int) -> None:
    """Write one block's rows. Its messages take the next ids (the table's rowid, one more than the
    largest: written in order, they are numbered in order), ``messages_before`` + their place."""
    cur.executemany(_claim_insert(decided_at), r.claims)
    cur.executemany(_REFUND_INSERT, r.refunds)
    cur.executemany(
        "INSERT INTO message (claim_id, side, kind, author, body, created_at) VALUES (?1,?2,?3,?2,?4,?5)",
        r.messages)
    cur.executemany(
        'INSERT INTO status_event (claim_id, at, actor, "user", action, from_status, to_status, note)'
        " VALUES (?,?,?,'demo',?,?,?,?)", r.events)
    cur.executemany(_ATTACHMENT_INSERT.format(messages_before=int(messages_before)), r.attachments)
