"""The home screen: tabs, list keys, sort, filter, selection and read marks."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from desk_support import desk_config, make_app, rows, screen_text, settle, text, type_text, wait_for
from pg_support import write_elsewhere

from safet_tui.config import Config, ConfigError, parse_config
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk


async def test_tabs_show_counts_and_switch_with_keys(demo_db, clock):
    app = make_app(demo_db, clock)
    desk = Desk(str(demo_db), clock=clock, user="tester")
    counts = desk.counts()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        label = str(home.query_one("#tab-awaiting").label)
        assert f"{counts['awaiting'].total:,}" in label and f"+{counts['awaiting'].unread}" in label
        for key, tab in (("2", "investigating"), ("3", "resolved"), ("4", "claimable"), ("1", "awaiting")):
            await pilot.press(key)
            await wait_for(pilot, lambda tab=tab: f": {counts[tab].total:,} " in text(home.query_one("#status-line")))
            await settle(pilot)
            assert home.claim_list.tab == tab
            assert home.claim_list.total == counts[tab].total
            assert home.query_one("#tabs").active == f"tab-{tab}"


async def test_cursor_keys_move_and_jump(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("j", "j", "down")
        assert cl.cursor == 3
        await pilot.press("k")
        assert cl.cursor == 2
        await pilot.press("G")
        await settle(pilot)
        assert cl.cursor == cl.total - 1
        assert cl.current_row is not None  # the last page was fetched
        await pilot.press("g")
        assert cl.cursor == 0
        await pilot.press("pagedown")
        assert cl.cursor > 10


async def test_default_sort_is_most_urgent_first_and_s_cycles(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        listed = rows(app)
        deadlines = [r.deadline for r in listed if r.deadline and r.deadline >= clock.now()]
        assert deadlines == sorted(deadlines) and deadlines
        cl = app.screen.claim_list
        for expected in ("updated", "amount", "claim", "deadline"):
            await pilot.press("s")
            await settle(pilot)
            assert cl.sort == expected
            if expected == "amount":
                minors = [r.claimed.minor for r in rows(app, 50)]
                assert len(minors) == min(50, cl.total) and minors == sorted(minors, reverse=True)
            if expected == "claim":
                ids = [r.claim_no for r in rows(app, 50)]
                assert ids == sorted(ids)


async def test_filter_as_you_type_counts_matches_and_persists_across_tabs(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    target = desk.window("resolved", 5, 1)[0]
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, target.claim_no)
        await wait_for(pilot, lambda: text(app.screen.query_one("#filter-count")) == "1 match")
        await settle(pilot)
        cl = app.screen.claim_list
        assert cl.total == 1 and cl.current_row.claim_no == target.claim_no
        await pilot.press("enter")  # back to the list, filter kept
        await pilot.press("1")
        await settle(pilot)
        assert cl.text == target.claim_no and cl.total == 0
        await pilot.press("escape")
        await settle(pilot)
        assert cl.text == "" and cl.total > 0


@pytest.mark.backends("sqlite", "postgresql")
async def test_filter_searches_message_text(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    expected = desk.count("resolved", "brick")
    assert expected > 0
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, "brick")
        await wait_for(pilot, lambda: text(app.screen.query_one("#filter-count")).startswith(
            (f"{expected:,} match", f"{expected:,} here")))
        await settle(pilot)
        assert app.screen.claim_list.total == expected


async def test_bulk_select_and_mark_read_then_unread(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        cl = app.screen.claim_list
        before = app.desk.counts()["resolved"].unread
        start = next(i for i, r in enumerate(rows(app, 100)) if r.unread)
        cl.cursor = start
        await pilot.press("space", "space", "space")  # an unread claim and the two after it
        assert len(cl.selected) == 3 and cl.cursor == start + 3
        keys = {k for _, k in cl.selected}
        await pilot.press("m")  # some unread in the selection: all become read
        await settle(pilot)
        assert not cl.selected
        marked = [r for r in rows(app, 100) if r.key in keys]
        assert len(marked) == 3 and all(not r.unread for r in marked)
        assert app.desk.counts()["resolved"].unread < before
        cl.cursor = start
        await pilot.press("space", "space", "space", "m")  # all read now: all become unread
        await settle(pilot)
        assert all(r.unread for r in rows(app, 100) if r.key in keys)
        await pilot.press("g", "m")  # single toggle flips the claim under the cursor
        await settle(pilot)
        first = rows(app, 1)[0]
        assert first.unread is not (first.key in keys)


async def test_m_on_unread_claim_marks_it_read_and_moves_on(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        index = next(i for i, r in enumerate(rows(app, 100)) if r.unread)
        cl.cursor = index
        key = cl.current_row.key
        await pilot.press("m")
        await settle(pilot)
        assert cl.cursor == index + 1
        assert next(r for r in rows(app, 100) if r.key == key).unread is False


@pytest.mark.backends("sqlite", "postgresql")
async def test_enter_opens_thread_and_marks_read(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        index = next(i for i, r in enumerate(rows(app, 100)) if r.unread)
        cl.cursor = index
        claim_no = cl.current_row.claim_no
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.claim_no == claim_no
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert cl.row_at(index).claim_no == claim_no and not cl.row_at(index).unread


async def test_copy_ids_use_osc52_clipboard(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        row = app.screen.claim_list.current_row
        await pilot.press("y")
        assert app.clipboard == row.claim_no
        await pilot.press("Y")
        assert app.clipboard == row.order_id


@pytest.mark.backends("sqlite", "postgresql")
async def test_list_refreshes_when_another_terminal_writes(demo_db, clock):
    app = make_app(demo_db, clock, config=desk_config(refresh_interval=0.05))  # the change poll runs
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        first = cl.current_row
        before = cl.total
        # another process (a second terminal, an import) commits a change
        write_elsewhere(demo_db, "UPDATE claim SET status = 'investigating', due_at = NULL WHERE claim_no = ?",
                        (first.claim_no,))
        await wait_for(pilot, lambda: cl.total == before - 1)
        await settle(pilot)
        assert all(r.key != first.key for r in rows(app, 20))


async def test_mouse_click_selects_row(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.click("#claims", offset=(20, 4))
        assert app.screen.claim_list.cursor == 3


async def test_eighty_by_twenty_four_fits(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.claim_list.size.height >= 8
        assert app.screen.query_one("#preview").size.height >= 4


async def test_cursor_stays_on_its_claim_when_the_list_changes_underneath(demo_db, clock):
    app = make_app(demo_db, clock, config=desk_config(refresh_interval=0.05))  # the change poll runs
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        first = cl.row_at(0)
        cl.cursor = 3
        watched = cl.current_row
        with sqlite3.connect(demo_db) as other:  # another terminal answers the first claim
            other.execute("UPDATE claim SET status = 'investigating', due_at = NULL WHERE claim_no = ?",
                          (first.claim_no,))
        await wait_for(pilot, lambda: cl.row_at(0).claim_no != first.claim_no)
        await settle(pilot)
        assert cl.current_row.claim_no == watched.claim_no and cl.cursor == 2


async def test_with_the_shipped_debounces_the_filter_and_the_preview_still_follow(demo_db, clock):
    """Tests run with no debounce; this one keeps the config's default delays and their timers."""
    desk = Desk(str(demo_db), clock=clock, user="tester")
    target = desk.window("resolved", 5, 1)[0]
    app = make_app(demo_db, clock, config=Config(refresh_interval=3600))
    assert app.config.preview_delay > 0 and app.config.filter_delay > 0
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("3", "slash", *list(target.claim_no))
        await wait_for(pilot, lambda: text(app.screen.query_one("#filter-count")) == "1 match")
        await wait_for(pilot, lambda: f"Claim {target.claim_no} · Resolved" in screen_text(app))
        assert app.screen.claim_list.current_row.claim_no == target.claim_no


