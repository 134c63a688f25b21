"""The claim list: a virtual list that stays instant at 100k claims.

It never holds every row. Its row source (the Desk, or anything with ``count`` and
``window``) gives the row count and pages of rows (100 at a time) in thread workers,
which post them back as messages; only visible lines are rendered (the Line API, as
Textualize/toolong does). Line 0 is the column header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events, on, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from safet_tui.domain.deadlines import Urgency
from safet_tui.domain.money import Money, format_money
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.views import ListRow
from safet_tui.widgets.columns import Column, fit, layout, outcome_text
from safet_tui.widgets.text import URGENCY_CLASS, ago, clean, deadline_text

PAGE = 100

class RowSource(Protocol):
    """Where the list's rows come from: a count and a window, per tab, sort and filter."""

    def count(self, tab: str, text: str = "", only: tuple[str, ...] = ()) -> int: ...

    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline", text: str = "",
               only: tuple[str, ...] = (), total: int | None = None) -> list[ListRow]: ...


DEADLINE_TITLES = {"awaiting": "Reply by", "investigating": "Deadline", "resolved": "Appeal by",
                   "claimable": "File by"}


@lru_cache(maxsize=4096)
def money_text(money: Money | None) -> str:
    return "" if money is None else format_money(money)


def reason_text(row: ListRow) -> str:
    if row.kind == "refund":
        return row.reason
    r = REASONS_BY_CODE.get(row.reason)
    return r.short if r else row.reason


