"""The desk when things go wrong (issue 11): a blank order item, a read-only database, another
program holding the write lock. Each test drives the desk as a person would and reads the screen."""

from __future__ import annotations

import sqlite3

from textual.widgets import Input, TextArea

from safet_tui.domain.eligibility import order_item_for
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from tests.desk_support import make_app, settle, text, toast_says, wait_for, wait_for_screen

# -- 5. the order item of a new claim ---------------------------------------------------------------


def _order(demo_db, claimed: bool) -> tuple[str, str, int]:
    """A USD order with one refund (claimed already, or still claimable): order id, item, refund cents."""
    with sqlite3.connect(demo_db) as con:
        return con.execute(
            "SELECT r.order_id, r.order_item_id, r.amount_minor FROM refund r JOIN account a ON a.id = r.account_id "
            f"WHERE a.currency = 'USD' AND r.claim_id IS {'NOT ' if claimed else ''}NULL AND r.not_claimable = '' "
            "AND (SELECT COUNT(*) FROM refund o WHERE o.order_id = r.order_id) = 1 ORDER BY r.id LIMIT 1"
        ).fetchone()


def _claims_on(demo_db, order_id: str) -> int:
    with sqlite3.connect(demo_db) as con:
        return con.execute("SELECT COUNT(*) FROM claim WHERE order_id = ?", (order_id,)).fetchone()[0]


async def test_a_blank_order_item_cannot_file_a_second_claim_over_the_refund(demo_db, clock):
    order_id, item, _ = _order(demo_db, claimed=True)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("1", "n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        form.query_one("#order", Input).value = order_id
        await settle(pilot)
        form.query_one("#item", Input).value = ""  # left blank, as in the report
        form.query_one("#refund_at", Input).value = (clock.now().date().isoformat())
        form.query_one("#amount", Input).value = "99999"
        form.query_one("#reason").value = "abuse"
        form.query_one("#description", TextArea).text = "Buyer kept the item."
        await settle(pilot)
        verdict = text(form.query_one("#eligibility"))
        assert "this order item already has a claim (one claim per order item)" in verdict
        assert "more than the" in verdict and "refunded" in verdict
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, "Not filed: cannot file: "))
        assert isinstance(app.screen, NewClaimScreen)
    assert _claims_on(demo_db, order_id) == 1


async def test_a_known_order_fills_its_refund_in_and_files_on_that_item(demo_db, clock):
    order_id, item, cents = _order(demo_db, claimed=False)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        form.query_one("#order", Input).value = order_id
        await wait_for(pilot, lambda: form.query_one("#item", Input).value == item)
        assert form.query_one("#amount", Input).value == f"{cents / 100:.2f}"
        form.query_one("#reason").value = "abuse"
        form.query_one("#description", TextArea).text = "Buyer returned a used item."
        await settle(pilot)
        over = f"{cents / 100 + 1:.2f}"
        form.query_one("#amount", Input).value = over
        await settle(pilot)
        assert "more than the" in text(form.query_one("#eligibility"))
        form.query_one("#amount", Input).value = f"{cents / 100:.2f}"
        await settle(pilot)
        assert "Eligible" in text(form.query_one("#eligibility")), text(form.query_one("#eligibility"))
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, HomeScreen)
    with sqlite3.connect(demo_db) as con:
        assert con.execute("SELECT order_item_id, claimed_minor FROM claim WHERE order_id = ?",
                           (order_id,)).fetchall() == [(item, cents)]


def test_a_blank_item_is_the_orders_only_refunded_one_else_it_must_be_chosen():
    assert order_item_for("", ["111"]) == ("111", "")
    assert order_item_for(" 222 ", ["111"]) == ("222", "")
    assert order_item_for("", []) == ("", "enter the order item id (one claim per order item)")
    assert order_item_for("", ["222", "111"]) == (
        "", "the order has 2 refunded items (111, 222): enter the order item the claim is for")
