"""Honest screens (issue 11, points 7-11): keys that cannot apply are neither offered nor opened,
the desk fits 80x24, deadlines read in the marketplace's zone, a filter says where its matches
are, and exports go to a folder the dialog names."""

from __future__ import annotations

from datetime import timedelta

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
from textual.widgets import Input

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.money import Money
from safet_tui.screens.analytics import AnalyticsScreen
from safet_tui.screens.dialogs import TextDialog
from safet_tui.screens.home import HomeScreen
from safet_tui.screens.thread import ThreadScreen
from safet_tui.screens.transfer import ExportDialog
from safet_tui.service.desk import Desk
from safet_tui.service.views import TabCount


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


# -- 7. refuse up front, offer only what applies ----------------------------------------------
def test_the_lifecycle_says_which_steps_are_refused_and_why(clock):
    now = clock.now()
    awaiting = lc.ClaimState(lc.Status.AWAITING, Money.of("10", "USD"), reply_by=now - timedelta(minutes=1))
    assert lc.refusal("reply", awaiting, lc.Actor.SELLER, now) == "the reply-by time has passed"
    assert lc.refusal("attach", awaiting, lc.Actor.SELLER, now) is None
    granted = lc.ClaimState(lc.Status.RESOLVED, Money.of("10", "USD"), outcome=lc.Outcome.GRANT_FULL)
    refused = lc.refusals(granted, lc.Actor.SELLER, now)
    assert set(refused) >= {"reply", "appeal", "attach"}
    assert refused["attach"].startswith("the claim is closed")
    assert lc.refusals(granted, lc.Actor.AMAZON, now)["grant"] == "the claim is already resolved"


