"""Issue 11, triage speed: the four everyday tasks from a freshly opened desk, counting every key
pressed (typed text and file paths are not counted) and asserting what the person sees after.

Measured on the main of 2026-11-30 before this work: T1 4 keys at best (6 in the trial), T2 3 but
with no way to see the outcome in the list, T3 12 (22 with two evidence files), T4 283 on this demo
(`m` on every unread claim, `j` over the read ones, three tabs).
"""

from __future__ import annotations

from desk_support import (
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
from textual.widgets import Select, TextArea

from safet_tui.screens.dialogs import AttachDialog, TextDialog
from safet_tui.screens.evidence import EvidenceDialog
from safet_tui.screens.help import HelpScreen
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk

TARGETS = {"T1": 5, "T2": 3, "T3": 5, "T4": 3}


class Keys:
    """Presses keys through the Pilot and counts them."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def __call__(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


def cursor_line(app) -> str:
    """The claim list's line under the cursor, as drawn."""
    cl = app.home_screen.claim_list
    row = cl.current_row
    assert row is not None
    key = row.claim_no or row.order_id
    return next(line for line in screen_text(app).splitlines() if key in line)


async def test_t1_reply_with_one_attachment_to_the_most_urgent_claim(demo_db, clock, tmp_path, monkeypatch):
    (tmp_path / "tracking.pdf").write_bytes(b"%PDF-1.4 tracking")
    monkeypatch.chdir(tmp_path)  # the path dialog starts in the current folder
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        urgent = app.desk.window("awaiting", 0, 1)[0]
        assert app.home_screen.claim_list.current_row.claim_no == urgent.claim_no  # most urgent first
        press = Keys(pilot)
        await press("r")
        thread = await wait_for_screen(pilot, ThreadScreen)
        await type_text(pilot, "The tracking id is in the attached file.")
        await press("ctrl+t")
        await wait_for_screen(pilot, AttachDialog)
        await type_text(pilot, "tracking.pdf")
        await press("enter")
        await wait_for(pilot, lambda: app.screen is thread and "tracking.pdf" in text(thread.query_one("#reply-files")))
        await press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Reply sent on {urgent.claim_no}"))
        await wait_for_screen(pilot, HomeScreen)
        view = app.desk.claim(urgent.claim_no)
        last = [m for m in view.thread if m.kind == "message"][-1]
        assert last.body == "The tracking id is in the attached file."
        assert [a.name for a in last.attachments] == ["tracking.pdf"]
        assert press.count <= TARGETS["T1"], press.count


async def test_t2_appeal_a_no_grant_claim_seen_in_the_outcome_column(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        press = Keys(pilot)
        await press("3")
        await wait_for(pilot, lambda: app.home_screen.claim_list.tab == "resolved" and rows(app, 1))
        await settle(pilot)
        header = screen_text(app)
        assert "Outcome" in header
        row = app.home_screen.claim_list.current_row
        assert "No-Grant" in cursor_line(app)  # what the person reads before pressing A
        await press("A")
        await wait_for_screen(pilot, TextDialog)
        await type_text(pilot, "The photos show the label; please review.")
        await press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Appeal filed for {row.claim_no}"))
        view = app.desk.claim(row.claim_no)
        assert view.status.value == "investigating" and view.appeal_used
        assert press.count <= TARGETS["T2"], press.count


async def test_t3_file_the_refund_closest_to_its_file_by_with_its_evidence(demo_db, clock, tmp_path, monkeypatch):
    (tmp_path / "item photo.jpg").write_bytes(b"\xff\xd8 item")
    (tmp_path / "label.jpg").write_bytes(b"\xff\xd8 label")
    monkeypatch.chdir(tmp_path)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        refunds = app.desk.window("claimable", 0, 100)
        closest = min(refunds, key=lambda r: r.deadline)
        press = Keys(pilot)
        await press("4")
        await wait_for(pilot, lambda: app.home_screen.claim_list.tab == "claimable" and rows(app, 1))
        assert app.home_screen.claim_list.current_row.key == closest.key  # file-by soonest first
        await press("n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        # "Different item received" preselects the SAFE-T reason, and its evidence is listed
        assert form.query_one("#reason", Select).value == "different"
        checklist = str(form.query_one("#checklist").render())
        assert "☐ Photos of the returned item" in checklist and "☐ Photos of the return package" in checklist
        await type_text(pilot, "The buyer returned a different, older model.")  # the description has the focus
        assert form.query_one("#description", TextArea).text == "The buyer returned a different, older model."
        await press("ctrl+t")
        await wait_for_screen(pilot, EvidenceDialog)
        await type_text(pilot, "'item photo.jpg' label.jpg")  # two files, one per evidence still missing
        await press("enter")
        await wait_for(pilot, lambda: app.screen is form and "☑ Photos of the return package"
                       in str(form.query_one("#checklist").render()))
        assert "☑ Photos of the returned item" in str(form.query_one("#checklist").render())
        await press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, "Filed claim"))
        await wait_for_screen(pilot, HomeScreen)
        filed = app.desk.window("investigating", 0, 5, text=closest.order_id)
        assert len(filed) == 1 and filed[0].reason == "different"
        view = app.desk.claim(filed[0].claim_no)
        assert sorted(a.name for a in view.attachments) == ["item photo.jpg", "label.jpg"]
        assert press.count <= TARGETS["T3"], press.count


async def test_t4_mark_every_changed_claim_read(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        unread = sum(c.unread for c in app.desk.counts().values())
        assert unread > 20 and "+8" in screen_text(app).splitlines()[0]
        press = Keys(pilot)
        await press("M")
        await wait_for(pilot, lambda: "every tab" in screen_text(app))
        await press("a")
        await wait_for(pilot, lambda: toast_says(app, f"Marked {unread} claims read"))
        await settle(pilot)
        assert all(c.unread == 0 for c in app.desk.counts().values())
        tabs = screen_text(app).splitlines()[0]
        assert "+" not in tabs and "Awaiting" in tabs
        assert not any(r.unread for r in rows(app))
        assert press.count <= TARGETS["T4"], press.count


async def test_mark_read_on_one_tab_leaves_the_others(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        before = app.desk.counts()
        await pilot.press("M")
        await wait_for(pilot, lambda: "this tab" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, f"Marked {before['awaiting'].unread} claims read"))
        after = app.desk.counts()
        assert after["awaiting"].unread == 0 and after["resolved"].unread == before["resolved"].unread


async def test_u_jumps_to_the_next_unread_claim_and_wraps(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await wait_for(pilot, lambda: app.home_screen.claim_list.tab == "resolved" and rows(app, 1))
        cl = app.home_screen.claim_list
        listed = app.desk.window("resolved", 0, 1000)
        unread_at = [i for i, r in enumerate(listed) if r.unread]
        assert len(unread_at) >= 3 and unread_at[0] > 0
        for expected in unread_at:
            await pilot.press("u")
            await wait_for(pilot, lambda e=expected: cl.cursor == e)
            assert cl.current_row.unread and "●" in cursor_line(app)
        await pilot.press("u")  # past the last one: back to the first
        await wait_for(pilot, lambda: cl.cursor == unread_at[0])
        assert toast_says(app, "first unread")


async def test_unread_only_view_lists_the_changed_claims_and_says_so(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        cl = app.home_screen.claim_list
        unread = app.desk.counts()["awaiting"].unread
        await pilot.press("U")
        await wait_for(pilot, lambda: cl.is_loaded and cl.total == unread)
        assert all(r.unread for r in rows(app)) and "unread only" in screen_text(app)
        await pilot.press("enter")  # opening one marks it read: it leaves the view
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: cl.is_loaded and cl.total == unread - 1)
        await pilot.press("U")
        await wait_for(pilot, lambda: cl.is_loaded and cl.total == app.desk.count("awaiting"))
        assert "unread only" not in screen_text(app)


async def test_appealable_only_on_resolved(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        assert "Appealable" not in screen_text(app)  # not offered off the Resolved tab
        await pilot.press("3")
        await wait_for(pilot, lambda: app.home_screen.claim_list.tab == "resolved" and rows(app, 1))
        cl = app.home_screen.claim_list
        everything = cl.total
        await pilot.press("P")
        await wait_for(pilot, lambda: cl.is_loaded and 0 < cl.total < everything)
        assert "appealable only" in screen_text(app)
        assert all(app.desk.why_not_appeal(r.claim_no) is None for r in rows(app))
        outcomes = {r.outcome for r in rows(app)}
        assert outcomes <= {"no_grant", "grant_partial"}
        await pilot.press("1")  # the filter belongs to Resolved
        await wait_for(pilot, lambda: cl.tab == "awaiting" and cl.is_loaded)
        assert cl.total == app.desk.count("awaiting")


async def test_the_triage_keys_are_in_help_and_the_readme(demo_db, clock):
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    keys = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    for key in ("`u`", "`U`", "`M`", "`P`"):
        assert key in keys, key
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # P is Resolved's
        await wait_for(pilot, lambda: app.home_screen.claim_list.tab == "resolved")
        await pilot.press("question_mark")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        ids = {r[2]: r[0] for r in help_screen.rows}
        assert ids["desk.next_unread"] == "u" and ids["desk.unread_only"] == "U"
        assert ids["desk.mark_all_read"] == "M" and ids["desk.appealable_only"] == "P"


def test_mark_all_read_is_one_statement_whatever_the_number_of_claims(desk):
    """One INSERT … SELECT in one transaction, not one write per claim."""
    statements: list[str] = []
    conn = desk.database.connection()
    conn.set_trace_callback(statements.append)
    try:
        marked = desk.mark_all_read()
    finally:
        conn.set_trace_callback(None)
    assert marked > 20 and all(c.unread == 0 for c in desk.counts().values())
    writes = [s for s in statements if "read_mark" in s and s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1, statements
    assert sum(s.strip().upper().startswith("BEGIN") for s in statements) == 1


def test_mark_all_read_of_one_tab_under_a_filter(desk: Desk):
    text = desk.window("resolved", 0, 200)[0].order_id
    before = desk.counts()
    desk.mark_all_read("resolved", text)
    after = desk.counts()
    assert after["awaiting"].unread == before["awaiting"].unread
    assert desk.counts(text)["resolved"].unread == 0


def test_next_unread_follows_the_list_order(desk: Desk):
    listed = desk.window("resolved", 0, 1000)
    unread_at = [i for i, r in enumerate(listed) if r.unread]
    assert desk.next_unread("resolved", after=-1) == unread_at[0]
    assert desk.next_unread("resolved", after=unread_at[0]) == unread_at[1]
    assert desk.next_unread("resolved", after=unread_at[-1]) is None
    by_update = desk.window("resolved", 0, 1000, sort="updated")
    first = next(i for i, r in enumerate(by_update) if r.unread)
    assert desk.next_unread("resolved", after=-1, sort="updated") == first


def test_return_reasons_map_to_claim_reasons():
    from safet_tui.domain.reasons import reason_for_return

    assert reason_for_return("Different item received").code == "different"
    assert reason_for_return("  item ARRIVED damaged ").code == "unsellable"
    assert reason_for_return("CR-SWITCHEROO").code == "different"
    assert reason_for_return("No longer needed") is None
    assert reason_for_return("") is None


def test_every_return_reason_maps_to_a_known_claim_reason():
    from safet_tui.domain.reasons import REASONS_BY_CODE, RETURN_REASON_CLAIMS

    assert set(RETURN_REASON_CLAIMS.values()) <= set(REASONS_BY_CODE)
    assert all(key == " ".join(key.lower().split()) for key in RETURN_REASON_CLAIMS)


async def test_the_triage_keys_follow_the_keymap(demo_db, clock):
    from desk_support import desk_config

    keymap = {"desk.mark_all_read": "f8", "desk.unread_only": "f9"}
    app = make_app(demo_db, clock, config=desk_config(keymap=keymap))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        cl = app.home_screen.claim_list
        await pilot.press("f9")
        await wait_for(pilot, lambda: cl.only == ("unread",) and cl.is_loaded)
        await pilot.press("f8")
        await wait_for(pilot, lambda: "every tab" in screen_text(app))
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("M", "U")  # the old keys do nothing now
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and cl.only == ("unread",)


async def test_mark_all_read_on_a_read_only_desk_says_so_before_asking(demo_db, clock):
    app = make_app(demo_db, clock)
    app.desk.read_only = "the file is read-only for you"  # as the desk finds a chmod 444 file
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_for(pilot, lambda: toast_says(app, "Read marks not saved: read-only database"))
        assert isinstance(app.screen, HomeScreen) and "every tab" not in screen_text(app)
