"""The line the desk says as it opens: how many deadlines fall in the next 24 hours."""

from __future__ import annotations

from safet_tui.screens.claim_actions import WritingScreen

LABELS = (("reply_by", "reply-by"), ("appeal_by", "appeal-by"), ("file_by", "file-by"))


def due_soon_line(counts: dict[str, int], hours: int = 24) -> str:
    """``Due in the next 24 h: 3 reply-by · 1 appeal-by · 2 file-by`` (nothing due: it says so)."""
    parts = [f"{counts[key]:,} {label}" for key, label in LABELS if counts.get(key)]
    return f"Due in the next {hours} h: " + (" · ".join(parts) if parts else "nothing")


def announce_due_soon(screen: WritingScreen, hours: int = 24) -> None:
    """Count in a worker (one indexed query, quick at 100k claims), then say it in a toast."""

    def count() -> None:
        counts = screen.desk.due_soon(hours)
        severity = "warning" if counts.get("reply_by") else "information"
        screen.app.call_from_thread(screen.say, due_soon_line(counts, hours), severity, 10)

    screen.run_worker(count, thread=True, group="due-soon", name="due-soon")
