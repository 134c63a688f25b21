"""Property suite (issue 14): generated hostile text reaches no terminal raw.

Hypothesis writes text made of markup (``[bold red]``, ``[@click=app.quit]``), control characters,
escape sequences (CSI, OSC title and clipboard, DCS, 8-bit C1), BEL, bidi controls, zero-width and
invisible characters, scripts that need joiners, and very long runs of them. It goes into report
fields (the returns report's columns, a claims file's fields: accounts, order ids, SKUs, titles,
bodies, authors, denial reasons, notes, file names) and from there through the importers into:

- the command line run in-process (``import``, ``report`` as text and JSON, ``export`` to a file
  and to standard output as JSON): nothing a terminal acts on is printed (no ESC, BEL, other C0
  control, DEL, C1 control, bidi control), nothing crashes (exit 0, or 1/2 with one line that
  says why), and what landed exports and imports again (nothing but valid data landed);
- the desk, rendered in a Pilot test (home tabs, preview, a thread): the screen and its SVG hold
  no ESC, BEL or C1 control.

JSON written to a file or to a pipe is data, not terminal text: it keeps every character, and
JSON's own escaping already writes C0 controls as ``\\u001b``; what JSON leaves raw (DEL, C1,
bidi and invisible characters) is written as ``\\u`` escapes too, so the same data prints inert.
CSV is the CSV writer's business and is not checked here.

``make test`` runs a bounded number of examples. ``SAFET_FUZZ=1`` (or a larger number, a
multiplier) runs many more: ``SAFET_FUZZ=20 .venv/bin/python -m pytest tests/test_hostile_text_properties.py``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_support import desk_config, screen_text, settle, wait_for_screen
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from safet_tui.app import SafetApp
from safet_tui.cli.main import main
from safet_tui.domain.clock import FixedClock
from safet_tui.domain.printable import clean, json_inert
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
SAMPLES = Path(__file__).parent / "samples"
FUZZ = int(os.environ.get("SAFET_FUZZ", "0") or 0)


def examples(n: int):
    """``n`` examples in ``make test``; ``SAFET_FUZZ=K`` runs ``n * 25 * K``."""
    return settings(max_examples=n * 25 * FUZZ if FUZZ else n, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


# -- what a hostile report holds --------------------------------------------------------------

PIECES = [
    "[bold red]", "[/]", "[@click=app.quit]", "[link=http://evil.example]x[/link]", "[reverse]", "[",
    "\x1b", "\x07", "\x1b[2J", "\x1b[H", "\x1b[31m", "\x1b[6n", "\x1b]0;PWNED\x07", "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil.example\x1b\\", "\x1bP+q544e\x1b\\", "\x9b2J", "\x9d0;x\x9c", "\x90q\x9c", "\x85",
    "\x00", "\x08", "\x7f", "\r", "\n", "\t", "\x0b", "\x0c",
    "\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",
    "\u200b", "\u200c", "\u200d", "\u2060", "\u2062", "\ufeff", "\u00ad", "\u180e", "\u2028", "\u2029",
    "\U000e0041", "\u3164",
    "नमस्ते", "क्\u200dष", "👩\u200d💻", "Grüße", "عربى", "=HYPERLINK(\"http://x\")", "+1", "-1", "@A1",
]
piece = st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=6))
short_text = st.lists(piece, max_size=10).map("".join)
some_text = st.lists(piece, min_size=1, max_size=10).map("".join)
#: up to a few thousand characters: a run of the same hostile text
long_text = st.tuples(some_text, st.integers(50, 800)).map(lambda t: t[0] * t[1])
hostile = st.one_of(short_text, short_text, short_text, long_text)

#: C0 controls but newline, DEL, C1 controls, and the bidi controls (which reorder what follows)
_ACTING = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}
_ACTING |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def acting(text: str) -> list[str]:
    """The characters of ``text`` a terminal would act on (or reorder text by)."""
    return sorted({c for c in text if c in _ACTING})


# -- clean() and json_inert() on their own ----------------------------------------------------

@examples(200)
@given(st.one_of(hostile, st.text()))
def test_clean_leaves_nothing_that_acts(text):
    for newlines in (False, True):
        shown = clean(text, newlines=newlines)
        assert acting(shown) == []
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
        assert clean(shown, newlines=newlines) == shown  # cleaning twice changes nothing


@examples(100)
@given(st.recursive(st.one_of(hostile, st.integers(), st.none()),
                    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile, inner, max_size=4)),
                    max_leaves=12))
def test_json_inert_keeps_the_data_and_prints_inert(doc):
    text = json_inert(json.dumps(doc, ensure_ascii=False))
    assert json.loads(text) == doc
    assert acting(text) == []


# -- the command line -------------------------------------------------------------------------

def safet(*args: str) -> tuple[int, str, str]:
    """``safet ARGS`` in-process; exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([*args, "--create"])  # a new database where --db names none
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue(), err.getvalue()


