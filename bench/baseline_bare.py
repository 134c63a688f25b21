"""Baseline "bare start": a minimal Textual app with one 50-row DataTable, headless,
from process start to its first paint, then exit. Run as a process by the suite:

    python -m bench.baseline_bare [WIDTH HEIGHT]

Prints one JSON line: the wall-clock time of the first paint and the resident memory then.
"""

from __future__ import annotations

import json
import sys
import time

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from .proc import rss_bytes

COLUMNS = ("Claim", "Order", "Product", "Reason", "Claimed", "Reimbursed", "Deadline", "Updated")


class Bare(App):
    def __init__(self) -> None:
        super().__init__()
        self.result: dict | None = None

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows([(f"34{i:08d}", f"111-{i:07d}-1234567", "SKU-1 · A product", "Damaged", "$12.00", "",
                         "in 3 days", "2 h ago") for i in range(50)])

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if self.result is None and renderable is not None and self.query_one(DataTable).row_count == 50:
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # what a terminal would be sent
            self.result = {"paint_wall": time.time(), "rss": rss_bytes()}
            self.exit()


def main() -> int:
    size = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (160, 45)
    app = Bare()
    app.run(headless=True, size=size)
    print(json.dumps(app.result))
    return 0 if app.result else 1


if __name__ == "__main__":
    sys.exit(main())
