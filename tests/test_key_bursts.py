"""Keys sent at once (a macro, pasted keys, tmux send-keys) land in order, where a person meant them
(issue 11, points 1 and 12).

A burst is every key posted to the App before the first is handled, as a terminal delivers it:
nothing waits between keys.
"""

from __future__ import annotations

from desk_support import make_app, screen_text, settle, wait_for
from textual import events
from textual.widgets import TextArea

from safet_tui.screens.analytics import AnalyticsScreen
from safet_tui.screens.dialogs import AttachDialog
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.thread import ThreadScreen

NAMES = {" ": "space", "/": "slash", ".": "full_stop", ",": "comma", "\r": "enter"}


def burst(app, *keys: str) -> None:
    """Post every key to the App at once: single characters as typed, longer names as keys."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(NAMES.get(key, key), None if key == "\r" else key))
        else:
            app.post_message(events.Key(key, None))


def typed(text: str) -> list[str]:
    return list(text)


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def test_r_on_the_list_then_text_at_once_is_the_reply_with_the_editors_keys_in_the_footer(demo_db, clock):
    """Point 1: keys typed right behind r are the reply's text: "m" does not mark the claim
    unread, "t" does not open Attach, nothing is lost; the footer offers the editor's keys."""
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        row = app.screen.claim_list.current_row
        burst(app, "r", *typed("the tracking id is 1Z, see the label"))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await settle(pilot)
        thread = app.screen
        assert not isinstance(app.screen, AttachDialog)
        assert thread.claim_no == row.claim_no and thread.has_class("-replying")
        area = thread.query_one("#reply-text", TextArea)
        assert app.focused is area
        assert area.text == "the tracking id is 1Z, see the label"
        assert "the tracking id is 1Z, see the label" in screen_text(app)
        keys = footer(app)
        assert "^s Send" in keys and "esc Cancel" in keys and "^t Attach" in keys
        assert "r Reply" not in keys and "esc Back" not in keys


async def test_tab_enter_r_and_text_sent_at_once_open_the_claim_and_reply(demo_db, clock):
    """Point 12: `1 Enter r text` sent at once: the tab switches, Enter opens its first claim once
    its rows are there, r opens the reply, and the "a" in the text does not open Analytics."""
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        expected = app.screen.claim_list.current_row.claim_no  # the first claim of Awaiting
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.claim_list.tab == "investigating"
        burst(app, "1", "\r", "r", *typed("a tracking id"))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await settle(pilot)
        thread = app.screen
        assert not app.query(AnalyticsScreen)
        assert thread.claim_no == expected
        assert thread.query_one("#reply-text", TextArea).text == "a tracking id"
        assert "a tracking id" in screen_text(app)


async def test_a_key_run_past_the_loaded_rows_selects_every_row_it_passes(demo_db, clock):
    """Point 12: space held down across the end of the loaded rows (they come 100 at a time)
    selects every claim it passes, not just the loaded ones, and the status line says so."""
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        cl = home.claim_list
        assert cl.total > 130  # two pages of rows at least
        while cl.cursor < 90:
            await pilot.press("pagedown")
        await settle(pilot)
        start = cl.cursor
        assert start + cl.size.height < 100 and len(list(cl.loaded_rows())) == 100  # rows 100+ not loaded
        burst(app, *["space"] * 30)
        await wait_for(pilot, lambda: not getattr(app, "typing_ahead", False) and cl.cursor == start + 30)
        await settle(pilot)
        assert len(cl.selected) == 30
        assert {key for _, key in cl.selected} == {cl.row_at(i).key for i in range(start, start + 30)}
        assert "30 selected" in screen_text(app)
