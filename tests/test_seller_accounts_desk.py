"""The desk of a seller user tied to accounts, as they see it: the list and its tabs hold only
their accounts' claims, a deep link (``safet open``, ``/claim/<id>`` in the browser) to another
account's claim says "No claim" as for one that does not exist, and a change to another
account's claim makes no toast."""

from __future__ import annotations

from desk_support import (
    make_app,
    rows,
    screen_text,
    settle,
    toast_says,
    toasts,
    wait_for,
    wait_for_screen,
)

from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk
from tests.test_seller_accounts import MINE, THEIRS, a_claim_of, add_users


async def test_their_list_and_tabs_hold_only_their_accounts(demo_db, clock):
    add_users(demo_db)
    everyone = Desk(str(demo_db), clock=clock, user="nora")
    theirs_total = sum(1 for r in everyone.window("investigating", 0, 10_000) if r.account == MINE)
    everyone.close()
    app = make_app(demo_db, clock, user="sam")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        for tab in ("1", "2", "3", "4"):
            await pilot.press(tab)
            await settle(pilot)
            shown = rows(app)
            assert {r.account for r in shown} <= {MINE}
        await pilot.press("2")
        await settle(pilot)
        assert len(rows(app)) == theirs_total
        assert THEIRS not in screen_text(app)


async def test_a_deep_link_to_another_accounts_claim_says_no_claim(demo_db, clock):
    add_users(demo_db)
    everyone = Desk(str(demo_db), clock=clock, user="nora")
    theirs, mine = a_claim_of(everyone, THEIRS), a_claim_of(everyone, MINE)
    everyone.close()
    app = make_app(demo_db, clock, user="sam", open_claim=theirs)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: toast_says(app, f"No claim {theirs}: opening the desk"), "the refusal")
        assert not isinstance(app.screen, ThreadScreen)
    app = make_app(demo_db, clock, user="sam", open_claim=mine)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await wait_for_screen(pilot, ThreadScreen)
        assert screen.claim_no == mine


async def test_a_change_to_another_accounts_claim_makes_no_toast(demo_db, clock):
    add_users(demo_db)
    ivan = Desk(str(demo_db), clock=clock, user="ivan", role="amazon")
    choices = {account: next(r.claim_no for r in ivan.window("investigating", 0, 10_000)
                             if r.account == account and not ivan.claim(r.claim_no).appeal_used)
               for account in (THEIRS, MINE)}
    app = make_app(demo_db, clock, user="sam")
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        ivan.no_grant(choices[THEIRS], "No proof")
        ivan.no_grant(choices[MINE], "No proof")
        app._poll_changes()
        await wait_for(pilot, lambda: toast_says(app, f"Claim {choices[MINE]}:"), "the toast of their claim")
        assert not any(choices[THEIRS] in t or "more claims" in t for t in toasts(app))
    ivan.close()


async def test_their_analytics_say_whose_figures_they_are(demo_db, clock):
    from safet_tui.screens.analytics import AnalyticsScreen

    add_users(demo_db)
    app = make_app(demo_db, clock, user="sam")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_for_screen(pilot, AnalyticsScreen)
        await wait_for(pilot, lambda: "Analytics  ·  your accounts" in screen_text(app), "the title")
        assert "charts in INR" in screen_text(app) and "$" not in screen_text(app)
