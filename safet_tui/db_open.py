"""Opening a database: where it is (a file path or a URL), the SQLite settings, a new file made
private, a read-only file or folder told apart, and the schema created or upgraded on open."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from safet_tui.db import EXTRA_INDEXES, FTS_DDL, MODELS, PG_FTS_INDEX, SCHEMA_VERSION, meta_set
from safet_tui.transactions import (
    BUSY_TIMEOUT_MS,
    DB,
    DatabaseBusy,
    DatabaseError,
    DatabaseReadOnly,
    bound,
    write_transaction,
)


@dataclass(frozen=True)
class DbTarget:
    kind: str  # "sqlite" | "postgresql"
    path: Path | None = None
    url: str = ""

    @property
    def attachments_dir(self) -> Path:
        if self.path is not None:
            return self.path.with_name(self.path.name + ".attachments")
        if os.environ.get("SAFET_ATTACHMENTS"):  # a server's files kept elsewhere (a shared folder)
            return Path(os.environ["SAFET_ATTACHMENTS"]).expanduser()
        from platformdirs import user_data_dir

        return Path(user_data_dir("safet")) / "attachments"

    def __str__(self) -> str:
        return str(self.path) if self.path else self.url

    @property
    def name(self) -> str:
        """Short form for a status line: the file name, or the URL without its password."""
        if self.path is not None:
            return self.path.name
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{parts.path}"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("safet")) / "safet.db"


def parse_db_url(value: str | None) -> DbTarget:
    """A file path, ``sqlite:///path``, or ``postgresql://…``; default from SAFET_DB."""
    value = value or os.environ.get("SAFET_DB") or ""
    if not value:
        return DbTarget("sqlite", default_db_path())
    if value.startswith(("postgresql://", "postgres://")):
        return DbTarget("postgresql", url=value)
    if value.startswith("sqlite://"):
        rest = value[len("sqlite://"):]
        if not rest.startswith("/") or rest == "/":
            raise DatabaseError(f"bad database URL {value!r}: use sqlite:///relative.db or sqlite:////abs/path.db")
        return DbTarget("sqlite", Path(rest[1:]).expanduser())
    if "://" in value:
        raise DatabaseError(f"unsupported database URL {value!r}: use a file path, sqlite:///… or postgresql://…")
    return DbTarget("sqlite", Path(value).expanduser())


SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    # SQLite's own default, 2 MB per connection: each worker thread has its own connection and
    # cache, over the one copy of the file the OS caches for all of them. At 32 MB the pages of
    # one-off scans (the counts and views at start-up) stayed resident: +5 MB on the home screen
    # at a million claims, and up to 32 MB more per worker thread as the desk was used.
    "cache_size": -2000,
    "temp_store": "memory",
}


#: a database read as it stands (see read_only_reason): no journal to set up
READ_ONLY_PRAGMAS = {k: v for k, v in SQLITE_PRAGMAS.items() if k not in ("journal_mode", "synchronous")}


def _journal_writable(path: Path) -> bool:
    """Can SQLite keep its write-ahead journal (``-wal``, ``-shm``) beside the database?"""
    if os.access(path.parent, os.W_OK):
        return True
    return all(os.access(path.with_name(path.name + end), os.W_OK) for end in ("-wal", "-shm"))


def read_only_reason(path: Path | None) -> str:
    """Why this process cannot change the database file, in a few words ('' when it can): the
    desk says so in its status line and refuses writes before trying them."""
    if path is None or not path.exists():
        return ""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "on a read-only file system"
    except OSError:  # pragma: no cover - statvfs missing on an odd platform
        pass
    if not os.access(path, os.W_OK):
        return "the file is read-only for you"
    if not _journal_writable(path):
        return "its folder is read-only for you (no room for the journal)"
    return ""


def _private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parent for the user only (0700); existing ones keep their mode."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(d, 0o700)  # whatever the umask


def create_private(path: Path) -> None:
    """Create a new SQLite database file for the user only (0600, whatever the umask), so that
    SQLite, which gives the WAL and SHM files the mode of the database, creates those 0600 too.
    An existing file keeps its mode: a database the user chose to share stays shared."""
    _private_dirs(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def open_database(target: DbTarget | str | None, *, create: bool = True) -> pw.Database:
    """Open (and create or upgrade) the database and bind the models to it."""
    if not isinstance(target, DbTarget):
        target = parse_db_url(target)
    if target.kind == "postgresql":
        from safet_tui.postgres import connect

        database = connect(target.url)
    else:
        assert target.path is not None
        if not target.path.exists() and not create:
            raise DatabaseError(f"no database at {target.path}")
        if target.path.is_dir():
            raise DatabaseError(f"{target.path} is a directory, not a database file")
        if not target.path.exists():
            try:
                create_private(target.path)
            except OSError as exc:
                raise DatabaseError(f"cannot create {target.path}: {exc.strerror or exc}") from exc
        if target.path.exists() and not _journal_writable(target.path):
            # Neither the folder nor a journal there can be written (a read-only folder or mount):
            # SQLite cannot open a WAL database there as it is, but can read it as it stands.
            from urllib.parse import quote

            database = pw.SqliteDatabase(f"file:{quote(str(target.path.resolve()))}?immutable=1", uri=True,
                                         pragmas=READ_ONLY_PRAGMAS, check_same_thread=False)
        else:
            database = pw.SqliteDatabase(str(target.path), pragmas=SQLITE_PRAGMAS, check_same_thread=False)
        try:
            database.connect(reuse_if_open=True)
            database.execute_sql("PRAGMA schema_version").fetchone()
        except pw.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusy(f"{target.path} is locked by another program (it holds the whole file); "
                                   "try again when it is done") from exc
            if "readonly" in str(exc):
                raise DatabaseReadOnly(f"{target.path} is read-only here, and so is its folder: safet keeps its "
                                       "write-ahead journal beside the database, so it needs to write one of them") from exc
            raise DatabaseError(f"{target.path} is not a safet database: {exc}") from exc
    DB.initialize(database)
    from safet_tui.migrations import LatestSchema, ensure_schema
    from safet_tui.tallies import create_tallies

    with bound(database):
        ensure_schema(database, LatestSchema(
            version=SCHEMA_VERSION, models=MODELS, extra_indexes=EXTRA_INDEXES, fts_ddl=FTS_DDL,
            pg_fts_index=PG_FTS_INDEX, after_create=create_tallies, meta_set=meta_set,
            write_transaction=write_transaction, error=DatabaseError))
    return database
