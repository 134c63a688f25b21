"""Issue 9, points 1, 7 and 10: refunds from reports are fileable without a refund date, partial and
automated refunds are never listed as claimable, and a configured EU marketplace's amounts are read in
its locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_reports_support import (
    IN_RETURNS,
    US_RETURNS,
    US_SETTLEMENT,
    rows_of,
    set_cell,
    write_rows,
)

from safet_tui.db import Account, Refund
from safet_tui.domain.clock import FixedClock
from safet_tui.domain.marketplaces import Policies, build_policies
from safet_tui.reports import ReportError, run_import
from safet_tui.service.desk import Desk

OCT_20 = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # weeks left in the US sample refund's window
TRIPOD = ("112-4829301-5518223", "41203398127731")


@pytest.fixture
def desk(tmp_path):
    d = Desk(str(tmp_path / "d.db"), clock=FixedClock(OCT_20), user="tester")
    yield d
    d.close()


def refund(order_id: str) -> Refund:
    return Refund.get(Refund.order_id == order_id)


def check(desk, order_id, item, **kw):
    f = refund(order_id)
    return desk.check_filing(f.account_id, order_id, item, None, f.delivered_at, **kw)


# -- 1. a refund from a returns report has posted ---------------------------------------------------

def test_returns_report_refund_is_fileable_and_says_the_window_is_counted_from_the_delivery(desk):
    run_import(desk, "returns", US_RETURNS)
    assert refund(TRIPOD[0]).refund_at is None
    verdict = check(desk, *TRIPOD)
    assert verdict.ok, verdict.problems
    assert verdict.basis == "return delivery (refund date unknown)"
    assert "from return delivery (refund date unknown)" in verdict.summary
    # a typed order the desk knows nothing about has not posted
    account = Account.get().id
    assert "the refund has not posted yet" in desk.check_filing(account, "112-0000000-0000000", "", None,
                                                                None).summary


def test_every_india_sample_refund_is_fileable(tmp_path):
    d = Desk(str(tmp_path / "in.db"), clock=FixedClock(datetime(2026, 10, 22, 6, 0, tzinfo=UTC)), user="t")
    try:
        run_import(d, "returns", IN_RETURNS)
        verdict = check(d, "403-2219982-4410921", "30199283746511")
        assert verdict.ok, verdict.problems
        assert verdict.basis == "return delivery"
    finally:
        d.close()


def test_settlement_fills_the_refund_date_and_file_by_is_counted_again(desk):
    run_import(desk, "returns", US_RETURNS)
    run_import(desk, "settlement", US_SETTLEMENT)
    f = refund(TRIPOD[0])
    assert f.refund_at == datetime(2026, 10, 13, 18, 2, 11, tzinfo=UTC)
    verdict = desk.check_filing(f.account_id, *TRIPOD, f.refund_at, f.delivered_at)
    assert verdict.ok and verdict.basis == "return delivery"  # refund Oct 13, delivered Oct 16: the later


# -- 7. partial and automated refunds ---------------------------------------------------------------

def _returns(tmp_path, **cells) -> object:
    rows = rows_of(US_RETURNS)[:2]  # the tripod: $49.99 order, refunded $49.99, no claim
    for column, value in cells.items():
        set_cell(rows, 2, column.replace("_", " "), value)
    return write_rows(tmp_path / "r.tsv", rows)


def test_partial_refund_is_not_claimable_anywhere(desk, tmp_path):
    s = run_import(desk, "returns", _returns(tmp_path, Refunded_Amount="20.00"))
    f = refund(TRIPOD[0])
    assert (f.amount_minor, f.order_minor) == (2000, 4999)
    assert f.not_claimable == ("partial refund: $20.00 of the $49.99 order item was refunded "
                               "(only a fully refunded order can be claimed)")
    assert s.claimable_added == 0 and any("can never be claimed" in n for n in s.notes)
    assert desk.count("claimable") == 0 and desk.window("claimable", 0, 10) == []
    verdict = check(desk, *TRIPOD)
    assert not verdict.ok and f.not_claimable in verdict.problems  # what the new-claim form shows
    # its window passes unclaimed: not money left on the table, it never could be claimed
    later = Desk(desk.target, clock=FixedClock(datetime(2026, 12, 20, tzinfo=UTC)), user="t")
    try:
        assert later.analytics("90d").money_in("USD").expired_refunds == 0
    finally:
        later.close()


def test_full_refund_keeps_the_order_amount_and_stays_claimable(desk):
    s = run_import(desk, "returns", US_RETURNS)
    f = refund(TRIPOD[0])
    assert (f.order_minor, f.not_claimable) == (4999, "")
    assert s.claimable_added == 1 and desk.count("claimable") == 1
    again = run_import(desk, "returns", US_RETURNS)
    assert again.refunds_updated == 0  # the verdict is stored once: the same file changes nothing


def test_automated_refund_named_by_the_report(desk, tmp_path):
    run_import(desk, "returns", _returns(tmp_path, Resolution="AutoRefund"))
    assert refund(TRIPOD[0]).not_claimable.startswith("automated refund (the report says so)")
    assert desk.count("claimable") == 0
    assert not check(desk, *TRIPOD).ok


def test_refund_posted_days_after_the_return_arrived_is_automated(desk, tmp_path):
    run_import(desk, "returns", US_RETURNS)
    assert desk.count("claimable") == 1
    rows = rows_of(US_SETTLEMENT)
    for line in (3, 4):  # the tripod's refund lines
        set_cell(rows, line, "posted-date-time", "2026-10-22 18:02:11 UTC")  # delivered Oct 16: 6 days later
        set_cell(rows, line, "posted-date", "2026-10-22")
    s = run_import(desk, "settlement", write_rows(tmp_path / "s.tsv", rows))
    f = refund(TRIPOD[0])
    assert f.not_claimable == ("automated refund: refunded 6 days after the return was delivered; refunds of "
                               "returns not processed within 4 days cannot be claimed")
    assert f.order_minor == 4999  # kept from the returns report
    assert s.refunds_updated == 2 and desk.count("claimable") == 0


# -- 10. a configured EU marketplace's amounts ------------------------------------------------------

DE = {"amazon.de": {"currency": "EUR", "locale": "de_DE", "timezone": "Europe/Berlin",
                    "filing_basis": "later_of_refund_and_delivery", "filing_days": 30}}


@pytest.fixture
def de_desk(tmp_path):
    d = Desk(str(tmp_path / "de.db"), clock=FixedClock(OCT_20), user="t", policies=Policies(build_policies(DE)))
    yield d
    d.close()


def _de_settlement(tmp_path, *amounts: str):
    rows = rows_of(US_SETTLEMENT)[:3]
    set_cell(rows, 2, "currency", "EUR")
    set_cell(rows, 2, "total-amount", "1.523,41")
    set_cell(rows, 3, "marketplace-name", "Amazon.de")
    rows[2] = rows[2][:]
    for i, value in enumerate(amounts):
        row = rows[2][:] if i else rows[2]
        row[rows[0].index("amount")] = value
        if i:
            row[rows[0].index("order-item-code")] = f"4120339812{i:04d}"
            rows.append(row)
    return write_rows(tmp_path / "de.tsv", rows)


def test_eu_settlement_amounts_are_read_in_the_marketplace_locale(de_desk, tmp_path):
    s = run_import(de_desk, "settlement", _de_settlement(tmp_path, "-49,99", "-1.234,56"))
    assert s.marketplace == "amazon.de" and s.refunds_added == 2
    assert sorted(f.amount_minor for f in Refund.select()) == [4999, 123456]  # not 499900
    assert {f.currency for f in Refund.select()} == {"EUR"}


@pytest.mark.parametrize(("value", "says"), [
    ("-49.99", "not an amount as de_DE writes numbers (e.g. -1.234,56)"),
    ("1,234", "ambiguous: as de_DE writes numbers it is 1.234, more decimals than an amount has"),
])
def test_eu_amount_that_could_be_misread_is_refused_in_one_line(de_desk, tmp_path, value, says):
    with pytest.raises(ReportError) as err:
        run_import(de_desk, "settlement", _de_settlement(tmp_path, value))
    assert str(err.value) == f"de.tsv, line 3, column 'amount': {value!r}: {says}"
    assert "\n" not in str(err.value) and Refund.select().count() == 0
