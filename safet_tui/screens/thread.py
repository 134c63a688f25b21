"""The thread of one claim: summary, messages oldest first, reply, attach, appeal.

With ``--as amazon`` it also records Amazon's side: request information,
grant (full or partial), no-grant with a denial reason, decide an appeal.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from decimal import InvalidOperation

from rich.console import Group
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static, TextArea

from safet_tui.domain.lifecycle import Status
from safet_tui.domain.money import Money, MoneyError, parse_amount
from safet_tui.domain.reasons import DENIAL_REASONS
from safet_tui.service.attachments import human_size
from safet_tui.service.views import ClaimView, ThreadItem
from safet_tui.widgets.preview import claim_summary
from safet_tui.widgets.text import clean, literal

SHOW_LAST = 40

KIND_LABELS = {"message": "", "info_request": "information request", "decision": "decision",
               "appeal": "appeal", "note": "note (private)", "attachment": "attachment"}


def render_item(item: ThreadItem, me: str | None = "") -> object:
    """One thread item; ``me`` is the seller user reading it (None: an investigator is)."""
    when = f"{item.at:%Y-%m-%d %H:%M} UTC"
    if item.kind == "status":
        return Text(f"── {clean(item.body)} · {item.side} · {when} ──", style="dim italic", justify="center")
    amazon = item.side == "amazon"
    if amazon:
        who = "Amazon"
    elif item.side == "seller":
        if me is None:
            who = "Seller" if not item.author or item.author == "seller" else f"Seller ({clean(item.author)})"
        elif not item.author or item.author in (me, "seller"):
            who = "You (seller)"
        else:
            who = f"{clean(item.author)} (seller)"
    else:
        who = item.side.title()
    kind = KIND_LABELS.get(item.kind, item.kind)
    title = Text(f" {who}" + (f" · {kind}" if kind else "") + f" · {when} ")
    body = literal(item.body, newlines=True)
    if item.attachments:
        body.append("\n")
        for a in item.attachments:
            body.append("\n↳ ")
            body.append_text(literal(a.name))
            body.append(f"  ({human_size(a.size)}, {a.media_type})", "dim")
    style = "blue" if amazon else "green"
    if item.kind == "decision":
        style = "magenta"
    elif item.kind == "appeal":
        style = "yellow"
    elif item.kind == "note":
        style = "bright_black"
    panel = Panel(body, title=title, title_align="left", border_style=style, expand=True)
    return Padding(panel, (0, 8, 0, 0) if amazon else (0, 0, 0, 8))


class ThreadScreen(Screen):
    CSS_PATH = "thread.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back", id="thread.back"),
        Binding("q", "back", "Back", show=False, id="thread.back_q"),
        Binding("r", "reply", "Reply", id="thread.reply"),
        Binding("ctrl+s", "send", "Send", id="thread.send"),
        Binding("ctrl+e", "editor", "$EDITOR", priority=True, id="thread.editor"),
        Binding("t", "attach", "Attach", id="thread.attach"),
        Binding("ctrl+t", "attach", "Attach to reply", id="thread.attach_reply"),
        Binding("ctrl+x", "drop_file", "Remove last file", show=False, priority=True, id="thread.drop_file"),
        Binding("A", "appeal", "Appeal", id="thread.appeal"),
        Binding("m", "mark_unread", "Mark unread", show=False, id="thread.unread"),
        Binding("y", "copy_claim", "Copy id", show=False, id="thread.copy_claim"),
        Binding("Y", "copy_order", "Copy order", show=False, id="thread.copy_order"),
        Binding("g,home", "top", "Top", show=False, id="thread.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="thread.bottom"),
        Binding("i", "request_info", "Request info", id="thread.request_info"),
        Binding("w", "grant", "Grant", id="thread.grant"),
        Binding("x", "no_grant", "No-grant", id="thread.no_grant"),
    ]

    def __init__(self, claim_no: str, then: str | None = None) -> None:
        super().__init__()
        self.claim_no = claim_no
        self.then = then
        self.view: ClaimView | None = None
        self.pending_files: list[str] = []
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
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._ready = True
        draft = self.app.drafts.pop(self.claim_no, None)
        if draft:
            text, self.pending_files = draft
            self.query_one("#reply-text", TextArea).text = text
            self._show_pending()
        self.reload_claim(mark_read=True)
        scroll = self.query_one("#thread-scroll")
        scroll.focus()
        self.call_after_refresh(scroll.scroll_end, animate=False)
        if self.then == "reply":
            self.action_reply()

    def reload_claim(self, mark_read: bool = False) -> None:
        desk = self.app.desk
        if mark_read:
            desk.mark_read([self.claim_no])
            self.app.after_write(skip=self)  # this screen loads the claim just below
        before = len(self.view.thread) if self.view else None
        self.view = view = desk.claim(self.claim_no)
        now = desk.now()
        self.query_one("#thread-header", Static).update(claim_summary(view, now))
        self._show_items()
        self.refresh_bindings()
        if before is not None and len(view.thread) > before:  # something new: show it
            self.call_after_refresh(self.query_one("#thread-scroll").scroll_end, animate=False)

    def _show_items(self) -> None:
        """Render the newest items only: a 200-message thread opens as fast as a short one.
        Earlier items come in when you go to the top (g, home, or scrolling up)."""
        thread = self.view.thread if self.view else ()
        hidden = max(0, len(thread) - self.show_last)
        parts: list = []
        if hidden:
            parts.append(Text(f"▲ {hidden} earlier item{'s' if hidden != 1 else ''} — press g or scroll up to see them",
                              style="dim italic", justify="center"))
        me = self.app.desk.user if self.app.role == "seller" else None
        parts += [render_item(i, me) for i in thread[hidden:]]
        if not thread:
            parts = [Text("No messages yet.", "dim")]
        self.hidden = hidden
        self.query_one("#thread-messages", Static).update(Group(*parts))

    def show_earlier(self) -> bool:
        """Bring in every earlier item, keeping what was on screen where it was."""
        if not self.hidden:
            return False
        scroll = self.query_one("#thread-scroll")
        before = scroll.virtual_size.height
        self.show_last = len(self.view.thread)
        self._show_items()

        def keep_place() -> None:
            scroll.scroll_to(y=scroll.scroll_y + scroll.virtual_size.height - before, animate=False)

        self.call_after_refresh(keep_place)
        return True

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.is_current or not self._ready:  # keys queued for a screen just closed or not built yet
            return False
        replying = self.has_class("-replying")
        if action in ("send", "editor", "drop_file"):
            return replying
        if action in ("request_info", "grant", "no_grant"):
            return self.app.role == "amazon"
        if action in ("reply", "appeal", "attach"):
            # Seller actions; an investigator records Amazon's side only.
            return self.app.role != "amazon"
        return True

    # -- navigation --------------------------------------------------------------------
    def action_back(self) -> None:
        if self.has_class("-replying"):
            self.remove_class("-replying")
            self.query_one("#thread-scroll").focus()
            self.refresh_bindings()
            return
        self._leave()

    def action_top(self) -> None:
        self.show_earlier()
        self.call_after_refresh(self.query_one("#thread-scroll").scroll_home, animate=False)

    def on_mouse_scroll_up(self) -> None:
        if self.hidden and self.query_one("#thread-scroll").scroll_y <= 0:
            self.show_earlier()

    def action_bottom(self) -> None:
        self.query_one("#thread-scroll").scroll_end(animate=False)

    # -- reply ---------------------------------------------------------------------------
    def action_reply(self) -> None:
        if self.view is not None and self.view.status is Status.RESOLVED:
            self.app.say("The claim is resolved: replies are closed (appeal with A, if allowed)", severity="warning")
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
        try:
            view = self.app.desk.reply(self.claim_no, area.text, self.pending_files)
        except Exception as exc:
            self.app.say(f"Reply not sent: {exc}", severity="error")
            return
        area.text = ""
        self.pending_files = []
        self.query_one("#reply-files", Label).update("")
        self.remove_class("-replying")
        moved = old is not None and view.status is not old
        note = f": moved to {view.status.label}" if moved else ""
        self.app.say(f"Reply sent on {self.claim_no}{note}")
        self.app.pop_screen()
        home = self.app.home()
        if home is not None:
            stays = home.claim_list.tab == view.status.value
            home.after_change(advance=stays)

    def action_editor(self) -> None:
        area = self.query_one("#reply-text", TextArea)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
            fh.write(area.text)
            path = fh.name
        try:
            with self.app.suspend():
                subprocess.call([*shlex.split(editor), path])
            with open(path, encoding="utf-8") as fh:
                area.text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            self.app.say(f"Editor failed: {exc}", severity="error")
        finally:
            os.unlink(path)

    # -- attach, appeal --------------------------------------------------------------------
    def action_attach(self) -> None:
        if not self.has_class("-replying"):
            self.app.start_attach(self.claim_no)
            return
        from safet_tui.screens.dialogs import AttachDialog

        def add(path: str | None) -> None:
            if path:
                self.pending_files.append(path)
                self._show_pending()

        self.app.push_screen(AttachDialog(f"Attach a file to the reply on {self.claim_no}"), add)

    def _show_pending(self) -> None:
        names = ", ".join(os.path.basename(p) for p in self.pending_files)
        label = f"↳ {names}   (ctrl+x removes the last)" if names else ""
        self.query_one("#reply-files", Label).update(literal(label))

    def action_drop_file(self) -> None:
        if self.pending_files:
            gone = self.pending_files.pop()
            self._show_pending()
            self.app.say(f"Removed {os.path.basename(gone)} from the reply")

    def _leave(self) -> None:
        """Close the thread; an unsent reply is kept for next time."""
        text = self.query_one("#reply-text", TextArea).text
        if text.strip() or self.pending_files:
            self.app.drafts[self.claim_no] = (text, list(self.pending_files))
        self.app.pop_screen()

    def action_appeal(self) -> None:
        self.app.start_appeal(self.claim_no)

    def action_mark_unread(self) -> None:
        self.app.desk.mark_read([self.claim_no], read=False)
        self.app.say(f"Marked {self.claim_no} unread")
        self._leave()
        self.app.after_write()

    def action_copy_claim(self) -> None:
        self.app.copy_to_clipboard(self.claim_no)
        self.app.say(f"Copied claim id {self.claim_no}")

    def action_copy_order(self) -> None:
        if self.view:
            self.app.copy_to_clipboard(self.view.order_id)
            self.app.say(f"Copied order id {self.view.order_id}")

    # -- amazon side -------------------------------------------------------------------------
    def _amazon(self, do, ok: str) -> None:
        try:
            do()
        except Exception as exc:
            self.app.say(f"Not recorded: {exc}", severity="error")
            return
        self.app.say(ok)
        self.app.after_write()

    def _decidable(self, what: str) -> bool:
        """Amazon decides only open claims; say so before asking for anything."""
        if self.view is not None and self.view.status is Status.RESOLVED:
            self.app.say(f"Cannot {what}: the claim is already resolved", severity="warning")
            return False
        return True

    def action_request_info(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        if not self._decidable("request information"):
            return
        if self.view is not None and self.view.status is Status.AWAITING:
            self.app.say("Information is already requested: the seller has until reply-by", severity="warning")
            return
        def done(text: str | None) -> None:
            if text:
                self._amazon(lambda: self.app.desk.request_info(self.claim_no, text),
                             f"Information requested on {self.claim_no}")

        self.push_dialog(TextDialog(f"Request information on {self.claim_no}",
                                    "What does the seller need to provide? Reply-by follows the marketplace policy.",
                                    confirm="Request"), done)

    def action_grant(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        view = self.view
        if view is None or not self._decidable("grant"):
            return

        def amount_of(text: str) -> Money:
            value = parse_amount(text)
            if value.as_tuple().exponent < -2:
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
            self._amazon(lambda: self.app.desk.grant(self.claim_no, amount), f"Granted {amount} on {self.claim_no}")

        self.push_dialog(TextDialog(f"Grant claim {self.claim_no}",
                                    f"Amount in {view.claimed.currency}; less than {view.claimed} is a partial grant.",
                                    initial=str(view.claimed.amount), confirm="Grant", single_line=True,
                                    validate=check), done)

    def action_no_grant(self) -> None:
        from safet_tui.screens.dialogs import ChoiceDialog

        if not self._decidable("record a no-grant"):
            return
        def done(reason: str | None) -> None:
            if reason:
                self._amazon(lambda: self.app.desk.no_grant(self.claim_no, reason),
                             f"No-grant recorded on {self.claim_no}")

        self.push_dialog(ChoiceDialog(f"No-grant for claim {self.claim_no}", list(DENIAL_REASONS),
                                      "Choose the denial reason"), done)

    def push_dialog(self, dialog, callback) -> None:
        self.app.push_screen(dialog, callback)

