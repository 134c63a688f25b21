"""The service API: the only way screens and commands read or change claims.

``Desk`` is one session (see ``service.session``) with its reads (``service.reads``), the
seller's and the investigator's actions (``service.actions``) and what time decides
(``service.time_passing``). Every write is one transaction; a refused action raises
``ServiceError`` (or the domain's ``TransitionError``) with a message fit for a person, and
changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from safet_tui.domain.lifecycle import TransitionError
from safet_tui.service.actions import AmazonActions, SellerActions
from safet_tui.service.errors import Busy, NotFound, ReadOnly, ServiceError
from safet_tui.service.session import Evidenced, default_user, set_unread_horizon
from safet_tui.transactions import bound


def _binds_database(cls):
    """Every public method of the Desk runs with the models bound to this desk's own database,
    so two desks on two files in one process stay independent (see ``db.bound``)."""
    for name in dir(cls):
        fn = getattr(cls, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue

        def wrap(fn):
            @functools.wraps(fn)
            def inner(self, *args, **kwargs):
                with bound(self.database):
                    return fn(self, *args, **kwargs)
            return inner

        setattr(cls, name, wrap(fn))
    return cls


@_binds_database
class Desk(SellerActions, AmazonActions):
    """One person's session on one database: who they are (user and role) and the connection.

    Every change reads the claim it changes and writes it in one transaction that holds the
    write lock from its first statement (``BEGIN IMMEDIATE`` on SQLite, one writer at a time on
    PostgreSQL), and checks the lifecycle's rules there, for this session's role."""

    # -- for the screens --------------------------------------------------------------------
    # Small doors to what screens may not import (reports, export, the attachment store); each
    # turns that module's own refusal into a ServiceError with the same one-line text.
    def close_thread_connection(self) -> None:
        """Close the calling thread's own connection (one per thread): a worker's, when it is done."""
        if not self.database.is_closed():
            self.database.close()

    def check_attachment(self, path: str) -> None:
        """Refuse, before anything is sent, a file that cannot be attached (missing, a folder,
        unreadable, over the attachment limit)."""
        from safet_tui.attachments import AttachmentError, check_file

        try:
            check_file(path, self.attachment_limit)
        except AttachmentError as exc:
            raise ServiceError(str(exc)) from exc

    def import_report(self, kind: str, path: str, *, account: str | None = None, dry_run: bool = False,
                      progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Import one report (``safet_tui.reports.run_import``; call it from a thread worker) and
        return its summary as plain lines; a file that cannot be imported changes nothing."""
        from safet_tui.reports import ReportError, run_import

        try:
            return run_import(self, kind, path, account=account, dry_run=dry_run, progress=progress).lines()
        except ReportError as exc:  # names the file, line, column and value
            raise ServiceError(str(exc)) from exc

    def export_claims(self, path: str, *, fmt: str = "csv", with_messages: bool = False,
                      statuses: Sequence[str] = (), claim_ids: Sequence[int] = ()) -> int:
        """Write claims to ``path`` as CSV or JSON (``safet_tui.export.claims``); how many."""
        from safet_tui.export.claims import export_claims
        from safet_tui.reports import ReportError

        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                return export_claims(self, out, fmt=fmt, with_messages=with_messages, statuses=statuses,
                                     claim_ids=claim_ids).claims
        except ReportError as exc:
            raise ServiceError(str(exc)) from exc
        except OSError as exc:
            raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from exc


__all__ = ["Desk", "ServiceError", "NotFound", "Busy", "ReadOnly", "Evidenced", "TransitionError", "default_user",
           "set_unread_horizon"]
