"""Small modal dialogs: text, choice, and a file path with completion."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from safet_tui.service.desk import ServiceError
from safet_tui.widgets.text import literal


def files_root(app) -> Path | None:
    """The one folder the desk keeps files in (a browser visitor's), else None."""
    return getattr(getattr(app, "desk", None), "files_in", None)


def start_path(root: Path | None) -> str:
    """Where a path box starts: the desk's folder, else the current directory."""
    return str(root or Path.cwd()) + os.sep


class PathSuggester(Suggester):
    """Completes paths on the machine the desk runs on (users are on SSH); with a ``root``, only
    names inside it (a browser visitor's folder)."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.root = root

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value) if self.root is None else value
        folder, prefix = os.path.split(expanded)
        if self.root is not None:
            inside = (self.root / (folder or ".")).resolve()
            if inside != self.root and not inside.is_relative_to(self.root):
                return None
            folder = str(inside) if folder else ""
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if not name.isprintable():  # the input shows its value raw: a name holding an escape
                continue  # sequence (or undecodable bytes) would reach the terminal; not offered
            if name.startswith(prefix) and name != prefix and (prefix.startswith(".") or not name.startswith(".")):
                full = os.path.join(folder, name)
                if os.path.isdir(full):
                    full += os.sep
                return value[: len(value) - len(prefix)] + full[len(os.path.join(folder, "")) if folder else 0:]
        return None


class PathInput(Input):
    """A path box that completes as you type (:class:`PathSuggester`); tab takes the completion."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False, id="path.complete")]

    def __init__(self, value: str, root: Path | None = None, suggester: PathSuggester | None = None,
                 **kwargs) -> None:
        super().__init__(value, suggester=suggester or PathSuggester(root), **kwargs)

    def action_complete(self) -> None:
        self.cursor_position = len(self.value)
        self.action_cursor_right()  # at the end, → accepts the suggestion


class _Dialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    _Dialog, TextDialog, AttachDialog, ChoiceDialog, QuitDialog {
        align: center middle;
    }
    .dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary 70%;
        background: $surface;
        padding: 0 1;
    }
    .dialog-title {
        text-style: bold;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    .dialog-hint {
        color: $text-muted;
        width: 1fr;
    }
    .dialog TextArea {
        height: 8;
    }
    .dialog OptionList {
        height: auto;
        max-height: 14;
    }
    .dialog-buttons {
        height: auto;
        align-horizontal: right;
    }
    .dialog-error {
        color: $error;
        width: 1fr;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(_Dialog):
    """Ask for a text (multi-line by default); ctrl+s confirms."""

    BINDINGS = [Binding("ctrl+s", "confirm", "Confirm", id="dialog.confirm")]

    def __init__(self, title: str, hint: str = "", *, initial: str = "", confirm: str = "OK",
                 single_line: bool = False, validate: Callable[[str], str | None] | None = None,
                 on_change: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.title_text, self.hint, self.initial, self.confirm_label = title, hint, initial, confirm
        self.single_line = single_line
        #: told the text as it is typed (a draft keeper)
        self.on_change = on_change
        #: ``validate(text) -> error or None``: the dialog stays open, with the text, until it passes
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.title_text), classes="dialog-title")
            if self.hint:
                yield Label(literal(self.hint), classes="dialog-hint")
            if self.single_line:
                yield Input(self.initial, id="text")
            else:
                yield TextArea(self.initial, id="text", soft_wrap=True, show_line_numbers=False)
            yield Label("", classes="dialog-error", id="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button(f"{self.confirm_label} (ctrl+s)", variant="primary", id="ok")

    def on_mount(self) -> None:
        box = self.query_one("#text")
        if isinstance(box, TextArea):
            box.move_cursor(box.document.end)  # a text given back (a draft) goes on where it ended
        self.set_focus(box)  # now: keys typed right behind the key that opened the dialog are its text

    @on(TextArea.Changed, "#text")
    @on(Input.Changed, "#text")
    def _typed(self) -> None:
        if self.on_change is not None:
            self.on_change(self._value())

    def _value(self) -> str:
        if self.single_line:
            return self.query_one("#text", Input).value
        return self.query_one("#text", TextArea).text

    def action_confirm(self) -> None:
        value = self._value()
        if not value.strip():
            self.query_one("#error", Label).update("Write something first (esc cancels).")
            return
        problem = self.validate(value) if self.validate else None
        if problem:
            self.query_one("#error", Label).update(literal(problem))
            return
        self.dismiss(value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class AttachDialog(_Dialog):
    """A path on the server, with completion (tab or → accepts)."""

    def __init__(self, title: str, check: Callable[[str], None]) -> None:
        super().__init__()
        self.title_text = title
        #: ``check(path)`` refuses (ServiceError) a file that cannot be attached, before anything is sent
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.title_text), classes="dialog-title")
            yield Label("A file on this machine; tab completes, enter attaches. It is copied into the store.",
                        classes="dialog-hint")
            root = files_root(self.app)
            yield PathInput(start_path(root), root=root, id="path")
            yield Label("", classes="dialog-error", id="error")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            self.check(event.value)
        except ServiceError as exc:
            self.query_one("#error", Label).update(literal(str(exc)))
            return
        self.dismiss(event.value)


class ChoiceDialog(_Dialog):
    def __init__(self, title: str, choices: list[str], hint: str = "") -> None:
        super().__init__()
        self.title_text, self.choices, self.hint = title, choices, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.title_text), classes="dialog-title")
            if self.hint:
                yield Label(literal(self.hint), classes="dialog-hint")
            yield OptionList(*[Option(literal(c), id=str(i)) for i, c in enumerate(self.choices)], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class QuitDialog(_Dialog):
    """Quitting with unsent drafts: keep them and quit, discard them and quit, or stay."""

    BINDINGS = [
        Binding("k", "answer('keep')", "Keep drafts and quit", id="quit.keep"),
        Binding("d", "answer('discard')", "Discard drafts and quit", id="quit.discard"),
    ]

    def __init__(self, saved: list[str], unsaved: list[str]) -> None:
        super().__init__()
        self.saved, self.unsaved = saved, unsaved

    def compose(self) -> ComposeResult:
        n = len(self.saved) + len(self.unsaved)
        with Vertical(classes="dialog"):
            yield Label(f"Quit with {n} unsent draft{'s' if n != 1 else ''}?", classes="dialog-title")
            if self.saved:
                yield Label("They are saved in this database and come back when you open them again:",
                            classes="dialog-hint")
                yield Label(self._listed(self.saved))
            if self.unsaved:
                yield Label("Not saved (the database refused them): lost if you quit:", classes="dialog-error")
                yield Label(self._listed(self.unsaved), classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Discard, quit (d)", variant="error", id="discard")
                yield Button("Keep drafts, quit (k)", variant="primary", id="keep")

    @staticmethod
    def _listed(labels: list[str], most: int = 5) -> Text:
        shown = [f"  • {label}" for label in labels[:most]]
        if len(labels) > most:
            shown.append(f"  … and {len(labels) - most} more")
        return literal("\n".join(shown), newlines=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#keep", Button))  # enter keeps them

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
