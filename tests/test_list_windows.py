"""The claim list's windows and counts at any length: a window is the same rows whichever end of
the list it is read from, a window near the end is read from there (a million-claim tab is not
stepped through to reach its last page), and the unread counts equal a recount by hand."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from safet_tui import db as m
from safet_tui import transactions
from safet_tui.domain.clock import to_epoch
from safet_tui.service import list_sql, queries
from safet_tui.service.desk import Desk
from safet_tui.service.views import SORTS, TABS

pytestmark = pytest.mark.backends("sqlite", "postgresql")

HOUR = timedelta(hours=1)


def sql(text: str, params=()) -> list[tuple]:
    database = transactions.DB.obj
    cursor = database.execute_sql(m.sql_for(database, text), tuple(params))
    return cursor.fetchall() if cursor.description else []


def spread_deadlines(desk: Desk) -> None:
    """Investigating claims in all three parts of the deadline order, with ties: some due ahead,
    some passed (an estimate not yet ended), the rest with none."""
    now = to_epoch(desk.now())
    ids = [r[0] for r in sql("SELECT id FROM claim WHERE status = 'investigating' ORDER BY id")]
    assert len(ids) > 30
    for i, cid in enumerate(ids[:24]):
        due = now + (i % 4 + 1) * 3600 if i < 12 else now - (i % 3 + 1) * 3600  # four and three ties
        sql("UPDATE claim SET due_at = ? WHERE id = ?", [due, cid])
    sql("UPDATE claim SET due_at = NULL WHERE status = 'investigating' AND id > ?", [ids[23]])


def keys(rows) -> list[tuple[str, int]]:
    return [(r.kind, r.key) for r in rows]


def views_of(tab: str) -> list[tuple[str, ...]]:
    if tab == "claimable":
        return [()]
    return [(), ("unread",)] + ([("appealable",)] if tab == "resolved" else [])


def test_windows_read_from_the_end_equal_windows_read_from_the_start(desk):
    """Every tab, sort and view: windows of 7 at every offset, given the list's length (the back
    half then reads from the end), are the slices of the whole list read forward in one go."""
    spread_deadlines(desk)
    desk.mark_read([desk.window("investigating", 3, 1)[0].claim_no])
    for tab in TABS:
        for sort in SORTS:
            for only in views_of(tab):
                whole = keys(desk.window(tab, 0, 10_000, sort, only=only))
                total = desk.count(tab, only=only)
                assert len(whole) == total
                for offset in range(0, total + 3):
                    got = keys(desk.window(tab, offset, 7, sort, only=only, total=total))
                    assert got == whole[offset:offset + 7], (tab, sort, only, offset)


def test_the_deadline_order_is_the_one_sort_of_every_claim(desk):
    """The three index ranges laid end to end, forward and backward, equal one ORDER BY of the whole
    tab: upcoming soonest first, then passed latest first, then none newest first (ties by id)."""
    spread_deadlines(desk)
    now = to_epoch(desk.now())
    expected = [r[0] for r in sql(
        f"SELECT c.id FROM claim c WHERE c.status = 'investigating' ORDER BY {list_sql.DEADLINE_ORDER}",
        [now] * 4)]
    total = len(expected)
    assert [r.key for r in desk.window("investigating", 0, total)] == expected
    backwards = [r.key for offset in range(0, total, 10)
                 for r in desk.window("investigating", offset, 10, total=total)]
    assert backwards == expected


def test_a_far_window_without_the_length_counts_once_and_reads_from_the_end(desk, monkeypatch):
    monkeypatch.setattr(queries, "FAR", 1)
    spread_deadlines(desk)
    for tab in TABS:
        for sort in SORTS:
            whole = keys(desk.window(tab, 0, 10_000, sort))
            for offset in (1, len(whole) // 2, len(whole) - 5, len(whole) - 1):
                assert keys(desk.window(tab, offset, 5, sort)) == whole[offset:offset + 5], (tab, sort, offset)


def unread_by_hand(user: str) -> dict[str, int]:
    horizon = int(sql("SELECT value FROM meta WHERE key = 'unread_horizon'")[0][0])
    seen = {cid: at for cid, at in sql('SELECT claim_id, seen_at FROM read_mark WHERE "user" = ?', [user])}
    out = {t: 0 for t in TABS}
    for cid, status, changed in sql("SELECT id, status, changed_at FROM claim"):
        if changed > seen.get(cid, horizon):
            out[status] += 1
    return out


def test_unread_counts_equal_a_recount_by_hand(desk, clock):
    """Marks of every kind: seen after the change, seen before it (changed since), on claims changed
    before the horizon and after it; another user's marks count for nobody else."""
    horizon = int(sql("SELECT value FROM meta WHERE key = 'unread_horizon'")[0][0])
    claims = sql("SELECT id, changed_at FROM claim ORDER BY id")
    before = [c for c in claims if c[1] <= horizon]
    after = [c for c in claims if c[1] > horizon]
    assert len(before) > 20 and len(after) > 20
    marks = []
    for cid, changed in before[:10] + after[:10]:
        marks.append(("tester", cid, changed + 60))  # seen since its change: read
    for cid, changed in before[10:20] + after[10:20]:
        marks.append(("tester", cid, changed - 60))  # changed since it was seen: unread
    for cid, changed in after[20:]:
        marks.append(("bob", cid, changed + 60))
    for user, cid, at in marks:
        sql('INSERT INTO read_mark ("user", claim_id, seen_at) VALUES (?, ?, ?)', [user, cid, at])
    for user in ("tester", "bob", "nobody"):
        other = Desk(desk.target, clock=clock, user=user)
        try:
            assert {t: c.unread for t, c in other.counts().items()} == unread_by_hand(user), user
        finally:
            other.close()


