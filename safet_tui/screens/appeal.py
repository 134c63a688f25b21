"""The appeal dialog: the text saying why the decision is wrong, and evidence files with it.

The files go with the appeal through the same service path as a reply's (``Desk.appeal``:
checked, copied into the store before the write, attached to the appeal message).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from textual.binding import Binding
from textual.widgets import Label

from safet_tui.screens.dialogs import AttachDialog, TextDialog
from safet_tui.widgets.text import literal


class AppealDialog(TextDialog):
    """A TextDialog with files: ctrl+t attaches one, ctrl+x removes the last; ``files`` holds them."""

    BINDINGS = [
        Binding("ctrl+t", "attach", "Attach evidence", id="appeal.attach"),
        Binding("ctrl+x", "drop_file", "Remove last file", priority=True, id="appeal.drop_file"),
    ]

    def __init__(self, title: str, hint: str, *, check: Callable[[str], None], **kwargs) -> None:
        super().__init__(title, hint, **kwargs)
        #: ``check(path)`` refuses a file that cannot be attached (missing, a folder, over the limit)
        self.check = check
        self.files: list[str] = []
        self.files_label = Label("", id="appeal-files", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(".dialog").mount(self.files_label, before=self.query_one("#error"))
        self._show_files()

    def _show_files(self) -> None:
        names = ", ".join(os.path.basename(p) for p in self.files)
        text = f"↳ {names}   (ctrl+x removes the last)" if names else "ctrl+t attaches evidence to the appeal"
        self.files_label.update(literal(text))

    def action_attach(self) -> None:
        def add(path: str | None) -> None:
            if path:
                self.files.append(path)
                self._show_files()

        self.app.push_screen(AttachDialog(f"Attach evidence to the appeal ({self.title_text})", self.check), add)

    def action_drop_file(self) -> None:
        if self.files:
            self.files.pop()
            self._show_files()