class ClaimList(ScrollView, can_focus=True):
    """Rows of one tab, in one sort order, under one filter."""

    COMPONENT_CLASSES = {
        "claim-list--header", "claim-list--cursor", "claim-list--unread", "claim-list--selected",
        "claim-list--overdue", "claim-list--critical", "claim-list--soon", "claim-list--dim",
        "claim-list--loading",
    }

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="list.page_up"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class CursorMoved(Message):
        row: ListRow | None

    @dataclass
    class Loaded(Message):
        tab: str
        total: int

    @dataclass
    class Activated(Message):
        row: ListRow | None

    @dataclass
    class Fetched(Message):
        """The count and the page around the cursor, from the loading worker."""

        bubble: ClassVar[bool] = False
        generation: int
        total: int
        page: int
        rows: list[ListRow]

    @dataclass
    class PageFetched(Message):
        bubble: ClassVar[bool] = False
        generation: int
        page: int
        rows: list[ListRow]

    def __init__(self, source: RowSource, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.now = now
        self.tab = "awaiting"
        self.sort = "deadline"
        self.text = ""
        #: views that narrow the tab ("unread", "appealable"; see service.queries.VIEWS)
        self.only: tuple[str, ...] = ()
        self.total = 0
        self.is_loaded = False
        self.selected: set[tuple[str, int]] = set()
        self._pages: dict[int, list[ListRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self._layout_width: tuple[int, str, bool] = (-1, "", False)
        self._layout: list[tuple[Column, int]] = []
        self._keep_key: tuple[str, int] | None = None
        #: show the seller account of each row (a desk with several accounts)
        self.show_account = False

    # -- what to show ---------------------------------------------------------------
    def show(self, tab: str | None = None, sort: str | None = None, text: str | None = None,
             *, keep_cursor: bool = False, now: bool = False, only: tuple[str, ...] | None = None) -> None:
        """Switch tab, sort, filter or view (or just reload), then fetch in a worker (``now``: here)."""
        changed = (tab not in (None, self.tab)) or (sort not in (None, self.sort)) or (text not in (None, self.text))
        view_changed = only is not None and tuple(sorted(only)) != self.only
        changed = changed or view_changed
        self.tab = tab if tab is not None else self.tab
        self.sort = sort if sort is not None else self.sort
        self.text = text if text is not None else self.text
        self.only = tuple(sorted(only)) if only is not None else self.only
        if changed and not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False)
        if (tab is not None and changed) or view_changed:
            self.selected.clear()  # what was selected may not be in the new rows
        keep = self.current_row if keep_cursor and not changed else None
        self._keep_key = (keep.kind, keep.key) if keep is not None else None
        self._generation += 1
        self.is_loaded = False
        self._pending.clear()
        if changed:
            self._pages.clear()
        if now:
            # The first load: a count and one page by index are quick even at 100k claims, and
            # the first frame then has rows; a worker's answer would arrive after that frame and
            # cost a second full paint of the cold start (measured in bench/).
            self._on_loaded(self._fetch(self._generation, self.tab, self.sort, self.text, self.cursor, self.only))
            return
        self._load(self._generation, self.tab, self.sort, self.text, self.cursor, self.only)

    def reload(self) -> None:
        """Fetch again (the database changed), keeping the cursor and the selection."""
        self.show(keep_cursor=True)

    @work(thread=True, exclusive=True, group="claim-list-load")
    def _load(self, generation: int, tab: str, sort: str, text: str, cursor: int, only: tuple[str, ...]) -> None:
        self.post_message(self._fetch(generation, tab, sort, text, cursor, only))

    def _fetch(self, generation: int, tab: str, sort: str, text: str, cursor: int, only: tuple[str, ...]) -> Fetched:
        total = self.source.count(tab, text, only=only)
        page = min(cursor, max(0, total - 1)) // PAGE
        return self.Fetched(generation, total, page, self.source.window(tab, page * PAGE, PAGE, sort, text, only, total))

    @on(Fetched)
    def _on_loaded(self, message: Fetched) -> None:
        generation, total, page, rows = message.generation, message.total, message.page, message.rows
        if generation != self._generation:
            return
        self.total = total
        self._pages = {page: rows}
        self._pending.clear()
        self.is_loaded = True
        if self._keep_key is not None:
            # Another terminal or an import changed the tab: stay on the same claim if it is still
            # near; if it left the tab, the cursor's row now holds the next one.
            moved = next((i for i, r in enumerate(rows) if (r.kind, r.key) == self._keep_key), None)
            if moved is not None and page * PAGE + moved != self.cursor:
                self.set_reactive(ClaimList.cursor, page * PAGE + moved)
            self._keep_key = None
        self.virtual_size = Size(self.scrollable_content_region.width, total + 1)
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        else:
            self._scroll_cursor_into_view()
            self.post_message(self.CursorMoved(self.current_row))
        self.refresh()
        self.post_message(self.Loaded(self.tab, total))

    @work(thread=True, group="claim-list-page")
    def _fetch_page(self, generation: int, page: int, tab: str, sort: str, text: str, only: tuple[str, ...]) -> None:
        rows = self.source.window(tab, page * PAGE, PAGE, sort, text, only=only, total=self.total)
        self.post_message(self.PageFetched(generation, page, rows))

    @on(PageFetched)
    def _on_page(self, message: PageFetched) -> None:
        generation, page, rows = message.generation, message.page, message.rows
        self._pending.discard(page)
        if generation != self._generation:
            return
        self._pages[page] = rows
        if len(self._pages) > 50:  # keep memory bounded: drop pages far from the cursor
            here = self.cursor // PAGE
            for p in sorted(self._pages, key=lambda p: -abs(p - here))[:10]:
                self._pages.pop(p, None)
        self.refresh()
        if self.cursor // PAGE == page:
            self.post_message(self.CursorMoved(self.current_row))

    def row_at(self, index: int) -> ListRow | None:
        if not 0 <= index < self.total:
            return None
        page, offset = divmod(index, PAGE)
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._pending and self.is_loaded:
                self._pending.add(page)
                self._fetch_page(self._generation, page, self.tab, self.sort, self.text, self.only)
            return None
        return rows[offset] if offset < len(rows) else None

    def loaded_row(self, index: int) -> ListRow | None:
        """The row at ``index`` if its page is already fetched (no query)."""
        page, offset = divmod(index, PAGE)
        rows = self._pages.get(page) if 0 <= index < self.total else None
        return rows[offset] if rows is not None and offset < len(rows) else None

    def rows_ready(self) -> bool:
        """The tab's rows are loaded, the row under the cursor too (asked for if not)."""
        return self.is_loaded and (not self.total or self.row_at(self.cursor) is not None)

    def loaded_rows(self) -> Iterator[ListRow]:
        """Rows already fetched (no query): what the user has seen, and so could select."""
        for rows in self._pages.values():
            yield from rows

    @property
    def current_row(self) -> ListRow | None:
        return self.row_at(self.cursor)

    def selection_or_current(self) -> list[tuple[str, int]]:
        if self.selected:
            return sorted(self.selected)
        row = self.current_row
        return [(row.kind, row.key)] if row else []

    # -- cursor -------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, max(0, self.total - 1)))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self.current_row))

    def _scroll_cursor_into_view(self) -> None:
        rows_visible = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows_visible:
            self.scroll_to(y=self.cursor - rows_visible + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.total - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 2)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 2)

    def toggle_selected(self) -> bool:
        """Select (or unselect) the row under the cursor; False if its row is not loaded yet
        (keys typed ahead wait for it: ``widgets.typeahead``)."""
        row = self.current_row
        if row is None:
            return False
        key = (row.kind, row.key)
        if key in self.selected:
            self.selected.discard(key)
        else:
            self.selected.add(key)
        self.refresh()
        return True

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.cursor = int(self.scroll_y) + event.y - 1
            if event.chain == 2:
                self.post_message(self.Activated(self.current_row))

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)
        self._scroll_cursor_into_view()

    # -- rendering --------------------------------------------------------------------------
    def _columns(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        if (width, self.tab, self.show_account) != self._layout_width:
            self._layout_width = (width, self.tab, self.show_account)
            self._layout = layout(width, self.tab, self.show_account)
        return self._layout

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = self._columns()
        if y == 0:
            style = self.get_component_rich_style("claim-list--header")
            cells = []
            for col, w in columns:
                title = DEADLINE_TITLES[self.tab] if col.name == "deadline" else col.title
                if col.name == "claimed" and self.tab == "claimable":
                    title = "Refunded"
                cells.append(fit(title, w, col.align))
            return Strip([Segment(" ".join(cells), style)]).adjust_cell_length(width, style)
        index = int(self.scroll_y) + y - 1
        base = self.rich_style
        if index >= self.total:
            if index == 0 and self.is_loaded:
                if self.text:
                    text = "  No claims match."
                elif self.only:
                    text = "  No claims in this view (" + ", ".join(f"{v} only" for v in self.only) + ")."
                else:
                    text = ("  Nothing here. (A new database? `safet demo` makes a demo one; "
                            "the palette's Import report… brings yours.)")
                return Strip([Segment(text, self.get_component_rich_style("claim-list--dim"))]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            dim = self.get_component_rich_style("claim-list--loading")
            return Strip([Segment("  …", dim)]).adjust_cell_length(width, dim)
        return self._row_strip(row, index, columns, width)

    def _row_strip(self, row: ListRow, index: int, columns: list[tuple[Column, int]], width: int) -> Strip:
        now = self.now()
        selected = (row.kind, row.key) in self.selected
        line_style = self.rich_style
        if row.unread:
            line_style += self.get_component_rich_style("claim-list--unread")
        if selected:
            line_style += self.get_component_rich_style("claim-list--selected")
        if index == self.cursor:
            line_style += self.get_component_rich_style("claim-list--cursor")
        segments: list[Segment] = []
        for i, (col, w) in enumerate(columns):
            style: Style | None = None
            if col.name == "mark":
                text = ("✓" if selected else " ") + ("●" if row.unread else " ")
            elif col.name == "claim":
                text = row.claim_no or "—"
            elif col.name == "order":
                text = row.order_id
            elif col.name == "account":
                text = row.account
            elif col.name == "product":
                text = f"{row.sku} · {row.title}" if row.title else row.sku
            elif col.name == "reason":
                text = reason_text(row)
            elif col.name == "claimed":
                text = money_text(row.claimed)
            elif col.name == "reimbursed":
                text = money_text(row.reimbursed)
            elif col.name == "outcome":
                text = outcome_text(row.outcome, row.appeal_used, row.appeal_decided)
            elif col.name == "deadline":
                text, level = deadline_text(row.deadline, now, row.estimated)
                if row.kind == "claim" and row.status == "resolved" and level is Urgency.OVERDUE:
                    text, level = "closed", Urgency.NONE
                if level in (Urgency.OVERDUE, Urgency.CRITICAL, Urgency.SOON):
                    full = self.get_component_rich_style(f"claim-list--{URGENCY_CLASS[level]}")
                    style = Style(color=full.color, bold=full.bold)
            else:
                text = ago(row.updated_at, now)
            if i:
                segments.append(Segment(" ", line_style))
            cell = fit(clean(text), w, col.align)
            segments.append(Segment(cell, line_style + style if style else line_style))
        return Strip(segments).adjust_cell_length(width, line_style)
