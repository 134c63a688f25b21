"""Which columns the claim list shows at a given width, and how a cell is cut to fit."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    width: int  # 0 = takes the remaining space
    align: str = "left"
    #: dropped first when the terminal is narrow (higher drops earlier)
    drop: int = 0


COLUMNS = (
    Column("mark", "", 2),
    Column("claim", "Claim", 10),
    Column("order", "Order", 19, drop=3),
    # the seller, where a desk holds several (an agency's): narrower than the order id and dropped
    # before it (a seller finds a claim by its order; the preview names the account too)
    Column("account", "Account", 12, drop=4),
    Column("product", "Product", 0),
    Column("reason", "Reason", 17, drop=1),
    Column("claimed", "Claimed", 11, "right"),
    Column("reimbursed", "Reimbursed", 11, "right", drop=4),
    Column("outcome", "Outcome", 14),
    Column("deadline", "Deadline", 14),
    Column("updated", "Updated", 10, drop=2),
)

MIN_PRODUCT = 18

RESOLVED_ONLY = ("reimbursed", "outcome")

OUTCOMES = {"grant_full": "Granted", "grant_partial": "Partial", "no_grant": "No-Grant"}
APPEAL_OUTCOMES = {"grant_full": "Appeal granted", "grant_partial": "Appeal partial", "no_grant": "Appeal denied"}


def outcome_text(outcome: str | None, appeal_used: bool = False, appeal_decided: bool = False) -> str:
    """Granted / Partial / No-Grant, or what the one appeal brought (its decision is the outcome)."""
    if outcome is None:
        return "Appeal pending" if appeal_used and not appeal_decided else ""
    return (APPEAL_OUTCOMES if appeal_used and appeal_decided else OUTCOMES).get(outcome, outcome)


def layout(width: int, tab: str = "resolved", accounts: bool = False) -> list[tuple[Column, int]]:
    """Columns that fit in ``width`` cells, with the flexible product column sized to fill.

    Reimbursed and the outcome only mean something on the Resolved tab; there they matter more than
    the reason, and the outcome (what can be appealed) stays at any width. The account column only
    with ``accounts`` (the desk holds more than one seller); then the updated column gives way
    first, so the order id and the account both stay from ~110 cells."""
    chosen = [c for c in COLUMNS if (c.name not in RESOLVED_ONLY or tab == "resolved")
              and (c.name != "account" or accounts)]
    drops = {"reimbursed": 1, "reason": 5} if tab == "resolved" else {}
    if accounts:
        drops["updated"] = 6
    chosen = [Column(c.name, c.title, c.width, c.align, drops.get(c.name, c.drop)) for c in chosen]
    while True:
        fixed = sum(c.width for c in chosen if c.width) + len(chosen) - 1
        if width - fixed >= MIN_PRODUCT or not any(c.drop for c in chosen):
            break
        victim = max((c for c in chosen if c.drop), key=lambda c: c.drop)
        chosen.remove(victim)
    flex = max(8, width - fixed)
    return [(c, c.width or flex) for c in chosen]


def fit(text: str, width: int, align: str = "left") -> str:
    """Cut or pad to exactly ``width`` cells, marking a cut with an ellipsis."""
    if cell_len(text) > width:
        text = set_cell_size(text, max(0, width - 1)) + "…" if width > 1 else set_cell_size(text, width)
    pad = width - cell_len(text)
    return (" " * pad + text) if align == "right" else (text + " " * pad)
