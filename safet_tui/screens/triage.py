"""The claim list's triage keys: the next unread claim, unread-only and appealable-only views,
and marking a tab (or every tab) read in one go.

``TriageScreen`` sits between :class:`ClaimScreen` and the home screen: its bindings merge into
the home screen's (each with an id, so the keymap can move them), and its actions read and
write only through the Desk, in workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from safet_tui.messages import Write
from safet_tui.screens.claim_actions import ClaimScreen, read_only_refusal
from safet_tui.service.views import TAB_LABELS, TabCount
from safet_tui.widgets.claim_list import ClaimList
from safet_tui.widgets.text import clean, literal

#: what each view is called where the desk says it is on
VIEW_NAMES = {"unread": "unread only", "appealable": "appealable only"}


class MarkReadDialog(ModalScreen[str | None]):
    """Mark read: this tab or every tab (under the filter), with how many each would mark."""

    DEFAULT_CSS = """
    MarkReadDialog { align: center middle; }
    MarkReadDialog > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $primary 70%;
        background: $surface; padding: 0 1;
    }
    MarkReadDialog #mark-title { text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t,enter", "choose('tab')", "This tab", id="mark.tab"),
        Binding("a", "choose('all')", "Every tab", id="mark.all"),
        Binding("escape", "choose('')", "Cancel", id="mark.cancel"),
    ]

    def __init__(self, tab: str | None, counts: dict[str, TabCount], text: str) -> None:
        super().__init__()
        self.tab, self.counts, self.text = tab, counts, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Mark claims read", id="mark-title")
            yield Static(id="mark-choices")

    def on_mount(self) -> None:
        keys: dict[str, list[str]] = {}
        for active in self.active_bindings.values():
            b = active.binding
            if b.id and b.id.startswith("mark."):
                keys.setdefault(b.id, []).append(self.app.get_key_display(b))

        def unread(tabs: list[str]) -> str:
            known = [self.counts[t] for t in tabs if t in self.counts]
            if not known or any(c.more for c in known):  # a filter's count that stopped at its cap
                return ""
            return f" — {sum(c.unread for c in known):,} unread"

        where = f", matching “{clean(self.text)}”" if self.text else ""
        choices = []
        if self.tab is not None:
            choices.append(("mark.tab", f"this tab: {TAB_LABELS[self.tab]}{where}{unread([self.tab])}"))
        choices.append(("mark.all", f"every tab{where}{unread(['awaiting', 'investigating', 'resolved'])}"))
        choices.append(("mark.cancel", "cancel"))
        shown = [(" / ".join(keys.get(ident, [])), what) for ident, what in choices]
        width = max(len(k) for k, _ in shown)
        lines = [f"{k.ljust(width)}  {what}" for k, what in shown]
        self.query_one("#mark-choices", Static).update(literal("\n".join(lines), newlines=True))

    def action_choose(self, choice: str) -> None:
        if choice == "tab" and self.tab is None:
            return
        self.dismiss(choice or None)


