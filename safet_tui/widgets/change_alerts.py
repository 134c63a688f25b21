"""Alerts in the open desk when a claim changes status elsewhere (another terminal, an import, a
deadline passing): a toast naming the claim and the change, a key that opens it, and the
terminal bell when the config asks for it (``[notifications] bell = true``)."""

from __future__ import annotations

from typing import Any

from safet_tui.messages import REFUSALS
from safet_tui.service.views import StatusChange
from safet_tui.widgets.text import clean

#: toasts at most per check (the rest are counted in one)
SHOWN = 3


def describe(change: StatusChange) -> str:
    to = change.to_status + (f" ({change.outcome})" if change.outcome and change.to_status == "Resolved" else "")
    return f"Claim {change.claim_no}: {change.from_status} → {to}, {change.words}"


class ChangeAlerts:
    """Looks for status changes in a worker after the change poll saw news; shows them on the UI."""

    def __init__(self, app: Any) -> None:  # the SafetApp (a layer above: not imported here)
        self.app = app
        self.after: int | None = None
        #: the claim the last toast named (the ``o`` key opens it)
        self.latest: str | None = None

    def start(self) -> None:
        self.look()

    def look(self) -> None:
        self.app.run_worker(self._look, thread=True, group="change-alerts", exclusive=True)

    def _look(self) -> None:
        desk = self.app.desk
        try:
            after, changes, total = desk.status_changes_after(self.after, SHOWN)
        except REFUSALS:  # the database is busy or gone for a moment: the next change looks again
            return
        finally:
            desk.close_thread_connection()
        self.app.call_from_thread(self._show, after, changes, total)

    def _show(self, after: int, changes: list[StatusChange], total: int) -> None:
        first = self.after is None
        self.after = max(after, self.after or 0)
        settings = self.app.config.notifications
        if first or not changes:
            return
        self.latest = changes[-1].claim_no
        if settings.toasts:
            if total > len(changes):
                self.app.notify(f"{total - len(changes):,} more claims changed status; the tabs show them as "
                                "unread", title="Status changed", timeout=8, markup=False)
            for change in changes:
                self.app.notify(clean(describe(change)) + " · o opens it", title="Status changed",
                                timeout=8, markup=False)
        if settings.bell:
            self.app.bell()

    def open_latest(self) -> None:
        if self.latest is None:
            self.app.say("No status change to open yet")
            return
        self.app.open_thread(self.latest)
