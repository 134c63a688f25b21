"""The SAFE-T dashboard: headline figures and plotext charts, each with its numbers.

The figures come from ``Desk.analytics`` (SQL aggregates) in a thread worker, which posts
them back as a message, so the screen opens at once and fills in. The panels are drawn by
``widgets.analytics_panels``; plotext is imported only when this screen is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.widgets import Input, Label, Static
from textual_plotext import PlotextPlot

from safet_tui.domain import figures as fig
from safet_tui.domain import periods
from safet_tui.messages import REFUSALS, Change
from safet_tui.service.desk import Desk, ServiceError
from safet_tui.service.views import AccountView
from safet_tui.widgets import analytics_panels as panels
from safet_tui.widgets.footer import DeskFooter
from safet_tui.widgets.text import clean, literal

PERIOD_KEYS = {"1": "30d", "2": "90d", "3": "12m", "4": "all"}
#: at 80 columns the footer keeps back, export and the period keys; ? lists the rest
FOOTER_PRIORITY = {"analytics.back": 0, "analytics.export": 1, "analytics.period_30d": 2, "analytics.period_90d": 2,
                   "analytics.period_12m": 2, "analytics.period_all": 2, "analytics.account": 3,
                   "analytics.period_custom": 4, "analytics.currency": 4, "analytics.bucket": 4}


class PeriodDialog(ModalScreen[str | None]):
    """Ask for a custom period, FROM:TO."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="analytics.period.cancel")]

    def __init__(self, current: str, now: datetime) -> None:
        super().__init__()
        self.current = current
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="period-dialog"):
            yield Label("Period FROM:TO in UTC days, both included")
            yield Input(value=self.current, placeholder="2026-01-01:2026-03-31", id="period-input")
            yield Static("", id="period-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            periods.parse_period(event.value, self.now)
        except periods.AnalyticsError as exc:
            self.query_one("#period-error", Static).update(literal(str(exc), "bold red"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class AnalyticsScreen(Screen):
    """Key ``a`` from the desk; ``escape`` / ``q`` goes back."""

    CSS_PATH = "analytics.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back", id="analytics.back"),
        Binding("q", "back", "Back", show=False, id="analytics.back_q"),
        Binding("e", "export", "Export", id="analytics.export"),
        Binding("1", "period('30d')", "30d", id="analytics.period_30d"),
        Binding("2", "period('90d')", "90d", id="analytics.period_90d"),
        Binding("3", "period('12m')", "12m", id="analytics.period_12m"),
        Binding("4", "period('all')", "All", id="analytics.period_all"),
        Binding("5", "custom_period", "From:to", id="analytics.period_custom"),
        Binding("a", "cycle_account", "Account", id="analytics.account"),
        Binding("c", "cycle_currency", "Currency", id="analytics.currency"),
        Binding("w", "toggle_bucket", "Week/mo", id="analytics.bucket"),
        Binding("r", "reload", "Reload", show=False, id="analytics.reload"),
    ]

    @dataclass
    class Computed(Message):
        bubble: ClassVar[bool] = False
        result: fig.Analytics
        query_ms: float

    @dataclass
    class Failed(Message):
        bubble: ClassVar[bool] = False
        reason: str

    def __init__(self, desk: Desk, changes: Signal[Change] | None = None, *, period: str = "90d",
                 account_id: int | None = None, export_dir: str | Path | None = None) -> None:
        super().__init__()
        self.desk = desk
        #: the App's data-changed signal: the figures are computed again when the data changes
        self.changes = changes
        self.period = period
        self.account_id = account_id
        self.bucket: str | None = None  # None: week for short periods, month for long ones
        self.currency: str | None = None
        self.export_dir = Path(export_dir) if export_dir else None
        self.result: fig.Analytics | None = None
        self.accounts: list[AccountView] = []
        self.fill_ms: float | None = None
        self.query_ms: float | None = None
        self._asked_at = 0.0
        self._created_at = perf_counter()
        self.first_paint_ms: float | None = None

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="an-title")
        # Until the first figures come, the body is not laid out at all (it would be laid out
        # twice: empty, then full); the title says it is computing.
        yield Static(Text("Computing…", style="dim"), id="an-wait")
        with VerticalScroll(id="an-body", classes="-empty"):
            with Horizontal(classes="an-row", id="row-headline"):
                yield Static(Text("Computing…", style="dim"), id="an-counts", classes="an-table")
                yield Static("", id="an-money", classes="an-table")
            for key, title in (
                ("series", "Claims filed and amount reimbursed"),
                ("mix", "Outcome by reason"),
                ("denials", "Denial reasons"),
                ("products", "Products with the most claims"),
                ("recovery", "Recovery rate by reason"),
            ):
                yield Label(title, classes="an-heading", id=f"heading-{key}")
                with Horizontal(classes="an-row an-chart-row", id=f"row-{key}"):
                    with Vertical(classes="an-charts"):
                        yield panels.Chart(id=f"chart-{key}", classes="an-chart")
                        if key == "series":
                            yield panels.Chart(id="chart-paid", classes="an-chart")
                    yield Static(Text("Computing…", style="dim"), id=f"table-{key}", classes="an-table")
        yield DeskFooter(FOOTER_PRIORITY)

    def on_mount(self) -> None:
        self.accounts = self.desk.accounts()
        if self.changes is not None:
            self.changes.subscribe(self, lambda _: self.reload())
        for plot in self.query(PlotextPlot):
            _limit = getattr(plot.plt, "_limit_size", None)
            if _limit:
                _limit(False, False)
        self._show_title()
        self.reload()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        if self.first_paint_ms is None:
            self.first_paint_ms = (perf_counter() - self._created_at) * 1000

    # -- computing ---------------------------------------------------------------------
    @property
    def computing(self) -> bool:
        return self.query_one("#an-title").has_class("-loading")

    def _loading(self, on: bool) -> None:
        # on the title alone: a class on the screen would restyle every widget under it
        self.query_one("#an-title").set_class(on, "-loading")

    def reload(self) -> None:
        self._asked_at = perf_counter()
        self._loading(True)
        self._show_title()
        self._compute(self.period, self.account_id, self.bucket)

    @work(thread=True, exclusive=True, group="analytics")
    def _compute(self, period: str, account_id: int | None, bucket: str | None) -> None:
        desk = self.desk
        started = perf_counter()
        try:
            result = desk.analytics(period, account=account_id, bucket=bucket)
        except REFUSALS + (periods.AnalyticsError,) as exc:  # shown, not raised: the screen stays usable
            self.post_message(self.Failed(str(exc)))
            return
        finally:
            # This thread's own connection (peewee keeps one per thread): close it.
            desk.close_thread_connection()
        self.post_message(self.Computed(result, (perf_counter() - started) * 1000))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._loading(False)
        self._show_title()
        self.notify(clean(message.reason), title="Analytics", severity="error", markup=False)

    @on(Computed)
    def _show(self, message: Computed) -> None:
        result = message.result
        self.result = result
        self.query_ms = message.query_ms
        if self.currency not in result.currencies:
            # charts in the currency with the most claims (amounts are never added across currencies)
            by_claims = sorted(result.money, key=lambda m: (-m.claims, m.currency))
            self.currency = by_claims[0].currency if by_claims else None
        self._loading(False)
        self._fill()
        if self.query_one("#an-body").has_class("-empty"):
            self.query_one("#an-wait").display = False
            self.query_one("#an-body").remove_class("-empty")
        self.fill_ms = (perf_counter() - self._asked_at) * 1000

    # -- drawing ---------------------------------------------------------------------------
    def _colors(self) -> panels.Colors:
        variables = self.app.theme_variables
        out = {}
        for name, fallback in (("primary", "#0178D4"), ("accent", "#FFA62B"), ("success", "#4EBF71"),
                               ("warning", "#FFA62B"), ("error", "#BA3C5B"), ("secondary", "#004578"),
                               ("foreground-muted", "#888888"), ("text-muted", "#888888")):
            try:
                out[name] = Color.parse(variables.get(name, fallback)).rgb
            except ColorParseError:
                out[name] = Color.parse(fallback).rgb
        return out

    def _show_title(self) -> None:
        # no account chosen: what the figures cover (every account, or only a seller's own)
        account = self.result.scope.label if self.result and self.account_id is None else "all accounts"
        for a in self.accounts:
            if a.id == self.account_id:
                account = f"{a.name} ({a.marketplace}, {a.currency})"
        r = self.result
        period = r.period.label if r else periods.PERIOD_LABELS.get(self.period, self.period.replace(":", " to "))
        sep = "  ·  " if self.size.width >= 120 else " · "  # at 80 the title wraps rather than cuts
        title = Text()
        title.append("Analytics", style="bold")
        title.append(sep)
        title.append_text(literal(account))
        title.append(f"{sep}{period}")
        if r:
            title.append(f"{sep}per {r.bucket}")
            if self.currency:
                title.append(f"{sep}charts in {self.currency}")
        if self.computing:
            title.append(f"{sep}computing…", style="italic")
        self.query_one("#an-title", Static).update(title)

    def _fill(self) -> None:
        r = self.result
        if r is None:
            return
        self._show_title()
        colors = self._colors()
        counts, money = panels.headline(r)
        self.query_one("#an-counts", Static).update(panels.Drawn(counts))
        self.query_one("#an-money", Static).update(panels.Drawn(money))
        tables = {
            "series": panels.draw_series(self._chart("series"), self._chart("paid"), r, self.currency, colors),
            "mix": panels.draw_mix(self._chart("mix"), r, colors),
            "denials": panels.draw_denials(self._chart("denials"), r, colors),
            "products": panels.draw_products(self._chart("products"), r, colors),
            "recovery": panels.draw_recovery(self._chart("recovery"), r, self.currency, colors),
        }
        for key, table in tables.items():
            self.query_one(f"#table-{key}", Static).update(panels.Drawn(table))

    def _chart(self, key: str) -> panels.Chart:
        return self.query_one(f"#chart-{key}", panels.Chart)

    # -- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_period(self, period: str) -> None:
        self.period = period
        self.reload()

    def action_custom_period(self) -> None:
        current = self.result.period.spec if self.result and self.result.period.key == "custom" else ""

        def done(value: str | None) -> None:
            if value:
                self.action_period(value)

        self.app.push_screen(PeriodDialog(current, self.desk.now()), done)

    def action_cycle_account(self) -> None:
        ids = [None] + [a.id for a in self.accounts]
        i = ids.index(self.account_id) if self.account_id in ids else 0
        self.account_id = ids[(i + 1) % len(ids)]
        self.reload()

    def action_cycle_currency(self) -> None:
        if not self.result or not self.result.currencies:
            return
        curs = list(self.result.currencies)
        i = curs.index(self.currency) if self.currency in curs else -1
        self.currency = curs[(i + 1) % len(curs)]
        self._fill()

    def action_toggle_bucket(self) -> None:
        current = self.result.bucket if self.result else self.bucket or "week"
        self.bucket = "month" if current == "week" else "week"
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def export_paths(self, folder: Path | None = None) -> tuple[Path, Path]:
        from safet_tui.screens.transfer import export_folder

        r = self.result
        assert r is not None
        folder = folder or self.export_dir or export_folder(self.desk.files_in)
        scope = re.sub(r"[^A-Za-z0-9]+", "-", r.scope.label).strip("-").lower() or "all"
        stem = f"safet-analytics-{r.period.spec.replace(':', '_')}-{scope}-{r.generated_at:%Y%m%d-%H%M%S}"
        return folder / f"{stem}.csv", folder / f"{stem}.json"

    def action_export(self) -> None:
        """Ask where (the default folder shown), and before replacing a file; then write."""
        from safet_tui.screens.dialogs import TextDialog
        from safet_tui.screens.transfer import ready_folder

        if self.result is None:
            self.notify("Still computing: export when the figures are on screen", severity="warning")
            return
        csv_path, json_path = self.export_paths()
        warned: set[Path] = set()

        def check(text: str) -> str | None:
            try:
                folder = Path(self.desk.local_path(text.strip()))
            except ServiceError as exc:
                return str(exc)
            why = ready_folder(folder, self.export_dir or self.desk.files_in)
            if why:
                return f"Cannot export there: {why}"
            there = [p.name for p in self.export_paths(folder) if p.exists()]
            if there and folder not in warned:
                warned.add(folder)
                return f"{' and '.join(there)} exists there: confirm again to replace it"
            return None

        def chosen(text: str | None) -> None:
            if text:
                self._export_to(Path(self.desk.local_path(text.strip())))

        self.app.push_screen(TextDialog(
            "Export the figures (CSV + JSON)", f"Into this folder: {csv_path.name} and {json_path.name}",
            initial=str(csv_path.parent), confirm="Export", single_line=True, validate=check), chosen)

    def _export_to(self, folder: Path) -> None:
        assert self.result is not None
        csv_path, json_path = self.export_paths(folder)
        try:
            self.desk.export_analytics(self.result, csv_path, json_path)
        except OSError as exc:
            self.notify(clean(f"Export failed: {exc}"), severity="error", markup=False)
            return
        self.notify(clean(f"Exported to {csv_path} and {json_path.name}"), title="Analytics", markup=False,
                    timeout=8)
