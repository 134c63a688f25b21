"""Reading the analytics tallies (:mod:`safet_tui.tallies`) for a period that need not start or
end on a UTC midnight: the whole days inside it come from a tally, the part-days at either end
from the claims themselves (by the ``filed_at`` / ``(status, changed_at)`` indexes, a day's claims
at most), shaped as the tally's own rows. Each figure then sums one UNION ALL of the two, so it is
the same figure a GROUP BY over every claim gives, at the cost of a few thousand rows. When the
rest of a part-day holds fewer claims than the part (a period ending now: the rest of today is
empty), the part-day is read as the tally's whole day less the rest's claims instead.
"""

from __future__ import annotations

from safet_tui.domain.figures import Scope
from safet_tui.service.queries import execute
from safet_tui.service.visibility import Visibility
from safet_tui.tallies import DAY, TALLIES, Tally

_BY_NAME = {t.table: t for t in TALLIES}
#: the claim instant a tally's day is taken from (the others: filed_at)
_TIME_COLUMN = {"paid_tally": "changed_at"}


def scope_clause(scope: Scope, alias: str) -> tuple[str, list]:
    """The SQL that keeps a scope's claims (or refunds, or tally rows) under ``alias``, among the
    accounts the person asking may see."""
    sql, params = "", list[object]()
    if scope.account_id is not None:
        sql += f" AND {alias}.account_id = ?"
        params.append(scope.account_id)
    if scope.marketplace:
        sql += f" AND {alias}.account_id IN (SELECT id FROM account WHERE marketplace = ?)"
        params.append(scope.marketplace)
    if scope.accounts is not None:
        more, more_params = Visibility(scope.accounts).clause(f"{alias}.account_id")
        sql, params = sql + more, params + more_params
    return sql, params


def spans(start: int | None, end: int) -> tuple[tuple[int | None, int] | None, list[tuple[int, int]]]:
    """``[start, end)`` (epoch seconds) as the whole UTC days inside it (``(first, stop)`` day
    numbers, ``first`` None when there is no start) and the part-day ranges of seconds left over."""
    stop = end // DAY
    if start is None:
        return (None, stop), ([(stop * DAY, end)] if stop * DAY < end else [])
    first = -(-start // DAY)
    if first >= stop:
        return None, [(start, end)]
    edges = []
    if start < first * DAY:
        edges.append((start, first * DAY))
    if stop * DAY < end:
        edges.append((stop * DAY, end))
    return (first, stop), edges


def _claims_in(column: str, ranges: list[tuple[int, int]]) -> int:
    """How many claims (of any scope) have ``column`` in the ranges: counted in the time index."""
    status = "c.status = 'resolved' AND " if column == "changed_at" else ""
    total = 0
    for lo, hi in ranges:
        (n,) = execute(f"SELECT COUNT(*) FROM claim c WHERE {status}c.{column} >= ? AND c.{column} < ?",
                       [lo, hi]).fetchone()
        total += int(n)
    return total


def rows(table: str, start: int | None, end: int, scope: Scope) -> tuple[str, list]:
    """A subquery of ``table``'s rows for claims whose day instant is in ``[start, end)`` within
    ``scope``: tally rows for the whole days, one row per claim for the part-days."""
    t: Tally = _BY_NAME[table]
    cols = [c for c, _ in t.keys] + [c for c, _ in t.sums]
    body, edges = spans(start, end)
    parts, params = [], list[object]()
    more_t, scope_t = scope_clause(scope, "t")
    more_c, scope_c = scope_clause(scope, "c")
    if body is not None:
        first, stop = body
        where = "t.day < ?" + ("" if first is None else " AND t.day >= ?")
        parts.append(f"SELECT {', '.join(cols)} FROM {table} t WHERE {where}{more_t}")
        params += [stop, *(() if first is None else (first,)), *scope_t]
    keys, sums = t.values("c")
    minus = ", ".join(f"-({sql.replace('X.', 'c.')})" for _, sql in t.sums)
    column = _TIME_COLUMN.get(table, "filed_at")
    when = t.when.replace("X.", "c.")
    for lo, hi in edges:
        day = lo // DAY
        rest = [(a, b) for a, b in ((day * DAY, lo), (hi, day * DAY + DAY)) if a < b]
        if (hi - 1) // DAY == day and _claims_in(column, rest) < _claims_in(column, [(lo, hi)]):
            # fewer claims in the rest of the day (the end of a period that ends now: none):
            # the whole day from the tally, less the rest of the day's claims
            parts.append(f"SELECT {', '.join(cols)} FROM {table} t WHERE t.day = ?{more_t}")
            params += [day, *scope_t]
            for a, b in rest:
                parts.append(f"SELECT {keys}, {minus} FROM claim c WHERE c.{column} >= ? AND c.{column} < ?"
                             f" AND {when}{more_c}")
                params += [a, b, *scope_c]
            continue
        parts.append(f"SELECT {keys}, {sums} FROM claim c WHERE c.{column} >= ? AND c.{column} < ?"
                     f" AND {when}{more_c}")
        params += [lo, hi, *scope_c]
    if not parts:
        parts.append(f"SELECT {', '.join(cols)} FROM {table} t WHERE 1 = 0")
    return "(" + " UNION ALL ".join(parts) + ")", params


def everywhere(table: str, scope: Scope, where: str = "1 = 1") -> tuple[str, list]:
    """A tally's rows over all time (a snapshot such as the claims at stake)."""
    more, params = scope_clause(scope, "t")
    return f"(SELECT * FROM {table} t WHERE {where}{more})", params
