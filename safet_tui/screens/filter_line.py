"""The home screen's filter line: filter as you type, never waiting behind a fetch in flight.

A filter lists its newest matches first (service/matches.py), and that is one more sort order
while it is on: ``s`` cycles through it and the others; cleared, the list goes back to the sort
it had before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual import on
from textual.timer import Timer
from textual.widgets import Input, Label

from safet_tui.messages import DeskContext
from safet_tui.screens.triage import TriageScreen
from safet_tui.service.desk import Desk
from safet_tui.service.views import ListRow, TabCount

#: how the status line names a sort (the others by their own name)
SORT_NAMES = {"newest": "newest match first"}


class FilterSource:
    """The claim list's rows, from the desk. Under a text filter one read gives the list its
    count and first page and every tab its count (handed to ``counted``, from the list's worker):
    one walk of the filter's newest matches instead of one for the list and one for the tabs."""

    def __init__(self, desk: Desk, counted: Callable[[str, dict[str, TabCount]], None]) -> None:
        self.desk = desk
        self.counted = counted
        #: (tab, text, its newest matches) from ``count``, for the ``window`` that follows in the same fetch
        self._held = threading.local()

    def count(self, tab: str, text: str = "", only: tuple[str, ...] = ()) -> int:
        if not text or only:  # the home screen counts the tabs itself (without the views)
            return self.desk.count(tab, text, only=only)
        counts, ids = self.desk.filter_matches(text)
        self.counted(text, counts)
        self._held.matches = (tab, text, ids.get(tab)) if ids is not None else None
        return counts[tab].total + counts[tab].more

    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline", text: str = "",
               only: tuple[str, ...] = ()) -> list[ListRow]:
        held, self._held.matches = getattr(self._held, "matches", None), None
        if held is not None and held[:2] == (tab, text) and held[2] is not None and not only:
            return self.desk.rows_of(held[2], sort, offset, limit)
        return self.desk.window(tab, offset, limit, sort, text, only=only)


class FilterLine(TriageScreen):
    """The filter box over the claim list (the home screen provides the list and its counts)."""

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self._filter_timer: Timer | None = None
        #: the filter box's text waiting for the fetch in flight to land (see _filter_changed)
        self._filter_wanted: str | None = None
        #: the sort before a filter listed its newest matches first (back when it is cleared)
        self._sort_unfiltered = "deadline"

    #: the filter text the counts are for (kept by the home screen)
    _counts_text: str

    def refresh_counts(self) -> object:  # the home screen's counting worker
        raise NotImplementedError

    def _update_status(self) -> None:
        raise NotImplementedError

    def action_filter(self) -> None:
        # set_focus, not focus(): focus() waits a tick, and keys typed right behind "/" belong
        # to the filter (SafetApp._on_key hands them on)
        self.set_focus(self.query_one("#filter", Input))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Filter as you type: at once when no filter fetch is in flight; otherwise the newest text
        waits for that fetch to land, or ``filter_delay`` at most, whichever comes first (an
        older fetch landing late is dropped by the list and the counts, never shown)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        delay = self.ctx.config.filter_delay
        if delay <= 0 or not self._filter_busy():
            self._filter_wanted = None
            self._apply_filter(event.value)
            return
        self._filter_wanted = event.value
        self._filter_timer = self.set_timer(delay, self._apply_wanted_filter)

    def _filter_busy(self) -> bool:
        """The list or the counts of a filter are still being fetched."""
        cl = self.claim_list
        return not cl.is_loaded or self._counts_text != cl.text

    def _apply_wanted_filter(self) -> None:
        """The text typed while a fetch was in flight, once it lands (or the delay passed)."""
        if self._filter_wanted is None:
            return
        if self._filter_timer is not None and self._filter_busy():
            return  # still in flight: the timer comes back
        value, self._filter_wanted = self._filter_wanted, None
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self._apply_filter(value)

    def _apply_filter(self, value: str) -> None:
        if value.strip() != self.claim_list.text:
            self._show_filter(value.strip())
        if not value.strip():
            self.query_one("#filter-count", Label).update("")

    def _show_filter(self, text: str) -> None:
        """List a filter's matches, newest first (a filter typed over none), or, cleared, the tab
        in the sort it had before."""
        cl = self.claim_list
        sort = None
        if text and not cl.text and cl.sort != "newest":
            self._sort_unfiltered, sort = cl.sort, "newest"
        elif not text and cl.sort == "newest":
            sort = self._sort_unfiltered
        cl.show(text=text, sort=sort)  # the status line follows when the rows land
        self.refresh_counts()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.claim_list.focus()

    def clear_filter(self) -> None:
        """Escape in the filter box: no filter, the whole tab, the list focused."""
        box = self.query_one("#filter", Input)
        box.value = ""
        self.query_one("#filter-count", Label).update("")
        if self._filter_timer is not None:  # what was typed last goes too
            self._filter_timer.stop()
            self._filter_timer = None
        self._filter_wanted = None
        if self.claim_list.text:
            self._show_filter("")
        self.claim_list.focus()
