"""The SAFE-T dashboard: headline figures and plotext charts, each with its numbers.

The figures come from ``Desk.analytics`` (SQL aggregates) in a thread worker, so
the screen opens at once and fills in. plotext is imported only here.
"""

from __future__ import annotations

import re
from pathlib import Path
from time import perf_counter

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from safet_tui.domain import figures as fig
from safet_tui.domain import periods
from safet_tui.domain.money import Money, format_money
from safet_tui.widgets.text import clean, literal

PERIOD_KEYS = {"1": "30d", "2": "90d", "3": "12m", "4": "all"}


def _fm(m: Money | None) -> str:
    return "—" if m is None else format_money(m)


def _short(text: str, width: int) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: width - 1] + "…"


class _FigureTable(Table):
    """A table whose figures (right-aligned columns) are never cut: when space is short,
    the text columns (names, titles) give way instead."""

    def __rich_console__(self, console, options):
        from rich.cells import cell_len

        for column in self.columns:
            if column.justify == "right":
                cells = [str(column.header), *(getattr(c, "plain", str(c)) for c in column._cells)]
                column.min_width = max(cell_len(c) for c in cells)
        yield from super().__rich_console__(console, options)


def _table(*columns: tuple[str, str]) -> Table:
    t = _FigureTable(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False, expand=False)
    for name, justify in columns:
        # names may wrap onto a second line when space is short; figures stay whole on one
        t.add_column(name, justify=justify, no_wrap=justify == "right")
    return t


def _paint(table: Table, colors: dict[int, tuple[int, int, int]]) -> None:
    """Colour column headers like their series in the chart: the table is the legend."""
    for i, (r, g, b) in colors.items():
        if 0 <= i < len(table.columns):
            table.columns[i].header_style = f"bold rgb({r},{g},{b})"


def _hbars(plot, plt, labels: list[str], series: list[tuple[list, tuple]], *, stacked: bool = False,
           upper: float | None = None) -> None:
    """Horizontal bars, the first label at the top, one text row per bar.

    The plot is sized to the bars (title, frame and axis take 4 rows) and the y range
    put on whole rows, so plotext draws each bar on exactly one row.
    """
    n = len(labels)
    plot.styles.height = max(n, 2) + 4
    if not n:
        return
    pos = [n - i for i in range(n)]
    if stacked:
        plt.stacked_bar(pos, [values for values, _ in series], color=[c for _, c in series],
                        orientation="horizontal", width=0.4, reset_ticks=False)
    else:
        for values, color in series:
            keep = [(p, v) for p, v in zip(pos, values, strict=True) if v]
            if keep:
                plt.bar([p for p, _ in keep], [v for _, v in keep], orientation="horizontal", color=color,
                        width=0.4, reset_ticks=False)
    plt.yticks(pos, labels)
    if n > 1:
        plt.ylim(1, n)
    else:
        plt.ylim(0, 2)
    if upper is not None:
        plt.xlim(0, upper)


