"""The outbox: notifications owed, written in the transaction of the change they tell of.

Every status change is stored as a ``status_event`` row, by two writers only: the desk's write
path (``Session._event``: the seller's and the investigator's actions, a reply-by passing) and
the imports' bulk store (``Store.flush``). Both call :func:`queue_status_changes` right after,
in the same transaction, so a change and its notification commit together or not at all. The
key (``status:<event id>``) makes each one once only; a claim's filing (no status before it)
creates the claim and is not a change (``domain.notices``). A restored export's history is old
news and is not queued. Reminders are queued by ``safet notify`` (:func:`queue`).
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee as pw

from safet_tui.domain.notices import STATUS_KEY
from safet_tui.transactions import DB


def _sql(database: pw.Database, text: str) -> str:
    param = getattr(database, "param", "?")
    return text if param == "?" else text.replace("?", param)


def queue_status_changes(database: pw.Database | None, after_event_id: int, via: str = "desk") -> None:
    """An outbox row for every status change recorded after ``after_event_id`` (one statement, in
    the caller's transaction; rows already queued are left as they are). Dated when the desk
    learned of the change (the claim's ``changed_at``). ``via``: ``desk`` (a person's action, or
    time passing) or ``import`` (a report's news: the importing user is told too)."""
    database = database or DB.obj
    assert via in ("desk", "import")
    database.execute_sql(_sql(database,
        "INSERT INTO outbox (key, kind, claim_id, detail, created_at, attempts, last_error) "
        f"SELECT '{STATUS_KEY}' || e.id, 'status', e.claim_id, '{{\"event\": ' || e.id || ', \"via\": \"{via}\"}}', "
        "(SELECT c.changed_at FROM claim c WHERE c.id = e.claim_id), 0, '' "
        # the new events by their key, each claim by its key: as a join, SQLite walked every claim
        # and looked for its events (5 s per status change at a million claims, 0.4 s at 100k)
        "FROM status_event e "
        "WHERE e.id > ? AND e.from_status IS NOT NULL "
        "ON CONFLICT (key) DO NOTHING"), (after_event_id,))


def last_event_id(database: pw.Database | None = None) -> int:
    database = database or DB.obj
    row = database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM status_event").fetchone()
    return int(row[0])


def queue(database: pw.Database | None, rows: Sequence[tuple[str, str, int | None, str, int]]) -> int:
    """Queue notices given as (key, kind, claim id, detail JSON, created_at epoch); a key already
    queued (or sent) is skipped. Returns how many were new."""
    database = database or DB.obj
    if not rows:
        return 0
    before = database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]
    database.cursor().executemany(_sql(database,
        "INSERT INTO outbox (key, kind, claim_id, detail, created_at, attempts, last_error) "
        "VALUES (?, ?, ?, ?, ?, 0, '') ON CONFLICT (key) DO NOTHING"), list(rows))
    return int(database.execute_sql(_sql(database, "SELECT COUNT(*) FROM outbox WHERE id > ?"),
                                    (before,)).fetchone()[0])
