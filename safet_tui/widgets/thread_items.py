"""One item of a claim's thread (a message, a decision, a status change) as Rich renderables."""

from __future__ import annotations

from rich.console import RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.units import human_size
from safet_tui.service.views import ThreadItem
from safet_tui.widgets.text import clean, literal

KIND_LABELS = {"message": "", "info_request": "information request", "decision": "decision",
               "appeal": "appeal", "note": "note (private)", "attachment": "attachment"}


def render_item(item: ThreadItem, me: str | None = "", zone: str = "UTC") -> RenderableType:
    """One thread item; ``me`` is the seller user reading it (None: an investigator is); times in
    the claim's marketplace ``zone``, as its deadlines."""
    when = local_time(item.at, zone)
    if item.kind == "status":
        return Text(f"── {clean(item.body)} · {item.side} · {when} ──", style="dim italic", justify="center")
    amazon = item.side == "amazon"
    if amazon:
        who = "Amazon"
    elif item.side == "seller":
        if me is None:
            who = "Seller" if not item.author or item.author == "seller" else f"Seller ({clean(item.author)})"
        elif not item.author or item.author in (me, "seller"):
            who = "You (seller)"
        else:
            who = f"{clean(item.author)} (seller)"
    else:
        who = item.side.title()
    kind = KIND_LABELS.get(item.kind, item.kind)
    title = Text(f" {who}" + (f" · {kind}" if kind else "") + f" · {when} ")
    body = literal(item.body, newlines=True)
    if item.attachments:
        body.append("\n")
        for a in item.attachments:
            body.append("\n↳ ")
            body.append_text(literal(a.name))
            body.append(f"  ({human_size(a.size)}, {a.media_type})", "dim")
    style = "blue" if amazon else "green"
    if item.kind == "decision":
        style = "magenta"
    elif item.kind == "appeal":
        style = "yellow"
    elif item.kind == "note":
        style = "bright_black"
    panel = Panel(body, title=title, title_align="left", border_style=style, expand=True)
    return Padding(panel, (0, 8, 0, 0) if amazon else (0, 0, 0, 8))
