"""One line that says what is being written while a write runs ("sending the reply…")."""

from __future__ import annotations

from textual.widgets import Label

from safet_tui.widgets.text import literal


class Working(Label):
    DEFAULT_CSS = """
    Working {
        display: none;
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $warning 20%;
        text-style: italic;
    }
    Working.-busy {
        display: block;
    }
    """

    def start(self, doing: str) -> None:
        self.update(literal(f"{doing}… (the database may be busy: the desk waits for it)"))
        self.add_class("-busy")

    def stop(self) -> None:
        self.remove_class("-busy")
        self.update("")
