"""The thread of one claim: summary, messages oldest first, reply, attach, appeal.

With ``--as amazon`` it also records Amazon's side: request information,
grant (full or partial), no-grant with a denial reason, decide an appeal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, Static, TextArea

from safet_tui.domain.money import Money, MoneyError, parse_amount
from safet_tui.domain.reasons import DENIAL_REASONS
from safet_tui.messages import REFUSALS, Change, DeskContext, Write
from safet_tui.screens.reply_editing import ReplyEditing
from safet_tui.service.desk import NotFound
from safet_tui.service.views import ClaimView
from safet_tui.widgets.footer import DeskFooter
from safet_tui.widgets.preview import claim_summary, reply_hint
from safet_tui.widgets.thread_items import render_item
from safet_tui.widgets.working import Working

SHOW_LAST = 40
#: seconds opening a claim waits to mark it read while another program writes
MARK_WAIT = 1.0


class ThreadScreen(ReplyEditing):
    CSS_PATH = "thread.tcss"
    #: at 24 lines the reply panel takes the header's place, so the message answered stays readable
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="thread.back"),
        Binding("q", "back", "Back", show=False, id="thread.back_q"),
        *ReplyEditing.CLAIM_BINDINGS,
        # while the reply editor is open the footer shows its keys only (check_action)
        Binding("ctrl+s", "send", "Send", id="thread.send"),
        Binding("escape", "close_reply", "Cancel", id="thread.close_reply"),
        Binding("ctrl+e", "editor", "$EDITOR", priority=True, id="thread.editor"),
        Binding("ctrl+t", "attach", "Attach", id="thread.attach_reply"),
        Binding("ctrl+x", "drop_file", "Remove last file", show=False, priority=True, id="thread.drop_file"),
        Binding("m", "mark_unread", "Mark unread", show=False, id="thread.unread"),
        Binding("g,home", "top", "Top", show=False, id="thread.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="thread.bottom"),
        Binding("i", "request_info", "Request info", id="thread.request_info"),
        Binding("w", "grant", "Grant", id="thread.grant"),
        Binding("x", "no_grant", "No-grant", id="thread.no_grant"),
    ]

    @dataclass
    class Loaded(Message):
        """The claim, from the loading worker."""

        bubble: ClassVar[bool] = False
        view: ClaimView | None

    @dataclass
    class MarkedRead(Message):
        """Opening the claim marked it read (the list shows it read now)."""

        bubble: ClassVar[bool] = False

    def __init__(self, ctx: DeskContext, claim_no: str, then: str | None = None) -> None:
        super().__init__(ctx, claim_no, then)
        self.view: ClaimView | None = None
        #: how many of the newest thread items are rendered (earlier ones load on demand)
        self.show_last = SHOW_LAST
        self.hidden = 0
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="thread-header")
        with VerticalScroll(id="thread-scroll"):
            yield Static(id="thread-messages")
        with Vertical(id="reply-panel"):
            yield Label("Reply — ctrl+s sends, ctrl+e opens $EDITOR, ctrl+t attaches a file, esc closes", id="reply-hint")
            yield TextArea(id="reply-text", soft_wrap=True)
            yield Label("", id="reply-files")
        yield Working()
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self._ready = True
        self._restore_draft()
        self._load(mark_read=True)
        scroll = self.query_one("#thread-scroll")
        scroll.anchor()  # the newest item in view when the thread arrives, until you scroll up
        if self.then == "reply":
            self.action_reply()  # the editor has the focus: what you type next is the reply
        else:
            self.set_focus(scroll)

    def keys_ready(self) -> bool:
        """Keys typed ahead wait until the claim is read (``widgets.typeahead``)."""
        return self._ready and self.view is not None

    # -- loading ---------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="thread-load")
    def _load(self, mark_read: bool = False) -> None:
        """The claim first, then its read mark: a read mark waits at most a moment for another
        program's write lock and is skipped quietly if it cannot be saved (a busy or read-only
        database): the thread shows at once either way."""
        try:
            view: ClaimView | None = self.desk.claim(self.claim_no)
        except NotFound:  # gone since it was listed (a restore from another terminal)
            view = None
        self.post_message(self.Loaded(view))
        if mark_read and view is not None and not self.desk.read_only:
            try:
                self.desk.mark_read([self.claim_no], wait=MARK_WAIT)
            except REFUSALS:
                return
            self.post_message(self.MarkedRead())

    @on(MarkedRead)
    def _marked_read(self) -> None:
        self.changed(origin=self)  # the list shows it read now

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        view = message.view
        if view is None:
            self.say(f"No claim {self.claim_no}", severity="warning")
            self.app.pop_screen()
            return
        before = len(self.view.thread) if self.view else None
        self.view = view
        self.query_one("#thread-header", Static).update(claim_summary(view, self.desk.now()))
        self.query_one("#reply-hint", Label).update(reply_hint(view, self.desk.now()))
        self._show_items()
        self.refresh_bindings()
        if before is not None and len(view.thread) > before:  # something new: show it
            self.query_one("#thread-scroll").scroll_end(animate=False)

    def data_changed(self, change: Change) -> None:
        if change.origin is not self:
            self._load()

    def _show_items(self) -> None:
        """Render the newest items only: a 200-message thread opens as fast as a short one.
        Earlier items come in when you go to the top (g, home, or scrolling up)."""
        thread = self.view.thread if self.view else ()
        hidden = max(0, len(thread) - self.show_last)
        parts: list[RenderableType] = []
        if hidden:
            parts.append(Text(f"▲ {hidden} earlier item{'s' if hidden != 1 else ''} — press g or scroll up to see them",
                              style="dim italic", justify="center"))
        me = None if self.investigator else self.desk.user
        zone = self.view.timezone if self.view else "UTC"
        parts += [render_item(i, me, zone) for i in thread[hidden:]]
        if not thread:
            parts = [Text("No messages yet.", "dim")]
        self.hidden = hidden
        self.query_one("#thread-messages", Static).update(Group(*parts))

    def show_earlier(self) -> bool:
        """Bring in every earlier item, keeping what was on screen where it was."""
        if not self.hidden or self.view is None:
            return False
        scroll = self.query_one("#thread-scroll")
        before = scroll.virtual_size.height
        self.show_last = len(self.view.thread)
        self._show_items()

        def keep_place() -> None:
            scroll.scroll_to(y=scroll.scroll_y + scroll.virtual_size.height - before, animate=False)

        self.call_after_refresh(keep_place)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)  # None: not for this claim now
        if not self._ready or allowed is False:
            return False  # keys queued for a screen just closed or not built yet
        if self.writing is not None and action not in ("top", "bottom", "copy_claim", "copy_order"):
            return False  # one write at a time, and the screen stays until it is done
        replying = self.has_class("-replying")
        if action in ("send", "editor", "drop_file", "close_reply"):
            return replying
        if replying and action in ("back", "reply", "appeal"):
            return False  # the editor's keys only (esc closes it, keeping the text)
        return allowed

    def refusal(self, action: str) -> str | None:
        return self.view.refusals.get(action) if self.view is not None else None

    def claim_ids(self) -> tuple[str, str] | None:
        return self.claim_no, self.view.order_id if self.view else ""

    # -- navigation --------------------------------------------------------------------
    def action_close_reply(self) -> None:
        """Close the editor; its text stays (a draft, restored by r)."""
        self.remove_class("-replying")
        self.query_one("#thread-scroll").focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        self._leave()

    def action_top(self) -> None:
        self.show_earlier()
        self.call_after_refresh(self.query_one("#thread-scroll").scroll_home, animate=False)

    def on_mouse_scroll_up(self) -> None:
        if self.hidden and self.query_one("#thread-scroll").scroll_y <= 0:
            self.show_earlier()

    def action_bottom(self) -> None:
        self.query_one("#thread-scroll").scroll_end(animate=False)

    def _leave(self) -> None:
        """Close the thread; an unsent reply is kept (in the database) for next time."""
        if self.draft is not None:
            self.draft.flush()
        self.app.pop_screen()

    # -- reply ---------------------------------------------------------------------------
    def action_reply(self) -> None:
        if self.refused(self.claim_no, "reply"):
            return
        self.add_class("-replying")
        # focus now (focus() waits a tick): keys typed right behind "r" are the reply's text
        self.set_focus(self.query_one("#reply-text", TextArea))
        self.refresh_bindings()
        # keep the message being answered in view above the editor
        self.call_after_refresh(self.query_one("#thread-scroll").scroll_end, animate=False)

    def action_send(self) -> None:
        area = self.query_one("#reply-text", TextArea)
        old = self.view.status if self.view else None
        text, files = area.text, list(self.pending_files)
        area.read_only = True  # what is being sent stays as it is

        def sent(view: ClaimView) -> None:
            area.read_only = False
            area.text = ""
            self.pending_files = []
            self.query_one("#reply-files", Label).update("")
            self.remove_class("-replying")
            moved = old is not None and view.status is not old
            note = f": moved to {view.status.label}" if moved else ""
            self.say(f"Reply sent on {self.claim_no}{note}")
            self.app.pop_screen()
            self.changed(self.claim_no, done=True)

        def kept() -> None:  # refused: the draft stays, editable
            area.read_only = False

        send = lambda: self.desk.reply(self.claim_no, text, files)  # noqa: E731
        self.write(Write("sending the reply", self.draft.ending(send) if self.draft else send, sent,
                         refused="Reply not sent", after_refusal=kept))

    # -- attach, read marks -----------------------------------------------------------------
    def action_attach(self) -> None:
        if not self.has_class("-replying"):
            super().action_attach()
            return
        from safet_tui.screens.dialogs import AttachDialog

        def add(path: str | None) -> None:
            if path:
                self.pending_files.append(path)
                self._show_pending()
                self._draft_changed()

        self.app.push_screen(AttachDialog(f"Attach a file to the reply on {self.claim_no}",
                                          self.desk.check_attachment), add)

    def action_mark_unread(self) -> None:
        def marked(_: int) -> None:
            self.say(f"Marked {self.claim_no} unread")
            self._leave()
            self.changed(self.claim_no)

        self.write(Write("saving the read mark", lambda: self.desk.mark_read([self.claim_no], read=False), marked,
                         refused="Not marked unread"))

    # -- amazon side -------------------------------------------------------------------------
    def _record(self, doing: str, do: Callable[[], object], ok: str) -> None:
        def recorded(_: object) -> None:
            self.say(ok)
            self.changed(self.claim_no)

        self.write(Write(doing, do, recorded, refused="Not recorded"))

    def action_request_info(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        if self.refused(self.claim_no, "request_info"):
            return

        def done(text: str | None) -> None:
            if text:
                self._record("requesting information", lambda: self.desk.request_info(self.claim_no, text),
                             f"Information requested on {self.claim_no}")

        self.push_dialog(TextDialog(f"Request information on {self.claim_no}",
                                    "What does the seller need to provide? Reply-by follows the marketplace policy.",
                                    confirm="Request"), done)

    def action_grant(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        view = self.view
        if view is None or self.refused(self.claim_no, "grant"):
            return

        def amount_of(text: str) -> Money:
            value = parse_amount(text)
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -2:
                raise MoneyError(f"{text.strip()} has more than two decimals")
            return Money(value, view.claimed.currency)

        def check(text: str) -> str | None:
            try:
                amount = amount_of(text)
            except (MoneyError, InvalidOperation) as exc:
                return f"Not an amount: {exc}"
            if not amount.is_positive():
                return "A grant must be more than zero (use x for a no-grant)"
            if amount > view.claimed:
                return f"{amount} is more than the {view.claimed} claimed"
            return None

        def done(text: str | None) -> None:
            if not text:
                return
            amount = amount_of(text)
            self._record("recording the grant", lambda: self.desk.grant(self.claim_no, amount),
                         f"Granted {amount} on {self.claim_no}")

        self.push_dialog(TextDialog(f"Grant claim {self.claim_no}",
                                    f"Amount in {view.claimed.currency}; less than {view.claimed} is a partial grant.",
                                    initial=str(view.claimed.amount), confirm="Grant", single_line=True,
                                    validate=check), done)

    def action_no_grant(self) -> None:
        from safet_tui.screens.dialogs import ChoiceDialog

        if self.refused(self.claim_no, "no_grant"):
            return

        def done(reason: str | None) -> None:
            if reason:
                self._record("recording the no-grant", lambda: self.desk.no_grant(self.claim_no, reason),
                             f"No-grant recorded on {self.claim_no}")

        self.push_dialog(ChoiceDialog(f"No-grant for claim {self.claim_no}", list(DENIAL_REASONS),
                                      "Choose the denial reason"), done)

    def push_dialog(self, dialog: Screen[str | None], callback: Callable[[str | None], None]) -> None:
        self.app.push_screen(dialog, callback)
