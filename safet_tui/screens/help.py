"""``?``: the keys that work where you are, filterable as you type."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static


def bindings_of(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for every binding active on ``screen``."""
    rows: dict[str, tuple[str, str, str]] = {}
    app = screen.app
    for active in screen.active_bindings.values():
        b = active.binding
        desc = b.description or b.action
        ident = b.id or b.action
        display = app.get_key_display(b)
        if ident in rows:
            keys, d, i = rows[ident]
            if display not in keys.split(", "):
                rows[ident] = (f"{keys}, {display}", d, i)
        else:
            rows[ident] = (display, desc, ident)
    return sorted(rows.values(), key=lambda r: r[2])


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 80; max-width: 100%; height: 90%; border: thick $primary 70%; background: $surface; }
    #help-title { text-style: bold; padding: 0 1; width: 1fr; }
    #help-filter { border: none; height: 1; padding: 0 1; }
    #help-keys { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.close_q"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.rows = bindings_of(target)

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(f"Keys on this screen ({type(self.target).__name__.removesuffix('Screen')})", id="help-title")
            yield Input(placeholder="type to filter keys and actions", id="help-filter")
            with VerticalScroll(id="help-keys"):
                yield Static(id="help-table")

    def on_mount(self) -> None:
        self.query_one("#help-filter", Input).focus()
        self._show_keys("")

    @on(Input.Changed, "#help-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show_keys(event.value)

    def _show_keys(self, text: str) -> None:
        needle = text.strip().lower()
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Action")
        table.add_column("Id (for keymap)", style="dim")
        self.shown = [r for r in self.rows if not needle or needle in " ".join(r).lower()]
        for keys, desc, ident in self.shown:
            table.add_row(keys, desc, ident)
        if not self.shown:
            table.add_row("", "no key matches", "")
        self.query_one("#help-table", Static).update(table)

    def action_close(self) -> None:
        self.dismiss()
