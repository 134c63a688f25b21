"""Files in and out for the screens: reports imported, claims and figures exported, attachments
checked. Each turns its module's own refusal into a ServiceError with the same one-line text, so
a screen never imports the importers, the exporters or the file store."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from safet_tui import attachments as store
from safet_tui.attachments import AttachmentError
from safet_tui.service.errors import AttachmentRefused, ServiceError
from safet_tui.service.reads import Reads

if TYPE_CHECKING:  # the figures load with the analytics screen, not at start-up
    from safet_tui.domain.figures import Analytics


class Transfers(Reads):
    def export_analytics(self, figures: Analytics, csv_path: Path, json_path: Path) -> None:
        """Write the dashboard's figures as CSV (formula-safe) and JSON, readable by you only."""
        from safet_tui.export.analytics import to_csv, to_json
        from safet_tui.export.csv_cells import FILE_ENCODING
        from safet_tui.export.files import write_private

        write_private(self.local_path(csv_path), to_csv(figures), encoding=FILE_ENCODING)
        write_private(self.local_path(json_path), to_json(figures))

    def close_thread_connection(self) -> None:
        """Close the calling thread's own connection (one per thread): a worker's, when it is done."""
        if not self.database.is_closed():
            self.database.close()

    def check_attachment(self, path: str) -> None:
        """Refuse, before anything is sent, a file that cannot be attached (missing, a folder,
        unreadable, over the attachment limit)."""
        path = self.local_path(path)
        try:
            store.check_file(path, self.attachment_limit)
        except AttachmentError as exc:
            raise AttachmentRefused(str(exc)) from exc

    def import_report(self, kind: str, path: str, *, account: str | None = None, dry_run: bool = False,
                      progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Import one report (``safet_tui.reports.run_import``; call it from a thread worker) and
        return its summary as plain lines; a file that cannot be imported changes nothing."""
        from safet_tui.reports import ReportError, run_import

        path = self.local_path(path)
        try:
            return run_import(self, kind, path, account=account, dry_run=dry_run, progress=progress).lines()
        except ReportError as exc:  # names the file, line, column and value
            raise ServiceError(str(exc)) from exc

    def export_claims(self, path: str, *, fmt: str = "csv", with_messages: bool = False,
                      statuses: Sequence[str] = (), claim_ids: Sequence[int] = ()) -> int:
        """Write claims to ``path`` as CSV or JSON (``safet_tui.export.claims``); how many."""
        from safet_tui.export.claims import export_claims
        from safet_tui.export.csv_cells import FILE_ENCODING
        from safet_tui.export.files import write_private
        from safet_tui.reports import ReportError

        path = self.local_path(path)
        out = io.StringIO(newline="")
        try:
            result = export_claims(self, out, fmt=fmt, with_messages=with_messages, statuses=statuses,
                                   claim_ids=claim_ids)
            write_private(path, out.getvalue(), encoding=FILE_ENCODING if fmt == "csv" else "utf-8")
        except ReportError as exc:
            raise ServiceError(str(exc)) from exc
        except OSError as exc:
            raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return result.claims
