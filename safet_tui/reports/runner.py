"""Running one import: read and check the file, write it in one transaction, log it."""

from __future__ import annotations

import gc
import hashlib
import json
import time
from pathlib import Path

from ..db import ImportLog
from . import claims_json, returns, settlement
from .context import ImportContext, Progress
from .errors import ReportError
from .summary import ImportSummary
from .tsv import column_key

KINDS = ("returns", "settlement", "claims")
_IMPORTERS = {"returns": returns, "settlement": settlement, "claims": claims_json}


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def detect_kind(path: str | Path) -> str:
    """Guess a file's kind from its first line: returns, settlement or claims (JSON)."""
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(8192)
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


def _wrong_kind(exc: ReportError, kind: str, path: Path) -> ReportError:
    """A missing column often means the wrong kind of file: say which kind it looks like."""
    if not exc.problem.startswith("required column"):
        return exc
    try:
        other = detect_kind(path)
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
    connection.
    """
    started = time.perf_counter()
    path = Path(path)
    if kind == "auto":
        kind = detect_kind(path)
    if kind not in _IMPORTERS:
        raise ReportError(f"unknown report kind {kind!r} (use {', '.join(KINDS)})")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    summary = ImportSummary(kind=kind, file=path.name, sha256=sha, dry_run=dry_run)
    database = desk.database
    opened_here = database.is_closed()
    ctx = ImportContext(database=database, policies=desk.policies, user=desk.user, now=desk.now(),
                        file=path.name, summary=summary, account=account, progress=progress)
    importer = _IMPORTERS[kind]
    # A file's rows become a few hundred thousand small objects that all live until the end: the
    # cyclic collector would walk them again and again for nothing (~1 s of 6 at 100k rows). It is
    # off for the import only, and back on afterwards if it was on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            parsed = importer.read(data, ctx)
        except ReportError as exc:
            raise _wrong_kind(exc, kind, path) from None
        summary.imported_before = [
            log.at for log in ImportLog.select().where(ImportLog.sha256 == sha).order_by(ImportLog.at)
        ]
        try:
            with database.atomic():
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
