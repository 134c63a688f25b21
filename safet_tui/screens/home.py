"""The home screen: status tabs, the claim list, the preview, the filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Tab, Tabs

from safet_tui.messages import (
    Change,
    DeskContext,
    ExportClaims,
    ExportScope,
    NewClaim,
    OpenAnalytics,
    OpenThread,
    Write,
)
from safet_tui.screens.claim_actions import AMAZON_ACTIONS, SELLER_ACTIONS, ClaimScreen
from safet_tui.screens.due_soon import announce_due_soon
from safet_tui.screens.filter_line import SORT_NAMES, FilterLine, FilterSource
from safet_tui.screens.triage import TriageScreen
from safet_tui.service.desk import NotFound
from safet_tui.service.views import (
    FILTER_SORTS,
    SORTS,
    TAB_LABELS,
    TABS,
    ClaimView,
    ListRow,
    RefundView,
)
from safet_tui.widgets.claim_list import ClaimList
from safet_tui.widgets.footer import DeskFooter
from safet_tui.widgets.preview import Preview
from safet_tui.widgets.tab_labels import tab_labels
from safet_tui.widgets.text import literal
from safet_tui.widgets.working import Working


class StatusTabs(Tabs, can_focus=False):
    """The four tabs; the claim list keeps the focus."""


class HomeScreen(FilterLine):
    CSS_PATH = "home.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help", key_display="?", id="desk.help"),
        Binding("1", "tab('awaiting')", "Awaiting", show=False, id="desk.tab.awaiting"),
        Binding("2", "tab('investigating')", "Investigating", show=False, id="desk.tab.investigating"),
        Binding("3", "tab('resolved')", "Resolved", show=False, id="desk.tab.resolved"),
        Binding("4", "tab('claimable')", "Claimable", show=False, id="desk.tab.claimable"),
        Binding("enter", "open", "Open", id="desk.open"),
        Binding("slash", "filter", "Filter", key_display="/", id="desk.filter"),
        Binding("escape", "clear_filter", "Clear", show=False, id="desk.clear"),
        *ClaimScreen.CLAIM_BINDINGS,
        Binding("n", "new_claim", "New claim", id="desk.new_claim"),
        Binding("m", "toggle_read", "Read", id="desk.toggle_read"),
        *TriageScreen.TRIAGE_BINDINGS,
        Binding("space", "select", "Select", show=False, id="desk.select"),
        Binding("s", "cycle_sort", "Sort", id="desk.sort"),
        Binding("a", "analytics", "Analytics", id="desk.analytics"),
        Binding("e", "export", "Export", show=False, id="desk.export"),
        Binding("q", "app.quit", "Quit", id="desk.quit"),
    ]

    @dataclass
    class Previewed(Message):
        bubble: ClassVar[bool] = False
        view: ClaimView | RefundView | None

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        #: a change came while another screen was on top: reload when the list is shown again
        self._stale = False
        #: what falls due in the next 24 h, for the status line (see screens/due_soon.py)
        self.due_line = ""
        self._preview_timer: Timer | None = None
        #: the claim the preview shows (its ``refusals`` say which claim keys apply)
        self._view: ClaimView | None = None

    def compose(self) -> ComposeResult:
        yield StatusTabs(*[Tab(TAB_LABELS[t], id=f"tab-{t}") for t in TABS], id="tabs")
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="/ to filter: claim id, order, SKU, ASIN, title or message text", id="filter")
            yield Label("", id="filter-count")
        with Horizontal(id="body"):
            yield ClaimList(FilterSource(self.desk, self._post_counts), self.desk.now, id="claims")
            yield Preview(id="preview")
        yield Label("", id="status-line")
        yield Working()
        yield DeskFooter()

    @property
    def claim_list(self) -> ClaimList:
        return self.query_one(ClaimList)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        if action == "toggle_read" and (self.claim_list.tab == "claimable" or self.writing is not None):
            return False
        return True

    def refusal(self, action: str) -> str | None:
        if action not in SELLER_ACTIONS | AMAZON_ACTIONS or action == "new_claim":
            return None
        row = self.claim_list.current_row
        if row is None:
            return "no claim under the cursor"
        if row.kind == "refund":
            return "a claimable refund is not a claim yet (n files it)"
        view = self._view
        if view is None or view.claim_no != row.claim_no:
            return None  # its preview is on the way; the action asks the service itself
        return view.refusals.get(action)

    def keys_ready(self) -> bool:  # keys typed ahead wait for their rows and filter (widgets.typeahead)
        return self.claim_list.rows_ready() and self.query_one("#filter", Input).value.strip() == self.claim_list.text

    def on_mount(self) -> None:
        super().on_mount()
        # Time left changes while nobody types: repaint deadlines every 20 s.
        self.set_interval(20, self._tick)
        self.claim_list.focus()
        # an agency's desk holds several sellers: the list shows whose each claim is
        self.claim_list.show_account = len(self.desk.accounts()) > 1
        # First load in this thread (quick even at 100k): the first frame shows rows and counts.
        self.claim_list.show("awaiting", now=True)
        self._set_counts(self.Counted(self.claim_list.text, self.desk.counts(self.claim_list.text)))
        self._update_status()
        self._relabel()
        announce_due_soon(self, self._show_due)

    def _tick(self) -> None:
        self.claim_list.refresh()
        row = self.claim_list.current_row
        if row is not None:
            self._load_preview(row.kind, row.key, row.claim_no)

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 130, "-wide")
        self._relabel()

    def data_changed(self, change: Change) -> None:
        """The database changed (our own action, or another terminal): reload what shows it.
        Under another screen (a thread open on top) the reload waits until the list is shown
        again, so it never competes with the screen a person is looking at."""
        cl = self.claim_list
        row = cl.current_row
        if change.done and row is not None and row.claim_no == change.claim_no:
            cl.action_cursor_down()  # done with it: on to the next claim
        if not self.is_current:
            self._stale = True
            return
        self._reload()

    def _reload(self) -> None:
        self._stale = False
        announce_due_soon(self, self._show_due)
        self.claim_list.reload()
        self.refresh_counts()
        self._update_status()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._reload()

    # -- labels --------------------------------------------------------------------------
    def _relabel(self) -> None:
        for tab, label in tab_labels(self._counts, self.size.width).items():
            if tab not in self._counts and self._counts_text:
                continue  # a filter's tab not counted yet: its label waits for its count
            try:
                widget = self.query_one(f"#tab-{tab}", Tab)
            except NoMatches:  # a resize before the tabs are built
                return
            if widget.label_text != label:  # a new label lays the whole screen out again: only when it changed
                widget.label = label

    def _show_due(self, line: str) -> None:
        self.due_line = line
        self._update_status()

    def _update_status(self) -> None:
        cl = self.claim_list
        sel = f" · {len(cl.selected)} selected" if cl.selected else ""
        who = f"{self.desk.user} ({self.desk.role.value})"
        # first, where a narrow terminal cannot cut it off: why nothing can be changed here
        ro = f" read-only: {self.desk.read_only} ·" if self.desk.read_only else ""
        due = f" · {self.due_line}" if self.due_line else ""
        self.query_one("#status-line", Label).update(layout=False, content=literal(
            f"{ro} sort: {SORT_NAMES.get(cl.sort, cl.sort)} · {TAB_LABELS[cl.tab]}: {cl.total:,}{'+' if self.list_capped() else ''}"
            f"{self.view_note()}{sel}{due} · {who} · "
            f"{self.desk.target.name}"
        ))

    def refresh_status(self) -> None:
        self._update_status()

    # -- list events ----------------------------------------------------------------------
    @on(Tabs.TabActivated)
    def _tab_clicked(self, event: Tabs.TabActivated) -> None:
        tab = event.tab.id.removeprefix("tab-") if event.tab and event.tab.id else "awaiting"
        if tab != self.claim_list.tab:
            self.claim_list.show(tab, only=self.views_for(tab))
            self._update_status()
            self.refresh_bindings()

    @on(ClaimList.Loaded)
    def _loaded(self, event: ClaimList.Loaded) -> None:
        self._show_matches()
        self._update_status()
        self._apply_wanted_filter()  # first: a newer text waits for no count of an older one
        if self._count_others and self.claim_list.text and not self.claim_list.only:
            self.refresh_counts()  # the other tabs, now the list's rows are shown

    @on(ClaimList.CursorMoved)
    def _cursor_moved(self, event: ClaimList.CursorMoved) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        row = event.row
        if (row is None and not self.claim_list.is_loaded) or self._filter_wanted is not None:
            return  # its rows are on the way (a filter typed): the preview waits for them, not blanks
        if row is None:
            self.query_one(Preview).show_nothing("")
            self._view = None
            self.refresh_bindings()
            return
        delay = self.ctx.config.preview_delay
        if delay <= 0:
            self._preview_timer = None
            self._load_preview(row.kind, row.key, row.claim_no)
            return
        self._preview_timer = self.set_timer(delay, lambda: self._preview_if_shown(row))

    def _preview_if_shown(self, row: ListRow) -> None:
        """The preview of a row still under the cursor (a filter typed since may have replaced it)."""
        cl = self.claim_list
        if cl.is_loaded and self._filter_wanted is None and cl.current_row is row:
            self._load_preview(row.kind, row.key, row.claim_no)

    @on(ClaimList.Activated)
    def _activated(self, event: ClaimList.Activated) -> None:
        self.action_open()

    @work(thread=True, exclusive=True, group="preview")
    def _load_preview(self, kind: str, key: int, claim_no: str) -> None:
        view: ClaimView | RefundView | None
        try:
            view = self.desk.refund(key) if kind == "refund" else self.desk.claim(claim_no)
        except NotFound:  # gone since the list was loaded (a restore, another terminal)
            view = None
        self.post_message(self.Previewed(view))

    @on(Previewed)
    def _show_preview(self, message: Previewed) -> None:
        preview = self.query_one(Preview)
        view = message.view
        before = self._view.refusals if self._view is not None else None
        self._view = view if isinstance(view, ClaimView) else None
        if (self._view.refusals if self._view is not None else None) != before:
            self.refresh_bindings()  # other claim keys apply to this claim: the footer shows them
        if view is None:
            preview.show_nothing("")
        elif isinstance(view, RefundView):
            preview.show_refund(view, self.desk.now())
        else:
            preview.show_claim(view, self.desk.now())

    # -- actions ---------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(StatusTabs).active = f"tab-{tab}"
        if tab != self.claim_list.tab:
            self.claim_list.show(tab, only=self.views_for(tab))
        self._update_status()
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.claim_list.selected and not box.has_focus:
            self.claim_list.selected.clear()
            self.claim_list.refresh()
            self._update_status()
            return
        self.clear_filter()

    def action_cycle_sort(self) -> None:
        # under a filter its newest matches first is one more order (and the first)
        sorts = FILTER_SORTS if self.claim_list.text else SORTS
        current = self.claim_list.sort if self.claim_list.sort in sorts else sorts[-1]
        sort = sorts[(sorts.index(current) + 1) % len(sorts)]
        self.claim_list.show(sort=sort)
        self._update_status()
        self.say(f"Sorted by {SORT_NAMES.get(sort, sort)}")

    def action_select(self) -> None:
        self.claim_list.toggle_selected()  # keys typed ahead wait for its row (keys_ready)
        self.claim_list.action_cursor_down()
        self._update_status()

    def claim_ids(self) -> tuple[str, str] | None:
        row = self.claim_list.current_row
        return None if row is None else (row.claim_no if row.kind == "claim" else "", row.order_id)

    def action_open(self) -> None:
        row = self.claim_list.current_row
        if row is None:
            return
        if row.kind == "refund":
            self.action_new_claim()
            return
        self.post_message(OpenThread(row.claim_no))

    def action_reply(self) -> None:
        claim_no = self.claim_for("reply")
        if claim_no and not self.refused(claim_no, "reply"):
            self.post_message(OpenThread(claim_no, then="reply"))

    def action_new_claim(self) -> None:
        row = self.claim_list.current_row
        self.post_message(NewClaim(row.key if row is not None and row.kind == "refund" else None))

    def action_toggle_read(self) -> None:
        cl = self.claim_list
        keys = [k for kind, k in cl.selection_or_current() if kind == "claim"]
        if not keys:
            self.say("Only claims have read marks")
            return
        if cl.selected:
            # any unread among the selection: mark them all read; all read already: mark unread
            read = any(r.unread for r in cl.loaded_rows() if (r.kind, r.key) in cl.selected)
        else:
            read = bool(cl.current_row and cl.current_row.unread)

        def marked(n: int) -> None:
            self.say(f"Marked {n} claim{'s' if n != 1 else ''} {'read' if read else 'unread'}")
            if cl.selected:
                cl.selected.clear()
            else:
                cl.action_cursor_down()
            self.changed()

        self.write(Write("saving the read marks", lambda: self.desk.mark_read_ids(keys, read=read), marked,
                         refused="Read marks not saved"))

    def export_scope(self) -> ExportScope:
        """The selected claims, else the tab's claims under the filter (a claimable tab: all)."""
        cl = self.claim_list
        ids = tuple(key for kind, key in cl.selected if kind == "claim")
        status = cl.tab if cl.tab != "claimable" else None
        return ExportScope(ids, status, cl.text if status else "")

    def action_export(self) -> None:
        self.post_message(ExportClaims(self.export_scope()))

    def action_analytics(self) -> None:
        self.post_message(OpenAnalytics())
