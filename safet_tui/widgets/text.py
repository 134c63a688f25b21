"""Showing user text literally: no markup, no escape sequences, no control characters.

Everything that came from a person or a report (bodies, titles, SKUs, file
names) goes through ``literal`` before it reaches a widget. ``clean`` itself lives in
safet_tui/domain/printable.py (one implementation, which the command line prints with too).
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from safet_tui.domain.deadlines import Urgency, humanize_left, urgency
from safet_tui.domain.printable import clean

__all__ = ["URGENCY_CLASS", "OneLine", "ago", "clean", "deadline_text", "literal"]


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


Part = str | tuple[str, str]


class OneLine:
    """A label that holds fields from data, drawn on one line however long they are.

    Parts are plain strings or ``(text, style)`` pairs, all cleaned here. The part at ``flex``
    (a name, a title) gives way: it is cut with an ellipsis so the rest of the line still fits
    (``Northwind G… (amazon.com)``); whatever is still too wide is cut at the edge. When the
    line does not fit, ``wrap`` names the part that starts a second line instead (at most two).
    Labels are cut; content (a message body) wraps and never goes through here.
    """

    #: the fewest cells the flexible part keeps before the line is cut at its end instead
    MIN_FLEX = 8

    def __init__(self, *parts: Part, flex: int | None = None, wrap: int | None = None, style: str = "") -> None:
        self.parts = [(clean(p), "") if isinstance(p, str) else (clean(p[0]), p[1]) for p in parts]
        self.flex = flex
        self.wrap = wrap
        self.style = style

    def text(self, width: int | None = None) -> Text:
        line = Text(style=self.style, no_wrap=True, overflow="ellipsis")
        fixed = sum(cell_len(p) for i, (p, _) in enumerate(self.parts) if i != self.flex)
        for i, (part, style) in enumerate(self.parts):
            if i == self.flex and width is not None:
                room = max(self.MIN_FLEX, width - fixed)
                if cell_len(part) > room:
                    part = set_cell_size(part, room - 1) + "…"
            line.append(part, style)
        return line

    @property
    def plain(self) -> str:
        return self.text().plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.wrap is not None and cell_len(self.plain) > width:
            first, second = OneLine(style=self.style), OneLine(style=self.style)
            first.parts, second.parts = self.parts[:self.wrap], self.parts[self.wrap:]
            if self.flex is not None:
                if self.flex < self.wrap:
                    first.flex = self.flex
                else:
                    second.flex = self.flex - self.wrap
            yield first.text(width)
            yield second.text(width)
            return
        yield self.text(width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, cell_len(self.plain))
