"""How the desk looks, on the seeded demo database with a frozen clock."""

from __future__ import annotations

import pytest
from desk_support import make_app, settle

from safet_tui.service.desk import Desk


async def _settled(pilot) -> None:
    await settle(pilot)
    steady_cursor(pilot.app)


def steady_cursor(app) -> None:
    """A blinking cursor would make the picture depend on the millisecond it is taken."""
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", [(80, 24), (120, 35), (160, 45)], ids=["80x24", "120x35", "160x45"])
def test_home_screen(snap_compare, demo_db, clock, size):
    """The desk as it opens: Awaiting tab, most urgent first, the first claim previewed."""
    assert snap_compare(make_app(demo_db, clock), terminal_size=size, run_before=_settled)


def test_thread(snap_compare, demo_db, clock):
    """A resolved claim's thread, opened from the command line."""
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("resolved", 0, 1)[0].claim_no
    desk.close()
    assert snap_compare(make_app(demo_db, clock, open_claim=claim_no), terminal_size=(120, 40),
                        run_before=_settled)


def test_reply_at_80x24(snap_compare, demo_db, clock):
    """Replying in 24 lines: the reply-by in the hint, the information request above the editor."""
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    desk.close()

    async def run_before(pilot) -> None:
        from desk_support import wait_for

        await settle(pilot)
        await pilot.press("r")
        await _settled(pilot)
        scroll = pilot.app.screen.query_one("#thread-scroll")
        bar = scroll.vertical_scrollbar
        # the thread at its end and its scrollbar drawn there (a loaded machine paints it late)
        await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y and bar.position == scroll.scroll_y
                       and bar.window_virtual_size == scroll.virtual_size.height
                       and bar.window_size == scroll.scrollable_content_region.height)
        await settle(pilot)

    assert snap_compare(make_app(demo_db, clock, open_claim=claim_no), terminal_size=(80, 24),
                        run_before=run_before)


def test_new_claim_form_from_claimable_refund(snap_compare, demo_db, clock):
    """The new-claim form filled in from the first claimable refund."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        steady_cursor(pilot.app)

    assert snap_compare(make_app(demo_db, clock), terminal_size=(120, 45), run_before=run_before)


def test_help(snap_compare, demo_db, clock):
    """? on the desk: the keys of the home screen with their binding ids."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        steady_cursor(pilot.app)

    assert snap_compare(make_app(demo_db, clock), terminal_size=(120, 40), run_before=run_before)


def test_appeal_refused_when_another_terminal_appealed_first(snap_compare, demo_db, clock):
    """Error state: the appeal lost a race; the toast says why, the thread shows the winner's appeal."""
    from desk_support import wait_for_screen
    from textual.widgets import TextArea

    from safet_tui.screens.dialogs import TextDialog
    from safet_tui.screens.thread import ThreadScreen

    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = next(r.claim_no for r in desk.window("resolved", 0, 50) if desk.why_not_appeal(r.claim_no) is None)

    async def run_before(pilot) -> None:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("A")
        dialog = await wait_for_screen(pilot, TextDialog)
        dialog.query_one(TextArea).text = "The buyer kept the item; photos attached."
        other = Desk(str(demo_db), clock=clock, user="colleague")  # another terminal, first
        other.appeal(claim_no, "Appealed from the other terminal.")
        other.close()
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ThreadScreen)
        await _settled(pilot)

    assert snap_compare(make_app(demo_db, clock, open_claim=claim_no), terminal_size=(100, 30),
                        run_before=run_before)
    desk.close()
