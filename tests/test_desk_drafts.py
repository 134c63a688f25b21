"""Drafts live in the database, per user, saved as they are typed (issue 11, point 4): a reply, an
appeal, a new claim come back after leaving, quitting or a killed desk, with the cursor after the
text; sending ends the draft in the same transaction; quitting with drafts asks."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from desk_support import (
    make_app,
    screen_text,
    settle,
    toast_says,
    type_text,
    wait_for,
    wait_for_screen,
)
from textual.widgets import Input, TextArea

from safet_tui.screens.dialogs import TextDialog
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk, ServiceError

TESTS = Path(__file__).parent


def _appealable(desk: Desk) -> str:
    for offset in range(0, desk.count("resolved"), 50):
        for row in desk.window("resolved", offset, 50):
            if desk.why_not_appeal(row.claim_no) is None:
                return row.claim_no
    raise AssertionError("the demo has no appealable claim")


def _editor(app) -> TextArea:
    return app.screen.query_one("#reply-text", TextArea)


# -- the service ------------------------------------------------------------------------------------
def test_a_draft_is_per_user_and_ends_with_the_reply_it_became(desk, demo_db, clock):
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    desk.save_draft("reply", claim_no, {"text": "half", "files": []})
    other = Desk(str(demo_db), clock=clock, user="someone-else")
    assert other.draft("reply", claim_no) is None and other.drafts() == []
    assert [d.label for d in desk.drafts()] == [f"a reply on claim {claim_no}"]
    with pytest.raises(ServiceError):
        desk.reply(claim_no, "   ")  # refused: the draft stays
    assert desk.draft("reply", claim_no) == {"text": "half", "files": []}
    desk.reply(claim_no, "the whole reply")
    assert desk.draft("reply", claim_no) is None
    desk.save_draft("appeal", claim_no, {"text": "  "})  # nothing typed: no draft
    assert desk.drafts() == []
    other.close()


# -- reply ------------------------------------------------------------------------------------------
CHILD = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from desk_support import desk_config, make_app, settle, type_text, wait_for
from safet_tui.domain.clock import FixedClock
from datetime import datetime
from safet_tui.screens.thread import ThreadScreen

async def main():
    app = make_app(sys.argv[1], FixedClock(datetime.fromisoformat(sys.argv[3])),
                   config=desk_config(draft_delay=0.2))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await type_text(pilot, "half a reply")
        claim_no = app.screen.claim_no
        await wait_for(pilot, lambda: (app.desk.draft("reply", claim_no) or {}).get("text") == "half a reply")
        print("SAVED", claim_no, flush=True)
        await asyncio.Event().wait()  # until killed

asyncio.run(main())
"""


def _first_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError("the desk never said it saved the draft") from None


async def test_a_reply_typed_in_a_desk_killed_with_sigkill_is_back_on_the_next_open(demo_db, clock):
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(demo_db), str(TESTS), clock.now().isoformat()],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        said = _first_line(proc)
        assert said.startswith("SAVED"), said
        claim_no = said.split()[1]
    finally:
        proc.send_signal(signal.SIGKILL)  # no quit, no clean-up: as a crash or a closed terminal
        proc.wait()
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert app.screen.claim_list.current_row.claim_no == claim_no
        await pilot.press("r")
        thread = await wait_for_screen(pilot, ThreadScreen)
        assert thread.claim_no == claim_no
        assert _editor(app).text == "half a reply"
        await type_text(pilot, " and the rest")  # the cursor is after the draft's text
        assert _editor(app).text == "half a reply and the rest"
        assert "half a reply and the rest" in screen_text(app)


