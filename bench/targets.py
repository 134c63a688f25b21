"""What ``make bench`` measures and the target each figure is judged against.

A target is either a ratio to a baseline measured in the same run (the bare Textual app, the same
figure at the smallest size, a raw library floor) or, where the issue asks for a time a person
feels, an absolute bound. Every figure is judged at one size only (``at``): ``"largest"`` (the
largest size of the run), ``"reference"`` (the largest size at or under ``REFERENCE_MAX``: the
naive DataTable baseline takes minutes past 100k claims) or ``"own"`` (a figure with its own size,
such as the import's row count).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the naive DataTable list is built at sizes up to this only (it freezes ~15 s at 100k; 1M would
#: take minutes and gigabytes for a baseline whose point is made at 100k)
REFERENCE_MAX = 100_000


@dataclass(frozen=True)
class Figure:
    what: str
    target: float
    kind: str  # "ratio" (median / baseline median) or "absolute" (median, seconds)
    baseline: str  # what the ratio is to, or what the absolute bound means
    at: str = "largest"
    unit: str = "s"


FIGURES: dict[str, Figure] = {
    "cold_start": Figure("process start to home painted with counts and rows", 1.25, "ratio", "bare start"),
    "memory_home": Figure("resident memory, home screen open", 1.3, "ratio", "bare start", unit="MiB"),
    "tab_switch": Figure("switch tab 1 -> 3 to painted", 1.2, "ratio", "same at smallest size"),
    "cursor_down": Figure("cursor down (j) to painted", 1.2, "ratio", "same at smallest size"),
    "page_down": Figure("page down to painted", 1.5, "ratio", "same at smallest size"),
    "jump_last": Figure("jump to last (G) to painted", 1.2, "ratio", "same at smallest size"),
    "thread_open_5": Figure("open a ~5-message thread to painted", 1.2, "ratio", "same at smallest size"),
    "thread_open_200": Figure("open a ~200-message thread to painted", 1.2, "ratio", "same at smallest size"),
    "filter_keystroke": Figure("filter by a common message word: last keystroke to painted, debounce included",
                               0.150, "absolute", "150 ms"),
    "filter_order_keystroke": Figure("filter by an order id: last keystroke to painted, debounce included",
                                     0.150, "absolute", "150 ms"),
    "analytics": Figure("analytics screen filled (12 months)", 0.5, "absolute", "0.5 s"),
    "home_first_paint": Figure("home screen first paint (in-process)", 0.05, "ratio", "naive DataTable list",
                               at="reference"),
    "demo_build": Figure("safet demo at the largest size", 180.0, "absolute", "3 min"),
    "import_returns": Figure("import a returns report", 2.0, "ratio", "csv + sqlite3 executemany", at="own"),
    "notify": Figure("safet notify: pending status changes e-mailed over loopback SMTP", 3.0, "ratio",
                     "the same e-mails built in a bare loop", at="own"),
    "notify_memory": Figure("safet notify: peak resident memory", 1.5, "ratio", "the bare loop's", at="own",
                            unit="MiB"),
}

#: figures compared with themselves at the smallest size (how they grow with the database)
SIZE_RELATIVE = ("tab_switch", "cursor_down", "page_down", "jump_last", "thread_open_5", "thread_open_200")

#: figures shown in the curve (median per size), in this order
CURVE = ("cold_start", "memory_home", "home_first_paint", "tab_switch", "cursor_down", "page_down", "jump_last",
         "thread_open_5", "thread_open_200", "filter_keystroke", "filter_order_keystroke",
         "filter_prefix_keystroke", "filter_all_tabs", "filter_clear", "analytics")


def judged_size(name: str, size: int, sizes: list[int]) -> bool:
    """Whether ``name`` at ``size`` is the one judged against its target."""
    at = FIGURES[name].at
    if at == "own":
        return True
    if at == "reference":
        under = [s for s in sizes if s <= REFERENCE_MAX]
        return bool(under) and size == max(under)
    return size == max(sizes)


def verdict(name: str, median: float | None, baseline: float | None) -> tuple[float | None, bool | None]:
    """(ratio or the median itself for absolute figures, passed?)."""
    fig = FIGURES[name]
    if median is None:
        return None, None
    if fig.kind == "absolute":
        return median, median <= fig.target
    if not baseline:
        return None, None
    ratio = median / baseline
    return ratio, ratio <= fig.target
