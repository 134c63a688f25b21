"""Evidence for a new claim in one go: the files for the evidence still missing, in order.

Several paths are written as a shell writes them (a terminal's drag and drop pastes them so:
quoted or backslash-escaped, separated by spaces); a single path that exists is taken whole,
spaces and all. The first file stands for the first evidence still missing, and so on.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from safet_tui.domain.reasons import Evidence
from safet_tui.screens.dialogs import PathInput, PathSuggester, start_path
from safet_tui.service.desk import ServiceError
from safet_tui.widgets.text import literal


def split_paths(value: str) -> list[str]:
    """The paths in what was typed (absolute, ``~`` expanded)."""
    text = value.strip()
    if not text:
        return []
    if os.path.exists(os.path.expanduser(text)):
        parts = [text]
    else:
        try:
            parts = shlex.split(text)
        except ValueError:  # an unclosed quote: take it as one path, and let the check say why
            parts = [text]
    return [os.path.abspath(os.path.expanduser(p)) for p in parts]


class LastPathSuggester(PathSuggester):
    """Completes the path being typed: the whole value, else the last of several."""

    async def get_suggestion(self, value: str) -> str | None:
        whole = await super().get_suggestion(value)
        if whole or " " not in value:
            return whole
        head, _, last = value.rpartition(" ")
        tail = await super().get_suggestion(last)
        return f"{head} {tail}" if tail else None


class EvidenceDialog(ModalScreen[list[str] | None]):
    DEFAULT_CSS = """
    EvidenceDialog { align: center middle; }
    EvidenceDialog > Vertical {
        width: 76; max-width: 100%; height: auto; border: thick $primary 70%;
        background: $surface; padding: 0 1;
    }
    EvidenceDialog #evidence-title { text-style: bold; width: 1fr; }
    EvidenceDialog .hint { color: $text-muted; width: 1fr; }
    EvidenceDialog #error { color: $error; width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, missing: list[Evidence], check: Callable[[str], None], root: Path | None = None) -> None:
        super().__init__()
        self.missing = missing
        #: the only folder paths may come from (a browser visitor's), else anywhere
        self.root = root
        #: ``check(path)`` refuses (ServiceError) a file that cannot be attached
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Evidence for the claim", id="evidence-title")
            order = "\n".join(f"  {n}. {e.label}" for n, e in enumerate(self.missing, 1))
            yield Label(literal(order, newlines=True))
            yield Label("One file each, in this order, separated by spaces (quote a path with spaces, as a "
                        "drag and drop does); tab completes, enter attaches.", classes="hint")
            yield PathInput(start_path(self.root), suggester=LastPathSuggester(self.root), id="paths")
            yield Label("", id="error")

    def on_mount(self) -> None:
        self.query_one("#paths", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#paths")
    def _submitted(self, event: Input.Submitted) -> None:
        paths = split_paths(event.value)
        if not paths:
            self.query_one("#error", Label).update("Give a file (esc cancels).")
            return
        for path in paths:
            try:
                self.check(path)
            except ServiceError as exc:
                self.query_one("#error", Label).update(literal(f"{os.path.basename(path)}: {exc}"))
                return
        self.dismiss(paths)
