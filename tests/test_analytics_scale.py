"""The dashboard at scale: what the analytics read and draw, not how long it takes (timings are
measured in bench/ only)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

from desk_support import settle
from rich.console import Console
from rich.table import Table
from test_analytics_screen import Host
from textual.app import App, ComposeResult
from textual_plotext.plot import Plot

from safet_tui.db_open import open_database
from safet_tui.domain.figures import Scope
from safet_tui.domain.periods import parse_period
from safet_tui.service import tally_reads
from safet_tui.service.analytics import _left_on_table
from safet_tui.transactions import bound, close_database
from safet_tui.widgets.analytics_panels import Chart, Drawn


def test_a_new_and_an_upgraded_database_index_the_claimable_refunds(demo_db, tmp_path):
    fresh = tmp_path / "fresh.db"
    close_database(open_database(str(fresh)))
    for path in (demo_db, fresh):  # demo_db: built at schema 7 and upgraded when opened
        close_database(open_database(str(path)))
        con = sqlite3.connect(path)
        try:
            (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'refund_claimable_file_by'").fetchone()
        finally:
            con.close()
        assert "WHERE claim_id IS NULL AND not_claimable = ''" in sql


def test_the_refunds_left_on_the_table_read_a_range_of_the_claimable_index(desk, clock):
    plans = []
    with bound(desk.database):
        con = desk.database.connection()
        con.set_trace_callback(lambda sql: plans.append(sql) if "FROM refund f" in sql else None)
        try:
            _left_on_table(parse_period("30d", clock.now()), Scope(), int(clock.now().timestamp()))
        finally:
            con.set_trace_callback(None)
        (sql,) = plans
        plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql))
    assert "COVERING INDEX refund_claimable_file_by" in plan and "file_by>? AND file_by<?" in plan


def test_a_period_ending_now_reads_today_from_the_tally(desk):
    """Nothing was filed after now: today's part-day is the tally's day (less no claims at all)."""
    with bound(desk.database):
        latest = desk.database.execute_sql("SELECT MAX(filed_at) FROM claim").fetchone()[0]
        # now: just after the last claim, so today so far holds it and the rest of today nothing
        period = parse_period("30d", datetime.fromtimestamp(latest, UTC) + timedelta(seconds=1))
        sql, _ = tally_reads.rows("claim_tally", period.start_ts, period.end_ts, Scope())
    assert "t.day = ?" in sql


class _Charts(App):
    def compose(self) -> ComposeResult:
        yield Chart(id="c")


async def test_a_chart_is_not_built_until_drawn_and_then_once_per_size(monkeypatch):
    builds = []
    original = Plot.build

    def build(plot):
        builds.append(threading.get_ident())
        return original(plot)

    monkeypatch.setattr(Plot, "build", build)
    app = _Charts()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(Chart)
        await pilot.pause()
        chart.refresh()
        await pilot.pause()
        assert builds == []  # nothing to show yet: no empty chart built
        chart.plt.bar([1, 2], [3, 4])
        chart.drawn()
        await pilot.pause()
        chart.refresh()
        await pilot.pause()
        assert len(builds) == 1  # repainted, not built again


def test_a_drawn_table_renders_as_the_table_and_only_once_per_width():
    table = Table("Reason", "Count")
    table.add_row("Damaged", "12")
    drawn = Drawn(table)
    renders = []
    original = Table.__rich_console__

    def counted(self, console, options):
        renders.append(options.max_width)
        yield from original(self, console, options)

    Table.__rich_console__ = counted  # type: ignore[method-assign]
    try:
        outputs = []
        for _ in range(3):
            console = Console(width=40, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
            console.print(drawn)
            outputs.append(console.export_text())
    finally:
        Table.__rich_console__ = original  # type: ignore[method-assign]
    plain = Console(width=40, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    plain.print(table)
    assert outputs == [plain.export_text()] * 3
    assert renders == [40]


async def test_the_screen_lays_out_its_body_once_the_figures_come(demo_db):
    app = Host(str(demo_db))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert not screen.has_class("-loading")  # the computing mark is the title's alone
        await settle(pilot)
        assert screen.result is not None
        assert screen.query_one("#an-body").display and not screen.query_one("#an-wait").display
        assert not screen.query_one("#an-title").has_class("-loading")
