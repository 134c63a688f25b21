"""Seller Central reports in: reading, importing and reconciling them (export lives in
``safet_tui.export``).

The API the desk and the command line call::

    from safet_tui.reports import run_import, ReportError

    summary = run_import(desk, "returns", "returns.tsv", account=None, dry_run=False,
                         progress=lambda done, total: ...)
    print(summary)            # or summary.lines(): plain text, never markup

``run_import(desk, kind, path, *, account=None, dry_run=False, progress=None) -> ImportSummary``

- ``kind``: ``"returns"`` (merchant-fulfilled returns report), ``"settlement"``
  (settlement report V2), ``"claims"`` (a ``safet export --format json`` file)
  or ``"auto"`` (guessed from the first line, see :func:`detect_kind`).
- ``account``: the seller account's name (created if new). ``None``: the one
  account of the report's marketplace, created if there is none (the summary
  says so); several raise :class:`AccountChoiceError`, whose ``accounts`` lists
  the names to choose from.
- ``dry_run``: do all the work in a transaction and roll it back; the summary
  tells what would change.
- ``progress(done, total)``: called every couple of thousand rows and at the
  end, in work units (each row is read, then applied: ``total`` is twice the
  row count); show ``done / total``.
- One transaction per file: a :class:`ReportError` (missing required column,
  unparseable amount or date, non-tab or non-UTF-8 file) means nothing was
  written; its ``file``, ``line``, ``column`` and ``value`` say where.
- Importing the same file twice changes nothing the second time; each import
  that changes something is recorded in ``ImportLog`` (file name, sha256,
  time, summary), and status events name the file.

Call it from a Textual thread worker (``@work(thread=True)``): it opens and
closes that thread's own database connection; hop back to the UI with
``call_from_thread`` for progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safet_tui.reports.errors import AccountChoiceError, ReportError

if TYPE_CHECKING:
    from safet_tui.reports.runner import KINDS, detect_kind, run_import
    from safet_tui.reports.summary import ImportSummary, UnmatchedPayout

__all__ = [
    "AccountChoiceError", "ImportSummary", "KINDS", "ReportError", "UnmatchedPayout", "detect_kind",
    "run_import",
]

#: loaded when first asked for: a module that needs only a part of reports (the demo's column
#: lists, an error type) does not load every importer
_LAZY = {"KINDS": "runner", "detect_kind": "runner", "run_import": "runner", "ImportSummary": "summary",
         "UnmatchedPayout": "summary"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"safet_tui.reports.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'safet_tui.reports' has no attribute {name!r}")
