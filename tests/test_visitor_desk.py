"""A browser visitor's desk (``--files-in``, as ``safet serve`` runs it): files only from and to
the visitor's own folder, nothing of another file shown, and no $EDITOR to crash on."""

from __future__ import annotations

import os

import pytest
from desk_support import (
    desk_config,
    screen_text,
    settle,
    text,
    toast_says,
    wait_for,
    wait_for_screen,
)
from textual.widgets import Input

from safet_tui.app import SafetApp
from safet_tui.messages import ImportReport
from safet_tui.screens.dialogs import PathSuggester
from safet_tui.screens.thread import ThreadScreen
from safet_tui.screens.transfer import ImportDialog
from safet_tui.service.desk import Desk, ServiceError

SECRET = "root:$6$notyourbusiness:19000:0:99999:7:::\n"


@pytest.fixture
def places(tmp_path):
    folder = tmp_path / "visitors" / "ana"
    folder.mkdir(parents=True)
    secret = tmp_path / "shadow"
    secret.write_text(SECRET)
    return folder, secret


def visitor_desk(db, clock, folder) -> Desk:
    return Desk(str(db), clock=clock, user="ana", files_in=folder)


def test_paths_outside_the_folder_are_refused_before_anything_is_read(demo_db, clock, places):
    folder, secret = places
    (folder / "link").symlink_to(secret)
    desk = visitor_desk(demo_db, clock, folder)
    try:
        for path in (str(secret), str(folder / ".." / ".." / "shadow"), "link", str(folder / "link")):
            with pytest.raises(ServiceError) as refused:
                desk.import_report("auto", path)
            assert str(refused.value) == "only files in your folder ana/ can be used here"
            with pytest.raises(ServiceError):
                desk.check_attachment(path)
        with pytest.raises(ServiceError):
            desk.export_claims(str(folder.parent / "out.csv"))
        assert desk.local_path("claims.csv") == str(folder / "claims.csv")  # relative: in the folder
        assert desk.export_claims("claims.csv") > 0 and (folder / "claims.csv").is_file()
    finally:
        desk.close()


async def test_the_import_dialog_starts_in_the_folder_and_shows_nothing_of_a_file_outside(demo_db, clock, places):
    folder, secret = places
    app = SafetApp(visitor_desk(demo_db, clock, folder), desk_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(ImportReport())
        dialog = await wait_for_screen(pilot, ImportDialog)
        box = dialog.query_one("#path", Input)
        assert box.value == str(folder) + os.sep
        box.value = str(secret)
        await pilot.press("enter")
        await wait_for(pilot, lambda: text(dialog.query_one("#summary")).strip() != "")
        summary = text(dialog.query_one("#summary"))
        assert "only files in your folder ana/" in summary and "root" not in summary


async def test_path_completion_lists_only_the_folder(places):
    folder, _ = places
    (folder / "returns.tsv").write_text("x")
    suggest = PathSuggester(folder)
    assert await suggest.get_suggestion(str(folder) + os.sep + "ret") == str(folder / "returns.tsv")
    assert await suggest.get_suggestion(str(folder) + os.sep + "../sha") is None
    assert await suggest.get_suggestion("/et") is None


async def test_ctrl_e_in_a_browser_says_there_is_no_editor_and_the_desk_goes_on(demo_db, clock, monkeypatch):
    monkeypatch.setattr(SafetApp, "is_web", property(lambda self: True))
    monkeypatch.setenv("EDITOR", "false")
    desk = Desk(str(demo_db), clock=clock, user="ana")
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    app = SafetApp(desk, desk_config(), open_claim=claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        thread = await wait_for_screen(pilot, ThreadScreen)
        await settle(pilot)
        await pilot.press("r", "ctrl+e")
        await wait_for(pilot, lambda: toast_says(app, "$EDITOR is not available in the browser"))
        assert app.is_running and app.screen is thread and thread.has_class("-replying")



async def test_the_evidence_box_starts_in_the_folder_and_completes_only_inside_it(demo_db, clock, places):
    """The new-claim form's evidence box (ctrl+t) keeps to the visitor's folder like every other
    path box: it started in the server's working directory and completed any folder."""
    from safet_tui.screens.evidence import EvidenceDialog

    folder, _ = places
    (folder / "invoice.pdf").write_text("x")
    app = SafetApp(visitor_desk(demo_db, clock, folder), desk_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(EvidenceDialog([], app.desk.check_attachment, app.desk.files_in))
        dialog = await wait_for_screen(pilot, EvidenceDialog)
        box = dialog.query_one("#paths", Input)
        assert box.value == str(folder) + os.sep
        assert await box.suggester.get_suggestion(str(folder) + os.sep + "inv") == str(folder / "invoice.pdf")
        assert await box.suggester.get_suggestion("/et") is None


def test_an_attachment_is_saved_only_into_the_folder_and_never_opened_on_the_server(demo_db, clock, places):
    folder, _secret = places
    (folder / "photo.jpg").write_bytes(b"a photo of the label")
    desk = visitor_desk(demo_db, clock, folder)
    try:
        claim_no = desk.window("awaiting", 0, 1)[0].claim_no
        desk.reply(claim_no, "photo attached", ["photo.jpg"])
        att = desk.claim(claim_no).attachments[-1]
        assert desk.default_save_dir() == folder
        outside = folder.parent.parent / "dot-ssh"
        for where in (str(outside), "../../dot-ssh", str(folder / ".." / "bob")):
            with pytest.raises(ServiceError, match="only files in your folder ana/"):
                desk.save_attachment(att.id, where)
        assert not outside.exists() and not (folder.parent / "bob").exists()
        assert desk.save_attachment(att.id, "saved") == folder / "saved" / "photo.jpg"
        with pytest.raises(ServiceError, match="viewer would open on the server"):
            desk.viewable_copy(att.id)
    finally:
        desk.close()


async def test_v_in_the_browser_says_the_viewer_is_the_servers_and_starts_nothing(demo_db, clock, places,
                                                                                  monkeypatch):
    from safet_tui.screens import attachments as files_screen

    folder, _secret = places
    (folder / "invoice.pdf").write_bytes(b"%PDF-1.4")
    started: list[list[str]] = []
    monkeypatch.setattr(files_screen, "launch", started.append)
    monkeypatch.setattr(files_screen.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    desk = visitor_desk(demo_db, clock, folder)
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    desk.reply(claim_no, "invoice attached", ["invoice.pdf"])
    app = SafetApp(desk, desk_config(), open_claim=claim_no)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("v")
        await wait_for_screen(pilot, files_screen.AttachmentsScreen)
        await wait_for(pilot, lambda: "invoice.pdf" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, "In the browser a viewer would open on the server"))
        assert started == []
