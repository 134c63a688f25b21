"""Showing user text literally: no markup, no escape sequences, no control characters.

Everything that came from a person or a report (bodies, titles, SKUs, file
names) goes through ``literal`` before it reaches a widget. ``clean`` itself lives in
safet_tui/domain/printable.py (one implementation, which the command line prints with too).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from safet_tui.domain.deadlines import Urgency, humanize_left, urgency
from safet_tui.domain.printable import clean

__all__ = ["URGENCY_CLASS", "ago", "clean", "deadline_text", "literal"]


def literal(value: object, style: str = "", *, newlines: bool = False) -> Text:
    """A Rich Text holding the value exactly as written (markup is not parsed)."""
    return Text(clean(value, newlines=newlines), style=style)


URGENCY_CLASS = {
    Urgency.OVERDUE: "overdue",
    Urgency.CRITICAL: "critical",
    Urgency.SOON: "soon",
    Urgency.OK: "ok",
    Urgency.NONE: "none",
}


def deadline_text(deadline: datetime | None, now: datetime, estimated: bool = False) -> tuple[str, Urgency]:
    """``3d 4h left`` and how urgent; an estimated deadline reads ``~3d 4h left``."""
    text = humanize_left(deadline, now)
    return ("~" + text if estimated and text else text), urgency(deadline, now)


def ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return ""
    secs = int((now - at).total_seconds())
    if secs < 0:
        return at.strftime("%Y-%m-%d")
    if secs < 3600:
        return f"{secs // 60}m ago"
    if secs < 86400:
        return f"{secs // 3600}h ago"
    if secs < 30 * 86400:
        return f"{secs // 86400}d ago"
    return at.strftime("%Y-%m-%d")
