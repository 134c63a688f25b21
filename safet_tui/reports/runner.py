"""Running one import: read and check the file, write it in one transaction, log it."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import stat
import time
from pathlib import Path

from safet_tui.db import ImportLog
from safet_tui.reports.context import ImportContext, Progress
from safet_tui.reports.errors import ReportError
from safet_tui.reports.importers import claims_json, returns, settlement
from safet_tui.reports.reading.tsv import column_key
from safet_tui.reports.summary import ImportSummary
from safet_tui.transactions import bound, retrying, write_transaction

KINDS = ("returns", "settlement", "claims")
_IMPORTERS = {"returns": returns, "settlement": settlement, "claims": claims_json}


#: The largest file an import reads (512 MiB). A 100k-row returns report is ~40 MB and a JSON export
#: of 100k claims with their threads ~400 MB; a bigger file is refused before it is read.
MAX_IMPORT_BYTES = 512 * 1024 * 1024


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _open_report(path: Path, limit: int):
    """The file opened for reading, once its open descriptor shows a regular file of at most ``limit``
    bytes. Opened without blocking (a FIFO would otherwise wait for a writer forever) and checked
    through the descriptor, so nothing can swap the file between the check and the read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReportError("is a folder, not a report file", file=path.name)
        if not stat.S_ISREG(info.st_mode):
            raise ReportError("not a regular file (a device, pipe or socket cannot be imported)", file=path.name)
        if info.st_size > limit:
            raise ReportError(f"{_mib(info.st_size)} is over the {_mib(limit)} import limit; split the report "
                              "(Seller Central reports can be requested for shorter date ranges)", file=path.name)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_report(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a report file, or a one-line :class:`ReportError`: a device, pipe, socket or
    folder is refused (``/dev/zero`` would read until memory runs out, a FIFO would hang), and so
    is a file over ``limit`` bytes (:data:`MAX_IMPORT_BYTES`)."""
    p = Path(path)
    limit = MAX_IMPORT_BYTES if limit is None else limit
    with _open_report(p, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while we read it
        raise ReportError(f"over the {_mib(limit)} import limit", file=p.name)
    return data


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def detect_kind(path: str | Path, data: bytes | None = None) -> str:
    """Guess a file's kind from its first line: returns, settlement or claims (JSON)."""
    p = Path(path)
    if data is None:
        with _open_report(p, MAX_IMPORT_BYTES) as fh:
            data = fh.read(8192)
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as the importers take it
        text = head.decode("utf-16", "replace").lstrip()
    else:
        text = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace").lstrip()
    if text.startswith("{"):
        return "claims"
    keys = {column_key(h) for h in text.split("\n", 1)[0].split("\t")}
    if {"transaction type", "amount type"} & keys or "settlement id" in keys:
        return "settlement"
    if {"order id", "refunded amount"} <= keys or "safet claim id" in keys:
        return "returns"
    raise ReportError("cannot tell what kind of report this is (expected a returns report, a settlement "
                      "report V2, or a safet claims export)", file=p.name, line=1)


def _wrong_kind(exc: ReportError, kind: str, path: Path, data: bytes) -> ReportError:
    """A missing column often means the wrong kind of file: say which kind it looks like."""
    if not exc.problem.startswith("required column"):
        return exc
    try:
        other = detect_kind(path, data)
    except (ReportError, OSError):
        return exc
    if other == kind:
        return exc
    return ReportError(f"{exc.problem}; this looks like a {other} file: import it with "
                       f"'safet import {other}'", file=exc.file, line=exc.line, column=exc.column,
                       value=exc.value)


def run_import(desk, kind: str, path: str | Path, *, account: str | None = None, dry_run: bool = False,
               progress: Progress | None = None) -> ImportSummary:
    """Import one file into the desk's database and say what changed.

    ``kind`` is ``"returns"``, ``"settlement"``, ``"claims"`` or ``"auto"``.
    Raises :class:`ReportError` (nothing written) for a file that cannot be
    imported, :class:`AccountChoiceError` when the account must be named.
    Safe to call from a thread worker: it uses (and closes) that thread's own
    connection. An import whose transaction conflicted with another program's (PostgreSQL) is
    read and applied again from the start (``transactions.retrying``).
    """
    with bound(desk.database):  # this desk's database, whatever else is open in the process
        return retrying(lambda: _run_import(desk, kind, path, account=account, dry_run=dry_run, progress=progress))


def _run_import(desk, kind: str, path: str | Path, *, account: str | None = None, dry_run: bool = False,
               progress: Progress | None = None) -> ImportSummary:
    started = time.perf_counter()
    path = Path(path)
    if kind != "auto" and kind not in _IMPORTERS:
        raise ReportError(f"unknown report kind {kind!r} (use {', '.join(KINDS)})")
    data = read_report(path)
    if kind == "auto":
        kind = detect_kind(path, data)
    sha = hashlib.sha256(data).hexdigest()
    summary = ImportSummary(kind=kind, file=path.name, sha256=sha, dry_run=dry_run)
    database = desk.database
    opened_here = database.is_closed()
    desk.catch_up()  # every reader sees what the passing of time decided
    ctx = ImportContext(database=database, policies=desk.policies, user=desk.user, now=desk.now(),
                        file=path.name, summary=summary, account=account, progress=progress,
                        accounts=getattr(getattr(desk, "visible", None), "accounts", None))
    importer = _IMPORTERS[kind]
    # A file's rows become a few hundred thousand small objects that all live until the end: the
    # cyclic collector would walk them again and again for nothing (bench/ has what it costs). It is
    # off for the import only, and back on afterwards if it was on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            parsed = importer.read(data, ctx)
        except ReportError as exc:
            raise _wrong_kind(exc, kind, path, data) from None
        store_dir = getattr(desk, "attachments_dir", None)
        if kind == "claims" and store_dir is not None:
            missing, size = claims_json.missing_files(parsed, store_dir)
            if missing:
                summary.note(
                    f"{missing:,} attachment file{'s' if missing != 1 else ''} ({_mib(size)}) named in {path.name} "
                    f"{'are' if missing != 1 else 'is'} not in {store_dir}: a JSON export carries attachment records, "
                    "not files; copy the contents of the exporting database's <db>.attachments folder there")
        summary.imported_before = [
            log.at for log in ImportLog.select().where(ImportLog.sha256 == sha).order_by(ImportLog.at)
        ]
        try:
            # BEGIN IMMEDIATE, waiting for another writer: the import reads the claims it then
            # changes, and a deferred transaction would be refused at once when a desk commits.
            with write_transaction(database, getattr(desk, "lock_wait", 30.0)):
                importer.apply(parsed, ctx)
                summary.seconds = time.perf_counter() - started
                if summary.changed and not dry_run:
                    log = ImportLog.create(kind=kind, file_name=str(path.name), sha256=sha, at=ctx.now,
                                           summary=json.dumps(summary.to_dict(), default=str))
                    summary.import_id = log.id
                if dry_run or not summary.changed:
                    raise _DryRun
        except _DryRun:
            pass
    finally:
        if collecting:
            gc.enable()
        if opened_here and not database.is_closed():
            database.close()
    if progress is not None and ctx.total:
        progress(ctx.total, ctx.total)
    summary.seconds = time.perf_counter() - started
    return summary
