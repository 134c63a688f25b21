"""The home list's filter at scale: its newest matches first, a count that stops at a cap, ids by
their start, a filter that runs at once and never shows an older answer over a newer one."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from desk_support import desk_config, make_app, rows, screen_text, settle, text, type_text, wait_for

import safet_tui.screens.filter_line as filter_line
import safet_tui.service.filtered_list as filtered_list
import safet_tui.service.matches as matches
import safet_tui.service.queries as queries
from safet_tui.config import Config
from safet_tui.service.desk import Desk


def newest_by_message(db, word: str, tab: str) -> list[int]:
    """The claims of ``tab`` with a message holding ``word``, the newest such message first (by hand)."""
    with sqlite3.connect(db) as con:
        found = con.execute(
            "SELECT m.claim_id, MAX(m.id) FROM message m JOIN claim c ON c.id = m.claim_id "
            "WHERE c.status = ? AND (' ' || lower(m.body) || ' ') LIKE ? GROUP BY m.claim_id",
            (tab, f"%{word}%")).fetchall()
    return [cid for cid, _ in sorted(found, key=lambda r: -r[1])]


@pytest.fixture
def cap(monkeypatch):
    """A filter lists and counts at most 5 matches (FILTER_CAP; 1,000 in the desk)."""
    for module in (queries, filtered_list, matches, filter_line):
        monkeypatch.setattr(module, "FILTER_CAP", 5)
    return 5


def test_a_word_lists_the_claims_with_the_newest_matching_message_first(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    expected = newest_by_message(demo_db, "photo", "resolved")
    assert len(expected) > 10
    shown = [r.key for r in desk.window("resolved", 0, 500, "newest", "photo")]
    assert shown[:10] == expected[:10] and sorted(shown) == sorted(expected)
    # a page further down continues the same order
    assert [r.key for r in desk.window("resolved", 4, 3, "newest", "photo")] == expected[4:7]
    assert desk.count("resolved", "photo") == len(expected)


def test_claims_matched_by_their_own_fields_come_first_latest_update_first(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    with sqlite3.connect(demo_db) as con:
        sku = con.execute("SELECT p.sku FROM claim c JOIN product p ON p.id = c.product_id "
                          "WHERE c.status = 'resolved' LIMIT 1").fetchone()[0]
        expected = [cid for (cid,) in con.execute(
            "SELECT c.id FROM claim c JOIN product p ON p.id = c.product_id WHERE c.status = 'resolved' "
            "AND p.sku = ? ORDER BY c.updated_at DESC, c.id DESC", (sku,))]
    shown = [r.key for r in desk.window("resolved", 0, 500, "newest", sku)]
    assert shown[:len(expected)] == expected


def test_an_order_id_or_its_start_finds_its_claim_by_the_index(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    target = desk.window("investigating", 3, 1)[0]
    for typed in (target.order_id, target.order_id[:12], target.claim_no, target.claim_no[:8]):
        keys = [r.key for r in desk.window("investigating", 0, 500, "newest", typed)]
        assert target.key in keys, typed
        assert all(r.order_id.startswith(typed) or r.claim_no.startswith(typed)
                   for r in desk.window("investigating", 0, 500, "newest", typed))
    with sqlite3.connect(demo_db) as con:
        plan = " ".join(str(r) for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM claim c WHERE (c.order_id >= ? AND c.order_id < ?)", ("1", "2")))
    assert "claim_order_id" in plan  # the range is read from the order id's index


def test_counts_stop_at_the_cap_and_say_so(demo_db, clock, cap):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    assert desk.count("resolved", "photo") == cap + 1  # one more than the cap: "more than 5"
    counts = desk.counts("photo")
    assert counts["resolved"].total == cap and counts["resolved"].more
    assert len(desk.window("resolved", 0, 100, "newest", "photo")) == cap
    assert desk.window("resolved", cap, 100, "newest", "photo") == []


async def test_the_list_shows_the_newest_matches_and_the_capped_count(demo_db, clock, cap):
    expected = newest_by_message(demo_db, "photo", "resolved")[:cap]
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, "photo")
        home = app.screen
        await wait_for(pilot, lambda: text(home.query_one("#filter-count")).startswith("5+ "))
        await settle(pilot)
        assert [r.key for r in rows(app)] == expected
        shown = screen_text(app)
        assert "sort: newest match first" in shown and "Resolved: 5+" in shown
        assert app.screen.claim_list.total == cap  # the list holds the newest 5, and says there are more
        assert "3 Resolved 5+" in shown  # the tab's label says the count stopped there too


async def test_s_sorts_the_matches_and_clearing_brings_the_sort_back(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        await pilot.press("3", "slash")
        await type_text(pilot, "photo")
        await wait_for(pilot, lambda: cl.text == "photo" and cl.is_loaded)
        await settle(pilot)
        assert cl.sort == "newest"
        await pilot.press("enter", "s")  # back to the list, then the next order: by deadline
        await settle(pilot)
        assert cl.sort == "deadline" and "sort: deadline" in screen_text(app)
        await pilot.press("s", "s", "s", "s")
        await settle(pilot)
        assert cl.sort == "newest"
        await pilot.press("slash", "escape")  # cleared: the whole tab, in the sort it had
        await settle(pilot)
        assert cl.text == "" and cl.sort == "deadline" and text(app.screen.query_one("#filter-count")) == ""
        total = app.desk.count("resolved")
        assert cl.total == total and f"3 Resolved {total:,} " in screen_text(app)


async def test_an_older_filter_answering_late_never_shows_over_the_newer(demo_db, clock):
    app = make_app(demo_db, clock)
    held = threading.Event()
    desk = app.desk
    slow = desk.filter_matches

    def filter_matches(tab, text):
        if text == "phot":  # the older text's walk is slow: it lands after the newer one
            held.wait(20)
        return slow(tab, text)

    desk.filter_matches = filter_matches
    expected = [r.key for r in Desk(str(demo_db), clock=clock, user="tester").window("resolved", 0, 20, "newest", "photos")]
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        home = app.screen
        cl = home.claim_list
        await pilot.press("3", "slash")
        await type_text(pilot, "phot")
        await type_text(pilot, "os")
        await wait_for(pilot, lambda: cl.text == "photos" and cl.is_loaded and home._counts_text == "photos")
        shown = [r.key for r in rows(app, 20)]
        held.set()  # the older answer lands now
        await settle(pilot)
        assert cl.text == "photos" and [r.key for r in rows(app, 20)] == shown == expected
        assert home._counts_text == "photos"
        assert text(home.query_one("#filter-count")).startswith(f"{desk.count('resolved', 'photos'):,}")


async def test_a_filter_runs_at_once_and_the_last_key_waits_only_for_the_fetch_in_flight(demo_db, clock):
    """A long debounce: the first key runs at once, and each later one when the fetch before it
    lands; the debounce would have kept the last key waiting 30 s."""
    target = Desk(str(demo_db), clock=clock, user="tester").window("resolved", 5, 1)[0]
    app = make_app(demo_db, clock, config=Config(refresh_interval=3600, filter_delay=30))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, target.claim_no)
        cl = app.screen.claim_list
        await wait_for(pilot, lambda: cl.text == target.claim_no and cl.is_loaded
                       and text(app.screen.query_one("#filter-count")) == "1 match", timeout=10)
        assert cl.current_row.claim_no == target.claim_no


async def test_clearing_shows_the_whole_tab_and_its_counts(demo_db, clock):
    app = make_app(demo_db, clock, config=desk_config())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        home = app.screen
        before = dict(home._counts)
        await pilot.press("slash")
        await type_text(pilot, "photo")
        await wait_for(pilot, lambda: home._counts_text == "photo" and home.claim_list.is_loaded)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert home.claim_list.text == "" and home._counts == before and home._counts_text == ""
        assert home.claim_list.total == before["awaiting"].total


def test_a_seller_tied_to_an_account_finds_only_its_claims_newest_first(demo_db, clock):
    from tests.test_seller_accounts import MINE, add_users

    add_users(demo_db)
    sam, nora = (Desk(str(demo_db), clock=clock, user=name) for name in ("sam", "nora"))
    try:
        for text in ("photo", "1"):
            mine = [r.key for r in sam.window("resolved", 0, 500, "newest", text)]
            everyone = nora.window("resolved", 0, 500, "newest", text)
            assert mine and mine == [r.key for r in everyone if r.account == MINE], text
            assert sam.count("resolved", text) == len(mine) == sam.counts(text)["resolved"].total, text
    finally:
        sam.close()
        nora.close()


@pytest.mark.parametrize("text", ["x" * 60_000, "n" * 30_000 + " ! " + "m" * 30_000, "!? " * 20_000,
                                  'account:"' + "A" * 60_000 + '"', "1" * 60_000],
                         ids=["word", "words", "punctuation", "account", "digits"])
def test_text_too_long_for_a_like_pattern_finds_nothing_instead_of_failing(demo_db, clock, text):
    """SQLite refuses a LIKE pattern over 50,000 bytes: a pasted screenful of text matched no
    field and ended in "database error: LIKE or GLOB pattern too complex" on every read."""
    desk = Desk(str(demo_db), clock=clock)
    try:
        for tab in ("awaiting", "investigating", "resolved", "claimable"):
            assert desk.window(tab, 0, 50, text=text) == [], tab
            assert desk.count(tab, text) == 0, tab
            assert desk.filter_matches(tab, text) in (None, (desk.filter_counts(text, (tab,))[tab], [])), tab
        assert all(c.total == 0 for c in desk.counts(text).values())
        assert desk.mark_all_read(None, text) == 0
    finally:
        desk.close()
