"""A claim's attachments: open one in the system viewer, or save it into a folder.

``v`` on the list or in a thread lists the claim's files, newest first. ``enter`` (or ``o``)
opens the highlighted one with the system viewer (``xdg-open``, ``open`` on macOS), started on
its own so the desk never waits for it; over SSH, or with no viewer, the desk says so and ``s``
saves the file instead: into your Downloads folder unless you say another, asking before it
replaces a file, and readable by you only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.units import human_size
from safet_tui.messages import REFUSALS
from safet_tui.screens.claim_actions import say
from safet_tui.screens.dialogs import PathInput, _Dialog
from safet_tui.service.desk import Desk, FileExists
from safet_tui.service.views import AttachmentView
from safet_tui.widgets.text import literal


def viewer() -> tuple[list[str] | None, str]:
    """The command that opens a file on this screen, or why there is none."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return None, "Over SSH a viewer would open on the server, not on your screen: s saves the file instead"
    name = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(name)
    if not found:
        return None, f"No viewer here ({name} not found): s saves the file instead"
    return [found], ""


def launch(argv: list[str]) -> None:
    """Start the viewer on its own (a new session, no terminal): the desk goes on at once, and a
    daemon thread reaps it when it ends."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    threading.Thread(target=proc.wait, daemon=True).start()


class AttachmentsScreen(_Dialog):
    """The files of one claim; enter opens, s saves, escape closes."""

    DEFAULT_CSS = """
    AttachmentsScreen { align: center middle; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="files.close"),
        Binding("enter,o", "view", "Open", id="files.view"),
        Binding("s", "save", "Save", id="files.save"),
    ]

    def __init__(self, desk: Desk, claim_no: str) -> None:
        super().__init__()
        self.desk = desk
        self.claim_no = claim_no
        self.files: list[AttachmentView] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(f"Files of claim {self.claim_no}"), classes="dialog-title")
            yield Label("enter opens in the viewer · s saves to a folder · esc closes", classes="dialog-hint")
            yield OptionList(id="files")
            yield Label("", classes="dialog-error", id="error")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.run_worker(self._load, thread=True, group="files-load", exclusive=True)

    def _load(self) -> None:
        try:
            view = self.desk.claim(self.claim_no, with_thread=False)
        except REFUSALS as exc:
            self.app.call_from_thread(self._error, str(exc))
            return
        self.app.call_from_thread(self._show, list(reversed(view.attachments)), view.timezone)

    def _show(self, files: list[AttachmentView], zone: str | None = None) -> None:
        self.files = files
        box = self.query_one(OptionList)
        box.clear_options()
        if not files:
            self._error("This claim has no attachments.")
            return
        # literal: an option's text is markup, and a file named [@click=…] must stay a name; times in
        # the marketplace's zone, as the thread shows them
        box.add_options([Option(literal(f"{a.name}  ({human_size(a.size)}, {a.media_type}) · "
                                        f"{local_time(a.created_at, zone)}"), id=str(a.id)) for a in files])
        box.highlighted = 0

    def _error(self, text: str) -> None:
        self.query_one("#error", Label).update(literal(text))

    @property
    def current(self) -> AttachmentView | None:
        index = self.query_one(OptionList).highlighted
        return self.files[index] if index is not None and 0 <= index < len(self.files) else None

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_view()

    def action_view(self) -> None:
        att = self.current
        if att is None:
            return
        command, why = viewer()
        if self.desk.files_in is not None:  # a browser visitor: the server's screen is not theirs
            command, why = None, "In the browser a viewer would open on the server: s saves the file into your folder"
        if command is None:
            say(self, why, severity="warning", timeout=8)
            return

        def run() -> None:
            try:
                copy = self.desk.viewable_copy(att.id)
                launch([*command, str(copy)])
            except REFUSALS as exc:
                self.app.call_from_thread(say, self, f"Cannot open {att.name}: {exc}", "error", 8)
                return
            except OSError as exc:  # the viewer would not start
                self.app.call_from_thread(say, self, f"Cannot open {att.name}: {exc.strerror or exc}", "error", 8)
                return
            self.app.call_from_thread(say, self, f"Opened {att.name} in the viewer")

        self.run_worker(run, thread=True, group="files-view")

    def action_save(self) -> None:
        att = self.current
        if att is None:
            return

        def saved(path: str | None) -> None:
            if path:
                say(self, f"Saved {att.name} to {path}")

        self.app.push_screen(SaveDialog(self.desk, att), saved)


class SaveDialog(_Dialog):
    """The folder to save one attachment into (your Downloads folder to start with)."""

    DEFAULT_CSS = """
    SaveDialog { align: center middle; }
    """
    def __init__(self, desk: Desk, att: AttachmentView) -> None:
        super().__init__()
        self.desk = desk
        self.att = att
        #: the path the person agreed to replace (enter a second time on the same folder)
        self.replace: Path | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(f"Save {self.att.name}"), classes="dialog-title")
            yield Label("Into this folder (tab completes); enter saves, readable by you only.", classes="dialog-hint")
            yield PathInput(str(self.desk.default_save_dir()) + os.sep, id="folder")
            yield Label("", classes="dialog-error", id="error")

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Input.Changed, "#folder")
    def _changed(self) -> None:
        self.replace = None
        self.query_one("#error", Label).update("")

    @on(Input.Submitted, "#folder")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.saving:
            return
        folder, replace = event.value, self.replace
        self.saving = True

        def run() -> None:
            try:
                path = self.desk.save_attachment(self.att.id, folder,
                                                 overwrite=replace is not None)
            except FileExists as exc:
                self.app.call_from_thread(self._exists, exc.path)
            except REFUSALS as exc:
                self.app.call_from_thread(self._error, str(exc))
            else:
                self.app.call_from_thread(self.dismiss, str(path))

        self.run_worker(run, thread=True, group="files-save")

    def _exists(self, path: Path) -> None:
        self.saving = False
        self.replace = path
        self._error(f"{path} exists: enter again replaces it (or change the folder)")

    def _error(self, text: str) -> None:
        self.saving = False
        self.query_one("#error", Label).update(literal(text))
