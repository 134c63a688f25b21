"""The open desk tells of a status change made elsewhere: a toast naming the claim and the change,
`o` opens it, and the bell rings when the config asks for it."""

from __future__ import annotations

from desk_support import (
    desk_config,
    make_app,
    settle,
    toast_says,
    toasts,
    wait_for,
    wait_for_screen,
)

from safet_tui.domain.lifecycle import Actor
from safet_tui.notify.settings import NotifySettings
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk
from tests.notify_support import investigating


async def test_a_change_from_another_terminal_toasts_and_o_opens_it(demo_db, clock):
    config = desk_config(notifications=NotifySettings(bell=True))
    app = make_app(demo_db, clock, config=config)
    rings = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    other = Desk(str(demo_db), clock=clock, user="ivan", role="amazon")
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        no = investigating(other, 1)[0]
        other.no_grant(no, "No proof of delivery \x1b[31m[b]x[/b]")
        app._poll_changes()
        await wait_for(pilot, lambda: toast_says(app, f"Claim {no}: Under Investigation → Resolved (No-Grant)"),
                       "the toast")
        assert any("by Amazon · o opens it" in t for t in toasts(app))
        assert rings
        await pilot.press("o")
        screen = await wait_for_screen(pilot, ThreadScreen)
        assert screen.claim_no == no
    other.close()


async def test_own_changes_do_not_toast(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        no = investigating(app.desk, 1)[0]
        app.desk.role = Actor.AMAZON  # this very session decides: its person knows
        app.desk.no_grant(no, "mine")
        app.desk.role = Actor.SELLER
        app._poll_changes()
        app.alerts.look()
        await settle(pilot)
        assert not any("Status changed" in t or no in t for t in toasts(app))


async def test_many_changes_are_counted_not_all_toasted(demo_db, clock):
    app = make_app(demo_db, clock)
    other = Desk(str(demo_db), clock=clock, user="ivan", role="amazon")
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        decided = investigating(other, 5)
        for no in decided:
            other.no_grant(no, "No proof")
        app._poll_changes()
        await wait_for(pilot, lambda: toast_says(app, "2 more claims changed status"), "the count")
        shown = [t for t in toasts(app) if "o opens it" in t]
        assert len(shown) == 3 and all(no in " ".join(shown) for no in decided[2:])
        await pilot.press("o")
        screen = await wait_for_screen(pilot, ThreadScreen)
        assert screen.claim_no == decided[-1]
    other.close()


async def test_a_busy_database_skips_the_check_quietly(demo_db, clock, monkeypatch):
    from safet_tui.service.errors import Busy

    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)

        def busy(*_a, **_k):
            raise Busy("the database is busy")

        monkeypatch.setattr(app.desk, "status_changes_after", busy)
        app.alerts.look()
        await settle(pilot)
        assert app.is_running and not any("Not done" in t or "busy" in t for t in toasts(app))
