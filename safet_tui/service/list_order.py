"""Reading a sorted list from either end: the same rows, at the cost of the rows on the nearer side.

An index steps over OFFSET entries one by one; a window near the end of a long list (``G``, the
last pages) read backwards from there costs what the first page does.
"""

from __future__ import annotations

#: a window this far down a list whose length the caller did not give is worth a count (an index
#: count is cheaper than stepping over the rows): it may then be read from the end
FAR = 2000


def reversed_order(order: str) -> str:
    """The same ORDER BY read backwards (each term of ours says ASC or DESC, and ends in a unique key)."""
    terms = []
    for term in order.split(", "):
        column, direction = term.rsplit(" ", 1)
        terms.append(f"{column} {dict(ASC='DESC', DESC='ASC')[direction]}")
    return ", ".join(terms)


def from_end(offset: int, limit: int, total: int | None) -> tuple[int, int] | None:
    """Rows ``offset .. offset+limit`` of ``total`` as (offset, limit) counted from the end of the list,
    when fewer rows follow the window than precede it (``G``, the last pages); else None. An index
    steps over OFFSET entries one by one: from the nearer end, a window costs the same at any length."""
    if total is None or total - offset - limit >= offset:
        return None
    n = max(0, min(limit, total - offset))
    return max(0, total - offset - n), n