def _money_ticks(plt, top: float) -> None:
    """Round amounts for a money axis (plotext would write 3974.5, 28942.0 …)."""
    if top <= 0:
        return
    raw = top / 4
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    step = max(1, -(-int(raw) // magnitude) * magnitude)
    ticks = list(range(0, int(top) + step, step))
    plt.yticks(ticks, [f"{t:,}" for t in ticks])


def _count_ticks(plt, top: int, xaxis: bool = False) -> None:
    """Whole-number ticks for counts (plotext would write 3.3, 6.7 …)."""
    step = max(1, -(-top // 4))
    ticks = list(range(0, top + step, step))
    (plt.xticks if xaxis else plt.yticks)(ticks, [f"{t:,}" for t in ticks])


class PeriodDialog(ModalScreen[str | None]):
    """Ask for a custom period, FROM:TO."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="analytics.period.cancel")]

    def __init__(self, current: str, now) -> None:
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
            self.query_one("#period-error", Static).update(Text(str(exc), style="bold red"))
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

    def __init__(self, period: str = "90d", account_id: int | None = None,
                 export_dir: str | Path | None = None) -> None:
        super().__init__()
        self.period = period
        self.account_id = account_id
        self.bucket: str | None = None  # None: week for short periods, month for long ones
        self.currency: str | None = None
        self.export_dir = Path(export_dir) if export_dir else None
        self.result: fig.Analytics | None = None
        self.accounts: list = []
        self.fill_ms: float | None = None
        self.query_ms: float | None = None
        self._asked_at = 0.0
        self._created_at = perf_counter()
        self.first_paint_ms: float | None = None

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="an-title")
        with VerticalScroll(id="an-body"):
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
                        yield PlotextPlot(id=f"chart-{key}", classes="an-chart")
                        if key == "series":
                            yield PlotextPlot(id="chart-paid", classes="an-chart")
                    yield Static(Text("Computing…", style="dim"), id=f"table-{key}", classes="an-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.desk = self.app.desk
        self.accounts = self.desk.accounts()
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
    def reload(self) -> None:
        self._asked_at = perf_counter()
        self.add_class("-loading")
        self._show_title()
        self._compute(self.period, self.account_id, self.bucket)

    @work(thread=True, exclusive=True, group="analytics")
    def _compute(self, period: str, account_id: int | None, bucket: str | None) -> None:
        worker = get_current_worker()
        desk = self.desk
        started = perf_counter()
        try:
            result = desk.analytics(period, account=account_id, bucket=bucket)
        except Exception as exc:  # shown, not raised: the screen stays usable
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(exc))
            return
        finally:
            # This thread's own connection (peewee keeps one per thread): close it.
            if not desk.database.is_closed():
                desk.database.close()
        elapsed = (perf_counter() - started) * 1000
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, result, elapsed)

    def _failed(self, message: str) -> None:
        self.remove_class("-loading")
        self._show_title()
        self.notify(clean(message), title="Analytics", severity="error", markup=False)

    def _show(self, result: fig.Analytics, query_ms: float) -> None:
        self.result = result
        self.query_ms = query_ms
        if self.currency not in result.currencies:
            # charts in the currency with the most claims (amounts are never added across currencies)
            by_claims = sorted(result.money, key=lambda m: (-m.claims, m.currency))
            self.currency = by_claims[0].currency if by_claims else None
        self.remove_class("-loading")
        self._fill()
        self.fill_ms = (perf_counter() - self._asked_at) * 1000

    # -- drawing ---------------------------------------------------------------------------
    def _colors(self) -> dict[str, tuple[int, int, int]]:
        variables = self.app.theme_variables
        out = {}
        for name, fallback in (("primary", "#0178D4"), ("accent", "#FFA62B"), ("success", "#4EBF71"),
                               ("warning", "#FFA62B"), ("error", "#BA3C5B"), ("secondary", "#004578"),
                               ("foreground-muted", "#888888"), ("text-muted", "#888888")):
            try:
                out[name] = Color.parse(variables.get(name, fallback)).rgb
            except Exception:
                out[name] = Color.parse(fallback).rgb
        return out

    def _show_title(self) -> None:
        account = "all accounts"
        for a in self.accounts:
            if a.id == self.account_id:
                account = f"{a.name} ({a.marketplace}, {a.currency})"
        r = self.result
        period = r.period.label if r else periods.PERIOD_LABELS.get(self.period, self.period.replace(":", " to "))
        title = Text()
        title.append("Analytics", style="bold")
        title.append("  ·  ")
        title.append_text(literal(account))
        title.append(f"  ·  {period}")
        if r:
            title.append(f"  ·  per {r.bucket}")
            if self.currency:
                title.append(f"  ·  charts in {self.currency}")
        if self.has_class("-loading"):
            title.append("  ·  computing…", style="italic")
        self.query_one("#an-title", Static).update(title)

    def _fill(self) -> None:
        r = self.result
        if r is None:
            return
        self._show_title()
        colors = self._colors()
        self._fill_headline(r)
        self._fill_series(r, colors)
        self._fill_mix(r, colors)
        self._fill_denials(r, colors)
        self._fill_products(r, colors)
        self._fill_recovery(r, colors)

    def _fill_headline(self, r: fig.Analytics) -> None:
        h = r.headline
        t = _table(("Claims", "left"), ("", "right"), ("", "right"))
        t.add_row("Filed", f"{h.claims:,}", "")
        t.add_row("Decided", f"{h.decided:,}", f"open {h.open:,}")
        t.add_row("Granted in full", f"{h.granted_full:,}", fig.pct(h.share_full))
        t.add_row("Granted in part", f"{h.granted_partial:,}", fig.pct(h.share_partial))
        t.add_row("No-Grant", f"{h.no_grant:,}", fig.pct(h.share_no_grant))
        t.add_row("Median to 1st decision", fig.days(h.median_days), f"n={h.timed:,}")
        t.add_row("Appeals filed", f"{h.appeals_filed:,}", f"{h.appeals_decided:,} decided")
        t.add_row("Appeals won", f"{h.appeals_won:,}", fig.pct(h.appeal_success))
        self.query_one("#an-counts", Static).update(t)

        m = _table(("Money", "left"), *((cur, "right") for cur in r.currencies))
        figures = [r.money_in(cur) for cur in r.currencies]

        def row(label: str, fn) -> None:
            m.add_row(label, *(fn(f) for f in figures))

        row("Claimed", lambda f: _fm(f.claimed))
        row("Decided, claimed", lambda f: _fm(f.decided_claimed))
        row("Reimbursed", lambda f: _fm(f.reimbursed))
        row("Recovery rate", lambda f: fig.pct(f.recovery_rate))
        row("At stake now", lambda f: f"{_fm(f.at_stake)} ({f.open_claims:,})")
        row("Expired unclaimed", lambda f: f"{_fm(f.expired)} ({f.expired_refunds:,})")
        row(f"Expiring ≤{periods.EXPIRING_DAYS}d", lambda f: f"{_fm(f.expiring)} ({f.expiring_refunds:,})")
        if not r.currencies:
            m.add_row("no accounts yet")
        self.query_one("#an-money", Static).update(m)

    def _plot(self, key: str):
        plot = self.query_one(f"#chart-{key}", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.clear_data()
        return plot, plt

    def _fill_series(self, r: fig.Analytics, colors) -> None:
        cur = self.currency
        labels = [p.label[5:] if r.bucket == "week" else p.label for p in r.series]
        positions = list(range(1, len(r.series) + 1))
        step = max(1, -(-len(positions) // 8))
        plot, plt = self._plot("series")
        if r.series:
            counts = [p.claims for p in r.series]
            plt.bar(positions, counts, color=colors["primary"], width=0.6, reset_ticks=False)
            _count_ticks(plt, max(counts))
            plt.xticks(positions[::step], labels[::step])
        plt.title(f"Claims filed per {r.bucket} (by filing date)")
        plot.refresh()
        plot, plt = self._plot("paid")
        if r.series and cur:
            paid = [float(p.reimbursed[cur].amount) if cur in p.reimbursed else 0.0 for p in r.series]
            plt.bar(positions, paid, color=colors["accent"], width=0.6, reset_ticks=False)
            _money_ticks(plt, max(paid))
            plt.xticks(positions[::step], labels[::step])
        plt.title(f"Reimbursed {cur or ''} per {r.bucket} (by decision date)")
        plot.refresh()

        t = _table((r.bucket.title(), "left"), ("Filed", "right"),
                   *((f"Reimbursed {c}", "right") for c in r.currencies))
        _paint(t, {1: colors["primary"], 2 + r.currencies.index(cur) if cur else -1: colors["accent"]})
        for p in r.series:
            t.add_row(p.label, f"{p.claims:,}", *(_fm(p.reimbursed.get(c)) if c in p.reimbursed else "—"
                                                 for c in r.currencies))
        if r.series:
            t.add_row(Text("Total", style="bold"), f"{sum(p.claims for p in r.series):,}",
                      *(_fm(sum((p.reimbursed[c] for p in r.series if c in p.reimbursed), Money.zero(c)))
                        for c in r.currencies))
        self.query_one("#table-series", Static).update(t)

    def _fill_mix(self, r: fig.Analytics, colors) -> None:
        plot, plt = self._plot("mix")
        rows = r.outcome_mix
        series = [([m.full for m in rows], colors["success"]), ([m.partial for m in rows], colors["warning"]),
                  ([m.no_grant for m in rows], colors["error"]), ([m.open for m in rows], colors["secondary"])]
        _hbars(plot, plt, [m.label for m in rows], series, stacked=True)
        if rows:
            _count_ticks(plt, max(m.total for m in rows), xaxis=True)
        plt.title("Claims by reason and outcome")
        plot.refresh()
        t = _table(("Reason", "left"), ("Grant", "right"), ("Partial", "right"), ("No-Grant", "right"),
                   ("Open", "right"))
        _paint(t, {1: colors["success"], 2: colors["warning"], 3: colors["error"], 4: colors["secondary"]})
        for m in r.outcome_mix:
            t.add_row(literal(m.label), f"{m.full:,}", f"{m.partial:,}", f"{m.no_grant:,}", f"{m.open:,}")
        if not r.outcome_mix:
            t.add_row(Text("no claims in this period", style="dim"))
        self.query_one("#table-mix", Static).update(t)

    def _ranked_bars(self, plot, plt, labels: list[str], values: list[float], top: list[bool], colors) -> None:
        """Horizontal bars, rank 1 at the top; the top three in the accent colour."""
        hi = [v if t else 0 for v, t in zip(values, top, strict=True)]
        lo = [0 if t else v for v, t in zip(values, top, strict=True)]
        _hbars(plot, plt, labels, [(hi, colors["accent"]), (lo, colors["primary"])])
        if values:
            _count_ticks(plt, int(max(values)), xaxis=True)

    def _fill_denials(self, r: fig.Analytics, colors) -> None:
        plot, plt = self._plot("denials")
        self._ranked_bars(plot, plt, [f"{d.rank} {_short(d.reason, 16)}" for d in r.denials],
                          [d.count for d in r.denials], [d.top for d in r.denials], colors)
        plt.title("No-Grants by denial reason (top three highlighted)")
        plot.refresh()
        t = _table(("#", "right"), ("Denial reason", "left"), ("Count", "right"), ("Share", "right"))
        for d in r.denials:
            style = "bold" if d.top else ""
            t.add_row(Text(f"{d.rank}{'*' if d.top else ''}", style=style), literal(d.reason, style),
                      f"{d.count:,}", fig.pct(d.share))
        if r.denials_unstated:
            t.add_row("", Text(f"reason not given: {r.denials_unstated:,} (not ranked)", style="dim"),
                      f"{r.denials_unstated:,}", "")
        if not r.denials and not r.denials_unstated:
            t.add_row("", Text("no No-Grants in this period", style="dim"))
        self.query_one("#table-denials", Static).update(t)

    def _fill_products(self, r: fig.Analytics, colors) -> None:
        plot, plt = self._plot("products")
        self._ranked_bars(plot, plt, [f"{p.rank} {_short(p.sku or p.title, 16)}" for p in r.products],
                          [p.claims for p in r.products], [p.top for p in r.products], colors)
        plt.title("Claims per product (top three highlighted)")
        plot.refresh()
        t = _table(("#", "right"), ("SKU", "left"), ("Product", "left"), ("Claims", "right"),
                   ("Claimed", "right"), ("Reimbursed", "right"))
        for p in r.products:
            style = "bold" if p.top else ""
            t.add_row(Text(f"{p.rank}{'*' if p.top else ''}", style=style), literal(p.sku, style),
                      literal(_short(p.title, 28), style), f"{p.claims:,}", _fm(p.claimed), _fm(p.reimbursed))
        if not r.products:
            t.add_row("", Text("no claims in this period", style="dim"))
        self.query_one("#table-products", Static).update(t)

    def _fill_recovery(self, r: fig.Analytics, colors) -> None:
        plot, plt = self._plot("recovery")
        rows = [x for x in r.recovery if x.currency == self.currency]
        _hbars(plot, plt, [x.label for x in rows], [([round((x.rate or 0) * 100, 1) for x in rows], colors["success"])],
               upper=100)
        plt.title(f"Recovery rate by reason, % ({self.currency or '—'}, decided claims)")
        plot.refresh()
        t = _table(("Reason", "left"), ("Cur", "left"), ("Decided", "right"), ("Claimed", "right"),
                   ("Reimbursed", "right"), ("Rate", "right"))
        for x in r.recovery:
            t.add_row(literal(x.label), x.currency, f"{x.decided:,}", _fm(x.claimed), _fm(x.reimbursed),
                      fig.pct(x.rate))
        if not r.recovery:
            t.add_row(Text("no decided claims in this period", style="dim"))
        self.query_one("#table-recovery", Static).update(Group(t))

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

    def export_paths(self) -> tuple[Path, Path]:
        r = self.result
        assert r is not None
        folder = self.export_dir or Path.cwd()
        scope = re.sub(r"[^A-Za-z0-9]+", "-", r.scope.label).strip("-").lower() or "all"
        stem = f"safet-analytics-{r.period.spec.replace(':', '_')}-{scope}-{r.generated_at:%Y%m%d-%H%M%S}"
        return folder / f"{stem}.csv", folder / f"{stem}.json"

    def action_export(self) -> None:
        if self.result is None:
            self.notify("Still computing: export when the figures are on screen", severity="warning")
            return
        csv_path, json_path = self.export_paths()
        try:
            self.app.desk.export_analytics(self.result, csv_path, json_path)
        except OSError as exc:
            self.notify(clean(f"Export failed: {exc}"), severity="error", markup=False)
            return
        self.notify(clean(f"Exported to {csv_path} and {json_path.name}"), title="Analytics", markup=False,
                    timeout=8)