async def test_a_closed_claim_offers_no_reply_appeal_or_attach_and_t_says_why(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    closed = next(r for r in desk.window("resolved", 0, 60) if desk.why_not_appeal(r.claim_no))
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        index = next(i for i, r in enumerate(rows(app, 60)) if r.claim_no == closed.claim_no)
        for _ in range(index):
            await pilot.press("j")
        await settle(pilot)
        await wait_for(pilot, lambda: f"Claim {closed.claim_no} ·" in screen_text(app))  # previewed
        await settle(pilot)
        shown = footer(app)
        assert "r Reply" not in shown and "A Appeal" not in shown, shown
        assert "a Analytics" in shown and "q Quit" in shown, shown
        await pilot.press("t")
        await wait_for(pilot, lambda: toast_says(app, f"Cannot attach on {closed.claim_no}: the claim is closed"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # no attach dialog was opened first


async def test_r_after_the_reply_by_is_refused_before_the_editor_opens(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    row = desk.window("awaiting", 0, 1)[0]
    app = make_app(demo_db, clock, open_claim=row.claim_no)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        assert "r Reply" in footer(app)
        clock.advance(seconds=(row.deadline - clock.now()).total_seconds() + 60)
        await pilot.press("r")
        await wait_for(pilot, lambda: toast_says(app, "the reply-by time has passed"))
        await settle(pilot)
        assert not app.screen.has_class("-replying")


async def test_an_investigator_on_a_resolved_claim_is_offered_no_decision(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    resolved = desk.window("resolved", 0, 1)[0].claim_no
    app = make_app(demo_db, clock, role="amazon", open_claim=resolved)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        shown = footer(app)
        assert "Grant" not in shown and "No-grant" not in shown and "Request info" not in shown, shown
        await pilot.press("w")
        await wait_for(pilot, lambda: toast_says(app, f"Cannot grant on {resolved}: the claim is already resolved"))
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog)


# -- 8. the desk fits 80x24, and says Amazon's names with room --------------------------------
BIG = {"awaiting": TabCount(11_998, 3_550), "investigating": TabCount(19_009, 2_741),
       "resolved": TabCount(68_993, 3_123), "claimable": TabCount(7_951, 0)}


def big_counts(app) -> None:
    """The counts of a 100k-claim database, on the small demo (the counts are the service's)."""
    app.desk.counts = lambda text="": BIG


async def test_at_80x24_every_tab_keeps_its_count_and_the_footer_keeps_analytics_and_quit(demo_db, clock):
    app = make_app(demo_db, clock)
    big_counts(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # under load the footer composes its keys a frame after the rest
        await wait_for(pilot, lambda: "q Quit" in screen_text(app).splitlines()[-1])
        lines = screen_text(app).splitlines()
        tabs = lines[0]
        for key, n, unread in (("1", "11k", "+3.5k"), ("2", "19k", "+2.7k"), ("3", "68k", "+3.1k"), ("4", "7.9k", "")):
            label = tabs[tabs.index(f" {key} "):].split("  ")[0]
            assert f" {n}" in label and unread in label, tabs
        assert "," not in tabs, tabs  # one count format in the bar: never "7,951" beside "11k"
        assert "a Analytics" in lines[-1] and "q Quit" in lines[-1], lines[-1]


async def test_with_room_the_tabs_carry_amazons_names(demo_db, clock):
    app = make_app(demo_db, clock)
    big_counts(app)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        tabs = screen_text(app).splitlines()[0]
        for name in ("1 Awaiting Seller Response", "2 Under Investigation", "3 Resolved", "4 Claimable"):
            assert name in tabs, tabs


async def test_the_analytics_title_is_not_cut_at_80_columns(demo_db, clock):
    app = make_app(demo_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        screen = await wait_for_screen(pilot, AnalyticsScreen)
        await wait_for(pilot, lambda: screen.result is not None)
        await pilot.press("a")  # the first account: its name, marketplace and currency in the title
        await wait_for(pilot, lambda: screen.result is not None and screen.account_id is not None)
        await settle(pilot)
        shown = " ".join(screen_text(app).splitlines()[:3])
        account = next(a for a in screen.accounts if a.id == screen.account_id)
        assert f"{account.name} ({account.marketplace}, {account.currency})" in shown, shown
        assert f"charts in {screen.currency}" in shown, shown


async def test_replying_at_80x24_leaves_the_information_request_readable(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    row = desk.window("awaiting", 0, 1)[0]
    request = next(m for m in reversed(desk.claim(row.claim_no).thread) if m.kind == "info_request")
    app = make_app(demo_db, clock, open_claim=row.claim_no)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.has_class("-replying")
        shown = screen_text(app)
        assert "Amazon · information request" in shown, shown
        assert request.body.split()[0] in shown and "Reply by" in shown, shown


# -- 10. a filter says where its matches are ---------------------------------------------------
async def test_a_claim_id_from_another_tab_says_where_it_is(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    claim_no = desk.window("investigating", 0, 1)[0].claim_no
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, claim_no)
        await wait_for(pilot, lambda: "0 here · 1 in Under Investigation — 2" in screen_text(app).splitlines()[2])
        await pilot.press("enter", "2")
        await wait_for(pilot, lambda: screen_text(app).splitlines()[2].endswith("1 match"))
        await settle(pilot)
        assert app.screen.claim_list.current_row.claim_no == claim_no


# -- 11. exports go to a folder the dialog names, and ask before replacing -----------------------
async def test_export_defaults_to_the_downloads_folder_not_the_current_directory(demo_db, clock, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    downloads = tmp_path / "home" / "Downloads"
    downloads.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        dialog = await wait_for_screen(pilot, ExportDialog)
        assert text(dialog.query_one("#folder")).startswith(f"Saved in {downloads} ")
        assert dialog.query_one("#path", Input).value == str(downloads / "safet-claims-awaiting.csv")
        await pilot.press("enter")
        await wait_for(pilot, lambda: toast_says(app, f"to {downloads / 'safet-claims-awaiting.csv'}"))
    assert (downloads / "safet-claims-awaiting.csv").exists()
    assert not list(tmp_path.glob("*.csv"))  # nothing in the current directory


async def test_analytics_e_names_the_folder_and_asks_before_replacing(demo_db, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "home" / ".local" / "share" / "safet" / "exports"  # no Downloads folder here
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        screen = await wait_for_screen(pilot, AnalyticsScreen)
        await wait_for(pilot, lambda: screen.result is not None)
        csv_path, json_path = screen.export_paths()
        assert csv_path.parent == folder
        folder.mkdir(parents=True)
        csv_path.write_text("keep me", encoding="utf-8")
        await pilot.press("e")
        dialog = await wait_for_screen(pilot, TextDialog)
        assert text(dialog.query_one(".dialog-hint")) == f"Into this folder: {csv_path.name} and {json_path.name}"
        assert dialog.query_one(Input).value == str(folder)
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"{csv_path.name} exists there" in text(dialog.query_one("#error")))
        assert app.screen is dialog and csv_path.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await wait_for(pilot, lambda: json_path.exists())
        await settle(pilot)
    assert csv_path.read_text(encoding="utf-8-sig").startswith("section,")  # with a byte-order mark, like every CSV file
    assert not list(tmp_path.glob("*.csv"))


def test_gitignore_keeps_attachment_stores_out():
    from pathlib import Path

    lines = (Path(__file__).resolve().parent.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*.db.attachments/" in lines


# -- 9. deadlines in the marketplace's time zone, the same everywhere -----------------------------
async def test_a_file_by_reads_the_same_in_ist_in_the_preview_and_the_form(demo_db, clock):
    from zoneinfo import ZoneInfo

    from safet_tui.screens.new_claim import NewClaimScreen

    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        index, row = next((i, r) for i, r in enumerate(rows(app, 100)) if r.marketplace == "amazon.in")
        expected = f"{row.deadline.astimezone(ZoneInfo('Asia/Kolkata')):%Y-%m-%d %H:%M} IST"
        for _ in range(index):
            await pilot.press("j")
        await wait_for(pilot, lambda: f"File by {expected} (" in screen_text(app))
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NewClaimScreen)
        await wait_for(pilot, lambda: f"file by {expected} (" in screen_text(app))


async def test_a_thread_header_and_its_messages_read_in_the_marketplace_zone(demo_db, clock):
    desk = Desk(str(demo_db), clock=clock, user="tester")
    row = next(r for r in desk.window("awaiting", 0, 100) if r.marketplace == "amazon.in")
    app = make_app(demo_db, clock, open_claim=row.claim_no)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        shown = screen_text(app)
        assert " IST (" in shown.split("Reply by ", 1)[1], shown
        assert "UTC" not in shown, shown


# -- the pure pieces behind them ---------------------------------------------------------------
def test_one_count_format_and_labels_that_fit():
    from safet_tui.widgets.tab_labels import count_text, matches_text, tab_labels

    assert [count_text(n, short=True) for n in (951, 7_951, 11_998, 123_456, 1_234_567)] == [
        "951", "7.9k", "11k", "123k", "1.2M"]
    assert count_text(7_951) == "7,951"
    for width in (80, 100, 120, 160):
        labels = tab_labels(BIG, width)
        assert sum(len(v) + 2 for v in labels.values()) <= width
        assert all(str(i) in labels[t][:1] for i, t in enumerate(BIG, 1))
    assert tab_labels(BIG, 160)["awaiting"] == "1 Awaiting Seller Response 11,998 +3,550"
    assert matches_text(0, "awaiting", {"investigating": TabCount(1, 0)}, 120) == "0 here · 1 in Under Investigation — 2"
    assert matches_text(3, "awaiting", {"awaiting": TabCount(3, 0)}, 120) == "3 matches"


def test_the_footer_drops_the_least_important_keys_first():
    from safet_tui.widgets.footer import fit_keys

    keys = [(0, 7), (1, 7), (4, 7), (4, 7), (0, 7)]  # help, analytics, two low ones, quit
    assert fit_keys(keys, 35) == {0, 1, 2, 3, 4}
    assert fit_keys(keys, 28) == {0, 1, 2, 4}  # the later of equal ranks goes first
    assert fit_keys(keys, 10) == {0, 4}  # rank 0 always stays


def test_a_deadline_is_written_in_the_marketplace_zone_with_the_zone():
    from datetime import UTC, datetime

    from safet_tui.domain.deadlines import local_time

    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert local_time(at, "Asia/Kolkata") == "2026-11-23 17:30 IST"
    assert local_time(at, "America/Los_Angeles") == "2026-11-23 04:00 PST"
    assert local_time(at) == "2026-11-23 12:00 UTC"


async def test_the_status_line_shows_the_user_and_database_names_as_written(demo_db, clock, tmp_path):
    """The status line names the user and the database file: data, not markup (--user '[/x]'
    stopped the home screen; '[@click=…]' in a file name was an action)."""
    evil = tmp_path / "claims [@click=app.quit]x.db"
    evil.write_bytes(demo_db.read_bytes())
    app = make_app(evil, clock, user="[/x] ann")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#status-line").render()
        assert "[/x] ann (seller)" in str(status) and "claims [@click=app.quit]x.db" in str(status)
