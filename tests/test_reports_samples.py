"""Every sample in shared/samples imports into the right claims, refunds, deadlines and payouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_reports_support import IN_RETURNS, US_RETURNS, US_SETTLEMENT, utc

from safet_tui.db import Account, Claim, ImportLog, Payout, Product, Refund, StatusEvent
from safet_tui.reports import run_import

pytestmark = pytest.mark.backends("sqlite", "postgresql")

NOW = utc(2026, 11, 23, 12, 0, 0)


def claim(no: str) -> Claim:
    return Claim.get(Claim.claim_no == no)


def refund(order_id: str) -> Refund:
    return Refund.get(Refund.order_id == order_id)


def test_us_returns_report(empty_desk):
    s = run_import(empty_desk, "returns", US_RETURNS)
    assert s.account == "Seller on amazon.com" and s.account_created and s.marketplace == "amazon.com"
    assert s.rows_read == 5
    assert sorted(s.claims_created) == ["3417650022", "3417701188", "3417789012"]
    assert s.claims_updated == [] and s.refunds_added == 4 and s.claimable_added == 1
    assert s.skipped == {"no refund yet (Refunded Amount empty or 0)": [6]}
    account = Account.get()
    assert (account.marketplace, account.currency) == ("amazon.com", "USD")

    c = claim("3417789012")
    assert (c.order_id, c.order_item_id, c.reason, c.status, c.outcome) == (
        "113-0048213-9920134", "55120933871204", "unsellable", "investigating", None)
    assert (c.currency, c.claimed_minor, c.reimbursed_minor, c.paid_minor) == ("USD", 3450, None, 0)
    assert c.filed_at == utc(2026, 10, 7, 14, 22, 5)
    assert (c.reply_by, c.appeal_by, c.due_at) == (None, None, None)
    assert c.changed_at == NOW and c.updated_at == NOW
    p = Product.get_by_id(c.product_id)
    assert (p.sku, p.asin, p.title) == ("LED-DESK-LAMP-BLK", "B09XQ4MZ2T", "LED Desk Lamp with USB Port, Black")

    c = claim("3417701188")
    assert (c.reason, c.status, c.outcome, c.claimed_minor, c.reimbursed_minor) == (
        "different", "resolved", "grant_full", 2799, 2799)
    assert c.filed_at == utc(2026, 9, 27, 9, 1, 44)
    assert (c.appeal_by, c.due_at, c.denial_reason) == (None, None, None)

    c = claim("3417650022")
    assert (c.reason, c.status, c.outcome, c.claimed_minor, c.reimbursed_minor) == (
        "not_returned", "resolved", "no_grant", 4999, 0)
    assert c.denial_reason is None  # the report gives no reason: none is invented
    # No decision time nor appeal-by in the report: the decision is dated by the report's own date
    # (its newest date, 2026-10-24 in Los Angeles), never the import, and the appeal-by is the
    # amazon.com policy's 7 days from there, marked as an estimate. It has passed: closed.
    report_day = utc(2026, 10, 24, 7, 0, 0)
    assert (c.decided_at, c.appeal_by, c.deadline_estimated) == (report_day, report_day + timedelta(days=7), True)
    assert c.due_at is None

    events = [(e.action, e.from_status, e.to_status, e.at) for e in
              StatusEvent.select().where(StatusEvent.claim == c.id).order_by(StatusEvent.id)]
    assert events == [("file", None, "investigating", utc(2026, 10, 6, 17, 45, 10)),
                      ("no_grant", "investigating", "resolved", report_day)]
    assert "returns-report-us.tsv" in StatusEvent.select().order_by(StatusEvent.id.desc()).get().note

    f = refund("112-4829301-5518223")  # the claimable one
    assert (f.order_item_id, f.amount_minor, f.currency, f.claim_id, f.return_reason) == (
        "41203398127731", 4999, "USD", None, "Defective/Does not work properly")
    assert f.refund_at is None
    assert f.delivered_at == utc(2026, 10, 16, 7, 0, 0)  # a date is the start of the day in Los Angeles
    assert f.file_by == utc(2026, 11, 16, 7, 59, 59)  # 30 days: end of Nov 15 in Los Angeles (PST)
    assert f.basis == "return delivery (refund date unknown)"
    assert Product.get_by_id(f.product_id).sku == "CAM-TRIPOD-60"

    f = refund("113-0048213-9920134")
    assert (f.claim_id, f.amount_minor) == (claim("3417789012").id, 3450)
    assert f.file_by == utc(2026, 11, 5, 7, 59, 59)
    f = refund("111-7730019-2283415")
    assert f.file_by == utc(2026, 10, 26, 6, 59, 59)  # end of Oct 25, still PDT
    f = refund("114-2291834-7712096")  # neither refund nor delivery date: counted from the return request
    assert f.delivered_at is None and f.file_by == utc(2026, 10, 4, 6, 59, 59)
    assert f.basis == "return request date (refund and return-delivery dates unknown)"
    assert not Refund.select().where(Refund.order_id == "111-5512093-6620918").exists()

    log = ImportLog.get()
    assert (log.kind, log.file_name, log.at) == ("returns", "returns-report-us.tsv", NOW)
    assert len(log.sha256) == 64 and log.sha256 == s.sha256


def test_us_settlement_after_returns(empty_desk):
    run_import(empty_desk, "returns", US_RETURNS)
    s = run_import(empty_desk, "settlement", US_SETTLEMENT)
    assert s.rows_read == 5 and s.refunds_updated == 2 and s.refunds_added == 0
    assert s.payouts_matched == ["3417701188"] and s.payouts_unmatched == []
    assert s.skipped == {"settlement summary row": [2]}

    f = refund("112-4829301-5518223")
    assert f.refund_at == utc(2026, 10, 13, 18, 2, 11)
    assert f.basis == "return delivery"  # the later of refund and delivery
    assert f.file_by == utc(2026, 11, 16, 7, 59, 59)
    assert refund("113-0048213-9920134").refund_at == utc(2026, 10, 2, 11, 40, 9)

    p = Payout.get()
    assert (p.claim_id, p.order_id, p.adjustment_id, p.currency, p.amount_minor) == (
        claim("3417701188").id, "111-7730019-2283415", "3417701188", "USD", 2799)
    assert p.posted_at == utc(2026, 10, 9, 8, 12, 55)
    assert "settlement-v2-us.tsv" in p.source
    assert claim("3417701188").paid_minor == 2799


def test_settlement_first_then_returns_reconciles(empty_desk):
    s = run_import(empty_desk, "settlement", US_SETTLEMENT)
    assert s.refunds_added == 2 and s.payouts_matched == []
    [unmatched] = s.payouts_unmatched
    assert (unmatched.line, unmatched.order_id, unmatched.adjustment_id, str(unmatched.amount.amount)) == (
        6, "111-7730019-2283415", "3417701188", "27.99")
    assert "unmatched payout, line 6" in str(s)
    assert Payout.get().claim_id is None  # kept, not dropped
    f = refund("112-4829301-5518223")
    assert f.basis == "refund date (return delivery unknown)"
    assert f.file_by == utc(2026, 11, 13, 7, 59, 59)  # Oct 13 (LA) + 30 days
    assert refund("113-0048213-9920134").file_by == utc(2026, 11, 2, 7, 59, 59)  # Nov 1 ends in PST

    s = run_import(empty_desk, "returns", US_RETURNS)
    assert s.payouts_matched == ["3417701188"]
    assert Payout.get().claim_id == claim("3417701188").id and claim("3417701188").paid_minor == 2799
    assert s.refunds_added == 2 and s.refunds_updated == 2
    f = refund("112-4829301-5518223")
    assert (f.basis, f.file_by) == ("return delivery", utc(2026, 11, 16, 7, 59, 59))
    assert refund("113-0048213-9920134").claim_id == claim("3417789012").id
    assert Refund.select().count() == 4


def test_india_returns_report(empty_desk):
    s = run_import(empty_desk, "returns", IN_RETURNS)
    assert (s.account, s.marketplace, s.rows_read) == ("Seller on amazon.in", "amazon.in", 2)
    assert s.claims_created == ["7781200345"] and s.claimable_added == 1
    c = claim("7781200345")
    assert (c.order_id, c.reason, c.status, c.currency, c.claimed_minor) == (
        "402-8817203-1193342", "different", "awaiting", "INR", 124900)
    assert c.filed_at == utc(2026, 10, 11, 0, 45, 0)
    # Reply-by not in the report: estimated, never from the import. The claim was still awaiting on
    # the report's date (2026-10-20 in Kolkata), so that is the earliest the reply-by can be.
    assert c.reply_by == utc(2026, 10, 19, 18, 30, 0) == c.due_at and c.deadline_estimated
    f = refund("403-2219982-4410921")
    assert (f.amount_minor, f.currency, f.claim_id) == (64900, "INR", None)
    assert f.delivered_at == utc(2026, 10, 19, 18, 30, 0)  # midnight in Kolkata
    assert f.file_by == utc(2026, 10, 27, 18, 29, 59)  # 7 days from return delivery, end of day IST
    assert f.basis == "return delivery"
    assert refund("402-8817203-1193342").amount_minor == 124900  # "1,249.00"


def test_demo_desk_uses_its_one_account_per_marketplace(desk):
    s = run_import(desk, "returns", US_RETURNS)
    assert s.account == "Northwind Goods" and not s.account_created
    s = run_import(desk, "returns", IN_RETURNS)
    assert s.account == "Saffron Home" and not s.account_created
    assert claim("7781200345").account_id == Account.get(Account.name == "Saffron Home").id


def test_several_accounts_stop_and_list_them(desk):
    from safet_tui.reports import AccountChoiceError

    Account.create(name="Second Store", marketplace="amazon.com", currency="USD")
    before = Claim.select().count()
    with pytest.raises(AccountChoiceError) as err:
        run_import(desk, "returns", US_RETURNS)
    assert err.value.accounts == ["Northwind Goods", "Second Store"]
    assert "--account" in str(err.value) and Claim.select().count() == before
    s = run_import(desk, "returns", US_RETURNS, account="Second Store")
    assert s.account == "Second Store" and not s.account_created
    s = run_import(desk, "returns", IN_RETURNS, account="Brand New")
    assert s.account_created and Account.get(Account.name == "Brand New").marketplace == "amazon.in"


def test_auto_detects_the_kind(empty_desk):
    from safet_tui.reports import detect_kind

    assert detect_kind(US_RETURNS) == "returns" and detect_kind(US_SETTLEMENT) == "settlement"
    assert run_import(empty_desk, "auto", US_SETTLEMENT).kind == "settlement"


def test_progress_reaches_the_total(empty_desk):
    seen = []
    run_import(empty_desk, "returns", US_RETURNS, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (10, 10)
    assert all(0 <= d <= t for d, t in seen)
