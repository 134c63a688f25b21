"""The desk when things go wrong (issue 11): a blank order item, a read-only database, another
program holding the write lock. Each test drives the desk as a person would and reads the screen."""

from __future__ import annotations

import sqlite3

import pytest
from pg_support import WriteLock, query
from textual.widgets import Input, TextArea

from safet_tui.domain.eligibility import order_item_for
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from tests.desk_support import (
    make_app,
    screen_text,
    settle,
    text,
    toast_says,
    type_text,
    wait_for,
    wait_for_screen,
)

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


# -- 3. another program holds the write lock ---------------------------------------------------------

class LockHolder:
    """A second connection, as another program would be, holding the write lock until released."""

    def __init__(self, path) -> None:
        self.con: sqlite3.Connection | None = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.con.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.con is not None:
            self.con.execute("ROLLBACK")
            self.con.close()
            self.con = None


def _awaiting_claim(demo_db) -> str:
    with sqlite3.connect(demo_db) as con:
        return con.execute("SELECT claim_no FROM claim WHERE status = 'awaiting' ORDER BY due_at LIMIT 1").fetchone()[0]


async def _open_reply(pilot, app, claim_no: str, words: str):
    from safet_tui.screens.thread import ThreadScreen

    app.open_thread(claim_no)
    thread = await wait_for_screen(pilot, ThreadScreen)
    await wait_for(pilot, lambda: thread.view is not None, "the thread shown while the lock is held")
    await pilot.press("r")
    await type_text(pilot, words)
    return thread


def _working(thread) -> str:
    from safet_tui.widgets.working import Working

    return text(thread.query_one(Working))


