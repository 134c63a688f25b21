"""Filing eligibility: every rule, each problem in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from safet_tui.domain.eligibility import check_filing, is_automated_text, why_not_claimable
from safet_tui.domain.marketplaces import DEFAULT_POLICIES
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import (
    REASONS,
    Evidence,
    ReasonError,
    missing_evidence,
    reason,
    reason_from_report,
)

LA = ZoneInfo("America/Los_Angeles")
US = DEFAULT_POLICIES["amazon.com"]
IN = DEFAULT_POLICIES["amazon.in"]
REFUND = datetime(2026, 11, 10, 10, 0, tzinfo=LA)
DELIVERED = datetime(2026, 11, 12, 14, 0, tzinfo=LA)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 04:00 in Los Angeles
FILE_BY = datetime(2026, 12, 12, 23, 59, 59, tzinfo=LA)


def test_eligible_with_days_left_and_basis():
    result = check_filing(US, NOW, REFUND, DELIVERED, amount=Money.of("20", "USD"), refunded=Money.of("20", "USD"),
                          reason=reason("abuse"), description="Buyer returned a different colour.")
    assert result.ok and result.problems == ()
    assert result.file_by == FILE_BY
    assert result.basis == "return delivery"
    assert result.left == "19d 19h left"
    assert result.summary == "Eligible: 19d 19h left (file by 2026-12-12 23:59 PST, from return delivery)"


def test_before_the_refund_posted():
    result = check_filing(US, NOW, None, DELIVERED)
    assert not result.ok
    assert result.problems == ("the refund has not posted yet: a claim can only be filed after the refund",)
    assert result.file_by == FILE_BY  # the window is still known from the delivery

    later = datetime(2026, 11, 24, 9, 0, tzinfo=LA)
    result = check_filing(US, NOW, later, None)
    assert result.problems == ("the refund posts on 2026-11-24 09:00 PST: file after that",)


def test_refund_posted_at_this_very_second_is_fine():
    assert check_filing(US, NOW, NOW, None).ok


def test_window_passed():
    result = check_filing(US, FILE_BY + timedelta(seconds=1), REFUND, DELIVERED)
    assert result.problems == ("the filing window closed on 2026-12-12 23:59 PST (return delivery)",)
    assert result.summary == "the filing window closed on 2026-12-12 23:59 PST (return delivery)"
    assert result.left == "overdue 0m"


def test_already_claimed():
    result = check_filing(US, NOW, REFUND, DELIVERED, already_claimed=True)
    assert result.problems == ("this order item already has a claim (one claim per order item)",)


def test_partial_refund_is_not_claimable():
    # Issue 9.7: a $20 refund of a $49.99 order item was listed as claimable.
    result = check_filing(US, NOW, REFUND, DELIVERED, refunded=Money.of("20", "USD"),
                          order_amount=Money.of("49.99", "USD"))
    assert result.problems == ("partial refund: $20.00 of the $49.99 order item was refunded "
                               "(only a fully refunded order can be claimed)",)
    # Amazon lets return shipping or a restocking fee come off a full refund (up to 20% by default).
    assert why_not_claimable(US, 3999, 4999) == ""
    assert why_not_claimable(US, 3998, 4999).startswith("partial refund: $39.98 of the $49.99 order item")
    assert why_not_claimable(US, 4999, 4999) == ""
    assert why_not_claimable(US, 2000, None) == ""  # the order amount is unknown: no verdict


def test_automated_refund_named_by_the_report():
    assert is_automated_text("C-Returns", "AutoRefund") and is_automated_text("Automated Refund", "")
    assert not is_automated_text("C-Returns", "StandardRefund") and not is_automated_text("Refund at First Scan")
    result = check_filing(US, NOW, None, DELIVERED, posted=True, automated=True)
    assert result.problems == ("automated refund (the report says so): Amazon refunded a return that was not "
                               "processed within 4 days, which cannot be claimed",)


def test_automated_refund_by_its_dates_counts_local_calendar_days():
    delivered = datetime(2026, 11, 12, 0, 0, tzinfo=LA)
    on_day_4 = datetime(2026, 11, 16, 23, 0, tzinfo=LA)
    assert check_filing(US, NOW, on_day_4, delivered).ok
    on_day_5 = datetime(2026, 11, 17, 0, 30, tzinfo=LA)
    assert check_filing(US, NOW, on_day_5, delivered).problems == (
        "automated refund: refunded 5 days after the return was delivered; refunds of returns not processed "
        "within 4 days cannot be claimed",)


def test_stored_verdict_is_kept_and_said_once():
    known = "automated refund (the report says so): Amazon refunded a return that was not processed within 4 days, " \
            "which cannot be claimed"
    late = datetime(2026, 11, 20, 9, 0, tzinfo=LA)
    assert why_not_claimable(US, refund_at=late, delivered_at=DELIVERED, known=known) == known
    result = check_filing(US, NOW, None, DELIVERED, posted=True, not_claimable=known)
    assert result.problems == (known,)


def test_posted_refund_without_a_date_is_fileable_and_says_what_the_window_counts_from():
    # Issue 9.1: a returns report gives the refunded amount but no refund date.
    result = check_filing(US, NOW, None, DELIVERED, posted=True)
    assert result.ok and result.file_by == FILE_BY
    assert result.summary == ("Eligible: 19d 19h left (file by 2026-12-12 23:59 PST, from return delivery "
                              "(refund date unknown))")
    requested = datetime(2026, 11, 5, 9, 0, tzinfo=LA)
    result = check_filing(US, NOW, None, None, posted=True, requested_at=requested)
    assert result.ok and result.basis == "return request date (refund and return-delivery dates unknown)"
    assert result.file_by == datetime(2026, 12, 5, 23, 59, 59, tzinfo=LA)
    stored = (datetime(2026, 12, 1, 23, 59, 59, tzinfo=LA), "return request date (refund and return-delivery "
              "dates unknown)")
    result = check_filing(IN, NOW, None, None, posted=True, window=stored)
    assert result.ok and (result.file_by, result.basis) == stored
    # Not posted: nothing known about the refund, or a refund date still to come.
    assert not check_filing(US, NOW, None, None, window=stored).ok


def test_india_refund_from_a_report_counts_from_return_delivery():
    ist = ZoneInfo("Asia/Kolkata")
    delivered = datetime(2026, 11, 20, 0, 0, tzinfo=ist)
    result = check_filing(IN, NOW, None, delivered, posted=True)
    assert result.ok and result.basis == "return delivery"
    assert result.file_by == datetime(2026, 11, 27, 23, 59, 59, tzinfo=ist)


def test_amount_rules():
    def problems(amount, refunded=None, policy=US):
        return check_filing(policy, NOW, REFUND, DELIVERED, amount=amount, refunded=refunded).problems

    assert problems(Money.of("10", "INR")) == ("amount is in INR; amazon.com claims are in USD",)
    assert problems(Money.zero("USD")) == ("the claimed amount must be more than zero",)
    assert problems(Money.of("20.01", "USD"), Money.of("20", "USD")) == (
        "the claimed amount $20.01 is more than the $20.00 refunded",
    )
    assert problems(Money.of("20", "USD"), Money.of("20", "USD")) == ()
    in_result = check_filing(IN, NOW, REFUND, NOW - timedelta(days=2), amount=Money.of("20", "USD"))
    assert in_result.problems == ("amount is in USD; amazon.in claims are in INR",)


@pytest.mark.parametrize("description", ["", "   ", "\n\t"])
def test_description_required(description):
    result = check_filing(US, NOW, REFUND, DELIVERED, description=description)
    assert result.problems == ("every claim needs a description",)


EVIDENCE_NEEDED = {
    "abuse": (),
    "unsellable": (Evidence.ITEM_PHOTOS, Evidence.PACKAGE_LABEL_PHOTOS),
    "different": (Evidence.ITEM_PHOTOS, Evidence.PACKAGE_LABEL_PHOTOS),
    "not_returned": (),
    "replacement_refunded": (Evidence.BUYER_AGREEMENT, Evidence.REPLACEMENT_TRACKING),
    "label_refunded": (Evidence.RETURN_REASON_CODE,),
    "never_arrived": (Evidence.PROOF_OF_DELIVERY,),
    "outside_window": (),
}


def test_the_eight_reasons_and_their_evidence():
    assert [r.code for r in REASONS] == list(EVIDENCE_NEEDED)
    for code, needed in EVIDENCE_NEEDED.items():
        assert reason(code).evidence == needed


@pytest.mark.parametrize("code", list(EVIDENCE_NEEDED))
def test_missing_evidence_per_reason(code):
    needed = EVIDENCE_NEEDED[code]
    bare = check_filing(US, NOW, REFUND, DELIVERED, reason=reason(code), description="d")
    assert bare.missing == needed
    if needed:
        assert bare.problems == ("missing evidence: " + ", ".join(e.label for e in needed),)
    else:
        assert bare.ok
    full = check_filing(US, NOW, REFUND, DELIVERED, reason=reason(code), description="d", evidence=set(needed))
    assert full.ok and full.missing == ()


def test_partial_evidence_names_only_what_is_missing():
    result = check_filing(US, NOW, REFUND, DELIVERED, reason=reason("unsellable"),
                          evidence={Evidence.ITEM_PHOTOS, Evidence.PROOF_OF_DELIVERY})
    assert result.missing == (Evidence.PACKAGE_LABEL_PHOTOS,)
    assert result.problems == ("missing evidence: Photos of the return package, label visible",)
    assert missing_evidence(reason("never_arrived"), {Evidence.PROOF_OF_DELIVERY}) == []


def test_every_problem_is_listed_together():
    result = check_filing(
        US, FILE_BY + timedelta(days=1), REFUND, DELIVERED, already_claimed=True,
        amount=Money.of("0", "USD"), reason=reason("never_arrived"), description="",
    )
    assert result.problems == (
        "the filing window closed on 2026-12-12 23:59 PST (return delivery)",
        "this order item already has a claim (one claim per order item)",
        "the claimed amount must be more than zero",
        "every claim needs a description",
        "missing evidence: Proof of delivery / signature",
    )
    assert result.summary == "; ".join(result.problems)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        check_filing(US, datetime(2026, 11, 23, 12, 0), REFUND, DELIVERED)


def test_reason_lookup_from_reports():
    assert reason_from_report("Item Returned Damaged").code == "unsellable"
    assert reason_from_report("  return   abuse ").code == "abuse"
    assert reason_from_report("never_arrived").code == "never_arrived"
    assert reason_from_report("Late return").code == "outside_window"
    with pytest.raises(ReasonError, match="unknown SAFE-T reason 'teleported'"):
        reason_from_report("teleported")
    with pytest.raises(ReasonError, match="unknown claim reason 'nope'"):
        reason("nope")


def test_order_id_must_look_like_an_amazon_order():
    check = check_filing
    policy = DEFAULT_POLICIES["amazon.com"]
    refund = datetime(2026, 11, 20, tzinfo=UTC)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert check(policy, now, refund, order_id="112-4829301-5518223").ok
    assert check(policy, now, refund, order_id="D01-4829301-5518223").ok
    bad = check(policy, now, refund, order_id="x")
    assert bad.problems == ("'x' is not an Amazon order id (3-7-7 digits, like 112-4829301-5518223)",)
