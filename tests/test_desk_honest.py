"""Honest screens (issue 11, points 7-11): keys that cannot apply are neither offered nor opened,
the desk fits 80x24, deadlines read in the marketplace's zone, a filter says where its matches
are, and exports go to a folder the dialog names."""

from __future__ import annotations

from datetime import timedelta

from desk_support import (
    make_app,
    rows,
    screen_text,
    settle,
    toast_says,
    wait_for,
    wait_for_screen,
)

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.money import Money
from safet_tui.screens.dialogs import TextDialog
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


# -- 7. refuse up front, offer only what applies ----------------------------------------------
def test_the_lifecycle_says_which_steps_are_refused_and_why(clock):
    now = clock.now()
    awaiting = lc.ClaimState(lc.Status.AWAITING, Money.of("10", "USD"), reply_by=now - timedelta(minutes=1))
    assert lc.refusal("reply", awaiting, lc.Actor.SELLER, now) == "the reply-by time has passed"
    assert lc.refusal("attach", awaiting, lc.Actor.SELLER, now) is None
    granted = lc.ClaimState(lc.Status.RESOLVED, Money.of("10", "USD"), outcome=lc.Outcome.GRANT_FULL)
    refused = lc.refusals(granted, lc.Actor.SELLER, now)
    assert set(refused) >= {"reply", "appeal", "attach"}
    assert refused["attach"].startswith("the claim is closed")
    assert lc.refusals(granted, lc.Actor.AMAZON, now)["grant"] == "the claim is already resolved"


async def test_a_closed_claim_offers_no_reply_appeal_or_attach_and_t_says_why(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    closed = next(r for r in desk.window("resolved", 0, 60) if desk.why_not_appeal(r.claim_no))
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        index = next(i for i, r in enumerate(rows(app, 60)) if r.claim_no == closed.claim_no)
        for _ in range(index):
            await pilot.press("j")
        await settle(pilot)
        await wait_for(pilot, lambda: f"Claim {closed.claim_no} ·" in screen_text(app))  # previewed
        await settle(pilot)
        shown = footer(app)
        assert "r Reply" not in shown and "A Appeal" not in shown, shown
        assert "a Analytics" in shown and "q Quit" in shown, shown
        await pilot.press("t")
        await wait_for(pilot, lambda: toast_says(app, f"Cannot attach on {closed.claim_no}: the claim is closed"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # no attach dialog was opened first


async def test_r_after_the_reply_by_is_refused_before_the_editor_opens(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    row = desk.window("awaiting", 0, 1)[0]
    app = make_app(demo_db, clock, open_claim=row.claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        assert "r Reply" in footer(app)
        clock.advance(seconds=(row.deadline - clock.now()).total_seconds() + 60)
        await pilot.press("r")
        await wait_for(pilot, lambda: toast_says(app, "the reply-by time has passed"))
        await settle(pilot)
        assert not app.screen.has_class("-replying")


async def test_an_investigator_on_a_resolved_claim_is_offered_no_decision(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    resolved = desk.window("resolved", 0, 1)[0].claim_no
    app = make_app(demo_db, clock, role="amazon", open_claim=resolved)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        shown = footer(app)
        assert "Grant" not in shown and "No-grant" not in shown and "Request info" not in shown, shown
        await pilot.press("w")
        await wait_for(pilot, lambda: toast_says(app, f"Cannot grant on {resolved}: the claim is already resolved"))
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog)
