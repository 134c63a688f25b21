"""The analytics screen: Pilot tests and snapshots on the seeded demo database, frozen clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from desk_support import settle, toast_says, type_text, wait_for
from textual.app import App
from textual.widgets import Static

from safet_tui.domain.clock import FixedClock

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


class Host(App):
    """A tiny app that opens the screen on a desk, as the real one does."""

    def __init__(self, db: str, export_dir=None) -> None:
        super().__init__()
        self.db = db
        self.export_dir = export_dir

    def on_mount(self) -> None:
        from safet_tui.screens.analytics import AnalyticsScreen
        from safet_tui.service.desk import Desk

        self.desk = Desk(self.db, clock=FixedClock(NOW), user="tester")
        self.push_screen(AnalyticsScreen(self.desk, export_dir=self.export_dir))

    def on_unmount(self) -> None:
        self.desk.close()


def text_of(screen, selector: str) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


async def test_opens_at_once_then_fills_in(demo_db):
    app = Host(str(demo_db))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "AnalyticsScreen"
        await settle(pilot)
        assert screen.result is not None
        expected = app.desk.analytics("90d")
        assert screen.result.headline == expected.headline
        counts = text_of(screen, "#an-counts")
        assert f"{expected.headline.claims:,}" in counts
        assert screen.fill_ms is not None and screen.query_ms is not None


async def test_filters_change_the_figures(demo_db):
    app = Host(str(demo_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        first = screen.result
        assert first.period.key == "90d" and first.bucket == "week"
        await pilot.press("4")
        await settle(pilot)
        assert screen.result.period.key == "all" and screen.result.bucket == "month"
        assert screen.result.headline.claims > first.headline.claims
        await pilot.press("a")
        await settle(pilot)
        accounts = app.desk.accounts()
        assert screen.result.scope.account_id == accounts[0].id
        assert screen.result.currencies == (accounts[0].currency,)
        assert screen.result.headline == app.desk.analytics("all", account=accounts[0].id).headline
        await pilot.press("a", "a")
        await settle(pilot)
        assert screen.result.scope.account_id is None
        assert set(screen.result.currencies) == {"INR", "USD"}
        before = screen.currency
        await pilot.press("c")
        await pilot.pause()
        assert screen.currency != before
        await pilot.press("w")
        await settle(pilot)
        assert screen.result.bucket == "week"
        await pilot.press("5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PeriodDialog" and app.screen.is_mounted)
        await type_text(pilot, "2026-10-01:2026-10-31")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.result.period.key == "custom"
        assert screen.result.period.spec == "2026-10-01:2026-10-31"
        await pilot.press("1")
        await settle(pilot)
        assert screen.result.period.key == "30d"


async def test_custom_period_rejects_bad_dates(demo_db):
    app = Host(str(demo_db))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PeriodDialog" and app.screen.is_mounted)
        await type_text(pilot, "2026-02-30:x")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "not YYYY-MM-DD" in text_of(app.screen, "#period-error"))
        await settle(pilot)
        assert type(app.screen).__name__ == "PeriodDialog"
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AnalyticsScreen")
        await settle(pilot)
        assert app.screen.result.period.key == "90d"


async def test_export_writes_csv_and_json(demo_db, tmp_path):
    app = Host(str(demo_db), export_dir=tmp_path / "out")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TextDialog" and app.screen.is_mounted)
        await pilot.press("enter")  # the folder shown: the screen's export folder
        await settle(pilot)
        csv_path, json_path = app.screen.export_paths()
        await wait_for(pilot, lambda: toast_says(app, f"Exported to {csv_path} and {json_path.name}"))
        assert csv_path.exists() and json_path.exists()
        data = json.loads(json_path.read_text(encoding="utf-8"))
        assert data["headline"]["claims_filed"] == app.screen.result.headline.claims
        assert csv_path.read_text(encoding="utf-8-sig").startswith("section,key,label,currency,metric,value")


async def test_user_text_is_shown_literally(empty_desk, clock, tmp_path):
    from datetime import timedelta

    from safet_tui.db import Account
    from safet_tui.domain.money import Money

    acc = Account.create(name="[red]Shop[/red]", marketplace="amazon.com", currency="USD")
    empty_desk.file_claim(account_id=acc.id, order_id="111-0000001-0000001", order_item_id="1", reason_code="abuse",
                          amount=Money.of("12", "USD"), description="x",
                          refund_at=clock.now() - timedelta(days=1), sku="[b]SKU[/b]", title="Mug [i]x[/i] \x1b[31m")
    db = str(empty_desk.target.path)
    empty_desk.close()
    app = Host(db)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        products = text_of(app.screen, "#table-products")
        assert "[b]SKU[/b]" in products and "Mug [i]x[/i]" in products and "\x1b" not in products
        await pilot.press("a")
        await settle(pilot)
        assert "[red]Shop[/red]" in text_of(app.screen, "#an-title")


async def test_escape_and_q_go_back(demo_db):
    app = Host(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "AnalyticsScreen")
        from safet_tui.screens.analytics import AnalyticsScreen

        app.push_screen(AnalyticsScreen(app.desk))
        await settle(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "AnalyticsScreen")


def test_bindings_have_ids():
    from safet_tui.screens.analytics import AnalyticsScreen

    assert all(b.id and b.id.startswith("analytics.") for b in AnalyticsScreen.BINDINGS)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_snapshot(snap_compare, demo_db, size):
    assert snap_compare(Host(str(demo_db)), terminal_size=size, run_before=settle)