def test_debounces_are_read_from_the_config_file():
    cfg = parse_config({"preview_delay": 0, "filter_delay": 0.3})
    assert (cfg.preview_delay, cfg.filter_delay) == (0.0, 0.3)
    assert (Config().preview_delay, Config().filter_delay) == (0.08, 0.12)
    for bad in (-1, "fast", True, 60):
        with pytest.raises(ConfigError, match="filter_delay must be a number of seconds"):
            parse_config({"filter_delay": bad})


async def test_a_reply_by_passing_in_the_open_desk_ends_the_claim_on_screen(demo_db, clock):
    """Nobody writes anything: the time passing alone moves the claim to Resolved (No-Grant)."""
    app = make_app(demo_db, clock, config=desk_config(refresh_interval=0.05))  # the poll runs
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        first = cl.current_row  # the most urgent reply-by comes first
        before = cl.total
        assert first.deadline is not None
        clock.at = first.deadline + timedelta(minutes=1)
        await wait_for(pilot, lambda: cl.total == before - 1, "the claim past its reply-by to leave the tab")
        await settle(pilot)
        assert all(r.claim_no != first.claim_no for r in rows(app, 20))
        view = Desk(str(demo_db), clock=clock).claim(first.claim_no)
        assert (view.status.value, view.outcome.value) == ("resolved", "no_grant")
