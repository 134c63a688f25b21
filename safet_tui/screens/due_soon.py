"""The status line's "due in 24 h": how many deadlines fall in the next 24 hours."""

from __future__ import annotations

from collections.abc import Callable

from safet_tui.messages import REFUSALS
from safet_tui.screens.claim_actions import WritingScreen

LABELS = (("reply_by", "reply-by"), ("appeal_by", "appeal-by"), ("file_by", "file-by"))


def due_soon_line(counts: dict[str, int], hours: int = 24) -> str:
    """``due in 24 h: 3 reply-by, 1 appeal-by, 2 file-by`` ('' when nothing is)."""
    parts = [f"{counts[key]:,} {label}" for key, label in LABELS if counts.get(key)]
    return f"due in {hours} h: " + ", ".join(parts) if parts else ""


def announce_due_soon(screen: WritingScreen, show: Callable[[str], None], hours: int = 24) -> None:
    """Count in a worker (one indexed query, under a millisecond at 100k claims), then ``show``
    the line on the screen's loop."""

    def count() -> None:
        try:
            line = due_soon_line(screen.desk.due_soon(hours), hours)
        except REFUSALS:  # a busy or broken database: the line is only a hint
            return
        screen.app.call_from_thread(show, line)

    screen.run_worker(count, thread=True, group="due-soon", name="due-soon")