def assert_terminal_safe(code: int, out: str, err: str, what: str) -> None:
    assert acting(out) == [] and acting(err) == [], f"{what}: raw {acting(out + err)!r} in {out + err!r}"[:2000]
    assert "Traceback" not in err, f"{what}: {err}"
    assert code in (0, 1, 2), f"{what}: exit {code}"
    if code:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("safet"), f"{what}: {err!r}"[:2000]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SAFET_DB", raising=False)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)


RETURNS_COLUMNS = ["Order ID", "Merchant SKU", "Item Name", "Return Reason", "ASIN", "SafeT claim id",
                   "SafeT Action reason", "Order Item ID", "Category", "Amazon RMA ID"]


def returns_report(cells: dict[str, str]) -> bytes:
    """The US returns sample with hostile values in some cells of its claim row."""
    lines = (SAMPLES / "returns-report-us.tsv").read_bytes().decode("utf-8").split("\r\n")
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:] if line]
    claim_row = next(r for r in rows if r[header.index("SafeT claim id")])
    for column, value in cells.items():
        claim_row[header.index(column)] = value
    text = "\r\n".join(["\t".join(header), *("\t".join(r) for r in rows)]) + "\r\n"
    return text.encode("utf-8", "surrogatepass")


def outputs_of(db: str, folder: Path) -> list[tuple[str, tuple[int, str, str]]]:
    """Every command that prints what the database holds."""
    out_json = folder / "out.json"
    return [
        ("report text", safet("report", "--period", "all", "--db", db)),
        ("report json", safet("report", "--period", "all", "--format", "json", "--db", db)),
        ("export json", safet("export", "--format", "json", "--with-messages", "--db", db)),
        ("export -o", safet("export", "--with-messages", "-o", str(out_json), "--db", db)),
    ]


def lands_again(folder: Path) -> None:
    """What landed is valid: its export imports into a new database."""
    code, out, err = safet("import", "claims", str(folder / "out.json"), "--db", str(folder / "again.db"))
    assert code == 0, err


@examples(12)
@given(cells=st.dictionaries(st.sampled_from(RETURNS_COLUMNS), hostile, min_size=1, max_size=4),
       account=st.one_of(st.none(), some_text))
def test_a_hostile_returns_report_prints_inert(isolated, cells, account):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = folder / "returns.tsv"
        report.write_bytes(returns_report(cells))
        db = str(folder / "x.db")
        args = ["import", "returns", str(report), "--db", db] + (["--account", account] if account else [])
        code, out, err = safet(*args)
        assert_terminal_safe(code, out, err, "import returns")
        event("imported" if code == 0 else "refused")
        assert code == 0 or "returns.tsv" in err, err  # refused for what the file holds, and saying so
        if code:
            return  # refused in one line: nothing landed
        results = outputs_of(db, folder)
        for what, result in results:
            assert_terminal_safe(*result, what)
            assert result[0] == 0, (what, result[2])
        json.loads(results[2][1][1])  # JSON on standard output parses
        lands_again(folder)


_TEMPLATE: dict | None = None


def claims_template() -> dict:
    """A small claims export with threads, events, attachments, refunds, payouts and denials."""
    global _TEMPLATE
    if _TEMPLATE is None:
        from safet_tui.demo.generate import generate
        from safet_tui.export.claims import export_claims

        with tempfile.TemporaryDirectory() as tmp:
            generate(str(Path(tmp) / "t.db"), claims=8, seed=7, now=NOW)
            desk = Desk(str(Path(tmp) / "t.db"), clock=FixedClock(NOW))
            buffer = io.StringIO()
            export_claims(desk, buffer, fmt="json", with_messages=True)
            desk.close()
        _TEMPLATE = json.loads(buffer.getvalue())
    return json.loads(json.dumps(_TEMPLATE))


