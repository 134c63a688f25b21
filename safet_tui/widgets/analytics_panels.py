"""The analytics screen's panels: each figure as a plotext chart and a table with its numbers.

Pure drawing: the figures come in (``safet_tui.domain.figures``), a chart is drawn on the
``Chart`` (a ``PlotextPlot``) given and the table is returned for the screen to show beside it. A table's
header colours match its series in the chart: the table is the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.app import RenderResult as Painted
from textual_plotext import PlotextPlot

from safet_tui.domain import figures as fig
from safet_tui.domain import periods
from safet_tui.domain.money import Money, format_money
from safet_tui.widgets.text import clean, literal

RGB = tuple[int, int, int]
#: theme colours by name ("primary", "accent", "success", …)
Colors = dict[str, RGB]


class Chart(PlotextPlot):
    """A plotext chart built once per drawing and size: blank until first drawn (no empty chart
    is built while the figures are computed), and not built again when it is only repainted."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._drawings = 0
        self._built: tuple[tuple, Painted] | None = None

    def drawn(self) -> None:
        """The plot's data were set: build it afresh at the next paint."""
        self._drawings += 1
        self.refresh()

    def render(self) -> Painted:
        if not self._drawings:
            return Text("")
        key = (self._drawings, self.size.width, self.size.height, self.app.theme, self.theme)
        if self._built is None or self._built[0] != key:
            self._built = (key, super().render())
        return self._built[1]


def fm(m: Money | None) -> str:
    return "—" if m is None else format_money(m)


def _short(text: str, width: int) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: width - 1] + "…"