class TriageScreen(ClaimScreen):
    """The triage keys of the claim list (the home screen provides the list and lists the keys)."""

    #: the triage keys, for the home screen's BINDINGS (listed there after m, so the footer shows
    #: "u Next unread" beside "m Read" when there is room)
    TRIAGE_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "next_unread", "Next unread", id="desk.next_unread"),
        Binding("U", "unread_only", "Unread only", show=False, id="desk.unread_only"),
        Binding("M", "mark_all_read", "Mark all read", show=False, id="desk.mark_all_read"),
        Binding("P", "appealable_only", "Appealable only", show=False, id="desk.appealable_only"),
    ]

    #: the actions of this class (a subclass's check_action asks ``triage_check`` about them)
    TRIAGE_ACTIONS = frozenset({"next_unread", "unread_only", "mark_all_read", "appealable_only"})

    @dataclass
    class Found(Message):
        """Where the next unread claim is, from the worker (None: none after the cursor)."""

        bubble: ClassVar[bool] = False
        generation: tuple[str, str, str, tuple[str, ...]]
        index: int | None
        wrapped: bool

    @property
    def claim_list(self) -> ClaimList:
        raise NotImplementedError

    #: tab label counts under the current filter (kept by the home screen)
    _counts: dict[str, TabCount]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if allowed and action in self.TRIAGE_ACTIONS:
            return self.triage_check(action)
        return allowed

    def triage_check(self, action: str) -> bool:
        tab = self.claim_list.tab
        if action == "appealable_only":
            return tab == "resolved"
        if action == "mark_all_read":
            return self.writing is None
        return tab != "claimable"  # refunds have no read marks

    def views_for(self, tab: str) -> tuple[str, ...]:
        """The views kept on switching to ``tab``: unread only stays, appealable only is Resolved's."""
        return tuple(v for v in self.claim_list.only if v != "appealable" or tab == "resolved")

    def view_note(self) -> str:
        """' · unread only' and the like, for the status line (refunds have no views)."""
        if self.claim_list.tab == "claimable":
            return ""
        return "".join(f" · {VIEW_NAMES.get(v, v)}" for v in self.claim_list.only)

    def _toggle_view(self, view: str) -> None:
        cl = self.claim_list
        only = set(cl.only) ^ {view}
        cl.show(only=tuple(only))
        self.refresh_status()  # the status line says which views are on

    def refresh_status(self) -> None:
        """Show the list's state in the status line (the home screen's)."""

    def action_unread_only(self) -> None:
        self._toggle_view("unread")

    def action_appealable_only(self) -> None:
        self._toggle_view("appealable")

    # -- the next unread ----------------------------------------------------------------------
    def action_next_unread(self) -> None:
        cl = self.claim_list
        # first among the rows already fetched after the cursor: most often the next one is there
        index = cl.cursor + 1
        while index < cl.total and (row := cl.loaded_row(index)) is not None:
            if row.unread:
                cl.cursor = index
                return
            index += 1
        self._find_unread((cl.tab, cl.sort, cl.text, cl.only), index - 1)

    @work(thread=True, exclusive=True, group="next-unread")
    def _find_unread(self, view: tuple[str, str, str, tuple[str, ...]], after: int) -> None:
        tab, sort, text, only = view
        found = self.desk.next_unread(tab, after, sort, text, only)
        wrapped = False
        if found is None:
            found, wrapped = self.desk.next_unread(tab, -1, sort, text, only), True
        self.post_message(self.Found(view, found, wrapped))

    @on(Found)
    def _found(self, message: Found) -> None:
        cl = self.claim_list
        if message.generation != (cl.tab, cl.sort, cl.text, cl.only):
            return  # the list changed meanwhile: that answer is for another list
        if message.index is None:
            self.say(f"No unread claims in {TAB_LABELS[cl.tab]}" + (" here" if cl.text or cl.only else ""))
            return
        if message.wrapped:
            self.say("Back to the first unread claim")
        cl.cursor = message.index

    # -- mark read --------------------------------------------------------------------------------
    def action_mark_all_read(self) -> None:
        if self.desk.read_only:  # say so before asking which claims
            self.say(f"Read marks not saved: {read_only_refusal(self.desk.read_only)}", severity="warning", timeout=8)
            return
        cl = self.claim_list
        tab = cl.tab if cl.tab != "claimable" else None
        text = cl.text

        def chosen(choice: str | None) -> None:
            if not choice:
                return
            scope = tab if choice == "tab" else None

            def marked(n: int) -> None:
                where = TAB_LABELS[scope] if scope else "every tab"
                self.say(f"Marked {n:,} claim{'s' if n != 1 else ''} read ({where})")
                self.changed()

            self.write(Write("marking claims read", lambda: self.desk.mark_all_read(scope, text), marked,
                             refused="Read marks not saved"))

        self.app.push_screen(MarkReadDialog(tab, dict(self._counts), text), chosen)