@pytest.mark.backends("sqlite")
def test_a_window_near_the_end_steps_over_few_index_entries(desk):
    """Reading the last rows of a tab skips (OFFSET) only what lies between them and the end, and
    the first page counts nothing: at a million claims each step over an index entry is paid."""
    spread_deadlines(desk)
    conn = desk.database.connection()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        for tab in TABS:
            for sort in SORTS:
                total = desk.count(tab)
                seen.clear()
                assert desk.window(tab, total - 5, 5, sort, total=total)
                offsets = [int(n) for s in seen for n in re.findall(r"OFFSET (\d+)", s, re.IGNORECASE)]
                assert offsets and max(offsets) <= 5, (tab, sort, offsets)
                seen.clear()
                assert desk.window(tab, 0, 5, sort, total=total)
                assert not [s for s in seen if "COUNT(" in s.upper()], (tab, sort)
    finally:
        conn.set_trace_callback(None)


def test_a_seller_limited_to_an_account_reads_the_same_rows_from_either_end(desk, clock):
    from safet_tui.service.users import Users

    users = Users(str(desk.target))
    try:
        users.add("sam", "seller", "password123", ("Saffron Home",))
    finally:
        users.close()
    sam = Desk(desk.target, clock=clock, user="sam")
    try:
        sql('INSERT INTO read_mark ("user", claim_id, seen_at) SELECT ?, id, changed_at + 60 FROM claim '
            "WHERE MOD(id, 3) = 0", ["sam"])
        names = {cid: name for cid, name in sql("SELECT c.id, a.name FROM claim c JOIN account a ON a.id = c.account_id")}
        horizon = int(sql("SELECT value FROM meta WHERE key = 'unread_horizon'")[0][0])
        seen = {cid: at for cid, at in sql('SELECT claim_id, seen_at FROM read_mark WHERE "user" = ?', ["sam"])}
        by_hand = {t: 0 for t in TABS}
        for cid, status, changed in sql("SELECT id, status, changed_at FROM claim"):
            if names[cid] == "Saffron Home" and changed > seen.get(cid, horizon):
                by_hand[status] += 1
        assert {t: c.unread for t, c in sam.counts().items()} == by_hand
        for tab in TABS:
            for sort in SORTS:
                whole = keys(sam.window(tab, 0, 10_000, sort))
                total = sam.count(tab)
                assert len(whole) == total and total < desk.count(tab), (tab, sort)
                for offset in range(0, total + 2):
                    got = keys(sam.window(tab, offset, 7, sort, total=total))
                    assert got == whole[offset:offset + 7], (tab, sort, offset)
    finally:
        sam.close()


@pytest.mark.backends("sqlite")
def test_a_tabs_length_is_read_from_the_status_tally_not_counted(desk):
    """Switching tab reads its length from the tally the tab labels show (an index count of a
    status took up to 300 ms at a million claims), and it equals the rows the tab lists."""
    conn = desk.database.connection()
    for tab in list_sql.CLAIM_TABS:
        seen: list[str] = []
        conn.set_trace_callback(seen.append)
        try:
            total = desk.count(tab)
        finally:
            conn.set_trace_callback(None)
        assert not [s for s in seen if "FROM claim" in s], seen
        assert total == len(desk.window(tab, 0, 10_000)) == desk.counts()[tab].total