#: fields of a claims file that hold free text (the account name is replaced everywhere at once)
TEXT_FIELDS = {"order_id", "order_item_id", "sku", "asin", "title", "description", "denial_reason", "body",
               "author", "note", "user", "name", "media_type", "return_reason", "basis", "adjustment_id",
               "source", "not_claimable", "claim_id"}


def text_leaves(doc, path=()) -> list[tuple]:
    found = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if isinstance(value, str) and key in TEXT_FIELDS and not (key == "name" and len(path) == 2):
                found.append((*path, key))
            found += text_leaves(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += text_leaves(value, (*path, i))
    return found


def put(doc, path, value) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


@st.composite
def hostile_claims_file(draw) -> dict:
    doc = claims_template()
    leaves = text_leaves(doc)
    for path in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=8, unique=True)):
        put(doc, path, draw(hostile))
    if draw(st.booleans()):  # an account name, the same everywhere it appears
        old = doc["accounts"][0]["name"]
        new = draw(some_text)
        for record in [*doc["accounts"], *doc["claims"], *doc.get("refunds", []), *doc.get("payouts", [])]:
            for key in ("name", "account"):
                if record.get(key) == old:
                    record[key] = new
    return doc


def write_claims_file(doc: dict, path: Path, *, lone_surrogate: bool) -> None:
    text = json.dumps(doc, ensure_ascii=True)
    if lone_surrogate:  # JSON may spell half a UTF-16 pair; Python reads it as a lone surrogate
        text = text.replace('"body": "', '"body": "\\ud800', 1)
    path.write_text(text, encoding="utf-8")


@examples(12)
@given(doc=hostile_claims_file(), lone_surrogate=st.booleans())
def test_a_hostile_claims_file_prints_inert(isolated, doc, lone_surrogate):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "claims.json"
        write_claims_file(doc, source, lone_surrogate=lone_surrogate)
        db = str(folder / "x.db")
        code, out, err = safet("import", "claims", str(source), "--db", db)
        assert_terminal_safe(code, out, err, "import claims")
        event("imported" if code == 0 else "refused")
        assert code == 0 or "claims.json" in err, err
        if code:
            return
        for what, result in outputs_of(db, folder):
            assert_terminal_safe(*result, what)
            assert result[0] == 0, (what, result[2])
        lands_again(folder)


# -- the desk ---------------------------------------------------------------------------------

def rendered_inert(app, where: str) -> None:
    svg = app.export_screenshot()
    shown = screen_text(app)
    for text, what in ((shown, "screen"), (svg, "svg")):
        raw = sorted({c for c in text if c in "\x1b\x07" or 0x80 <= ord(c) <= 0x9F})
        assert raw == [], f"{where} {what}: raw {raw!r}"


async def look_around(db: Path) -> None:
    desk = Desk(str(db), clock=FixedClock(NOW), user="tester")
    app = SafetApp(desk, desk_config(), role="seller")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for tab in "1234":
            await pilot.press(tab)
            await settle(pilot)
            rendered_inert(app, f"tab {tab}")
        for tab in "32":  # a resolved claim (denial reasons) and an open one: their threads
            await pilot.press(tab)
            await settle(pilot)
            if app.home_screen.claim_list.total:
                await pilot.press("enter")
                await wait_for_screen(pilot, ThreadScreen)
                rendered_inert(app, f"thread from tab {tab}")
                await pilot.press("g")  # every earlier item too
                await settle(pilot)
                rendered_inert(app, f"whole thread from tab {tab}")
                await pilot.press("escape")
                await settle(pilot)


@examples(3)
@given(doc=hostile_claims_file())
def test_the_desk_draws_a_hostile_claims_file_inert(isolated, doc):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "claims.json"
        write_claims_file(doc, source, lone_surrogate=False)
        db = folder / "x.db"
        code, _out, err = safet("import", "claims", str(source), "--db", str(db))
        event("imported" if code == 0 else "refused")
        assert code == 0 or "claims.json" in err, err
        if code:
            return  # refused: nothing to draw
        asyncio.run(look_around(db))