@pytest.mark.backends("sqlite", "postgresql")
async def test_a_reply_waits_for_another_programs_lock_saying_so_and_is_sent_once_it_frees(demo_db, clock):
    claim_no = query(demo_db, "SELECT claim_no FROM claim WHERE status = 'awaiting' ORDER BY due_at LIMIT 1")[0][0]
    app = make_app(demo_db, clock)
    holder = WriteLock(demo_db)
    try:
        async with app.run_test(size=(120, 35), notifications=True) as pilot:
            await settle(pilot)
            thread = await _open_reply(pilot, app, claim_no, "Tracking attached.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "database busy, retrying…" in screen_text(app))
            assert thread.query_one("#reply-text", TextArea).text == "Tracking attached."
            holder.release()
            await wait_for(pilot, lambda: toast_says(app, f"Reply sent on {claim_no}"))
            assert "database busy" not in screen_text(app)
    finally:
        holder.release()
    assert query(demo_db, "SELECT COUNT(*) FROM message WHERE body = 'Tracking attached.'") == [(1,)]


async def test_a_reply_refused_as_busy_keeps_its_text_and_the_desk_goes_on(demo_db, clock):
    claim_no = _awaiting_claim(demo_db)
    app = make_app(demo_db, clock)
    app.desk.lock_wait = 0.5
    holder = LockHolder(demo_db)
    try:
        async with app.run_test(size=(120, 35), notifications=True) as pilot:
            await settle(pilot)
            thread = await _open_reply(pilot, app, claim_no, "Invoice attached.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: toast_says(app, "Reply not sent: the database is busy"))
            assert app.screen is thread and thread.query_one("#reply-text", TextArea).text == "Invoice attached."
            assert not thread.query_one("#reply-text", TextArea).read_only
            assert "retrying" not in _working(thread)
            holder.release()
            await pilot.press("ctrl+s")  # the same text, once the other program is done
            await wait_for(pilot, lambda: toast_says(app, f"Reply sent on {claim_no}"))
    finally:
        holder.release()


async def test_a_database_error_in_a_worker_is_one_line_not_a_crash(demo_db, clock, monkeypatch):
    import peewee as pw

    from safet_tui.service.reads import Reads

    def broken(*args, **kwargs):
        raise pw.OperationalError("disk I/O error")

    claim_no = _awaiting_claim(demo_db)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Reads, "_claim_view", broken)
        app.open_thread(claim_no)
        await wait_for(pilot, lambda: toast_says(app, "database error: disk I/O error"))
        await settle(pilot)
        assert app.is_running and app.return_code is None


# -- 2. a database this desk cannot change ----------------------------------------------------------

DROP = "-dac_override,-dac_read_search,-fowner"

#: the desk driven by the Pilot in a process without root's override of file modes; it prints what
#: a person sees at each step
_READ_ONLY_DESK = """
import asyncio, sys
from datetime import datetime
from safet_tui.domain.clock import FixedClock
from safet_tui.screens.thread import ThreadScreen
from tests.desk_support import make_app, settle, text, toasts, wait_for, wait_for_screen

async def main(db, now):
    app = make_app(db, FixedClock(datetime.fromisoformat(now)))
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        print("STATUS", text(app.home_screen.query_one("#status-line")))
        await pilot.press("enter")
        thread = await wait_for_screen(pilot, ThreadScreen)
        await wait_for(pilot, lambda: thread.view is not None)
        print("THREAD", thread.view.claim_no, "TOASTS", toasts(app))
        await pilot.press("r")
        await wait_for(pilot, lambda: toasts(app))
        print("REPLY", toasts(app), "REPLYING", thread.has_class("-replying"))
        app.clear_notifications()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: toasts(app))
        print("NEW", toasts(app), "SCREEN", type(app.screen).__name__)
    print("RETURN", app.return_code)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.parametrize("how", ["file", "folder", "mount"])
def test_a_read_only_database_is_browsable_says_so_and_refuses_writes_in_one_line(demo_db, tmp_path, how):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import NOW

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's override of file modes")
    root = Path(__file__).resolve().parent.parent
    desk = [sys.executable, "-c", _READ_ONLY_DESK]
    env = {**__import__("os").environ, "PYTHONPATH": str(root)}
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "claims.db"
    shutil.copy(demo_db, db)
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    if how == "mount":
        unshare = shutil.which("unshare")
        if unshare is None:
            pytest.skip("unshare (util-linux) is missing: cannot make a read-only mount")
        mount = tmp_path / "mnt"
        mount.mkdir()
        script = (f"mount --bind {folder} {mount} && mount -o remount,bind,ro {mount} && "
                  f"exec {setpriv} --inh-caps={DROP} --bounding-set={DROP} \"$@\"")
        command = [unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", *desk, str(mount / db.name)]
        why = "on a read-only file system"
    else:
        db.chmod(0o444)
        if how == "folder":
            folder.chmod(0o555)
        command = [setpriv, f"--inh-caps={DROP}", f"--bounding-set={DROP}", *desk, str(db)]
        why = "the file is read-only for you"
    try:
        child = subprocess.run([*command, NOW.isoformat()], capture_output=True, text=True, env=env, timeout=120,
                               cwd=root)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    if how == "mount" and child.returncode != 0 and child.stderr.startswith(("mount:", "unshare:")):
        pytest.skip(f"cannot make a read-only mount here: {child.stderr.strip().splitlines()[-1]}")
    assert child.returncode == 0 and "Traceback" not in child.stderr, child.stderr
    lines = dict(line.split(" ", 1) for line in child.stdout.splitlines())
    assert lines["STATUS"].startswith(f" read-only: {why} · sort: deadline"), lines["STATUS"]
    assert "TOASTS []" in lines["THREAD"]  # opened without a word about read marks
    refusal = f"read-only database ({why}): nothing can be changed here"
    assert lines["REPLY"] == f"['{refusal}'] REPLYING False"
    assert lines["NEW"] == f"['{refusal}'] SCREEN HomeScreen"
    assert lines["RETURN"] == "None" or lines["RETURN"] == "0"
    assert db.read_bytes() == before


async def test_an_appeal_refused_as_busy_comes_back_with_its_text(demo_db, clock):
    from safet_tui.screens.dialogs import TextDialog

    app = make_app(demo_db, clock)
    desk = app.desk
    claim_no = next(r.claim_no for r in desk.window("resolved", 0, 100) if desk.why_not_appeal(r.claim_no) is None)
    desk.lock_wait = 0.5
    holder = LockHolder(demo_db)
    try:
        async with app.run_test(size=(120, 35), notifications=True) as pilot:
            await settle(pilot)
            app.open_thread(claim_no)
            await wait_for(pilot, lambda: getattr(app.screen, "view", None) is not None)
            await pilot.press("A")
            await wait_for_screen(pilot, TextDialog)
            await type_text(pilot, "The buyer kept the item.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: toast_says(app, "Appeal not sent: the database is busy"))
            dialog = await wait_for_screen(pilot, TextDialog)
            assert dialog.query_one("#text", TextArea).text == "The buyer kept the item."
            holder.release()
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: toast_says(app, f"Appeal filed for {claim_no}"))
    finally:
        holder.release()
