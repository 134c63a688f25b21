"""One item of a claim's thread (a message, a decision, a status change) as Rich renderables."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.printable import shorten
from safet_tui.domain.units import human_size
from safet_tui.service.views import ThreadItem
from safet_tui.widgets.text import clean, literal

SIDE_LABELS = {"seller": "Seller", "amazon": "Amazon", "system": "System"}
#: the most characters of a status change shown (``Awaiting … → Resolved (denial reason)``)
STATUS_LIMIT = 120
KIND_LABELS = {"message": "", "info_request": "information request", "decision": "decision",
               "appeal": "appeal", "note": "note (private)", "attachment": "attachment"}


def side_label(side: str) -> str:
    """``Amazon``, ``Seller``, ``System``; anything else as it is written, cleaned."""
    return SIDE_LABELS.get(side) or clean(side)


def render_item(item: ThreadItem, me: str | None = "", zone: str = "UTC") -> RenderableType:
    """One thread item; ``me`` is the seller user reading it (None: an investigator is); times in
    the claim's marketplace ``zone``, as its deadlines.

    What the item says (the body) wraps; what labels it (who, kind, file names) stays on one
    line, cut with an ellipsis; a status change wraps but is cut at STATUS_LIMIT characters."""
    when = local_time(item.at, zone)
    if item.kind == "status":  # the change reads whole (it may wrap); a long note in it is cut
        change = shorten(clean(item.body), STATUS_LIMIT)
        return Text(f"── {change} · {clean(item.side)} · {when} ──", style="dim italic", justify="center")
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
        who = side_label(item.side)
    kind = clean(KIND_LABELS.get(item.kind, item.kind))
    title = Text(f" {who}" + (f" · {kind}" if kind else "") + f" · {when} ", no_wrap=True, overflow="ellipsis")
    body: RenderableType = literal(item.body, newlines=True)
    if item.attachments:
        files = [Text("")]
        for a in item.attachments:
            line = Text("↳ ", no_wrap=True, overflow="ellipsis")
            line.append_text(literal(a.name))
            line.append(f"  ({human_size(a.size)}, {clean(a.media_type)})", "dim")
            files.append(line)
        body = Group(body, *files)
    style = "blue" if amazon else "green"
    if item.kind == "decision":
        style = "magenta"
    elif item.kind == "appeal":
        style = "yellow"
    elif item.kind == "note":
        style = "bright_black"
    panel = Panel(body, title=title, title_align="left", border_style=style, expand=True)
    return Padding(panel, (0, 8, 0, 0) if amazon else (0, 0, 0, 8))
