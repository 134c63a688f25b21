"""The home screen's filter line: filter as you type, at once when no search is running, and the
last text typed as soon as the search before it lands (``filter_delay`` at most).

A filter lists its newest matches first (service/matches.py), and that is one more sort order
while it is on: ``s`` cycles through it and the others; cleared, the list goes back to the sort
it had before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label

from safet_tui.messages import DeskContext
from safet_tui.screens.triage import TriageScreen
from safet_tui.service.desk import Desk
from safet_tui.service.views import FILTER_CAP, TABS, ListRow, TabCount
from safet_tui.widgets.tab_labels import matches_text

#: how the status line names a sort (the others by their own name)
SORT_NAMES = {"newest": "newest match first"}


class FilterSource:
    """The claim list's rows, from the desk. Under a filter the list's count is its tab's count too
    (handed to ``counted``, from the list's worker): the rows come first, then the other tabs are
    counted (the home screen's ``refresh_counts``), not the same matches twice side by side."""

    def __init__(self, desk: Desk, counted: Callable[[str, dict[str, TabCount]], None]) -> None:
        self.desk = desk
        self.counted = counted
        #: what a fetch's ``count`` found (the tab's count, its newest matches), for the ``window``
        #: that follows in the same worker: the rows from those ids, the count handed on with them
        self._held = threading.local()

    def count(self, tab: str, text: str = "", only: tuple[str, ...] = ()) -> int:
        self._held.matches = None
        if not text or only:  # the home screen counts the tabs itself (without the views)
            n = self.desk.count(tab, text, only=only)
            return min(n, FILTER_CAP) if text else n
        found = self.desk.filter_matches(tab, text)
        if found is None:  # no text to match (an account only), or the claimable refunds
            count = self.desk.filter_counts(text, (tab,))[tab]
        else:
            count, ids = found
            self._held.matches = (tab, text, ids)
        self._held.counted = (text, {tab: count})  # the other tabs are counted once the rows are shown
        return count.total  # no more than FILTER_CAP: the list holds that many (``more``: there are more)

    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline", text: str = "",
               only: tuple[str, ...] = (), total: int | None = None) -> list[ListRow]:
        held, self._held.matches = getattr(self._held, "matches", None), None
        if held is not None and held[:2] == (tab, text) and not only:  # the rows of the walk just made
            rows = self.desk.rows_of(held[2], sort, offset, limit)
        else:
            rows = self.desk.window(tab, offset, limit, sort, text, only=only, total=total)
        counted, self._held.counted = getattr(self._held, "counted", None), None
        if counted is not None:
            self.counted(*counted)
        return rows


class FilterLine(TriageScreen):
    """The filter box over the claim list (the home screen provides the list and its counts)."""

    @dataclass
    class Counted(Message):
        """Tab counts for a filter (all tabs, or some: a filter counts its list's tab first)."""

        bubble: ClassVar[bool] = False
        text: str
        counts: dict[str, TabCount]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self._counts: dict[str, TabCount] = {}
        #: the filter text the counts are for, and which tabs are counted for it so far
        self._counts_text = ""
        self._counted: set[str] = set()
        #: what the tabs held without a filter (shown at once when it is cleared, then refreshed)
        self._unfiltered_counts: dict[str, TabCount] = {}
        #: a filter's other tabs are to be counted when the list's rows land (see refresh_counts)
        self._count_others = False
        self._filter_timer: Timer | None = None
        #: the filter box's text waiting for the fetch in flight to land (see _filter_changed)
        self._filter_wanted: str | None = None
        #: the sort before a filter listed its newest matches first (back when it is cleared)
        self._sort_unfiltered = "deadline"
        #: the text beside the filter box
        self._matches_text = ""

    def _relabel(self) -> None:  # the home screen's tab labels
        raise NotImplementedError

    # -- the tab counts under a filter ----------------------------------------------------
    def refresh_counts(self) -> None:
        cl = self.claim_list
        if cl.text and not cl.only:
            # the list's fetch counts its own tab (FilterSource); the others once its rows land
            self._count_others = True
            if cl.is_loaded:
                self._count_others = False
                self._count_tabs(cl.text, tuple(t for t in TABS if t != cl.tab))
            return
        self._count_tabs(cl.text, None)

    @work(thread=True, exclusive=True, group="counts")
    def _count_tabs(self, text: str, tabs: tuple[str, ...] | None) -> None:
        counts = self.desk.counts(text) if tabs is None else self.desk.filter_counts(text, tabs)
        self.post_message(self.Counted(text, counts))

    def _post_counts(self, text: str, counts: dict[str, TabCount]) -> None:
        self.post_message(self.Counted(text, counts))

    @on(Counted)
    def _set_counts(self, message: Counted) -> None:
        if message.text != self.claim_list.text:  # a slower answer for an older filter
            return
        if self._counts_text and len(message.counts) < len(TABS):
            # a filter's tabs, counted one part at a time: the others keep their figures (of this
            # filter, or of the one typed just before) until theirs come
            self._counts = {**self._counts, **message.counts}
            self._counted = (self._counted if message.text == self._counts_text else set()) | set(message.counts)
        else:
            self._counts = message.counts
            self._counted = set(message.counts)
        if not message.text:
            self._unfiltered_counts = message.counts
        self._counts_text = message.text
        self._show_matches()
        self._relabel()
        self._apply_wanted_filter()

    def _show_matches(self) -> None:
        """How many claims the filter matches here, and where else (``matches_text``)."""
        cl = self.claim_list
        counts = self._counts if self._counts_text == cl.text else {}
        text = matches_text(cl.total, cl.tab, counts, self.size.width, self.list_capped()) if cl.text else ""
        self.show_matches_text(text)

    def list_capped(self) -> bool:
        """The list holds a filter's newest FILTER_CAP matches, and there are more."""
        cl = self.claim_list
        count = self._counts.get(cl.tab) if cl.text and self._counts_text == cl.text else None
        return count is not None and count.more

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
            self.show_matches_text("")

    def _show_filter(self, text: str) -> None:
        """List a filter's matches, newest first (a filter typed over none), or, cleared, the tab
        in the sort it had before."""
        cl = self.claim_list
        sort = None
        if text and not cl.text and cl.sort != "newest":
            self._sort_unfiltered, sort = cl.sort, "newest"
        elif not text and cl.sort == "newest":
            sort = self._sort_unfiltered
        if not text and self._unfiltered_counts:
            # cleared: the tabs show their counts from before the filter at once, then fresh ones
            self._counts, self._counts_text, self._counted = self._unfiltered_counts, "", set()
            self._relabel()
        cl.show(text=text, sort=sort)  # the status line follows when the rows land
        self.refresh_counts()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.claim_list.focus()

    def show_matches_text(self, text: str) -> None:
        """What the filter matched, beside the box (set only when it changed: a label whose text
        changes lays the whole screen out again, a frame's work that a keystroke waits for)."""
        if text != self._matches_text:
            self._matches_text = text
            self.query_one("#filter-count", Label).update(text)

    def clear_filter(self) -> None:
        """Escape in the filter box: no filter, the whole tab, the list focused."""
        box = self.query_one("#filter", Input)
        box.value = ""
        self.show_matches_text("")
        if self._filter_timer is not None:  # what was typed last goes too
            self._filter_timer.stop()
            self._filter_timer = None
        self._filter_wanted = None
        if self.claim_list.text:
            self._show_filter("")
        self.claim_list.focus()
