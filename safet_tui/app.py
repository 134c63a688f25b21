"""The Textual app: the SAFE-T desk.

Screens only present and dispatch; every read and write goes through the
service (``self.desk``). Heavy screens (analytics, plotext) load lazily.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, TextArea

from safet_tui.config import Config
from safet_tui.domain.lifecycle import Actor
from safet_tui.service.desk import Desk
from safet_tui.widgets.text import clean


class SafetApp(App):
    TITLE = "safet"
    CSS_PATH = "app.tcss"

    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", show=False, id="app.help"),
        Binding("colon", "command_palette", "Commands", show=False, key_display=":", id="app.palette"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette_ctrl"),
    ]

    def __init__(self, desk: Desk, config: Config | None = None, role: str | None = None,
                 open_claim: str | None = None) -> None:
        super().__init__()
        from safet_tui.palette import DeskCommands

        self.COMMANDS = App.COMMANDS | {DeskCommands}
        self.desk = desk
        self.config = config or Config()
        if role is not None:  # the session's role, as the desk was started
            desk.role = Actor(role)
        self.role = desk.role.value
        self.open_claim = open_claim
        self.animation_level = "full" if self.config.animations else "none"
        self._data_version: int | None = None
        #: unsent replies by claim id (text, files), kept while the desk runs
        self.drafts: dict[str, tuple[str, list[str]]] = {}
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # -- start ------------------------------------------------------------------------------
    def on_ready(self) -> None:
        """After the first frame. ``safet`` starts with the garbage collector off (the objects
        made while importing and building the first screen all live on; collecting them cost
        ~70 ms of a ~600 ms start in bench/): move them out of its way for good, turn it on."""
        import gc

        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def on_mount(self) -> None:
        from safet_tui.screens.home import HomeScreen

        try:
            self.theme = self.config.theme
        except Exception:
            self.say(f"Unknown theme {self.config.theme!r} in the config; using the default", severity="warning")
        self.push_screen(HomeScreen())
        if self.open_claim:
            if self.desk.exists(self.open_claim):
                self.open_thread(self.open_claim)
            else:
                self.say(f"No claim {self.open_claim}: opening the desk", severity="warning")
        self._data_version = self.desk.data_version()
        self.set_interval(self.config.refresh_interval, self._poll_changes)

    def _poll_changes(self) -> None:
        """Cheap: one PRAGMA. When another terminal or an import changed the database, refresh."""
        try:
            version = self.desk.data_version()
        except Exception:
            return
        if version != self._data_version:
            self._data_version = version
            self.data_changed()

    def data_changed(self, advance: bool = False, skip=None) -> None:
        """Refresh every open screen that shows claims (``skip``: one that is refreshing itself)."""
        from safet_tui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if screen is skip:
                continue
            if isinstance(screen, HomeScreen):
                screen.after_change(advance=advance)
            elif hasattr(screen, "reload_claim"):
                screen.reload_claim()
            elif type(screen).__name__ == "AnalyticsScreen":  # not imported until it is opened
                screen.reload()

    async def _on_key(self, event: events.Key) -> None:
        """Keep text typed right behind a key that opens an editor (r, n, /).

        Textual hands each key to the widget focused when it arrives; in a fast burst (a macro,
        keys sent by a script) the keys behind "r" are queued on the list, and by the time they
        bubble back here the reply editor has the focus, so they would run as commands ("m" marks
        unread) or vanish. A text widget consumes every printable key it gets, so a printable key
        that reaches the app while one is focused was meant for it.
        """
        focused = self.focused
        if event.is_printable and isinstance(focused, Input | TextArea) and not getattr(focused, "read_only", False):
            focused.post_message(events.Key(event.key, event.character))
            event.prevent_default()  # App's own handler (bindings) must not run it as well

    # -- helpers for screens ------------------------------------------------------------------
    def say(self, message: str, severity: str = "information", timeout: float = 4) -> None:
        """Notify with the text shown literally (no markup from claim data)."""
        self.notify(clean(message, newlines=True), severity=severity, timeout=timeout, markup=False)

    def home(self):
        from safet_tui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                return screen
        return None

    def open_thread(self, claim_no: str, then: str | None = None) -> None:
        from safet_tui.screens.thread import ThreadScreen

        self.push_screen(ThreadScreen(claim_no, then=then))

    def seller_only(self, what: str) -> bool:
        """Investigators record Amazon's side; seller actions are refused with a reason."""
        if self.role == "amazon":
            self.say(f"You are the investigator (--as amazon): sellers {what}, not Amazon", severity="warning")
            return False
        return True

    def start_appeal(self, claim_no: str) -> None:
        from safet_tui.screens.dialogs import TextDialog

        if not self.seller_only("appeal"):
            return
        why = self.desk.why_not_appeal(claim_no)
        if why:
            self.say(f"Cannot appeal {claim_no}: {why}", severity="warning")
            return

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                self.desk.appeal(claim_no, text)
            except Exception as exc:
                self.say(f"Appeal not sent: {exc}", severity="error")
                return
            self.say(f"Appeal filed for {claim_no}: now Under Investigation")
            self.after_write(advance=True)

        self.push_screen(TextDialog(
            f"Appeal claim {claim_no}",
            "One appeal per claim, and it is final. Say why the decision is wrong.",
            confirm="File the appeal (final)",
        ), done)

    def start_attach(self, claim_no: str) -> None:
        from safet_tui.screens.dialogs import AttachDialog

        if not self.seller_only("attach evidence"):
            return
        def done(path: str | None) -> None:
            if not path:
                return
            try:
                att = self.desk.attach(claim_no, path)
            except Exception as exc:
                self.say(f"Not attached: {exc}", severity="error")
                return
            self.say(f"Attached {att.name} to {claim_no}")
            self.after_write()

        self.push_screen(AttachDialog(f"Attach a file to claim {claim_no}"), done)

    def start_new_claim(self, refund_id: int | None = None) -> None:
        from safet_tui.screens.new_claim import NewClaimScreen

        if not self.seller_only("file claims"):
            return
        self.push_screen(NewClaimScreen(refund_id))

    def start_import(self) -> None:
        from safet_tui.screens.transfer import ImportDialog

        self.push_screen(ImportDialog())

    def start_export(self) -> None:
        """Export the selected claims, else the current tab's claims."""
        from safet_tui.screens.transfer import ExportDialog

        home = self.home()
        ids: list[int] = []
        status = None
        text = ""
        if home is not None and self.screen is home:
            ids = [key for kind, key in home.claim_list.selected if kind == "claim"]
            status = home.claim_list.tab if home.claim_list.tab != "claimable" else None
            text = home.claim_list.text if status else ""
        self.push_screen(ExportDialog(ids, status, text))

    def open_analytics(self) -> None:
        try:
            from safet_tui.screens.analytics import AnalyticsScreen
        except ImportError as exc:
            self.say(f"Analytics is not available: {exc}", severity="error")
            return
        self.push_screen(AnalyticsScreen())

    def after_write(self, advance: bool = False, skip=None) -> None:
        """After our own change: refresh what shows it (the poll will not see our own commit)."""
        self._data_version = self.desk.data_version()
        self.data_changed(advance, skip)

    def action_help(self) -> None:
        from safet_tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))
