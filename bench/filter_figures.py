"""The home list's filter, keystroke to painted, for one database (Pilot-driven, shipped debounce).

    python -m bench.filter_figures DB --runs N [--word WORD] [--prefix 8] [--queries]

Opens the database read-only (a bench never changes it), starts the desk at 160x45 on tab 1,
and times, from the last key press to the first frame painted with its result (rows in view
and the filter's counts, see bench/probe.py):

- ``filter_keystroke``: "/" then a common message word typed a key at a time;
- ``filter_order_keystroke``: a whole order id taken from the database (a claim on tab 1);
- ``filter_prefix_keystroke``: the first ``--prefix`` characters of that order id;
- ``filter_clear``: escape in the filter box, back to the whole tab;
- ``filter_all_tabs`` (and ``_order_``, ``_prefix_``): until every tab's count is shown too (a
  filter counts the list's own tab with its rows, the other tabs after them).

``--queries`` adds the desk's own reads under those filters (count, first window, counts per
tab), without the app. Prints one JSON line of samples in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from .desk_figures import settle
from .probe import home_ready, list_ready, probed

SIZE = (160, 45)
#: the longest a figure may take before the run gives up (a bench never hangs)
WAIT = 30.0


def read_only_desk(db: str):
    """A Desk on ``db`` that can neither write nor keep a journal (SQLite opened immutable)."""
    import safet_tui.db_open as dbmod
    import safet_tui.service.session as session
    from safet_tui.service.desk import Desk

    if "://" in db:  # a server: the bench's own copy of the demo
        return Desk(db, user="bench")
    target = Path(db).resolve()
    writable = dbmod._journal_writable
    dbmod._journal_writable = lambda path: False if Path(path).resolve() == target else writable(path)
    session.read_only_reason = lambda path: "bench: read-only"  # type: ignore[assignment]
    return Desk(str(target), user="bench")


def order_id_on_tab_1(desk) -> str:
    """The order id of the claim in the middle of tab 1 (by id), as a person would copy it."""
    n = desk.database.execute_sql("SELECT COUNT(*) FROM claim WHERE status = 'awaiting'").fetchone()[0]
    from safet_tui.db import sql_for

    return desk.database.execute_sql(sql_for(
        desk.database, "SELECT order_id FROM claim WHERE status = 'awaiting' ORDER BY id LIMIT 1 OFFSET ?"),
        (n // 2,)).fetchone()[0]


def keys_of(text: str) -> list[str]:
    names = {"-": "minus", " ": "space"}
    return [names.get(ch, ch) for ch in text]


def query_figures(desk, texts: dict[str, str], runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, text in texts.items():
        for label, call in (
            ("count", lambda t=text: desk.count("awaiting", t)),
            ("window", lambda t=text: desk.window("awaiting", 0, 100, "deadline", t)),
            ("counts", lambda t=text: desk.counts(t)),
        ):
            samples = out.setdefault(f"q_{name}_{label}", [])
            for _ in range(runs):
                t0 = time.perf_counter()
                call()
                samples.append(time.perf_counter() - t0)
    return out


async def measure(db: str, runs: int, word: str, prefix: int, queries: bool) -> dict:
    from safet_tui.app import SafetApp
    from safet_tui.config import Config

    App = probed(SafetApp)
    desk = read_only_desk(db)
    order = order_id_on_tab_1(desk)
    texts = {"word": word, "order": order, "prefix": order[:prefix]}
    from safet_tui.service.views import TABS

    samples: dict[str, list[float]] = {k: [] for k in (
        "filter_keystroke", "filter_order_keystroke", "filter_prefix_keystroke", "filter_clear",
        "filter_all_tabs", "filter_order_all_tabs", "filter_prefix_all_tabs")}
    info: dict = {"texts": texts}
    if queries:
        samples.update(query_figures(desk, texts, runs))

    app = App(desk, Config())
    ready = app.probe.expect(lambda: home_ready(app))
    async with app.run_test(size=SIZE) as pilot:
        await ready.wait()
        await settle(app, pilot)
        home = app.screen
        cl = home.claim_list

        def shown(text: str) -> bool:
            """The rows in view and the counts are those of ``text``."""
            return cl.text == text and list_ready(cl) and home._counts_text == text

        def all_counted() -> bool:
            """Every tab's count is of the filter shown (a desk before counts came in parts: all at once)."""
            counted = getattr(home, "_counted", None)
            return counted >= set(TABS) if counted is not None else len(home._counts) == len(TABS)

        for _ in range(runs):
            for name, key in (("word", "filter_keystroke"), ("order", "filter_order_keystroke"),
                              ("prefix", "filter_prefix_keystroke")):
                text = texts[name]
                await pilot.press("1")
                await settle(app, pilot)
                await pilot.press("slash")
                await settle(app, pilot)
                keys = keys_of(text)
                await pilot.press(*keys[:-1])
                waiter = app.probe.expect(lambda text=text: shown(text))
                every = app.probe.expect(lambda text=text: shown(text) and all_counted())
                t0 = time.perf_counter()
                await pilot.press(keys[-1])
                samples[key].append(await waiter.wait(WAIT) - t0)
                samples[key.replace("keystroke", "all_tabs")].append(await every.wait(WAIT) - t0)
                info[f"{name}_matches"] = cl.total
                await settle(app, pilot)
                # clearing: escape in the filter box, back to the whole tab with its counts
                waiter = app.probe.expect(lambda: shown("") and cl.tab == "awaiting")
                t0 = time.perf_counter()
                await pilot.press("escape")
                samples["filter_clear"].append(await waiter.wait(WAIT) - t0)
                await settle(app, pilot)
    desk.close()
    return {"samples": samples, "info": info}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--word", default="warehouse")
    parser.add_argument("--prefix", type=int, default=8)
    parser.add_argument("--queries", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.db, args.runs, args.word, args.prefix, args.queries))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
