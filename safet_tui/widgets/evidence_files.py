"""The evidence files picked in the new-claim form, one a line: select one, delete removes it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from safet_tui.widgets.text import literal


class EvidenceFiles(OptionList):
    DEFAULT_CSS = """
    EvidenceFiles { height: auto; max-height: 8; border: none; padding: 0; }
    EvidenceFiles.-empty { display: none; }
    """
    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove file", id="new.remove_file"),
    ]

    @dataclass
    class Removed(Message):
        """The person asked to remove the file at ``index`` of the list."""

        index: int

    def show_files(self, files: Sequence[tuple[str, str]]) -> None:
        """(path, what it shows) for each file, in the order picked; keeps the highlight near."""
        keep = self.highlighted
        self.clear_options()
        for path, kind in files:
            folder, _, name = path.rpartition(os.sep)
            line = Text("↳ ")
            line.append_text(literal(name or path))
            line.append(f"  ({kind})  ", "dim")
            line.append_text(literal(folder, "dim"))
            self.add_option(Option(line))
        self.set_class(not files, "-empty")
        if files:
            self.highlighted = min(keep or 0, len(files) - 1)

    def action_remove(self) -> None:
        if self.highlighted is not None and self.option_count:
            self.post_message(self.Removed(self.highlighted))
