"""Read queries the desk runs on every keystroke: counts, list windows, search.

Written as SQL through the database's own connection and returned as tuples:
on this machine that is 2-6x cheaper than building model objects, and the
list never asks for more than the rows in view.
"""

from __future__ import annotations

from datetime import datetime

from safet_tui.domain.clock import to_epoch
from safet_tui.service.filtered_list import FilteredList
from safet_tui.service.list_order import FAR, from_end, reversed_order
from safet_tui.service.list_sql import (
    CLAIM_COLUMNS,
    CLAIM_FROM,
    CLAIM_TABS,
    CLAIMABLE,
    ORDER,
    REFUND_COLUMNS,
    REFUND_FROM,
    REFUND_ORDER,
    list_row,
    unread_ids,
)
from safet_tui.service.matches import (
    VIEWS,
    Filter,
    count_matches,
    execute,
    fts_query,
    fts_words,
    split_account,
)
from safet_tui.service.views import FILTER_CAP, FILTER_SORTS, TABS, ListRow, TabCount
from safet_tui.service.visibility import EVERYTHING, Visibility

__all__ = ["VIEWS", "Filter", "ListQueries", "execute", "fts_query", "fts_words", "split_account"]


class ListQueries(FilteredList):
    """Counts and windows of the claim list for one user at one moment."""

    def __init__(self, user: str, now: datetime, horizon: int, visible: Visibility = EVERYTHING) -> None:
        self.user = user
        self.now = to_epoch(now)
        self.horizon = horizon
        #: the accounts this user may see (service.visibility): every count and window keeps to them
        self.visible = visible

    def refund_where(self, flt: Filter) -> tuple[str, list]:
        """The filter's clause over ``refund f``, kept to the accounts this user may see."""
        mine, params = self.visible.clause("f.account_id")
        where, more = flt.refund_clause()
        return mine + where, params + more

    def claim_where(self, flt: Filter, tab: str | None = None) -> tuple[str, list]:
        """The filter's text clause and its views' clauses, over ``claim c`` (of ``tab``, if given),
        kept to the accounts this user may see."""
        mine, mine_params = self.visible.clause("c.account_id")
        where, params = flt.claim_clause()
        where, params = mine + where, mine_params + params
        if "unread" in flt.only:
            sql, args = unread_ids(self.user, self.horizon, (tab,) if tab in CLAIM_TABS else CLAIM_TABS)
            where, params = f"{where} AND c.id IN ({sql})", [*params, *args]
        if "appealable" in flt.only:
            # lifecycle.deadline_of keeps due_at on a resolved claim only while it can be appealed
            # (not used, not granted in full); one that has passed is closed
            where, params = f"{where} AND c.status = 'resolved' AND c.due_at >= ?", [*params, self.now]
        return where, params

    # -- counts -------------------------------------------------------------
    def counts(self, flt: Filter | None = None) -> dict[str, TabCount]:
        flt = flt or Filter("")
        totals = {t: 0 for t in TABS}
        unread = {t: 0 for t in TABS}
        if flt.text:
            return self._filtered_counts(flt)
        if flt:
            # One pass over the matching claims gives both figures.
            where, params = self.claim_where(flt)
            for status, n, u in execute(
                "SELECT c.status, COUNT(*), SUM(CASE WHEN c.changed_at > COALESCE(r.seen_at, ?) THEN 1 ELSE 0 END) "
                'FROM claim c LEFT JOIN read_mark r ON r.claim_id = c.id AND r."user" = ? '
                f"WHERE 1=1{where} GROUP BY c.status",
                [self.horizon, self.user, *params],
            ):
                totals[status] = n
                unread[status] = u or 0
        else:
            # Unfiltered: the totals are the status tally's (kept by triggers, a dozen rows
            # however many claims); unread is read from the few claims changed since the
            # horizon plus this user's read marks, not from every claim.
            # (Unread means changed_at > COALESCE(seen_at, horizon).)
            vis, vp = self.visible.clause("t.account_id")  # a seller's own accounts only
            for status, n in execute(f"SELECT t.status, SUM(t.n) FROM status_tally t WHERE 1 = 1{vis} "
                                     "GROUP BY t.status", vp):
                if status in totals:
                    totals[status] = int(n)
            for status, n in self._unread_counts():
                unread[status] = unread.get(status, 0) + n
        totals["claimable"] = self.count("claimable", flt)
        return {t: TabCount(totals[t], unread[t]) for t in TABS}

    def _unread_counts(self) -> list[tuple[str, int]]:
        """Unread claims per status, as (status, n) parts to add up. Unread means changed_at >
        COALESCE(seen_at, horizon): the claims changed since the horizon, counted inside the index
        claim (status, changed_at) alone, corrected by this user's read marks (read_mark's key
        starts with the user): minus the marked ones changed since the horizon, plus the marked
        ones changed since their mark. Probing each changed claim for a mark instead cost
        180 ms at a million claims (94k changed since the horizon); this is 10 ms."""
        marks = ", ".join("?" for _ in CLAIM_TABS)
        mine, mp = self.visible.clause("c.account_id")
        return execute(
            f"SELECT c.status, COUNT(*) FROM claim c WHERE c.status IN ({marks}) AND c.changed_at > ?{mine} "
            "GROUP BY c.status "
            "UNION ALL "
            "SELECT c.status, SUM(CASE WHEN c.changed_at > r.seen_at THEN 1 ELSE 0 END) "
            "- SUM(CASE WHEN c.changed_at > ? THEN 1 ELSE 0 END) "
            f'FROM read_mark r JOIN claim c ON c.id = r.claim_id WHERE r."user" = ?{mine} GROUP BY c.status',
            [*CLAIM_TABS, self.horizon, *mp, self.horizon, self.user, *mp],
        ).fetchall()

    def count(self, tab: str, flt: Filter | None = None) -> int:
        """Rows of a tab; under a text filter no more than FILTER_CAP + 1 (meaning: more than FILTER_CAP)."""
        flt = flt or Filter("")
        cap = f" LIMIT {FILTER_CAP + 1}" if flt.text else ""
        if tab == "claimable":
            where, params = self.refund_where(flt)
            sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM refund f WHERE {CLAIMABLE} AND f.file_by >= ?{where}{cap}) n"
            return execute(sql, [self.now, *params]).fetchone()[0]
        if not flt:
            return self.status_total(tab)
        if flt.text:
            where, params = self.claim_where(flt.without_text(), tab)
            return min(count_matches(flt, tab, where, params, self.user, self.horizon)[0], FILTER_CAP + 1)
        where, params = self.claim_where(flt, tab)
        return execute(f"SELECT COUNT(*) FROM claim c WHERE c.status = ?{where}", [tab, *params]).fetchone()[0]

    def status_total(self, tab: str) -> int:
        """Claims in a status that this user may see, unfiltered: the status tally's, as the tab
        labels show it (an index count of a status took 30-300 ms at a million claims)."""
        vis, vp = self.visible.clause("t.account_id")
        row = execute(f"SELECT COALESCE(SUM(t.n), 0) FROM status_tally t WHERE t.status = ?{vis}", [tab, *vp]).fetchone()
        return int(row[0])

    def due_within(self, seconds: int) -> dict[str, int]:
        """How many reply-by (Awaiting), appeal-by (Resolved, appealable) and file-by (claimable
        refunds) fall from now to ``seconds`` ahead: one query, each part an index range
        (``claim (status, due_at)``, ``refund (claim, not_claimable, file_by)``)."""
        end = self.now + seconds
        found = {"reply_by": 0, "appeal_by": 0, "file_by": 0}
        c, cp = self.visible.clause("c.account_id")
        f, fp = self.visible.clause("f.account_id")
        for what, n in execute(
            f"SELECT 'reply_by', COUNT(*) FROM claim c WHERE c.status = 'awaiting' AND c.due_at >= ? AND c.due_at < ?{c} "
            "UNION ALL SELECT 'appeal_by', COUNT(*) FROM claim c WHERE c.status = 'resolved' "
            f"AND c.due_at >= ? AND c.due_at < ?{c} "
            f"UNION ALL SELECT 'file_by', COUNT(*) FROM refund f WHERE {CLAIMABLE} AND f.file_by >= ? AND f.file_by < ?{f}",
            [self.now, end, *cp, self.now, end, *cp, self.now, end, *fp],
        ):
            found[what] = n
        return found

    # -- windows ------------------------------------------------------------
    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline",
               flt: Filter | None = None, total: int | None = None) -> list[ListRow]:
        """Rows ``offset .. offset+limit`` of a tab in the chosen sort order. ``total``: the tab's
        length if the caller knows it (the list does): a window nearer the end is read from there.
        Under a text filter: its newest FILTER_CAP matches, newest first (``"newest"``) or in ``sort``."""
        if sort not in FILTER_SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        flt = flt or Filter("")
        if flt.text:
            limit = max(0, min(limit, FILTER_CAP - offset))
            if tab in CLAIM_TABS:  # newest first: only as far as this page
                ids = self._newest(tab, flt, offset + limit) if sort == "newest" else self._newest(tab, flt)
                return self._rows(self._sorted(ids, sort)[offset:offset + limit])
        if sort == "newest":
            sort = "updated"  # newest without a text to match (or a refund): the latest first
        if total is None and offset >= FAR and not flt.text:
            total = self.count(tab, flt)
        back = None if flt.text else from_end(offset, limit, total)
        if tab == "claimable":
            where, params = self.refund_where(flt)
            order = REFUND_ORDER[sort] if back is None else reversed_order(REFUND_ORDER[sort])
            sql = (
                f"SELECT {REFUND_COLUMNS}{REFUND_FROM} JOIN (SELECT f.id AS wid FROM refund f "
                f"WHERE {CLAIMABLE} AND f.file_by >= ?{where} ORDER BY {order} LIMIT ? OFFSET ?) w "
                f"ON w.wid = f.id ORDER BY {order}"
            )
            skip, n = back or (offset, limit)
            rows = [list_row(t, "refund") for t in execute(sql, [self.now, *params, n, skip])]
            return rows if back is None else rows[::-1]
        if tab not in TABS:
            raise ValueError(f"unknown tab {tab!r}")
        where, params = self.claim_where(flt, tab)
        if sort != "deadline":
            if back is not None:
                return self._segment(tab, "1=1", [], reversed_order(ORDER[sort]), where, params, *back)[::-1]
            return self._segment(tab, "1=1", [], ORDER[sort], where, params, offset, limit)
        if back is not None:
            segments = [(cond, args, reversed_order(order)) for cond, args, order in reversed(self._segments())]
            return self._deadline_window(tab, where, params, *back, segments)[::-1]
        return self._deadline_window(tab, where, params, offset, limit, self._segments())

    def _segment(self, tab, cond, cond_params, order, where, params, offset, limit) -> list[ListRow]:
        # Skip ``offset`` rows inside the index alone, then join only the rows in view.
        sql = (
            f"SELECT {CLAIM_COLUMNS}{CLAIM_FROM} JOIN (SELECT c.id AS wid FROM claim c "
            f"WHERE c.status = ? AND {cond}{where} ORDER BY {order} LIMIT ? OFFSET ?) w ON w.wid = c.id "
            f"ORDER BY {order}"
        )
        args = [self.horizon, self.user, tab, *cond_params, *params, limit, offset]
        return [list_row(t, "claim") for t in execute(sql, args)]

    def _segments(self) -> list[tuple[str, list, str]]:
        """The deadline order as three index ranges: (condition, its parameters, order)."""
        return [
            ("c.due_at >= ?", [self.now], "c.due_at ASC, c.id ASC"),
            ("c.due_at < ?", [self.now], "c.due_at DESC, c.id DESC"),
            ("c.due_at IS NULL", [], "c.id DESC"),
        ]

    def _deadline_window(self, tab, where, params, offset, limit, segments) -> list[ListRow]:
        """Most urgent first: upcoming deadlines soonest first, then passed ones (latest first),
        then claims without a deadline (newest first); ``segments`` in that order, or reversed (read
        from the end). Each segment is one index range, read at once: only a segment the window
        starts past is counted (a no-deadline segment of 700k claims takes 75 ms to count)."""
        rows: list[ListRow] = []
        for cond, cond_params, order in segments:
            if len(rows) >= limit:
                break
            got = self._segment(tab, cond, cond_params, order, where, params, offset, limit - len(rows))
            if not got and offset:
                size = execute(f"SELECT COUNT(*) FROM claim c WHERE c.status = ? AND {cond}{where}",
                               [tab, *cond_params, *params]).fetchone()[0]
                offset = max(0, offset - size)
                continue
            rows += got
            offset = 0
        return rows

    def next_unread(self, tab: str, after: int, sort: str = "deadline", flt: Filter | None = None) -> int | None:
        """Index (in the tab's order under ``sort`` and the filter) of the first unread claim after
        index ``after``, or None. Reads the unread ids (few, by index), then walks the list's own
        order as ids only, a chunk at a time inside the index, until one of them comes up."""
        if tab not in CLAIM_TABS:
            return None
        if sort not in FILTER_SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        if flt is not None and flt.text:  # the list holds the filter's newest matches: look in those
            ids = self._sorted(self._newest(tab, flt), sort)
            unread = set(self._unread_of(ids))
            return next((i for i, cid in enumerate(ids) if i > after and cid in unread), None)
        sort = "updated" if sort == "newest" else sort
        unread_sql, unread_params = unread_ids(self.user, self.horizon, (tab,))
        unread = {row[0] for row in execute(unread_sql, unread_params)}
        if not unread:
            return None
        where, params = self.claim_where(flt or Filter(""), tab)
        segments = self._segments() if sort == "deadline" else [("1=1", [], ORDER[sort])]
        offset = 0
        for cond, cond_params, order in segments:
            size = execute(f"SELECT COUNT(*) FROM claim c WHERE c.status = ? AND {cond}{where}",
                           [tab, *cond_params, *params]).fetchone()[0] if len(segments) > 1 else None
            start, chunk = max(0, after + 1 - offset), 200  # the next one is most often near: small first
            while size is None or start < size:
                ids = [row[0] for row in execute(
                    f"SELECT c.id FROM claim c WHERE c.status = ? AND {cond}{where} ORDER BY {order} LIMIT ? OFFSET ?",
                    [tab, *cond_params, *params, chunk, start])]
                hit = next((i for i, cid in enumerate(ids) if cid in unread), None)
                if hit is not None:
                    return offset + start + hit
                if len(ids) < chunk:
                    break
                start, chunk = start + chunk, min(chunk * 4, 12_800)
            offset += size or 0
        return None
