"""What fuzzing the importers found (tests/test_fuzz_importers.py), pinned as plain examples: each
failed on the main of its day with a traceback, a crash of its own or data that could not come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_fuzz_importers import (
    RETURNS,
    RETURNS_IN,
    Bench,
    _cells,
    check_one,
    dump,
    make_claims_export,
)

from safet_tui.reports import ReportError, run_import


@pytest.fixture
def bench(clock):
    b = Bench(clock)
    yield b
    b.close()


@pytest.fixture(scope="module")
def claims_export(tmp_path_factory) -> str:
    return make_claims_export(tmp_path_factory.mktemp("export"))


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
    assert "\x1b" not in text and "\x07" not in text and "␛]0;pwned␇" in text


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
