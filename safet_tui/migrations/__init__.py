"""Schema versions and in-place upgrades (playhouse.migrate).

A new database is created at the latest version, from what the storage layer passes in
(:class:`LatestSchema`: its models, extra indexes and full-text table). An older one is upgraded
step by step (:mod:`.steps`, frozen definitions), each step in a transaction. :mod:`.v1` holds
the first schema, frozen, so tests can prove an old database still opens.

Nothing here imports ``safet_tui.db``: the storage layer calls :func:`ensure_schema`, never the
other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import peewee as pw

from safet_tui.migrations.v1 import SCHEMA_V1
from safet_tui.transactions import DatabaseReadOnly

__all__ = ["MIGRATIONS", "SCHEMA_V1", "UPGRADE_WAIT", "LatestSchema", "current_version", "ensure_schema"]


def __getattr__(name: str):
    """``MIGRATIONS`` loads on first use: the steps import playhouse.migrate, which imports the
    PostgreSQL driver (~12 MB, ~50 ms), and a database already at the latest schema (every start
    but the first after an upgrade) never needs them."""
    if name == "MIGRATIONS":
        from safet_tui.migrations.steps import MIGRATIONS

        return MIGRATIONS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: how long opening waits for another terminal that is creating or upgrading the same database
UPGRADE_WAIT = 60.0


@dataclass(frozen=True)
class LatestSchema:
    """What the storage layer knows of the current schema, for creating it in a new database."""

    version: int
    models: Sequence[type[pw.Model]]
    #: DDL run after the tables (indexes peewee's Meta cannot spell)
    extra_indexes: Sequence[str]
    #: the SQLite full-text table of messages (external content)
    fts_ddl: str
    #: ``meta_set(key, value)``: writes the meta table on the database being opened
    meta_set: Callable[[str, str], None]
    #: ``write_transaction(database, wait)``: the write lock held from the first statement
    write_transaction: Callable[[pw.Database, float], AbstractContextManager[None]]
    #: the error a database that cannot be opened raises
    error: type[Exception]
    #: PostgreSQL's full-text index of messages (name, DDL): created with the tables, or on opening
    pg_fts_index: tuple[str, str] = ("", "")
    #: what a new database gets after its tables and indexes (the tallies and their triggers)
    after_create: Callable[[pw.Database], None] | None = None


def current_version(database: pw.Database) -> int | None:
    if not database.table_exists("meta"):
        return None
    row = database.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def ensure_schema(database: pw.Database, latest: LatestSchema) -> None:
    """Create or upgrade the schema. Two terminals opening the same database at once: the first
    creates or upgrades under the write lock, the second waits and then finds it done."""
    sqlite = isinstance(database, pw.SqliteDatabase)
    version = current_version(database)
    if version is not None and version > latest.version:
        raise _newer(version, latest)
    if version == latest.version and (database.table_exists("message_fts") if sqlite else _has_fts(database, latest)):
        return
    if sqlite and version is not None:
        # playhouse.migrate rebuilds a SQLite table (copy, drop, rename) for some changes; with
        # foreign keys on, dropping the old claim table would cascade-delete every message,
        # attachment, status event and read mark. The pragma only works outside a transaction.
        database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        _create_or_upgrade(database, latest, sqlite)
    except DatabaseReadOnly as exc:
        if version is None:
            raise
        # an old database this desk cannot write: say what it needs, not only that it is read-only
        raise DatabaseReadOnly(f"{exc}; it is at schema {version} and this safet reads schema {latest.version}: open "
                               "it once where it can be written (it upgrades in place), then read it anywhere") from exc
    finally:
        if sqlite and version is not None:
            database.execute_sql("PRAGMA foreign_keys = ON")


def _create_or_upgrade(database: pw.Database, latest: LatestSchema, sqlite: bool) -> None:
    """Under the write lock: a new database's schema, or an old one's upgrade steps."""
    with latest.write_transaction(database, UPGRADE_WAIT):
        version = current_version(database)  # again, under the lock
        if version is None:
            database.create_tables(list(latest.models))
            for ddl in latest.extra_indexes:
                database.execute_sql(ddl)
            if sqlite:
                database.execute_sql(latest.fts_ddl)
            elif latest.pg_fts_index[1]:
                database.execute_sql(latest.pg_fts_index[1])
            if latest.after_create is not None:
                latest.after_create(database)
            latest.meta_set("schema_version", str(latest.version))
            return
        if version > latest.version:
            raise _newer(version, latest)
        from safet_tui.migrations.steps import MIGRATIONS

        while version < latest.version:
            with database.atomic():
                MIGRATIONS[version](database)
                if sqlite:
                    broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise latest.error(
                            f"upgrading schema {version} to {version + 1} left {len(broken)} broken "
                            f"reference(s), first in table {broken[0][0]}; nothing was changed"
                        )
                version += 1
                latest.meta_set("schema_version", str(version))
        if not sqlite and latest.pg_fts_index[1]:
            database.execute_sql(latest.pg_fts_index[1])
        if sqlite and not database.table_exists("message_fts"):
            # An external-content FTS table starts empty: index the messages already there,
            # or search would never find anything written before the upgrade.
            database.execute_sql(latest.fts_ddl)
            database.execute_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")


def _has_fts(database: pw.Database, latest: LatestSchema) -> bool:
    name = latest.pg_fts_index[0]
    if not name:
        return True
    return database.execute_sql("SELECT 1 FROM pg_indexes WHERE indexname = %s", (name,)).fetchone() is not None


def _newer(version: int, latest: LatestSchema) -> Exception:
    return latest.error(
        f"the database is at schema {version}, newer than this safet (schema {latest.version}): upgrade safet"
    )
