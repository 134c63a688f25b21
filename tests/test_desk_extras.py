"""What the trial also asked for: a thread's files viewed and saved, files on an appeal, the
account column and filter, canned replies, removing a wrong evidence file, and the "due in the
next 24 h" line as the desk opens."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from desk_support import (
    desk_config,
    make_app,
    screen_text,
    settle,
    text,
    toast_says,
    type_text,
    wait_for,
    wait_for_screen,
)
from textual.widgets import Input, OptionList, TextArea

from safet_tui.config import ConfigError, parse_config
from safet_tui.db import Attachment, Product
from safet_tui.screens import attachments as files_screen
from safet_tui.screens.appeal import AppealDialog
from safet_tui.screens.attachments import AttachmentsScreen, SaveDialog
from safet_tui.screens.dialogs import AttachDialog
from safet_tui.screens.evidence import EvidenceDialog
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.new_claim import NewClaimScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service import attachment_files
from safet_tui.service.attachment_files import safe_name
from safet_tui.service.desk import Desk, FileExists
from safet_tui.transactions import bound
from safet_tui.widgets.canned import fill


def _awaiting(desk: Desk, marketplace: str = "amazon.com") -> str:
    for row in desk.window("awaiting", 0, 200):
        if row.marketplace == marketplace and row.deadline and row.deadline > desk.now() + timedelta(hours=2):
            return row.claim_no
    raise AssertionError("no awaiting claim in the demo")


def _appealable(desk: Desk) -> str:
    for offset in range(0, desk.count("resolved"), 50):
        for row in desk.window("resolved", offset, 50):
            if desk.why_not_appeal(row.claim_no) is None:
                return row.claim_no
    raise AssertionError("the demo has no appealable claim")


def _with_file(demo_db, clock, tmp_path, name: str = "label photo.jpg", data: bytes = b"\xff\xd8 jpeg") -> str:
    """An awaiting claim whose reply carries a file; its claim id."""
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = _awaiting(desk)
    src = tmp_path / name
    src.write_bytes(data)
    desk.reply(claim_no, "Photo attached", [str(src)])
    desk.close()
    return claim_no


# -- a. view and save a thread's attachments ---------------------------------------------------------
async def test_thread_files_save_into_downloads_asking_before_replacing(demo_db, clock, tmp_path, monkeypatch):
    claim_no = _with_file(demo_db, clock, tmp_path / "..", "label photo.jpg")
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setattr(attachment_files, "default_save_dir", lambda: downloads)
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("v")
        await wait_for_screen(pilot, AttachmentsScreen)
        await wait_for(pilot, lambda: "label photo.jpg" in screen_text(app))
        await pilot.press("s")
        dialog = await wait_for_screen(pilot, SaveDialog)
        assert dialog.query_one(Input).value == f"{downloads}/"  # the folder is shown
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, f"Saved label photo.jpg to {downloads / 'label photo.jpg'}"))
        saved = downloads / "label photo.jpg"
        assert saved.read_bytes() == b"\xff\xd8 jpeg"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        saved.write_bytes(b"mine")
        await pilot.press("s")
        await wait_for_screen(pilot, SaveDialog)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "exists: enter again replaces it" in screen_text(app))
        assert saved.read_bytes() == b"mine"  # asked first, nothing replaced
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentsScreen))
        assert saved.read_bytes() == b"\xff\xd8 jpeg"


async def test_tab_completes_the_folder_to_save_into_and_the_file_to_attach(demo_db, clock, tmp_path,
                                                                             monkeypatch):
    claim_no = _with_file(demo_db, clock, tmp_path, "label.jpg")
    monkeypatch.setenv("HOME", str(tmp_path))  # short paths: the suggestion fits in the box
    (tmp_path / "receipts-2026").mkdir()
    (tmp_path / "receipts-2026" / "scan.pdf").write_bytes(b"%PDF")
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("v")
        await wait_for_screen(pilot, AttachmentsScreen)
        await wait_for(pilot, lambda: "label.jpg" in screen_text(app))
        await pilot.press("s")
        dialog = await wait_for_screen(pilot, SaveDialog)
        box = dialog.query_one(Input)
        box.value = "~/rec"
        await wait_for(pilot, lambda: "~/receipts-2026/" in screen_text(app))  # the suggestion shows
        await pilot.press("tab")
        assert box.value == "~/receipts-2026/" and app.screen is dialog
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("t")
        attach = await wait_for_screen(pilot, AttachDialog)
        box = attach.query_one(Input)
        box.value = "~/receipts-2026/sc"
        await wait_for(pilot, lambda: "~/receipts-2026/scan.pdf" in screen_text(app))
        await pilot.press("tab")
        assert box.value == "~/receipts-2026/scan.pdf" and app.screen is attach


async def test_a_path_is_never_completed_with_a_name_holding_escapes(tmp_path):
    """The box draws its suggestion as it is: a file named with ESC [31m would reach the terminal."""
    from safet_tui.screens.dialogs import PathSuggester

    (tmp_path / "scan \x1b[31mred.pdf").write_bytes(b"x")
    (tmp_path / "scan\tb.pdf").write_bytes(b"x")
    (tmp_path / "scan-ok.pdf").write_bytes(b"x")
    assert await PathSuggester().get_suggestion(f"{tmp_path}/sc") == f"{tmp_path}/scan-ok.pdf"


async def test_thread_files_open_in_the_viewer_or_say_why_not(demo_db, clock, tmp_path, monkeypatch):
    claim_no = _with_file(demo_db, clock, tmp_path, "invoice.pdf", b"%PDF-1.4")
    started: list[list[str]] = []
    monkeypatch.setattr(files_screen, "launch", started.append)
    monkeypatch.setattr(files_screen.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash")  # the reply moved it to Under Investigation
        await type_text(pilot, claim_no)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.claim_list.total == 1 and app.screen.claim_list.current_row)
        await pilot.press("v")  # from the list too
        await wait_for_screen(pilot, AttachmentsScreen)
        await wait_for(pilot, lambda: "invoice.pdf" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, "Opened invoice.pdf in the viewer"))
        [argv] = started
        assert argv[0] == "/usr/bin/xdg-open" and argv[1].endswith("/invoice.pdf")
        with open(argv[1], "rb") as fh:
            assert fh.read() == b"%PDF-1.4"
        monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5555 10.0.0.2 22")
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, "Over SSH a viewer would open on the server"))
        monkeypatch.delenv("SSH_CONNECTION")
        monkeypatch.setattr(files_screen.shutil, "which", lambda name: None)
        await pilot.press("o")
        await wait_for(pilot, lambda: toast_says(app, "No viewer here (xdg-open not found): s saves"))
        assert len(started) == 1


def test_saved_name_never_leaves_the_folder(desk, tmp_path):
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    src = tmp_path / "x.txt"
    src.write_text("evidence")
    desk.reply(claim_no, "file", [str(src)])
    att = desk.claim(claim_no).attachments[-1]
    with bound(desk.database):
        Attachment.update(name="../../etc/pass\x1bwd").where(Attachment.id == att.id).execute()
    folder = tmp_path / "out"
    path = desk.save_attachment(att.id, folder)
    assert path == folder / "pass_wd" and path.read_text() == "evidence"
    with pytest.raises(FileExists):
        desk.save_attachment(att.id, folder)
    assert safe_name("..") == "attachment" and safe_name(".bashrc") == "bashrc"
    assert safe_name("a\\b/c:d.pdf") == "c_d.pdf"


def test_viewer_copies_older_than_a_day_are_swept_and_nothing_else(desk, tmp_path, monkeypatch):
    import os
    import time

    from safet_tui.service.attachment_files import VIEW_KEEP_S, VIEW_PREFIX, sweep_view_copies

    monkeypatch.setattr(attachment_files.tempfile, "tempdir", str(tmp_path))
    old = time.time() - VIEW_KEEP_S - 60
    stale, fresh, other = tmp_path / f"{VIEW_PREFIX}old", tmp_path / f"{VIEW_PREFIX}new", tmp_path / "mine"
    for folder in (stale, fresh, other):
        folder.mkdir()
        (folder / "label.jpg").write_bytes(b"x")
    (tmp_path / f"{VIEW_PREFIX}link").symlink_to(other, target_is_directory=True)
    for folder in (stale, other, tmp_path / f"{VIEW_PREFIX}link"):
        os.utime(folder, (old, old), follow_symlinks=False)
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    src = tmp_path / "x.txt"
    src.write_text("evidence")
    desk.reply(claim_no, "file", [str(src)])
    copy = desk.viewable_copy(desk.claim(claim_no).attachments[-1].id)  # sweeps before copying
    assert copy.parent.parent == tmp_path and copy.read_text() == "evidence"
    assert not stale.exists() and fresh.exists() and (other / "label.jpg").exists()
    assert (tmp_path / f"{VIEW_PREFIX}link").is_symlink()
    assert sweep_view_copies(str(tmp_path)) == 0


# -- b. files on an appeal ------------------------------------------------------------------------------
async def test_appeal_carries_evidence_files(demo_db, clock, tmp_path):
    claim_no = _appealable(Desk(str(demo_db), clock=clock, user="tester"))
    photo = tmp_path / "label visible.jpg"
    photo.write_bytes(b"photo")
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("A")
        dialog = await wait_for_screen(pilot, AppealDialog)
        dialog.query_one(TextArea).text = "The label is visible in the attached photo."
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, AttachDialog)
        app.screen.query_one(Input).value = str(tmp_path / "missing.jpg")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no such file" in screen_text(app))  # the same checks as a reply's
        app.screen.query_one(Input).value = str(photo)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is dialog and "↳ label visible.jpg" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toast_says(app, f"Appeal filed for {claim_no}"))
        view = app.desk.claim(claim_no)
        appeal = next(m for m in view.thread if m.kind == "appeal")
        assert [a.name for a in appeal.attachments] == ["label visible.jpg"]
        assert app.desk.attachment_path(appeal.attachments[0].sha256).read_bytes() == b"photo"


async def test_a_file_name_with_markup_lists_as_written(demo_db, clock, tmp_path):
    """A file's name is data: '[/x]' in it neither stops the list (a markup error) nor becomes
    a style or a click action."""
    name = "[/nope] [@click=app.quit]bill[/] [b]x.jpg"  # as an import or another program may store it
    claim_no = _with_file(demo_db, clock, tmp_path, "bill.jpg")
    desk = Desk(str(demo_db), clock=clock, user="tester")
    with bound(desk.database):
        Attachment.update(name=name).where(Attachment.name == "bill.jpg").execute()
    desk.close()
    app = make_app(demo_db, clock, open_claim=claim_no)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("v")
        await wait_for_screen(pilot, AttachmentsScreen)
        await wait_for(pilot, lambda: name in screen_text(app))
        assert isinstance(app.screen, AttachmentsScreen)
        # its time in the marketplace's zone (amazon.com), as the thread writes it
        shown = screen_text(app)
        entry = shown[shown.index(name):][:400]  # the option wraps in the dialog
        assert " PST" in entry and "UTC" not in entry


# -- c. the account column and filter -----------------------------------------------------------------
async def test_account_column_and_filter(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "Account" in shown.splitlines()[3] and "Saffron Home" in shown and "Northwind Goods" in shown
        await pilot.press("slash")
        await type_text(pilot, "Saffron")
        await settle(pilot)
        cl = app.screen.claim_list
        assert cl.total > 0 and "0 matches" not in screen_text(app)
        assert {cl.row_at(i).account for i in range(min(cl.total, 50))} == {"Saffron Home"}
        app.screen.query_one("#filter", Input).value = ""
        await settle(pilot)
        await type_text(pilot, 'account:"Northwind Goods" 11')
        await settle(pilot)
        assert cl.total > 0
        rows = [cl.row_at(i) for i in range(min(cl.total, 50))]
        assert {r.account for r in rows} == {"Northwind Goods"}
    desk = app.desk
    assert desk.counts("account:Saffron")["claimable"].total == desk.counts("Saffron")["claimable"].total > 0
    assert desk.count("awaiting", "account:Nobody") == 0


@pytest.mark.parametrize("size", [(120, 35), (160, 45)])
async def test_account_column_keeps_the_order_id(demo_db, clock, size):
    """A seller finds a claim by its order: from 120 columns the account shows beside it, not
    instead of it; at 80 the preview names both."""
    app = make_app(demo_db, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        header = lines[3]
        assert "Order" in header and "Account" in header
        row = app.screen.claim_list.row_at(0)
        assert row.order_id in lines[4]


def test_account_column_layout():
    from safet_tui.widgets.columns import layout

    for width, tab in ((110, "awaiting"), (120, "awaiting"), (120, "resolved"), (160, "awaiting"), (160, "resolved")):
        names = [c.name for c, _ in layout(width, tab, accounts=True)]
        assert {"order", "account", "product", "claimed", "deadline"} <= set(names), (width, tab, names)
    # narrower, the account gives way before the order id
    assert "order" in [c.name for c, _ in layout(110, "resolved", accounts=True)]
    # at 80 the list keeps the reason; the order and the account are in the preview below
    assert [c.name for c, _ in layout(80, "awaiting", accounts=True)] == [
        c.name for c, _ in layout(80, "awaiting", accounts=False)]
    # without accounts nothing changes
    assert "account" not in [c.name for c, _ in layout(160, "awaiting")]


# -- d. canned replies -----------------------------------------------------------------------------------
async def test_canned_reply_fills_the_claim_in(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = _awaiting(desk)
    view = desk.claim(claim_no)
    with bound(desk.database):
        Product.update(title="Lamp\x1b[31m red").where(Product.sku == view.sku).execute()
    config = desk_config(canned_replies={view.reason: "Order {order_id}, {title}: {claimed} by {reply_by} {nope} {"})
    app = make_app(demo_db, clock, open_claim=claim_no, config=config)
    async with app.run_test(size=(120, 35)) as pilot:
        thread = await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("r")
        await type_text(pilot, "Hi. ")
        await pilot.press("ctrl+r")
        area = thread.query_one("#reply-text", TextArea)
        await wait_for(pilot, lambda: "Order " in area.text)
        local = view.reply_by.astimezone(desk.policies["amazon.com"].tz)
        assert area.text == (f"Hi. Order {view.order_id}, Lamp␛[31m red: ${view.claimed.amount:,} by "
                             f"{local:%Y-%m-%d %H:%M} {local:%Z} {{nope}} {{")


def test_canned_defaults_and_config():
    assert fill("{order_id} {unknown}", {"order_id": "1\n2"}) == "1 2 {unknown}"
    assert fill("}{{order_id}}{", {"order_id": "X"}) == "}{X}{"
    cfg = parse_config({"canned_replies": {"unsellable": "Photos attached for {order_id}."}})
    assert cfg.canned_replies == {"unsellable": "Photos attached for {order_id}."}
    with pytest.raises(ConfigError, match="canned_replies.damaged is not a claim reason"):
        parse_config({"canned_replies": {"damaged": "x"}})
    with pytest.raises(ConfigError, match="must be a string"):
        parse_config({"canned_replies": {"unsellable": 3}})


# -- e. removing a wrong evidence file from the form -------------------------------------------------
async def test_new_claim_evidence_file_removed(demo_db, clock, tmp_path):
    wrong, right = tmp_path / "wrong.jpg", tmp_path / "right.jpg"
    wrong.write_bytes(b"w")
    right.write_bytes(b"r")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = await wait_for_screen(pilot, NewClaimScreen)
        form.query_one("#reason").value = "unsellable"
        await settle(pilot)
        for path in (wrong, right):
            await pilot.press("ctrl+t")  # straight to the files for the evidence still missing
            await wait_for_screen(pilot, EvidenceDialog)
            app.screen.query_one(Input).value = str(path)
            await pilot.press("enter")
            await wait_for_screen(pilot, NewClaimScreen)
        files = form.query_one("#evidence-files", OptionList)
        listed = [line for line in screen_text(app).splitlines() if "↳" in line]
        assert "wrong.jpg" in listed[0] and "right.jpg" in listed[1]
        files.focus()
        files.highlighted = 0
        await pilot.press("delete")
        await wait_for(pilot, lambda: toast_says(app, "Removed wrong.jpg from the evidence"))
        listed = [line for line in screen_text(app).splitlines() if "↳" in line]
        assert len(listed) == 1 and "right.jpg" in listed[0]
        assert [f.path for f in form.files] == [str(right)]
        checklist = text(form.query_one("#checklist"))  # wrong.jpg stood for the item photos, right.jpg for the label
        assert "☐ Photos of the returned item" in checklist and "☑ Photos of the return package" in checklist


# -- f. due in the next 24 hours --------------------------------------------------------------------------
async def test_desk_opens_saying_what_is_due_in_24_hours(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    now, soon = desk.now(), desk.now() + timedelta(hours=24)

    def due(tab: str) -> int:
        return sum(1 for r in desk.window(tab, 0, 100_000) if r.deadline and now <= r.deadline < soon)

    expected = {"reply-by": due("awaiting"), "appeal-by": due("resolved"), "file-by": due("claimable")}
    assert expected["reply-by"] > 0
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        home = await wait_for_screen(pilot, HomeScreen)
        line = "due in 24 h: " + ", ".join(f"{n:,} {k}" for k, n in expected.items() if n)
        await wait_for(pilot, lambda: f"Awaiting Seller Response: {home.claim_list.total:,} · {line} · tester" in text(home.query_one("#status-line")))
        assert line in screen_text(app)


async def test_the_cursor_can_stay_lit(demo_db, clock):
    """``cursor_blink = false``: the reply editor's cursor never blinks (nor repaints over SSH)."""
    from desk_support import desk_config, make_app, settle, wait_for
    from textual.widgets import TextArea

    for blink in (True, False):
        app = make_app(demo_db, clock, config=desk_config(cursor_blink=blink))
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await wait_for(pilot, lambda pilot=pilot: isinstance(pilot.app.focused, TextArea))
            assert app.focused.cursor_blink is blink