async def test_a_sent_reply_leaves_no_draft_and_a_reopened_thread_goes_on_after_the_text(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        thread = await wait_for_screen(pilot, ThreadScreen)
        claim_no = thread.claim_no
        await pilot.press("r")
        await type_text(pilot, "first line")
        await pilot.press("escape", "escape")  # close the editor, leave the thread
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("enter")
        await wait_for_screen(pilot, ThreadScreen)
        await wait_for(pilot, lambda: toast_says(app, "Your unsent reply is kept"))
        await pilot.press("r")
        await type_text(pilot, ", second")
        assert _editor(app).text == "first line, second"
        await wait_for(pilot, lambda: app.desk.draft("reply", claim_no) == {"text": "first line, second",
                                                                             "files": []})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Reply sent on {claim_no}"))
        await settle(pilot)
        assert app.desk.draft("reply", claim_no) is None
        assert app.desk.claim(claim_no).thread[-2].body == "first line, second" or any(
            m.body == "first line, second" for m in app.desk.claim(claim_no).thread)


# -- quitting ---------------------------------------------------------------------------------------
async def test_quitting_with_an_unsent_reply_asks_and_keeps_or_discards_it(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        thread = await wait_for_screen(pilot, ThreadScreen)
        claim_no = thread.claim_no
        await type_text(pilot, "not sent yet")
        await pilot.press("escape", "escape", "q")
        await wait_for(pilot, lambda: "Quit with 1 unsent draft?" in screen_text(app))
        shown = screen_text(app)
        assert f"• a reply on claim {claim_no}" in shown and "saved in this database" in shown
        assert "Keep drafts, quit (k)" in shown and "Discard, quit (d)" in shown and "Cancel (esc)" in shown
        assert app.screen.query_one("#keep").region.right <= 80
        await pilot.press("escape")  # cancel: the desk stays
        await wait_for_screen(pilot, HomeScreen)
        assert app.return_code is None
        await pilot.press("q")
        await wait_for(pilot, lambda: "Quit with 1 unsent draft?" in screen_text(app))
        await pilot.press("k")
        await wait_for(pilot, lambda: app.return_code == 0)
    assert app.desk.draft("reply", claim_no) == {"text": "not sent yet", "files": []}

    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: "Quit with 1 unsent draft?" in screen_text(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: app.return_code == 0)
    assert app.desk.drafts() == []


async def test_quitting_without_drafts_does_not_ask(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code == 0)


# -- appeal -----------------------------------------------------------------------------------------
async def test_the_appeal_dialog_keeps_its_text_on_escape_and_goes_on_after_it(demo_db, clock):
    claim_no = _appealable(Desk(str(demo_db), clock=clock, user="tester"))
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("A")
        await wait_for_screen(pilot, TextDialog)
        await type_text(pilot, "The label is visible")
        await pilot.press("escape")
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("A")
        dialog = await wait_for_screen(pilot, TextDialog)
        await type_text(pilot, " in photo 2.")
        assert dialog.query_one(TextArea).text == "The label is visible in photo 2."
        assert "The label is visible in photo 2." in screen_text(app)
        await wait_for(pilot, lambda: app.desk.draft("appeal", claim_no) == {"text": "The label is visible in photo 2."})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Appeal filed for {claim_no}"))
        await settle(pilot)
        assert app.desk.draft("appeal", claim_no) is None
        assert any(m.kind == "appeal" and m.body == "The label is visible in photo 2."
                   for m in app.desk.claim(claim_no).thread)


# -- new claim --------------------------------------------------------------------------------------
async def test_a_new_claim_form_left_half_filled_comes_back_as_it_was(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        refund_id = form.refund_id
        form.query_one("#reason").value = "abuse"
        form.query_one("#description", TextArea).focus()
        await type_text(pilot, "Used item returned")
        await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: toast_says(app, "kept as a draft"))
        await wait_for_screen(pilot, HomeScreen)
        assert app.desk.draft("new_claim", str(refund_id))["description"] == "Used item returned"
        await pilot.press("n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        assert form.query_one("#reason").value == "abuse"
        assert form.query_one("#order", Input).value  # the refund's, as before
        form.query_one("#description", TextArea).focus()
        await type_text(pilot, ", box torn")
        assert form.query_one("#description", TextArea).text == "Used item returned, box torn"


async def test_a_draft_the_database_refuses_is_said_and_named_when_quitting(demo_db, clock):
    from safet_tui.service.desk import ReadOnly

    app = make_app(demo_db, clock)

    def refuse(*_args, **_kwargs):
        raise ReadOnly("the database is read-only: nothing can be changed here")

    app.desk.save_draft = refuse  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        claim_no = (await wait_for_screen(pilot, ThreadScreen)).claim_no
        await type_text(pilot, "cannot be kept")
        await wait_for(pilot, lambda: toast_says(app, "Draft not saved: the database is read-only"))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: "Not saved (the database refused them)" in screen_text(app))
        assert f"• a reply on claim {claim_no}" in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, ThreadScreen)
        assert _editor(app).text == "cannot be kept"  # still there to copy or send
