"""Claims out: CSV that a spreadsheet cannot be tricked by, JSON that imports back identically."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from test_reports_support import US_RETURNS, US_SETTLEMENT, rows_of, write_rows

from safet_tui.export.claims import CSV_COLUMNS, export_claims, neutralise
from safet_tui.reports import run_import

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def export(desk, **kw) -> str:
    out = io.StringIO(newline="")
    export_claims(desk, out, **kw)
    return out.getvalue()


@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\t=x", "'\t=x"), (Decimal("-49.99"), "-49.99"), ("-49.99", "'-49.99"), ("49.99", "49.99"),
    ("plain", "plain"), (None, ""),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_csv_cells_cannot_run_formulas(empty_desk, tmp_path):
    rows = rows_of(US_RETURNS)
    h = rows[0]
    rows[3][h.index("Item Name")] = "=HYPERLINK(\"http://evil\",\"click\")"
    rows[3][h.index("Merchant SKU")] = "@SKU"
    rows[4][h.index("Item Name")] = "-1+1"
    rows[4][h.index("Merchant SKU")] = "TRIPOD-X"  # CAM-TRIPOD-60 already has its title from line 2
    rows[4][h.index("Order ID")] = "+114-2291834-7712096"
    run_import(empty_desk, "returns", write_rows(tmp_path / "evil.tsv", rows))
    text = export(empty_desk, fmt="csv")
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    by_id = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in table[1:]}
    assert by_id["3417701188"]["title"] == "'=HYPERLINK(\"http://evil\",\"click\")"
    assert by_id["3417701188"]["sku"] == "'@SKU"
    assert by_id["3417650022"]["title"] == "'-1+1"
    assert by_id["3417650022"]["order_id"] == "'+114-2291834-7712096"
    for row in table[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")) and (not cell.startswith("-") or cell[1:].replace(".", "").isdigit())
    assert by_id["3417650022"]["claimed"] == "49.99" and by_id["3417650022"]["outcome_label"] == "No-Grant"
    # the report gave no appeal-by: estimated from the report's date (2026-10-24), long passed: closed
    assert by_id["3417650022"]["appeal_state"] == "closed"
    assert by_id["3417650022"]["appeal_by"] == "2026-10-31T07:00:00Z"
    assert by_id["3417650022"]["deadline"] == "" and by_id["3417650022"]["deadline_estimated"] == "yes"
    assert by_id["3417701188"]["appeal_state"] == "not needed"


def test_filters(desk):
    text = export(desk, fmt="json", statuses=["awaiting"], accounts=["Saffron Home"])
    doc = json.loads(text)
    assert doc["claims"] and {(c["status"], c["account"]) for c in doc["claims"]} == {("awaiting", "Saffron Home")}
    assert {c["deadline"] for c in doc["claims"]} == {c["reply_by"] for c in doc["claims"]}
    assert "messages" not in doc["claims"][0]
    from safet_tui.db import Claim

    ids = [c.id for c in Claim.select(Claim.id).order_by(Claim.id)]
    big = ids + list(range(10**6, 10**6 + 1000))  # a large selection too (beyond SQL variable limits)
    for picked, expected in ((ids[:3], 3), (big, len(ids))):
        chosen = json.loads(export(desk, fmt="json", claim_ids=picked))["claims"]
        assert len(chosen) == expected
    everything = json.loads(export(desk, fmt="json"))["claims"]
    assert len(everything) == 300
    assert [c["claim_id"] for c in everything] == sorted(c["claim_id"] for c in everything)


def test_round_trip_through_an_empty_database(desk, tmp_path, clock):
    from safet_tui.service.desk import Desk

    run_import(desk, "returns", US_RETURNS)
    run_import(desk, "settlement", US_SETTLEMENT)
    first = export(desk, fmt="json", with_messages=True)
    doc = json.loads(first)
    assert len(doc["claims"]) == 303
    assert any(c["messages"] for c in doc["claims"]) and any(c["payouts"] for c in doc["claims"])
    assert any(m["attachments"] for c in doc["claims"] for m in c["messages"])
    path = tmp_path / "claims.json"
    path.write_text(first, encoding="utf-8")

    other = Desk(str(tmp_path / "restored.db"), clock=clock, user="tester")
    try:
        s = run_import(other, "claims", path)
        assert len(s.claims_created) == 303 and s.account_created
        assert s.messages_added == sum(len(c["messages"]) for c in doc["claims"])
        second = export(other, fmt="json", with_messages=True)
        assert second == first
        assert export(other, fmt="csv") == export(desk, fmt="csv")
        # Full-text search works on the restored messages.
        word = doc["claims"][0]["messages"][0]["body"].split()[0]
        assert other.counts(word)
        again = run_import(other, "claims", path)  # idempotent
        assert not again.changed and again.claims_unchanged == 303
    finally:
        other.close()


def test_cli_export_and_import(desk, tmp_path, capsys):
    from safet_tui.cli.main import main

    db = str(desk.target)
    desk.close()
    out_csv = tmp_path / "claims.csv"
    assert main(["--db", db, "export", "--status", "resolved", "-o", str(out_csv)]) == 0
    data = out_csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r[CSV_COLUMNS.index("status")] for r in rows[1:]} == {"resolved"}
    assert "Exported" in capsys.readouterr().err

    assert main(["--db", db, "export", "--with-messages"]) == 2
    assert "--with-messages needs --format json" in capsys.readouterr().err

    out_json = tmp_path / "claims.json"
    assert main(["--db", db, "export", "--with-messages", "-o", str(out_json)]) == 0
    json.loads(out_json.read_text(encoding="utf-8"))
    capsys.readouterr()
    target = str(tmp_path / "copy.db")
    assert main(["--db", target, "--create", "import", "claims", str(out_json), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written." in out and "300 created" in out
    assert main(["--db", target, "import", "claims", str(out_json)]) == 0
    assert "300 created" in capsys.readouterr().out


def test_cli_import_bad_file_is_one_line(tmp_path, capsys):
    from safet_tui.cli.main import main

    bad = tmp_path / "bad.tsv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert main(["--db", str(tmp_path / "x.db"), "--create", "import", "returns", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("safet: error: bad.tsv, line 1")


def test_import_and_export_from_a_thread_worker(desk):
    """The desk calls both from a Textual thread worker: each uses and closes that thread's connection."""
    import threading

    results = {}

    def work():
        results["summary"] = run_import(desk, "returns", US_RETURNS)
        results["csv"] = export(desk, fmt="csv")
        results["closed"] = desk.database.is_closed()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert len(results["summary"].claims_created) == 3 and "3417789012" in results["csv"]
    assert results["closed"] and not desk.database.is_closed()
    assert desk.exists("3417789012")
