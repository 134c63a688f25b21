"""The Textual app: the SAFE-T desk's shell.

It starts the desk, polls for changes made elsewhere, shows notifications and navigates. The
screens get the Desk and the settings in their constructor (``messages.DeskContext``), ask for
navigation with messages, and hear about changes through one signal, ``data_changed``, which
the change poll and our own writes publish. Heavy screens (analytics, plotext) load lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.signal import Signal
from textual.worker import WorkerFailed

from safet_tui.config import Config
from safet_tui.domain.lifecycle import Actor
from safet_tui.messages import (
    REFUSALS,
    Change,
    Changed,
    DeskContext,
    ExportClaims,
    ImportReport,
    NewClaim,
    OpenAnalytics,
    OpenThread,
    ShowTab,
)
from safet_tui.palette import DeskCommands
from safet_tui.service.desk import Desk
from safet_tui.widgets.change_alerts import ChangeAlerts
from safet_tui.widgets.text import clean
from safet_tui.widgets.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from safet_tui.screens.home import HomeScreen


#: actions that change the database: on a read-only one they are refused before anything opens
WRITE_ACTIONS = frozenset({"reply", "appeal", "attach", "new_claim", "toggle_read", "mark_unread", "send", "file",
                           "request_info", "grant", "no_grant"})


@dataclass
class QuitAsked(Message):
    """The drafts a quit leaves behind: saved ones, and ones the database refused."""

    saved: list[str]
    unsaved: list[str]


class SafetApp(TypeAheadApp):
    TITLE = "safet"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {DeskCommands}

    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", show=False, id="app.help"),
        Binding("colon", "command_palette", "Commands", show=False, key_display=":", id="app.palette"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette_ctrl"),
        Binding("o", "open_changed", "Open the claim that just changed", show=False, id="app.open_changed"),
    ]

    def __init__(self, desk: Desk, config: Config | None = None, role: str | None = None,
                 open_claim: str | None = None) -> None:
        super().__init__()
        self.config = config or Config()
        if role is not None:  # the session's role, as the desk was started
            desk.role = Actor(role)
        self.desk = desk
        self.open_claim = open_claim
        self.animation_level = "full" if self.config.animations else "none"
        #: published when the database changed: by the change poll, and after our own writes
        self.data_changed: Signal[Change] = Signal(self, "data-changed")
        self.ctx = DeskContext(desk, self.data_changed, self.config)
        self.home_screen: HomeScreen | None = None
        self._data_version: int | None = None
        self.alerts = ChangeAlerts(self)
        #: a quit is looking for unsent drafts (keys typed behind it wait for its question)
        self._quitting = False
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # -- start, and changes made elsewhere ------------------------------------------------------
    def on_ready(self) -> None:
        """After the first frame. ``safet`` starts with the garbage collector off (the objects
        made while importing and building the first screen all live on, and collecting them is
        a noticeable share of the start, see bench/): move them out of its way, turn it on."""
        import gc

        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def on_mount(self) -> None:
        from safet_tui.screens.home import HomeScreen

        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        else:
            self.say(f"Unknown theme {self.config.theme!r} in the config; using the default", severity="warning")
        # What time decided since the database was last opened (a reply-by passed) is written in
        # a worker; the first frame does not wait for it (see Desk.defer_catch_up)
        self.desk.defer_catch_up()
        self.run_worker(lambda: self._catch_up(deferred=True), thread=True, group="first-catch-up")
        self.home_screen = HomeScreen(self.ctx)
        self.push_screen(self.home_screen)
        if self.open_claim:
            self.open_thread(self.open_claim, missing="No claim {}: opening the desk")
        self._data_version = self.desk.data_version()
        self.alerts.start()
        self.set_interval(self.config.refresh_interval, self._poll_changes)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.config.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False  # an Input or TextArea: its cursor stays lit

    def _poll_changes(self) -> None:
        """Cheap: one PRAGMA. When another terminal or an import changed the database, or a
        deadline passed (time decides too: a reply-by ends its claim), say so."""
        try:
            version = self.desk.data_version()
        except REFUSALS:  # the file went away or cannot be read for a moment: look again next time
            return
        if version != self._data_version:
            self._data_version = version
            self.data_changed.publish(Change())
            self.alerts.look()
        if self.desk.catch_up_due():
            self.run_worker(self._catch_up, thread=True, group="catch-up", exclusive=True)

    def _catch_up(self, deferred: bool = False) -> None:
        ended = self.desk.catch_up_deferred() if deferred else self.desk.catch_up()
        if ended:  # in a worker: it may wait for another terminal's write lock
            self.post_message(Changed(Change()))
            self.call_from_thread(self.alerts.look)
        self.desk.close_thread_connection()

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        """Our own write: the poll will not see it as news (the version moves on here)."""
        self._data_version = self.desk.data_version()
        self.data_changed.publish(message.change)

    # -- what cannot be done here: said in one line, never a traceback ---------------------------
    async def run_action(self, action: Any, default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Every key's action passes here: on a database this desk cannot change, a write is
        refused in one line before its editor or dialog opens."""
        if self.desk.read_only and isinstance(action, str):
            name = action.split("(", 1)[0].rsplit(".", 1)[-1]
            if name in WRITE_ACTIONS:
                self.refuse_read_only()
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def refuse_read_only(self) -> None:
        from safet_tui.screens.claim_actions import read_only_refusal

        self.say(read_only_refusal(self.desk.read_only), severity="warning", timeout=6)

    def _handle_exception(self, error: Exception) -> None:
        """A worker that ends in a refusal of the service (a busy or read-only database, a claim
        gone) says so in one line; the desk goes on. Anything else is a bug: Textual's traceback."""
        cause = error.error if isinstance(error, WorkerFailed) else None
        if isinstance(cause, REFUSALS):
            self.say(f"Not done: {cause}", severity="error", timeout=8)
            return
        super()._handle_exception(error)

    # -- notifications and navigation ---------------------------------------------------------
    def say(self, message: str, severity: SeverityLevel = "information", timeout: float = 4) -> None:
        """Notify with the text shown literally (no markup from claim data)."""
        self.notify(clean(message, newlines=True), severity=severity, timeout=timeout, markup=False)

    @on(OpenThread)
    def _open_thread(self, message: OpenThread) -> None:
        self.open_thread(message.claim_no, message.then)

    def open_thread(self, claim_no: str, then: str | None = None, *, missing: str = "No claim {}") -> None:
        from safet_tui.screens.thread import ThreadScreen

        try:  # one look-up by index: a reader never waits for a writer in WAL mode
            found = self.desk.exists(claim_no)
        except REFUSALS as exc:
            self.say(f"Cannot open {claim_no}: {exc}", severity="error")
            return
        if not found:
            self.say(missing.format(claim_no), severity="warning")
            return
        self.push_screen(ThreadScreen(self.ctx, claim_no, then=then))

    @on(ShowTab)
    def _show_tab(self, message: ShowTab) -> None:
        home = self.home_screen
        if home is not None:
            while self.screen is not home:
                self.pop_screen()
            home.action_tab(message.tab)

    @on(NewClaim)
    def _new_claim(self, message: NewClaim) -> None:
        from safet_tui.screens.claim_actions import investigator_refusal
        from safet_tui.screens.new_claim import NewClaimScreen

        if self.desk.role is Actor.AMAZON:
            self.say(investigator_refusal("file claims"), severity="warning")
            return
        if self.desk.read_only:
            self.refuse_read_only()
            return
        self.push_screen(NewClaimScreen(self.desk, message.refund_id))

    @on(ImportReport)
    def _import(self) -> None:
        from safet_tui.screens.transfer import ImportDialog

        if self.desk.read_only:
            self.refuse_read_only()
            return
        self.push_screen(ImportDialog(self.desk))

    @on(ExportClaims)
    def _export(self, message: ExportClaims) -> None:
        from safet_tui.screens.transfer import ExportDialog

        self.push_screen(ExportDialog(self.desk, message.scope))

    @on(OpenAnalytics)
    def _analytics(self) -> None:
        try:
            from safet_tui.screens.analytics import AnalyticsScreen
        except ImportError as exc:  # plotext missing from an odd install
            self.say(f"Analytics is not available: {exc}", severity="error")
            return
        self.push_screen(AnalyticsScreen(self.desk, self.data_changed))

    def action_open_changed(self) -> None:
        self.alerts.open_latest()

    def action_help(self) -> None:
        from safet_tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    # -- quitting with unsent drafts ------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit; with unsent drafts, ask first (a second quit while asked keeps them and quits)."""
        from safet_tui.screens.dialogs import QuitDialog

        if isinstance(self.screen, QuitDialog):
            self.exit()
            return
        self._quitting = True
        self._drafts_left()

    def holding_keys(self) -> bool:
        return self._quitting

    @work(thread=True, exclusive=True, group="quit")
    def _drafts_left(self) -> None:
        from safet_tui.screens.drafting import DraftKeeper

        unsaved = [k.label for k in DraftKeeper.unsaved(self) if k.save_now(wait_turn=True)]  # the last keys typed
        self.post_message(QuitAsked([d.label for d in self.desk.drafts()], unsaved))
        self.desk.close_thread_connection()

    @on(QuitAsked)
    def _ask_quit(self, message: QuitAsked) -> None:
        from safet_tui.screens.dialogs import QuitDialog

        self._quitting = False
        if not message.saved and not message.unsaved:
            self.exit()
            return
        self.push_screen(QuitDialog(message.saved, message.unsaved), self._quit_answer)

    def _quit_answer(self, answer: str | None) -> None:
        if answer == "keep":
            self.exit()
        elif answer == "discard":
            self._discard_drafts_and_quit()

    @work(thread=True, group="quit")
    def _discard_drafts_and_quit(self) -> None:
        try:
            self.desk.discard_drafts()
        except REFUSALS:  # a busy or read-only database: they stay, and the desk still quits
            pass
        self.call_from_thread(self.exit)
