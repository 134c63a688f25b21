"""``G`` and ``g`` on the home screen: the last row of every tab in every sort, as a person sees it."""

from __future__ import annotations

from desk_support import make_app, screen_text, settle

from safet_tui.service.desk import Desk
from safet_tui.service.views import SORTS, TABS


async def test_G_lands_on_the_true_last_row_in_every_tab_and_sort(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        for key, tab in zip("1234", TABS, strict=True):
            await pilot.press(key)
            await settle(pilot)
            for sort in SORTS:
                while cl.sort != sort:
                    await pilot.press("s")
                    await settle(pilot)
                whole = desk.window(tab, 0, 10_000, sort)  # the tab in one read, from its start
                await pilot.press("G")
                await settle(pilot)
                assert cl.cursor == cl.total - 1 == len(whole) - 1, (tab, sort)
                last, row = whole[-1], cl.current_row
                assert row is not None and (row.kind, row.key) == (last.kind, last.key), (tab, sort)
                assert (last.claim_no or last.order_id) in screen_text(app), (tab, sort)  # in the list and preview
                await pilot.press("g")
                await settle(pilot)
                assert (cl.current_row.kind, cl.current_row.key) == (whole[0].kind, whole[0].key), (tab, sort)
    desk.close()
