"""Import and export from inside the desk, in workers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from desk_support import make_app, settle, text, toast_says, type_text, wait_for, wait_for_screen
from textual.widgets import Input

from safet_tui.messages import ImportReport
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.transfer import ExportDialog, ImportDialog

SAMPLES = Path(__file__).resolve().parent / "samples"


async def test_export_the_selection_as_csv(demo_db, clock, tmp_path):
    app = make_app(demo_db, clock)
    out = tmp_path / "picked.csv"
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        picked = [app.screen.claim_list.row_at(i).claim_no for i in (0, 1)]
        await pilot.press("space", "space", "e")
        await wait_for_screen(pilot, ExportDialog)
        app.screen.query_one("#path", Input).value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, f"Exported 2 claims to {out}"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    with out.open(newline="", encoding="utf-8-sig") as fh:  # a byte-order mark, like every CSV file safet writes
        rows = list(csv.DictReader(fh))
    assert sorted(r["claim_id"] for r in rows) == sorted(picked)


@pytest.mark.backends("sqlite", "postgresql")
async def test_import_a_returns_report_from_the_palette(empty_desk, clock, tmp_path):
    sample = SAMPLES / "returns-report-us.tsv"
    db_path = str(empty_desk.target)
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(ImportReport())  # as the palette's "Import report…" does
        dialog = await wait_for_screen(pilot, ImportDialog)
        dialog.query_one("#path", Input).value = str(sample)
        await pilot.press("enter")
        await wait_for(pilot, lambda: text(dialog.query_one("#summary")).strip() not in ("", "Importing…"))
        await settle(pilot)
        summary = text(dialog.query_one("#summary"))
        assert "Nothing was imported" not in summary and "Not a file" not in summary
        await pilot.press("escape")
        await settle(pilot)
        counts = app.desk.counts()
        assert counts["resolved"].total == 2 and counts["investigating"].total == 1


async def test_import_of_a_bad_file_says_where_and_writes_nothing(empty_desk, clock, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("this,is,not,a,tab,file\n1,2,3,4,5,6\n", encoding="utf-8")
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(ImportReport())  # as the palette's "Import report…" does
        dialog = await wait_for_screen(pilot, ImportDialog)
        dialog.query_one("#path", Input).value = str(bad)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Nothing was imported" in text(dialog.query_one("#summary")))
        await settle(pilot)
        summary = text(dialog.query_one("#summary"))
        assert "Nothing was imported" in summary and "bad.tsv" in summary
        assert sum(c.total for c in app.desk.counts().values()) == 0


async def test_export_follows_the_filter_and_asks_before_replacing_a_file(demo_db, clock, tmp_path):
    out = tmp_path / "brick.csv"
    out.write_text("keep me", encoding="utf-8")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, "brick")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.claim_list.text == "brick")
        await settle(pilot)
        shown = app.screen.claim_list.total
        await pilot.press("e")
        dialog = await wait_for_screen(pilot, ExportDialog)
        dialog.query_one("#path", Input).value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "exists" in text(dialog.query_one("#error")))
        await settle(pilot)
        assert app.screen is dialog
        assert out.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, f"Exported {shown:,} claim"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == shown > 0 and {r["status"] for r in rows} == {"resolved"}
