"""Real files are messy: the reader and the cell parsers take what Seller Central produces."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from test_reports_support import US_RETURNS, rows_of, utc, write_rows

from safet_tui.db import Claim, Product, Refund
from safet_tui.reports import run_import
from safet_tui.reports.reading.dates import DateError, parse_instant
from safet_tui.reports.reading.tsv import Table, column_key, decode

pytestmark = pytest.mark.backends("sqlite", "postgresql")

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10-02", utc(2026, 10, 2, 7, 0, 0)),
    ("2026-10-02T14:22:05+00:00", utc(2026, 10, 2, 14, 22, 5)),
    ("2026-10-02T14:22:05Z", utc(2026, 10, 2, 14, 22, 5)),
    ("2026-10-11T06:15:00+05:30", utc(2026, 10, 11, 0, 45, 0)),
    ("2026-10-13 18:02:11 UTC", utc(2026, 10, 13, 18, 2, 11)),
    ("2026-10-13 11:02:11 PDT", utc(2026, 10, 13, 18, 2, 11)),
    ("02-Oct-2026", utc(2026, 10, 2, 7, 0, 0)),
    ("10-Jul-2025", utc(2025, 7, 10, 7, 0, 0)),
    ("Oct 2, 2026", utc(2026, 10, 2, 7, 0, 0)),
    ("October 2, 2026", utc(2026, 10, 2, 7, 0, 0)),
    ("02.10.2026 14:22:05 UTC", utc(2026, 10, 2, 14, 22, 5)),
    ("2026-12-02", utc(2026, 12, 2, 8, 0, 0)),  # PST in winter
])
def test_dates(text, expected):
    assert parse_instant(text, LA) == expected


@pytest.mark.parametrize("text", ["2026-13-02", "32-Oct-2026", "Foo 2, 2026", "10/02/2026", "soon", "2026-10-02 25:61"])
def test_bad_dates(text):
    with pytest.raises(DateError):
        parse_instant(text, LA)


def test_column_names_are_matched_loosely():
    assert column_key(" Order ID ") == column_key("order-id") == column_key("ORDER_ID") == "order id"
    assert column_key("SafeT claim id") == column_key("safe-t-claim-id") == "safet claim id"


def test_reader_tolerates_bom_lf_blank_lines_short_rows_and_single_spaces():
    text = decode(b"\xef\xbb\xbfA\tB\tC\n1\t \t3\n\n4\n\n\n", "f.tsv")
    t = Table(text, "f.tsv")
    rows = list(t.rows())
    assert [r.line for r in rows] == [2, 4] and t.total == 2
    assert [t.cell(rows[0], k) for k in "abc"] == ["1", "", "3"]
    assert [t.cell(rows[1], k) for k in "abc"] == ["4", "", ""]
    assert t.cell(rows[0], "missing column") == ""


def test_a_messy_returns_report(empty_desk, tmp_path):
    """Shuffled lower-case headers, an extra column, no Order Item ID/Category, LF, BOM, odd amounts and dates."""
    header = ["refunded amount", "ORDER ID", "currency code", "merchant sku", "item name", "Return Delivery Date",
              "return request date", "safet claim id", "safet claim state", "safet action reason",
              "safet claim creation time", "SafeT claim reimbursement amount", "Some New Column", "Order Amount"]
    rows = [
        header,
        ["1,249.00", "111-0000001-0000001", "USD", "SKU-A", "Thing A", "02-Oct-2026", "", " ", " ", " ", " ", " ", "x"],
        ["-49.99", "111-0000002-0000002", "USD", "SKU-B", "Thing B", "Oct 2, 2026"],  # short row
        ["$12.00", "111-0000003-0000003", " ", "SKU-C", "Thing C", " ", "10-Jul-2025"],
        ["", "111-0000004-0000004", "USD", "SKU-D", "Thing D", "2026-10-02T14:22:05+00:00", "", "3400000009",
         "Under Investigation", "Item returned damaged", "Oct 3, 2026", "", "", "₹1,23,456.00"],
    ]
    path = write_rows(tmp_path / "messy.tsv", rows, crlf=False, bom=True)
    (tmp_path / "messy.tsv").write_bytes(path.read_bytes() + b"\n\n")
    s = run_import(empty_desk, "returns", path)
    assert s.rows_read == 4 and s.refunds_added == 3 and s.claims_created == ["3400000009"]
    a = Refund.get(Refund.order_id == "111-0000001-0000001")
    assert (a.amount_minor, a.order_item_id, a.delivered_at) == (124900, "", utc(2026, 10, 2, 7, 0, 0))
    b = Refund.get(Refund.order_id == "111-0000002-0000002")
    assert b.amount_minor == 4999 and b.delivered_at == utc(2026, 10, 2, 7, 0, 0)
    c = Refund.get(Refund.order_id == "111-0000003-0000003")
    assert c.amount_minor == 1200 and c.delivered_at is None
    assert c.basis.startswith("return request date") and c.file_by == utc(2025, 9, 9, 6, 59, 59)  # 60 days (legacy)
    claim = Claim.get(Claim.claim_no == "3400000009")
    assert claim.claimed_minor == 12345600  # no refunded amount: the order amount
    assert claim.filed_at == utc(2026, 10, 3, 7, 0, 0)


def test_legacy_60_day_window_before_2026_02_16(empty_desk, tmp_path):
    rows = rows_of(US_RETURNS)[:2]
    i = rows[0].index("Return delivery date")
    rows[1][i] = "10-Jan-2026"
    run_import(empty_desk, "returns", write_rows(tmp_path / "old.tsv", rows))
    f = Refund.get()
    # Jan 10 + 30 days ends before the change of Feb 16, so the old 60 days apply, but only to claims
    # filed before the change: the window ends with Feb 15 (PST), not on Mar 11 (keyed on the filing date).
    assert f.file_by == utc(2026, 2, 16, 7, 59, 59)


def test_markup_in_a_title_is_stored_and_printed_literally(empty_desk, tmp_path, capsys):
    from safet_tui.cli.main import main

    rows = rows_of(US_RETURNS)[:3]
    i = rows[0].index("Item Name")
    rows[1][i] = "[bold red]x[/]"
    rows[2][rows[0].index("SafeT Action reason")] = "[red]weird[/red] reason"
    path = write_rows(tmp_path / "markup.tsv", rows)
    db = empty_desk.target
    empty_desk.close()
    assert main(["--db", str(db), "import", "returns", str(path)]) == 0
    out = capsys.readouterr().out
    assert "unknown SafeT Action reason '[red]weird[/red] reason'" in out
    from safet_tui.db_open import open_database

    open_database(str(db))
    assert Product.get(Product.sku == "CAM-TRIPOD-60").title == "[bold red]x[/]"


def test_amount_parsing_is_decimal_exact():
    from safet_tui.reports.reading.cells import minor

    assert minor(Decimal("0.105")) == 11 and minor(Decimal("-49.99")) == -4999
