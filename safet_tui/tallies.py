"""The analytics tallies (schema 8): day-by-day sums of the claims that the dashboard and the tab
totals read instead of the claim table.

The tables and the triggers that keep them are defined once, frozen, in
:mod:`safet_tui.migrations.tallies_v8` (see there what each tally counts): triggers on ``claim``
and ``status_event`` write them in the transaction of every change, whoever makes it (the desk's
Session, the importers' bulk Store, a notify run, a test's raw SQL). Only bulk loaders go around
them: :func:`bulk_load` drops the triggers, lets the loader write, recounts every tally with one
GROUP BY each and creates the triggers again, inside the loader's own transaction, so a reader
never sees the tallies out of step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee as pw

from safet_tui.migrations import tallies_v8 as current

TALLIES = current.TALLIES
Tally = current.Tally
TABLES = tuple(t.table for t in TALLIES)
DAY = current.DAY
HOUR = current.HOUR
recount_sql = current.recount_sql
rebuild = current.rebuild
won = current.won
hours = current.hours
days_of_hours = current.days_of_hours


def create_tallies(database: pw.Database) -> None:
    """A new database's tallies (empty) and their triggers."""
    current.create_tables(database)
    current.create_triggers(database)


def has_tallies(database: pw.Database) -> bool:
    return database.table_exists("claim_tally")


def suspend(database: pw.Database) -> bool:
    """Inside a bulk loader's write transaction: drop the triggers on SQLite, pause them for the
    transaction on PostgreSQL (as :func:`paused`) (False, and nothing done, for a database without
    tallies: an older schema a test builds). Call :func:`resume` before commit."""
    if not has_tallies(database):
        return False
    if isinstance(database, pw.SqliteDatabase):
        current.drop_triggers(database)
    else:  # paused, not dropped: DROP TRIGGER locked the claim table against every reader
        database.execute_sql(f"SELECT set_config('{current.PAUSE}', 'on', true)")
    return True


def resume(database: pw.Database) -> None:
    """Every tally recounted (one GROUP BY each) and the triggers back."""
    current.rebuild(database)
    if isinstance(database, pw.SqliteDatabase):
        current.create_triggers(database)
    else:
        database.execute_sql(f"SELECT set_config('{current.PAUSE}', 'off', true)")


@contextmanager
def paused(database: pw.Database) -> Iterator[bool]:
    """The triggers off for the body, inside the caller's write transaction (dropped and created
    again on SQLite, whose readers see neither; a transaction-local setting on PostgreSQL, where
    dropping them would lock the claim table against every reader). Yields False for a database
    without tallies. The body must put the tallies right itself (:func:`add_claims`)."""
    if not has_tallies(database):
        yield False
        return
    if isinstance(database, pw.SqliteDatabase):
        current.drop_triggers(database)
        yield True
        current.create_triggers(database)
        return
    database.execute_sql(f"SELECT set_config('{current.PAUSE}', 'on', true)")
    yield True
    database.execute_sql(f"SELECT set_config('{current.PAUSE}', 'off', true)")


def add_claims(database: pw.Database, ids: list[int], chunk: int = 1000) -> None:
    """Add the shares of claims just inserted while the triggers were :func:`paused` (before any
    of their status events: those go through the triggers), a GROUP BY per tally and chunk."""
    param = getattr(database, "param", "?")
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        where = f"c.id IN ({', '.join([param] * len(part))})"
        for t in TALLIES:
            database.execute_sql(current.add_sql(t, where), part)


@contextmanager
def bulk_load(database: pw.Database) -> Iterator[None]:
    """:func:`suspend` around the body, then :func:`resume`, in the caller's transaction."""
    suspended = suspend(database)
    yield
    if suspended:
        resume(database)


def clear(database: pw.Database) -> None:
    """Empty every tally (with the claims they count)."""
    for table in TABLES:
        database.execute_sql(f"DELETE FROM {table}")


def differences(database: pw.Database) -> dict[str, tuple[set, set]]:
    """Per tally, the rows (non-zero) the triggers hold that a full recount does not, and the
    other way round: empty when the tallies are right. For tests and ``safet doctor``-like checks."""
    out = {}
    for t in TALLIES:
        sums = [c for c, _ in t.sums]
        keys = [c for c, _ in t.keys]
        held = {tuple(r) for r in database.execute_sql(
            f"SELECT {', '.join(keys + sums)} FROM {t.table} WHERE {' OR '.join(f'{c} <> 0' for c in sums)}")}
        want = {tuple(r) for r in database.execute_sql(current.recount_sql(t))}
        if held != want:
            out[t.table] = (held - want, want - held)
    return out
