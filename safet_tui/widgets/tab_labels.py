"""The status tabs' labels: Amazon's own names when there is room, shorter names when not, and
one way of writing every count in the bar (never "7,951" beside "11.1k")."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len

from safet_tui.service.views import TABS, TabCount

#: each tab's name from the widest (Amazon's) to the narrowest
NAMES: dict[str, tuple[str, ...]] = {
    "awaiting": ("Awaiting Seller Response", "Awaiting", "Await"),
    "investigating": ("Under Investigation", "Investigating", "Invest."),
    "resolved": ("Resolved", "Resolved", "Resolved"),
    "claimable": ("Claimable", "Claimable", "Claim."),
}
#: (names level, short counts), tried in order until the bar fits
LEVELS = ((0, False), (0, True), (1, False), (1, True), (2, True))
#: cells a tab takes besides its label (Textual's Tab padding)
TAB_PADDING = 2


def count_text(n: int, short: bool = False) -> str:
    """A count as the tab bar writes it: ``12,001`` in full, or short: ``951``, ``7.9k``, ``12k``,
    ``1.2M`` (rounded down, so a short count never claims more than there is)."""
    if not short:
        return f"{n:,}"
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n // 100 / 10:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n // 100_000 / 10:.1f}M"


def tab_label(tab: str, count: TabCount | None, level: int = 0, short: bool = False) -> str:
    key = TABS.index(tab) + 1
    name = NAMES[tab][level]
    if count is None:
        return f"{key} {name}"
    if count.more:  # a filter's count that stopped at its cap: how many unread is not known either
        return f"{key} {name} {count_text(count.total, short)}+"
    label = f"{key} {name} {count_text(count.total, short)}"
    return label + (f" +{count_text(count.unread, short)}" if count.unread else "")


def tab_labels(counts: Mapping[str, TabCount], width: int) -> dict[str, str]:
    """Every tab's label, the widest set that fits in ``width`` cells (the narrowest otherwise)."""
    labels: dict[str, str] = {}
    for level, short in LEVELS:
        labels = {t: tab_label(t, counts.get(t), level, short) for t in TABS}
        if sum(cell_len(label) + TAB_PADDING for label in labels.values()) <= width:
            break
    return labels


def matches_text(here: int, tab: str, counts: Mapping[str, TabCount], width: int, more: bool = False) -> str:
    """What a filter matched: ``3 matches``, or, when other tabs hold matches too, how many in
    each and the key that goes there: ``0 here · 1 in Under Investigation — 2`` (under 120
    columns the tab bar's short names and counts). ``counts``: the filter's counts per tab, {} while they are on the way.
    A count that stopped at the filter's cap (``more`` here, ``TabCount.more`` there) ends in "+"."""
    wide = width >= 120
    level, short = (0, False) if wide else (2, True)  # narrow: the tab bar's names and counts
    plus = "+" if more else ""
    elsewhere = [f"{count_text(c.total, short)}{'+' if c.more else ''} in {NAMES[t][level]} — {TABS.index(t) + 1}"
                 for t, c in counts.items() if t != tab and c.total]
    if not elsewhere:
        return f"{here:,}{plus} match{'es' if here != 1 or more else ''}"
    return " · ".join([f"{count_text(here, short)}{plus} here", *elsewhere])
