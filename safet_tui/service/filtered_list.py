"""The claim list under a text filter: its newest matches (service.matches), at most FILTER_CAP
of them, sorted, counted per tab and read as rows. A part of :class:`~safet_tui.service.queries.
ListQueries`, which supplies ``claim_where``, ``count``, ``counts`` and who is asking, when."""

from __future__ import annotations

from safet_tui.service.list_sql import CLAIM_COLUMNS, CLAIM_FROM, DEADLINE_ORDER, ORDER, list_row
from safet_tui.service.matches import Filter, count_matches, execute, newest_matches
from safet_tui.service.views import FILTER_CAP, TABS, ListRow, TabCount
from safet_tui.service.visibility import Visibility


class FilteredList:
    """The filtered reads of the claim list (mixed into ListQueries)."""

    user: str
    now: int
    horizon: int
    visible: Visibility

    def claim_where(self, flt: Filter, tab: str | None = None) -> tuple[str, list]:
        raise NotImplementedError

    def count(self, tab: str, flt: Filter | None = None) -> int:
        raise NotImplementedError

    def counts(self, flt: Filter | None = None) -> dict[str, TabCount]:
        raise NotImplementedError

    def _newest(self, tab: str, flt: Filter, limit: int = FILTER_CAP) -> list[int]:
        where, params = self.claim_where(flt.without_text(), tab)
        return newest_matches(flt, tab, where, params, limit)

    def _sorted(self, ids: list[int], sort: str) -> list[int]:
        """``ids`` in a sort order of the list (SORTS)."""
        if sort == "newest" or not ids:
            return ids
        order = ORDER.get(sort) or DEADLINE_ORDER
        now = [self.now] * 4 if sort == "deadline" else []
        marks = ", ".join("?" for _ in ids)
        return [cid for (cid,) in execute(f"SELECT c.id FROM claim c WHERE c.id IN ({marks}) ORDER BY {order}",
                                          [*ids, *now])]

    def _rows(self, ids: list[int]) -> list[ListRow]:
        """The list rows of claims ``ids``, in that order: those this user may see (the ids come
        from the caller: Desk.rows_of)."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        mine, mine_params = self.visible.clause("c.account_id")
        found = {t[0]: t for t in execute(f"SELECT {CLAIM_COLUMNS}{CLAIM_FROM} WHERE c.id IN ({marks}){mine}",
                                          [self.horizon, self.user, *ids, *mine_params])}
        return [list_row(found[i], "claim") for i in ids if i in found]

    def _unread_count(self, ids: list[int]) -> int:
        """How many of the claims ``ids`` this user has not seen since they last changed."""
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        return execute(
            'SELECT COUNT(*) FROM claim c LEFT JOIN read_mark r ON r.claim_id = c.id AND r."user" = ? '
            f"WHERE c.id IN ({marks}) AND c.changed_at > COALESCE(r.seen_at, ?)",
            [self.user, *ids, self.horizon]).fetchone()[0]

    def _unread_of(self, ids: list[int]) -> list[int]:
        """Which of the claims ``ids`` this user has not seen since they last changed."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return [cid for (cid,) in execute(
            'SELECT c.id FROM claim c LEFT JOIN read_mark r ON r.claim_id = c.id AND r."user" = ? '
            f"WHERE c.id IN ({marks}) AND c.changed_at > COALESCE(r.seen_at, ?)", [self.user, *ids, self.horizon])]

    def _filtered_counts(self, flt: Filter, tabs: tuple[str, ...] = TABS) -> dict[str, TabCount]:
        """Under a text filter, the matches of each of ``tabs`` counted up to FILTER_CAP
        (``TabCount.more``: there are more), with the unread of them."""
        out = {}
        for tab in tabs:
            where, params = self.claim_where(flt.without_text(), tab)
            n, unread = ((self.count(tab, flt), 0) if tab == "claimable"
                         else count_matches(flt, tab, where, params, self.user, self.horizon))
            out[tab] = TabCount(min(n, FILTER_CAP), unread, more=n > FILTER_CAP)
        return out

    def newest_of_tab(self, tab: str, flt: Filter) -> tuple[TabCount, list[int]]:
        """A claim tab's count under a text filter (as :meth:`_filtered_counts`) and its newest
        FILTER_CAP matches (ids, newest first), from one walk: the list's count and its rows."""
        ids = self._newest(tab, flt, FILTER_CAP + 1)
        return TabCount(min(len(ids), FILTER_CAP), self._unread_count(ids), more=len(ids) > FILTER_CAP), ids[:FILTER_CAP]

    def rows_of(self, ids: list[int], sort: str, offset: int, limit: int) -> list[ListRow]:
        """Rows ``offset .. offset+limit`` of the claims ``ids`` (newest first) in ``sort``."""
        return self._rows(self._sorted(ids, sort)[offset:offset + limit])

    def filter_counts(self, flt: Filter, tabs: tuple[str, ...]) -> dict[str, TabCount]:
        """The counts of ``tabs`` only (a filter's tab first, the others after its rows)."""
        if flt.text:
            return self._filtered_counts(flt, tabs)
        return {t: c for t, c in self.counts(flt).items() if t in tabs}
