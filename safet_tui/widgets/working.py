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
        self.doing = doing
        self.update(literal(f"{doing}…"))
        self.add_class("-busy")

    def waiting(self, waiting: bool) -> None:
        """Another program holds the database's write lock (or no longer does)."""
        doing = getattr(self, "doing", "saving")
        if waiting:
            self.update(literal(f"database busy, retrying… ({doing}; another program is writing)"))
        else:
            self.update(literal(f"{doing}…"))

    def stop(self) -> None:
        self.remove_class("-busy")
        self.update("")
