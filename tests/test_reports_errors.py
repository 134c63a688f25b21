"""A bad file changes nothing and says which file, line, column and value is wrong."""

from __future__ import annotations

import pytest
from test_reports_support import (
    US_RETURNS,
    US_SETTLEMENT,
    rows_of,
    set_cell,
    snapshot,
    table_counts,
    write_rows,
)

from safet_tui.reports import ReportError, run_import

pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture
def loaded(desk):
    """The demo desk with the US samples already in it, so a bad file has something to spoil."""
    run_import(desk, "returns", US_RETURNS)
    run_import(desk, "settlement", US_SETTLEMENT)
    return desk


def fails(desk, kind, path) -> ReportError:
    before_counts, before_rows = table_counts(desk.database), snapshot(desk.database)
    with pytest.raises(ReportError) as err:
        run_import(desk, kind, path)
    assert table_counts(desk.database) == before_counts
    assert snapshot(desk.database) == before_rows
    return err.value


def test_missing_required_column(loaded, tmp_path):
    rows = rows_of(US_RETURNS)
    i = rows[0].index("Refunded Amount")
    bad = write_rows(tmp_path / "no-refund-col.tsv", [r[:i] + r[i + 1:] for r in rows])
    e = fails(loaded, "returns", bad)
    assert (e.file, e.line, e.column) == ("no-refund-col.tsv", 1, "Refunded Amount")
    assert "no-refund-col.tsv, line 1, column 'Refunded Amount'" in str(e)
    assert "missing" in str(e)


def test_missing_settlement_column(loaded, tmp_path):
    rows = rows_of(US_SETTLEMENT)
    i = rows[0].index("transaction-type")
    e = fails(loaded, "settlement", write_rows(tmp_path / "s.tsv", [r[:i] + r[i + 1:] for r in rows]))
    assert (e.line, e.column) == (1, "transaction-type")


def test_unparseable_amount_on_the_last_line(loaded, tmp_path):
    rows = set_cell(rows_of(US_RETURNS), 5, "Refunded Amount", "49,9x")
    e = fails(loaded, "returns", write_rows(tmp_path / "bad-amount.tsv", rows))
    assert (e.file, e.line, e.column, e.value) == ("bad-amount.tsv", 5, "Refunded Amount", "49,9x")
    assert str(e).startswith("bad-amount.tsv, line 5, column 'Refunded Amount': '49,9x': not an amount")


def test_unparseable_settlement_amount(loaded, tmp_path):
    rows = set_cell(rows_of(US_SETTLEMENT), 4, "amount", "six dollars")
    e = fails(loaded, "settlement", write_rows(tmp_path / "s.tsv", rows))
    assert (e.line, e.column, e.value) == (4, "amount", "six dollars")


def test_unparseable_date(loaded, tmp_path):
    rows = set_cell(rows_of(US_RETURNS), 3, "Return delivery date", "2026-13-45")
    e = fails(loaded, "returns", write_rows(tmp_path / "bad-date.tsv", rows))
    assert (e.file, e.line, e.column, e.value) == ("bad-date.tsv", 3, "Return delivery date", "2026-13-45")
    assert "not a date" in str(e)


def test_unparseable_settlement_date(loaded, tmp_path):
    rows = set_cell(rows_of(US_SETTLEMENT), 6, "posted-date-time", "yesterday 5pm")
    e = fails(loaded, "settlement", write_rows(tmp_path / "s.tsv", rows))
    assert (e.line, e.column, e.value) == (6, "posted-date-time", "yesterday 5pm")


def test_non_tab_file(loaded, tmp_path):
    bad = tmp_path / "returns.csv"
    bad.write_text("\n".join(",".join(r) for r in rows_of(US_RETURNS)), encoding="utf-8")
    e = fails(loaded, "returns", bad)
    assert (e.file, e.line) == ("returns.csv", 1)
    assert e.value.startswith("Order ID,Order date")
    assert "not a tab-separated report" in str(e) and "comma-separated" in str(e)


def test_non_utf8_file(loaded, tmp_path):
    rows = set_cell(rows_of(US_RETURNS), 4, "Item Name", "Mini Bluetooth Speaker — café")
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes(text.encode("cp1252"))
    e = fails(loaded, "returns", bad)
    assert (e.file, e.line, e.column) == ("latin1.tsv", 4, "Item Name")
    assert e.value and "not UTF-8" in str(e)


def test_empty_file(loaded, tmp_path):
    bad = tmp_path / "empty.tsv"
    bad.write_bytes(b"\r\n\r\n")
    assert "empty" in str(fails(loaded, "returns", bad))


def test_currency_of_another_marketplace_in_the_same_report(loaded, tmp_path):
    rows = set_cell(rows_of(US_RETURNS), 4, "Currency code", "INR")
    e = fails(loaded, "returns", write_rows(tmp_path / "mixed.tsv", rows))
    assert (e.line, e.column, e.value) == (4, "Currency code", "INR")


def test_wrong_kind_says_which_kind_it_looks_like(loaded):
    e = fails(loaded, "returns", US_SETTLEMENT)
    assert "looks like a settlement file" in str(e)


def test_failure_while_writing_rolls_everything_back(loaded, tmp_path, monkeypatch):
    from safet_tui.reports.bulk import store

    rows = rows_of(US_RETURNS)
    rows = set_cell(rows, 2, "SafeT claim id", "3400000001")
    rows = set_cell(rows, 2, "SafeT claim state", "Resolved")
    rows = set_cell(rows, 2, "SafeT Action reason", "Item returned damaged")
    rows = set_cell(rows, 2, "SafeT claim reimbursement amount", "20.00")
    path = write_rows(tmp_path / "late-failure.tsv", rows)

    def boom(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store.Store, "rematch_payouts", boom)
    before_counts, before_rows = table_counts(loaded.database), snapshot(loaded.database)
    with pytest.raises(RuntimeError):
        run_import(loaded, "returns", path)
    assert table_counts(loaded.database) == before_counts and snapshot(loaded.database) == before_rows


def test_bad_claims_json(loaded, tmp_path):
    bad = tmp_path / "claims.json"
    bad.write_text('{"format": "safet-claims",\n "version": 1,\n "claims": [\n  {"claim_id": }]}', encoding="utf-8")
    e = fails(loaded, "claims", bad)
    assert (e.file, e.line) == ("claims.json", 4) and "not valid JSON" in str(e)
    bad.write_text('{"format": "safet-claims", "version": 1, "claims": [{"claim_id": "3400000001", "account": "A", '
                   '"marketplace": "amazon.com", "order_id": "o", "reason": "abuse", "status": "open", '
                   '"currency": "USD", "claimed": "1.00", "filed_at": "2026-01-01T00:00:00Z", '
                   '"updated_at": "2026-01-01T00:00:00Z"}]}', encoding="utf-8")
    e = fails(loaded, "claims", bad)
    assert (e.column, e.value) == ("claims[0].status", "open")
    assert not (tmp_path / "nothing").exists()


def test_missing_file_is_a_plain_error(loaded, tmp_path):
    with pytest.raises(FileNotFoundError):
        run_import(loaded, "returns", tmp_path / "nope.tsv")
