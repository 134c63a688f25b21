"""Which database a call uses, and write transactions.

Every model and query goes through ``DB``: the database a Desk bound for the call in progress
(``bound``), else the last one opened. ``write_transaction`` takes the write lock from its first
statement, waits a bounded time for another writer, and turns SQLite's and PostgreSQL's
refusals into ``DatabaseBusy`` / ``DatabaseReadOnly`` with one clear line.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import peewee as pw

#: SQLite's own busy wait, in milliseconds (a pragma of every connection)
BUSY_TIMEOUT_MS = 5000

_BOUND: ContextVar[pw.Database | None] = ContextVar("safet_database", default=None)
_SLOT = pw.DatabaseProxy.obj  # type: ignore[misc]  # the slot descriptor itself, on purpose


class BoundDatabase(pw.DatabaseProxy):
    """The models' database: the one a Desk bound for the call in progress (per thread and task),
    else the last one opened (scripts and tests that use the models directly).

    Two desks on two files in one process each bind their own database around every call, so
    neither repoints the other."""

    __slots__ = ()

    # a property over the base class's slot of the same name (read and written through _SLOT)
    @property  # type: ignore[override, misc]
    def obj(self):
        bound = _BOUND.get()
        return bound if bound is not None else _SLOT.__get__(self)

    @obj.setter
    def obj(self, value) -> None:
        _SLOT.__set__(self, value)

    def __setattr__(self, attr, value) -> None:
        if attr not in ("obj", "_callbacks", "_Model"):
            raise AttributeError("Cannot set attribute on proxy.")
        object.__setattr__(self, attr, value)


DB = BoundDatabase()


@contextmanager
def bound(database: pw.Database) -> Iterator[pw.Database]:
    """Run the block with the models (and every query through ``DB``) on ``database``."""
    if _BOUND.get() is database:
        yield database
        return
    token = _BOUND.set(database)
    try:
        yield database
    finally:
        _BOUND.reset(token)



def close_database(database: pw.Database) -> None:
    """Close a database for good: every connection of a PostgreSQL pool (a pooled ``close()`` only
    puts the calling thread's back), else this thread's connection."""
    close_all = getattr(database, "close_all", None)
    if close_all is not None:
        close_all()
    elif not database.is_closed():
        database.close()


class DatabaseError(Exception):
    """The database cannot be opened or used; the message says why."""


class DatabaseBusy(DatabaseError):
    """Another writer held the write lock longer than this writer waits; nothing was changed."""


class DatabaseConflict(DatabaseBusy):
    """PostgreSQL rolled the transaction back for a conflict with another one (a serialization
    failure or a deadlock, SQLSTATE 40001 / 40P01): nothing was written, and the whole transaction
    run again, reading afresh, will do (see :func:`retrying`)."""


class DatabaseReadOnly(DatabaseError):
    """The database cannot be written (file mode, read-only mount, full disk); nothing was changed."""


def _read_only(exc: Exception) -> DatabaseReadOnly | None:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseReadOnly("the database is read-only: nothing can be changed here")
    if "disk is full" in text:
        return DatabaseReadOnly("the disk is full: nothing was changed")
    if "permission denied" in text:  # PostgreSQL: a login that may read but not write
        return DatabaseReadOnly("the database is read-only for your login: nothing can be changed here")
    return None


#: told ``True`` when a write starts waiting for another writer's lock, ``False`` once it has it
#: (per thread and task: a screen's write worker sets it to say "database busy, retrying…")
_ON_WAIT: ContextVar[Callable[[bool], object] | None] = ContextVar("safet_on_wait", default=None)
#: how long the first try waits inside SQLite before the wait is reported (then it goes on waiting)
FIRST_TRY_S = 0.25


@contextmanager
def reporting_waits(callback: Callable[[bool], object]) -> Iterator[None]:
    """Within the block, a write that has to wait for another writer says so through ``callback``."""
    token = _ON_WAIT.set(callback)
    try:
        yield
    finally:
        _ON_WAIT.reset(token)


#: the PostgreSQL advisory lock every safet writer takes (the ASCII of "SAFET", as a bigint)
WRITE_LOCK_KEY = 0x5341464554


def _busy(wait: float) -> DatabaseBusy:
    return DatabaseBusy(f"the database is busy: another writer held it for {wait:g} s; nothing was changed, "
                        "try again")


@contextmanager
def read_snapshot(database: pw.Database) -> Iterator[None]:
    """Several reads that see one state of the database: a claim's row and its thread read
    while another terminal commits a reply must not disagree (the reply without its status).
    A deferred transaction on SQLite (WAL: it never waits for or blocks a writer); REPEATABLE
    READ on PostgreSQL. Inside a transaction it is that transaction."""
    if database.transaction_depth() > 0:
        yield
        return
    with database.atomic():
        if not isinstance(database, pw.SqliteDatabase):
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@contextmanager
def write_transaction(database: pw.Database, wait: float) -> Iterator[None]:
    """One write transaction that holds the write lock from its first statement (``BEGIN
    IMMEDIATE`` on SQLite; on PostgreSQL a transaction-scoped advisory lock every safet writer
    takes, and callers lock the rows they change ``FOR UPDATE``), so what it reads is what it writes: a deferred transaction that reads first is refused "database is locked" at
    once when another connection committed meanwhile, whatever the busy timeout.

    Waits up to ``wait`` seconds for another writer, then raises :class:`DatabaseBusy`; a database
    that cannot be written raises :class:`DatabaseReadOnly`. Inside a transaction it is a savepoint.
    """
    if database.transaction_depth() > 0:
        with database.atomic():
            yield
        return
    sqlite = isinstance(database, pw.SqliteDatabase)
    deadline = time.monotonic() + wait
    pause = 0.02
    told = _ON_WAIT.get()
    waiting = False
    while True:
        tx = database.atomic("IMMEDIATE") if sqlite else database.atomic()
        try:
            # told: the first try is short, so the wait is reported at once rather than after
            # SQLite's own busy timeout
            left = deadline - time.monotonic()
            with _busy_timeout_at_most(database, min(left, FIRST_TRY_S) if told and not waiting else left, sqlite):
                tx.__enter__()
            if not sqlite:
                try:
                    waiting = _pg_write_lock(database, deadline, told if not waiting else None) or waiting
                except BaseException as exc:
                    tx.__exit__(type(exc), exc, exc.__traceback__)
                    if "lock timeout" in str(exc) or "canceling statement due to lock" in str(exc):
                        raise _busy(wait) from None
                    if isinstance(exc, pw.DatabaseError) and _conflict(exc):
                        raise _conflict_error(exc, wait) from None
                    raise
            break
        except pw.OperationalError as exc:
            if (ro := _read_only(exc)) is not None:
                raise ro from None
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                if waiting and told is not None:
                    told(False)
                raise _busy(wait) from None
            if told is not None and not waiting:
                waiting = True
                told(True)
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.5)
    if waiting and told is not None:
        told(False)
    try:
        yield
        if not sqlite:
            # other desks on the server refresh (see postgres.ChangeListener); only when this
            # transaction wrote something (a transaction id is assigned on the first write)
            database.execute_sql(
                f"SELECT pg_notify('{CHANGE_CHANNEL}', %s) WHERE pg_current_xact_id_if_assigned() IS NOT NULL",
                (getattr(database, "safet_token", ""),))
    except BaseException as exc:
        tx.__exit__(type(exc), exc, exc.__traceback__)
        if isinstance(exc, pw.DatabaseError) and (ro := _read_only(exc)) is not None:
            raise ro from None
        if isinstance(exc, pw.DatabaseError) and _conflict(exc):
            raise _conflict_error(exc, wait) from None
        raise
    else:
        try:
            tx.__exit__(None, None, None)
        except pw.OperationalError as exc:
            if (ro := _read_only(exc)) is not None:
                raise ro from None
            if _conflict(exc):
                raise _conflict_error(exc, wait) from None
            raise


#: the channel every write transaction on PostgreSQL notifies, with the writer's token
CHANGE_CHANNEL = "safet_changes"


def _pg_write_lock(database: pw.Database, deadline: float, told: Callable[[bool], object] | None) -> bool:
    """One writer at a time, as on SQLite: an import reads claims and writes them back, so row
    locks alone would let it overwrite a desk's change. The lock waits no longer than this
    transaction may (``lock_timeout``, local to it). With ``told``, a lock another writer holds
    is reported (``told(True)``) before waiting; returns whether it was."""
    reported = False
    if told is not None:
        free = database.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,)).fetchone()[0]
        if free:
            return False
        told(True)
        reported = True
    left_ms = max(int((deadline - time.monotonic()) * 1000), 1)
    try:
        database.execute_sql(f"SET LOCAL lock_timeout = {left_ms}")
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
    except BaseException:
        if told is not None and reported:
            told(False)
        raise
    return reported


def _conflict(exc: Exception) -> bool:
    """PostgreSQL refused a transaction for a conflict with another one (a serialization failure, a
    deadlock, or a row another program kept locked past ``lock_timeout``: SQLSTATE 40001, 40P01,
    55P03): nothing was written, and trying again will do. Between safet's writers it cannot happen
    (they take turns); another program writing the tables can."""
    cause = getattr(exc, "__cause__", None) or getattr(exc, "orig", None)
    code = getattr(cause, "sqlstate", None)
    text = str(exc).lower()
    return (code in ("40001", "40P01", "55P03") or "could not serialize" in text or "deadlock detected" in text
            or "lock timeout" in text)


def _conflict_error(exc: Exception, wait: float) -> DatabaseBusy:
    """A serialization failure or a deadlock is worth running again (:class:`DatabaseConflict`); a
    row held past ``lock_timeout`` has had all the wait this writer allows (busy)."""
    cause = getattr(exc, "__cause__", None) or getattr(exc, "orig", None)
    code = getattr(cause, "sqlstate", None)
    text = str(exc).lower()
    if code in ("40001", "40P01") or "could not serialize" in text or "deadlock detected" in text:
        return DatabaseConflict("the change conflicted with another program's writes and was rolled back; "
                                "nothing was changed, try again")
    return _busy(wait)


T = TypeVar("T")
#: how many times a transaction that conflicted is run in all, and its back-off (seconds): a random
#: pause up to base × 2ⁿ (at most the cap), so two writers that collided do not collide again
RETRY_ATTEMPTS = 5
RETRY_BASE_S = 0.05
RETRY_CAP_S = 1.0
_RETRYING: ContextVar[bool] = ContextVar("safet_retrying", default=False)


def retrying(body: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS,
             sleep: Callable[[float], object] = time.sleep) -> T:
    """``body()``, run again whole when its write transaction conflicted with another one
    (:class:`DatabaseConflict`: PostgreSQL's serialization failure or deadlock, with nothing
    written): the body reads the claim afresh and checks the rules again each time. After
    ``attempts`` runs it is refused as busy, in one line. Inside another ``retrying`` call the
    conflict is left to the outer one, which runs everything again."""
    if _RETRYING.get():
        return body()
    token = _RETRYING.set(True)
    try:
        for attempt in range(1, attempts + 1):
            try:
                return body()
            except DatabaseConflict:
                if attempt >= attempts:
                    raise DatabaseBusy(f"the database is busy: the change conflicted with other writes {attempts} "
                                       "times in a row; nothing was changed, try again") from None
                sleep(random.uniform(0, min(RETRY_CAP_S, RETRY_BASE_S * 2 ** attempt)))
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        _RETRYING.reset(token)


@contextmanager
def _busy_timeout_at_most(database: pw.Database, seconds: float, sqlite: bool) -> Iterator[None]:
    """SQLite's own busy wait (``busy_timeout``, 5 s) shortened to what is left of a shorter wait."""
    limit = BUSY_TIMEOUT_MS
    ms = max(int(seconds * 1000), 0)
    if not sqlite or ms >= limit:
        yield
        return
    database.execute_sql(f"PRAGMA busy_timeout = {ms}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {limit}")
