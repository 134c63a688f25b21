"""Whole flows through the desk: reply with attachment, appeal, amazon decisions, filing, help, palette."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_support import (
    desk_config,
    make_app,
    rows,
    screen_text,
    settle,
    text,
    toast_says,
    type_text,
    wait_for,
    wait_for_screen,
)
from textual.command import CommandPalette
from textual.widgets import Input, TextArea

from safet_tui.messages import NewClaim, OpenThread
from safet_tui.screens.dialogs import AttachDialog, ChoiceDialog, TextDialog
from safet_tui.screens.help import HelpScreen
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk


@pytest.mark.backends("sqlite", "postgresql")
async def test_triage_reply_with_attachment_moves_claim_to_investigation(demo_db, clock, tmp_path):
    evidence = tmp_path / "label photo.jpg"
    evidence.write_bytes(b"\xff\xd8 fake jpeg")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        home = app.screen
        first = home.claim_list.current_row
        awaiting_before = home.claim_list.total
        await pilot.press("enter")
        thread = await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("r")
        assert thread.has_class("-replying")
        await type_text(pilot, "Photos attached")
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, AttachDialog)
        app.screen.query_one(Input).value = str(evidence)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is thread)
        assert "↳ label photo.jpg" in text(thread.query_one("#reply-files"))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Reply sent on {first.claim_no}: moved to"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert home.claim_list.total == awaiting_before - 1
        view = app.desk.claim(first.claim_no)
        assert view.status.value == "investigating"
        last = [m for m in view.thread if m.kind == "message"][-1]
        assert last.body == "Photos attached" and last.attachments[0].name == "label photo.jpg"
        assert app.desk.attachment_path(last.attachments[0].sha256).read_bytes() == b"\xff\xd8 fake jpeg"
        await pilot.press("2", "slash", *list(first.claim_no))
        await wait_for(pilot, lambda: [r.claim_no for r in rows(app)] == [first.claim_no])


async def test_attach_refuses_directory_and_missing_file(demo_db, clock, tmp_path):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        dialog = await wait_for_screen(pilot, AttachDialog)
        box = dialog.query_one(Input)
        box.value = str(tmp_path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "is a directory" in text(dialog.query_one("#error")))
        box.value = str(tmp_path / "nope.pdf")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no such file" in text(dialog.query_one("#error")))
        assert app.screen is dialog
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)


def _appealable(desk: Desk) -> str:
    for offset in range(0, desk.count("resolved"), 50):
        for row in desk.window("resolved", offset, 50):
            if desk.why_not_appeal(row.claim_no) is None:
                return row.claim_no
    raise AssertionError("the demo has no appealable claim")


async def test_appeal_once_then_refused(demo_db, clock):
    claim_no = _appealable(Desk(str(demo_db), clock=clock, user="tester"))
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("A")
        await wait_for_screen(pilot, TextDialog)
        app.screen.query_one(TextArea).text = "The label is visible in photo 2."
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ThreadScreen)
        view = app.desk.claim(claim_no)
        assert view.status.value == "investigating" and view.appeal_used
        assert view.thread[-2].kind == "appeal" or any(m.kind == "appeal" for m in view.thread)
        await pilot.press("A")
        await wait_for(pilot, lambda: toast_says(app, "only a resolved claim can be appealed"))
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)


async def test_amazon_role_grants_partially_and_no_grants(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    open_claims = desk.window("investigating", 0, 2)
    app = make_app(demo_db, clock, role="amazon", open_claim=open_claims[0].claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("w")
        await wait_for_screen(pilot, TextDialog)
        box = app.screen.query_one(Input)
        claimed = open_claims[0].claimed
        half = (claimed.amount / 2).quantize(claimed.amount)
        box.value = str(half)
        await pilot.press("enter")
        await wait_for_screen(pilot, ThreadScreen)
        view = app.desk.claim(open_claims[0].claim_no)
        assert view.status.value == "resolved" and view.outcome.value == "grant_partial"
        assert view.reimbursed.amount == half
    app = make_app(demo_db, clock, role="amazon", open_claim=open_claims[1].claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("x")
        await wait_for_screen(pilot, ChoiceDialog)
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, ThreadScreen)
        view = app.desk.claim(open_claims[1].claim_no)
        assert view.outcome.value == "no_grant" and view.denial_reason


async def test_seller_cannot_use_amazon_keys(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("investigating", 0, 1)[0].claim_no
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("w", "x", "i")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert app.desk.claim(claim_no).status.value == "investigating"


async def test_open_unknown_claim_says_so_and_opens_desk(demo_db, clock):
    app = make_app(demo_db, clock, open_claim="0000000000")
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for(pilot, lambda: toast_says(app, "No claim 0000000000: opening the desk"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.backends("sqlite", "postgresql")
async def test_file_claim_from_claimable_refund(demo_db, clock, tmp_path):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        refund = app.screen.claim_list.current_row
        claimable_before = app.screen.claim_list.total
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewClaimScreen)
        assert form.query_one("#order", Input).value == refund.order_id
        form.query_one("#reason").value = "not_returned"
        form.query_one("#description", TextArea).text = "No carrier first scan after 30 days."
        await settle(pilot)
        assert "Eligible" in str(form.query_one("#eligibility").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen)
                       and app.screen.claim_list.total == claimable_before - 1)
        assert app.desk.count("investigating", refund.order_id) == 1


async def test_filing_outside_the_window_is_refused_with_the_reason(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        old = (clock.now() - timedelta(days=90)).date().isoformat()
        form.query_one("#order", Input).value = "112-0000000-0000001"
        form.query_one("#item", Input).value = "1"
        form.query_one("#refund_at", Input).value = old
        form.query_one("#amount", Input).value = "19.99"
        form.query_one("#reason").value = "abuse"
        form.query_one("#description", TextArea).text = "Buyer returned a used item."
        await settle(pilot)
        verdict = str(form.query_one("#eligibility").render())
        assert "filing window closed" in verdict
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewClaimScreen)
        assert app.desk.count("investigating", "112-0000000-0000001") == 0


async def test_new_claim_checklist_ticks_as_evidence_is_attached(demo_db, clock, tmp_path):
    photo = tmp_path / "pod.pdf"
    photo.write_bytes(b"%PDF-1.4")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#reason").value = "never_arrived"
        await settle(pilot)
        assert "☐ Proof of delivery" in str(form.query_one("#checklist").render())
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("enter")  # the first (only) evidence kind
        await settle(pilot)
        app.screen.query_one(Input).value = str(photo)
        await pilot.press("enter")
        await settle(pilot)
        assert "☑ Proof of delivery" in str(form.query_one("#checklist").render())


async def test_help_lists_keys_of_the_screen_and_filters(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        ids = [r[2] for r in app.screen.rows]
        assert "claim.appeal" in ids and "desk.tab.claimable" in ids and "list.last" in ids
        await type_text(pilot, "appeal")
        await wait_for(pilot, lambda: "claim.appeal" in screen_text(app) and "desk.filter" not in screen_text(app))
        shown = {desc for _, desc, _ in app.screen.shown}
        assert "Appeal" in shown and "Filter" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_palette_offers_state_specific_commands(demo_db, clock):
    claim_no = _appealable(Desk(str(demo_db), clock=clock, user="tester"))
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await wait_for_screen(pilot, CommandPalette)
        await type_text(pilot, "appeal")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, TextDialog)
        assert claim_no in text(app.screen.query_one(".dialog-title"))


@pytest.mark.backends("sqlite", "postgresql")
async def test_palette_goes_to_a_claim_by_id(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("resolved", 3, 1)[0].claim_no
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, claim_no)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.claim_no == claim_no


async def test_keymap_from_config_remaps_a_binding(demo_db, clock):
    app = make_app(demo_db, clock, config=desk_config(keymap={"desk.tab.resolved": "f3"}))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.claim_list.tab == "resolved"


async def test_long_thread_renders_the_newest_items_and_brings_in_the_rest_on_g(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("investigating", 0, 1)[0].claim_no
    for n in range(30):
        clock.advance(minutes=10)
        desk.as_role("amazon").request_info(claim_no, f"Question {n}")
        clock.advance(minutes=10)
        desk.reply(claim_no, f"Answer {n}")
    total = len(desk.claim(claim_no).thread)
    desk.close()
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        thread = app.screen
        assert isinstance(thread, ThreadScreen)
        assert thread.hidden == total - 40
        await pilot.press("g")
        await settle(pilot)
        assert thread.hidden == 0
        assert thread.query_one("#thread-scroll").scroll_y == 0


async def test_investigator_cannot_act_as_the_seller(demo_db, clock):
    app = make_app(demo_db, clock, role="amazon")
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        row = app.screen.claim_list.current_row
        await pilot.press("r", "A", "n", "t")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("r")
        assert not app.screen.has_class("-replying")
        view = app.desk.claim(row.claim_no)
        assert view.status.value == "awaiting" and not view.appeal_used
        app.screen.start_appeal(row.claim_no)  # as the palette would
        app.post_message(NewClaim())
        await wait_for(pilot, lambda: toast_says(app, "investigator"))
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)


async def test_seller_reply_key_on_a_resolved_thread_says_why(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("resolved", 0, 1)[0].claim_no
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("r")
        await wait_for(pilot, lambda: toast_says(app, "replies are closed"))
        assert not app.screen.has_class("-replying")


async def test_new_claim_form_refuses_bad_order_ids_amounts_and_keeps_a_draft_on_leaving(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        refund = app.screen.claim_list.current_row
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#reason").value = "abuse"
        form.query_one("#description", TextArea).text = "Used item returned."
        verdict = form.query_one("#eligibility")
        form.query_one("#amount", Input).value = str(refund.claimed.amount + 1)
        await settle(pilot)
        assert "more than the" in str(verdict.render())
        form.query_one("#amount", Input).value = "6.001"
        await settle(pilot)
        assert "more than two decimals" in str(verdict.render())
        form.query_one("#amount", Input).value = str(refund.claimed.amount)
        form.query_one("#order", Input).value = "x"
        await settle(pilot)
        assert "is not an Amazon order id" in str(verdict.render())
        assert verdict.region.y + verdict.region.height <= app.screen.size.height  # in view at 120x35
        await pilot.press("escape")  # leaves at once: what was typed is a draft (tests/test_desk_drafts.py)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert toast_says(app, "kept as a draft")


async def test_grant_dialog_keeps_bad_amounts_and_resolved_claims_are_refused_up_front(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    open_claim = desk.window("investigating", 0, 1)[0]
    resolved = desk.window("resolved", 0, 1)[0].claim_no
    desk.close()
    app = make_app(demo_db, clock, role="amazon", open_claim=open_claim.claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("w")
        dialog = await wait_for_screen(pilot, TextDialog)
        for bad, says in (("abc", "Not an amount"), ("1.001", "more than two decimals"),
                          (str(open_claim.claimed.amount + 1), "more than the")):
            dialog.query_one(Input).value = bad
            await pilot.press("enter")
            await wait_for(pilot, lambda says=says: says in text(dialog.query_one("#error")))
            await settle(pilot)
            assert app.screen is dialog
        await pilot.press("escape")
        await wait_for_screen(pilot, ThreadScreen)
        app.pop_screen()
        app.post_message(OpenThread(resolved))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen.claim_no == resolved)
        await settle(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: toast_says(app, "already resolved"))
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)


def burst(app, text: str) -> None:
    """Keys as a terminal delivers a fast burst: all queued before the first is handled."""
    from textual import events

    for ch in text:
        app.post_message(events.Key({" ": "space", "/": "slash"}.get(ch, ch), ch))


async def test_a_burst_of_keys_lands_where_a_person_meant_it(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        burst(app, "3/abc")
        await settle(pilot)
        assert app.screen.claim_list.tab == "resolved"
        assert app.screen.query_one("#filter", Input).value == "abc"
        await pilot.press("escape", "1")
        await settle(pilot)
        claim_no = app.screen.claim_list.current_row.claim_no
        await pilot.press("enter")
        await settle(pilot)
        burst(app, "rmore info")  # "m" must not mark the claim unread, "r" must not reopen anything
        await settle(pilot)
        thread = app.screen
        assert isinstance(thread, ThreadScreen) and thread.claim_no == claim_no
        assert thread.query_one("#reply-text", TextArea).text == "more info"


async def test_an_unsent_reply_survives_leaving_the_thread(demo_db, clock, tmp_path):
    photo = tmp_path / "label.jpg"
    photo.write_bytes(b"jpg")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        first = await wait_for_screen(pilot, ThreadScreen)
        claim_no = first.claim_no
        await pilot.press("r")
        await type_text(pilot, "half written")
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, AttachDialog)
        app.screen.query_one(Input).value = str(photo)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "↳ label.jpg" in text(first.query_one("#reply-files")))
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("enter")
        thread = await wait_for_screen(pilot, ThreadScreen)
        assert thread is not first and thread.claim_no == claim_no
        assert thread.query_one("#reply-text", TextArea).text == "half written"
        assert "↳ label.jpg" in text(thread.query_one("#reply-files"))
        await pilot.press("r", "ctrl+x")
        await wait_for(pilot, lambda: toast_says(app, "Removed label.jpg from the reply"))
        assert "label.jpg" not in text(thread.query_one("#reply-files"))


async def test_claimable_tab_hides_claim_only_keys(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "reply" not in shown and "appeal" not in shown and "new_claim" in shown


async def test_a_busy_database_refuses_a_write_in_one_line_while_the_screen_stays_live(demo_db, clock):
    """Another program holds the write lock: the write waits off the event loop (saying so), keys
    still move the cursor, then the desk refuses in one line and nothing is lost or crashed."""
    import sqlite3

    from safet_tui.app import SafetApp

    desk = Desk(str(demo_db), clock=clock, user="tester", lock_wait=3.0)  # time to see it wait
    app = SafetApp(desk, desk_config(), role="seller")
    holder = sqlite3.connect(demo_db, isolation_level=None)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        cl = app.screen.claim_list
        holder.execute("BEGIN IMMEDIATE")  # another writer, for longer than this desk waits
        try:
            await pilot.press("m")
            await wait_for(pilot, lambda: "database busy, retrying… (saving the read marks;" in screen_text(app))
            await pilot.press("j")
            assert cl.cursor == 1  # the screen answers while the write waits
            await wait_for(pilot, lambda: toast_says(app, "Read marks not saved: the database is busy"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)
        assert "saving the read marks" not in screen_text(app) and isinstance(app.screen, HomeScreen)


async def test_r_on_the_list_opens_the_thread_with_the_editor_focused(demo_db, clock):
    """Issue 11, 1: what you type after r is the reply, not commands for the thread."""
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        thread = await wait_for_screen(pilot, ThreadScreen)
        await type_text(pilot, "the tracking id")  # "t" would open Attach on the thread
        assert thread.query_one("#reply-text", TextArea).text == "the tracking id"
        assert isinstance(app.screen, ThreadScreen)


def test_a_keymap_written_for_the_old_claim_action_ids_still_works():
    """`desk.reply` / `thread.reply` became the one `claim.reply`; old config files keep working."""
    from safet_tui.config import parse_config

    cfg = parse_config({"keymap": {"desk.reply": "R", "thread.appeal": "ctrl+a", "desk.sort": "o"}})
    assert cfg.keymap == {"claim.reply": "R", "claim.appeal": "ctrl+a", "desk.sort": "o"}
