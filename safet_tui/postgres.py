"""What only PostgreSQL needs: opening a server database (psycopg 3), the full-text index of
message text (GIN over a ``simple`` tsvector, the counterpart of SQLite's FTS5 table), and live
refresh across machines (a ``NOTIFY`` sent by every write transaction that changed something,
see :mod:`safet_tui.transactions`, and a ``LISTEN`` connection per desk that counts them).
"""

from __future__ import annotations

import uuid
from typing import Any

import peewee as pw

from safet_tui.transactions import CHANGE_CHANNEL, DatabaseError

#: the filter's message branch on PostgreSQL (one ``?``: the tsquery of :func:`ts_query`), on the
#: GIN index ``db.PG_FTS_INDEX`` (a ``simple`` tsvector: no stemming, no stop words, the words
#: FTS5's unicode61 tokenizer finds on SQLite)
FTS_TEST = "to_tsvector('simple', m.body) @@ to_tsquery('simple', ?)"
FTS_MATCH = f"SELECT m.claim_id FROM message m WHERE {FTS_TEST}"


def ts_query(words: list[str], prefix_min: int = 1) -> str:
    """Words (letters and digits only) to a tsquery: every word, as a prefix from ``prefix_min``
    letters (a shorter one whole)."""
    return " & ".join(f"{w}:*" if len(w) >= prefix_min else w for w in words)


#: connections a desk keeps open at most (its screen's workers and threads), how long an idle one
#: is kept, and how long a worker waits for one when all are in use
POOL_SIZE, POOL_STALE_S, POOL_WAIT_S = 16, 300, 30


def connect(url: str) -> pw.Database:
    """A peewee database on a PostgreSQL URL, through psycopg 3, connected once to check it."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise DatabaseError("PostgreSQL needs psycopg 3: pip install 'psycopg[binary]'") from exc
    _hand_psycopg_to_peewee()
    from playhouse.db_url import connect as connect_url
    from psycopg import ClientCursor

    try:
        # parameters bound on the client, as sqlite3 does: the desk's SQL is written once for both
        # engines, and the server cannot type a bare ``? IS NULL`` it would be asked to prepare
        # a pool: each read or write worker is a thread with its own connection, and a new server
        # connection per worker (a backend forked, its caches cold) cost more than the query
        pooled = url.replace("postgresql://", "postgresql+pool://", 1).replace("postgres://", "postgres+pool://", 1)
        database = connect_url(pooled, cursor_factory=ClientCursor, max_connections=POOL_SIZE,
                               stale_timeout=POOL_STALE_S, timeout=POOL_WAIT_S)
        database.connect()
    except Exception as exc:
        raise DatabaseError(f"cannot open {_without_password(url)}: {' '.join(str(exc).split())}") from exc
    #: this desk's writes are news to every other desk, not to itself (see ChangeListener)
    database.safet_token = uuid.uuid4().hex
    return database


def _hand_psycopg_to_peewee() -> None:
    """peewee was imported without psycopg (safet_tui/__init__.py: start-up pays for it only when
    a PostgreSQL database is opened); give it now what its optional import would have set."""
    if getattr(pw, "psycopg", None) is not None:
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    for name, value in (("psycopg", psycopg), ("TransactionStatus", TransactionStatus), ("Json_pg3", Json),
                        ("Jsonb_pg3", Jsonb)):
        setattr(pw, name, value)  # peewee's module globals, as its own optional import sets them
    adapter = pw.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def reset_sequences(database: pw.Database, tables: list[str]) -> None:
    """After rows were written with their ids: each table's id sequence continues after its largest."""
    for table in tables:
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
            f'FROM "{table}"')


class ChangeListener:
    """Counts other desks' committed writes on this database (``LISTEN``), without blocking: the
    desk's change poll reads :meth:`version` as it reads SQLite's ``data_version``. A connection
    lost (the server restarted) is opened again at the next poll, counting as a change (what
    was missed while it was down is unknown)."""

    def __init__(self, database: pw.Database) -> None:
        self.token = getattr(database, "safet_token", "")
        self.params: dict[str, Any] = dict(database.connect_params, dbname=database.database)
        self.conn: Any = None
        self.count = 0

    def _listen(self):
        import psycopg

        conn = psycopg.connect(autocommit=True, **self.params)
        conn.execute(f"LISTEN {CHANGE_CHANNEL}")
        return conn

    def version(self) -> int:
        import psycopg

        try:
            if self.conn is None:
                self.conn = self._listen()
            for note in self.conn.notifies(timeout=0):
                if note.payload != self.token:
                    self.count += 1
        except psycopg.Error:
            self.close()
            self.count += 1
        return self.count

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