class _FigureTable(Table):
    """A table whose figures (right-aligned columns) are never cut: when space is short,
    the text columns (names, titles) give way instead."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for column in self.columns:
            if column.justify == "right":
                cells = [str(column.header), *(getattr(c, "plain", str(c)) for c in column._cells)]
                column.min_width = max(cell_len(c) for c in cells)
        yield from super().__rich_console__(console, options)


class Drawn:
    """A table drawn once per width: a screen lays its tables out several times (measured for
    width, then for height, then painted) and a rich Table works out every cell each time."""

    def __init__(self, renderable: Table) -> None:
        self.renderable = renderable
        self._measures: dict[tuple, Measurement] = {}
        self._lines: dict[tuple, list[Segment]] = {}

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        key = (options.min_width, options.max_width)
        if key not in self._measures:
            self._measures[key] = Measurement.get(console, options, self.renderable)
        return self._measures[key]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (options.size, options.min_width, options.max_width, options.height, options.justify,
               options.overflow, options.no_wrap, options.highlight, options.markup, options.encoding)
        if key not in self._lines:
            self._lines[key] = list(console.render(self.renderable, options))
        yield from self._lines[key]


def _table(*columns: tuple[str, Literal["left", "right"]]) -> Table:
    t = _FigureTable(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False, expand=False)
    for name, justify in columns:
        # names may wrap onto a second line when space is short; figures stay whole on one
        t.add_column(name, justify=justify, no_wrap=justify == "right")
    return t


def _paint(table: Table, colors: dict[int, RGB]) -> None:
    """Colour column headers like their series in the chart: the table is the legend."""
    for i, (r, g, b) in colors.items():
        if 0 <= i < len(table.columns):
            table.columns[i].header_style = f"bold rgb({r},{g},{b})"


def _hbars(plot: Chart, plt: Any, labels: list[str], series: Sequence[tuple[Sequence[float], RGB]], *,
           stacked: bool = False, upper: float | None = None) -> None:
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


def _money_ticks(plt: Any, top: float) -> None:
    """Round amounts for a money axis (plotext would write 3974.5, 28942.0 …)."""
    if top <= 0:
        return
    raw = top / 4
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    step = max(1, -(-int(raw) // magnitude) * magnitude)
    ticks = list(range(0, int(top) + step, step))
    plt.yticks(ticks, [f"{t:,}" for t in ticks])


def _count_ticks(plt: Any, top: int, xaxis: bool = False) -> None:
    """Whole-number ticks for counts (plotext would write 3.3, 6.7 …)."""
    step = max(1, -(-top // 4))
    ticks = list(range(0, top + step, step))
    (plt.xticks if xaxis else plt.yticks)(ticks, [f"{t:,}" for t in ticks])


def headline(r: fig.Analytics) -> tuple[Table, Table]:
    """The claim counts and the money per currency."""
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

    m = _table(("Money", "left"), *((cur, "right") for cur in r.currencies))
    figures = [r.money_in(cur) for cur in r.currencies]

    def row(label: str, fn) -> None:
        m.add_row(label, *(fn(f) for f in figures))

    row("Claimed", lambda f: fm(f.claimed))
    row("Decided, claimed", lambda f: fm(f.decided_claimed))
    row("Reimbursed", lambda f: fm(f.reimbursed))
    row("Recovery rate", lambda f: fig.pct(f.recovery_rate))
    row("At stake now", lambda f: f"{fm(f.at_stake)} ({f.open_claims:,})")
    row("Expired unclaimed", lambda f: f"{fm(f.expired)} ({f.expired_refunds:,})")
    row(f"Expiring ≤{periods.EXPIRING_DAYS}d", lambda f: f"{fm(f.expiring)} ({f.expiring_refunds:,})")
    if not r.currencies:
        m.add_row("no accounts yet")
    return t, m

def _clear(plot: Chart) -> Any:
    plt = plot.plt
    plt.clear_figure()
    plt.clear_data()
    return plt

def draw_series(plot: Chart, paid_plot: Chart, r: fig.Analytics, cur: str | None, colors: Colors) -> Table:
    """Claims filed and amount reimbursed per week or month."""
    labels = [p.label[5:] if r.bucket == "week" else p.label for p in r.series]
    positions = list(range(1, len(r.series) + 1))
    step = max(1, -(-len(positions) // 8))
    plt = _clear(plot)
    if r.series:
        counts = [p.claims for p in r.series]
        plt.bar(positions, counts, color=colors["primary"], width=0.6, reset_ticks=False)
        _count_ticks(plt, max(counts))
        plt.xticks(positions[::step], labels[::step])
    plt.title(f"Claims filed per {r.bucket} (by filing date)")
    plot.drawn()
    plot = paid_plot
    plt = _clear(plot)
    if r.series and cur:
        paid = [float(p.reimbursed[cur].amount) if cur in p.reimbursed else 0.0 for p in r.series]
        plt.bar(positions, paid, color=colors["accent"], width=0.6, reset_ticks=False)
        _money_ticks(plt, max(paid))
        plt.xticks(positions[::step], labels[::step])
    plt.title(f"Reimbursed {cur or ''} per {r.bucket} (by decision date)")
    plot.drawn()

    t = _table((r.bucket.title(), "left"), ("Filed", "right"),
               *((f"Reimbursed {c}", "right") for c in r.currencies))
    _paint(t, {1: colors["primary"], 2 + r.currencies.index(cur) if cur else -1: colors["accent"]})
    for p in r.series:
        t.add_row(p.label, f"{p.claims:,}", *(fm(p.reimbursed.get(c)) if c in p.reimbursed else "—"
                                             for c in r.currencies))
    if r.series:
        t.add_row(Text("Total", style="bold"), f"{sum(p.claims for p in r.series):,}",
                  *(fm(sum((p.reimbursed[c] for p in r.series if c in p.reimbursed), Money.zero(c)))
                    for c in r.currencies))
    return t

def draw_mix(plot: Chart, r: fig.Analytics, colors: Colors) -> Table:
    """Claims by reason and outcome."""
    plt = _clear(plot)
    rows = r.outcome_mix
    series = [([m.full for m in rows], colors["success"]), ([m.partial for m in rows], colors["warning"]),
              ([m.no_grant for m in rows], colors["error"]), ([m.open for m in rows], colors["secondary"])]
    _hbars(plot, plt, [m.label for m in rows], series, stacked=True)
    if rows:
        _count_ticks(plt, max(m.total for m in rows), xaxis=True)
    plt.title("Claims by reason and outcome")
    plot.drawn()
    t = _table(("Reason", "left"), ("Grant", "right"), ("Partial", "right"), ("No-Grant", "right"),
               ("Open", "right"))
    _paint(t, {1: colors["success"], 2: colors["warning"], 3: colors["error"], 4: colors["secondary"]})
    for m in r.outcome_mix:
        t.add_row(literal(m.label), f"{m.full:,}", f"{m.partial:,}", f"{m.no_grant:,}", f"{m.open:,}")
    if not r.outcome_mix:
        t.add_row(Text("no claims in this period", style="dim"))
    return t

def _ranked_bars(plot: Chart, plt: Any, labels: list[str], values: list[float], top: list[bool],
                 colors: Colors) -> None:
    """Horizontal bars, rank 1 at the top; the top three in the accent colour."""
    hi = [v if t else 0 for v, t in zip(values, top, strict=True)]
    lo = [0 if t else v for v, t in zip(values, top, strict=True)]
    _hbars(plot, plt, labels, [(hi, colors["accent"]), (lo, colors["primary"])])
    if values:
        _count_ticks(plt, int(max(values)), xaxis=True)

def draw_denials(plot: Chart, r: fig.Analytics, colors: Colors) -> Table:
    """No-Grants by denial reason, the top three highlighted."""
    plt = _clear(plot)
    _ranked_bars(plot, plt, [f"{d.rank} {_short(d.reason, 16)}" for d in r.denials],
                      [d.count for d in r.denials], [d.top for d in r.denials], colors)
    plt.title("No-Grants by denial reason (top three highlighted)")
    plot.drawn()
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
    return t

def draw_products(plot: Chart, r: fig.Analytics, colors: Colors) -> Table:
    """Claims per product, the top three highlighted."""
    plt = _clear(plot)
    _ranked_bars(plot, plt, [f"{p.rank} {_short(p.sku or p.title, 16)}" for p in r.products],
                      [p.claims for p in r.products], [p.top for p in r.products], colors)
    plt.title("Claims per product (top three highlighted)")
    plot.drawn()
    t = _table(("#", "right"), ("SKU", "left"), ("Product", "left"), ("Claims", "right"),
               ("Claimed", "right"), ("Reimbursed", "right"))
    for p in r.products:
        style = "bold" if p.top else ""
        t.add_row(Text(f"{p.rank}{'*' if p.top else ''}", style=style), literal(p.sku, style),
                  literal(_short(p.title, 28), style), f"{p.claims:,}", fm(p.claimed), fm(p.reimbursed))
    if not r.products:
        t.add_row("", Text("no claims in this period", style="dim"))
    return t

def draw_recovery(plot: Chart, r: fig.Analytics, cur: str | None, colors: Colors) -> Table:
    """Recovery rate by reason, in the chart currency."""
    plt = _clear(plot)
    rows = [x for x in r.recovery if x.currency == cur]
    _hbars(plot, plt, [x.label for x in rows], [([round((x.rate or 0) * 100, 1) for x in rows], colors["success"])],
           upper=100)
    plt.title(f"Recovery rate by reason, % ({cur or '—'}, decided claims)")
    plot.drawn()
    t = _table(("Reason", "left"), ("Cur", "left"), ("Decided", "right"), ("Claimed", "right"),
               ("Reimbursed", "right"), ("Rate", "right"))
    for x in r.recovery:
        t.add_row(literal(x.label), x.currency, f"{x.decided:,}", fm(x.claimed), fm(x.reimbursed),
                  fig.pct(x.rate))
    if not r.recovery:
        t.add_row(Text("no decided claims in this period", style="dim"))
    return t
