"""Analytics figures against a small database whose every figure is computed by hand.

Timeline (day 0 = 60 days before the frozen NOW, 2026-09-24 12:00 UTC):

  day  0  file C1 US abuse $100 (MUG-1), C2 US not_returned $50 (MUG-1), C3 IN abuse ₹1,000 (SAREE)
  day  2  C1 granted in full $100                      -> first decision after 2 days
  day  4  C2 No-Grant "Insufficient evidence provided" -> 4 days
  day  5  C2 appealed
  day  6  C3 partial grant ₹400                        -> 6 days
  day  8  C2 appeal granted in full $50                (appeal overturned a No-Grant: success)
  day 10  file C4 US abuse $80 (LAMP), C5 IN not_returned ₹500 (SAREE)
  day 13  C4 No-Grant "Photos do not show the return label" -> 3 days
  day 14  C4 appealed
  day 16  C4 appeal denied                             (appeal failed)
  day 20  C5 information requested (stays Awaiting); file C6 US abuse $30 (LAMP), stays open
  day 21  file C7 IN abuse ₹200 (SAREE)
  day 22  C7 No-Grant "Insufficient evidence provided" -> 1 day
  day 60  NOW

Claimable refunds (no claim): R1 $25 file-by NOW-5d and R2 $10 file-by NOW-40d (expired),
R3 ₹300 file-by NOW+2d (expiring), R4 ₹100 file-by NOW+10d.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from safet_tui.db import Account, Refund
from safet_tui.domain import periods
from safet_tui.domain.money import Money
from safet_tui.export import analytics as exp

pytestmark = pytest.mark.backends("sqlite", "postgresql")

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
MUG_TITLE = "Mug [b]bold[/b] <script>"


def usd(x: str) -> Money:
    return Money.of(x, "USD")


def inr(x: str) -> Money:
    return Money.of(x, "INR")


@pytest.fixture
def small(empty_desk, clock):
    desk = empty_desk
    us = Account.create(name="Acme US", marketplace="amazon.com", currency="USD")
    india = Account.create(name="Acme IN", marketplace="amazon.in", currency="INR")
    clock.advance(days=-60)
    day = 0

    def to(d: int) -> None:
        nonlocal day
        clock.advance(days=d - day)
        day = d

    def file(no: str, account, reason: str, amount: Money, sku: str, title: str) -> None:
        now = clock.now()
        desk.file_claim(account_id=account.id, order_id=f"111-{int(no[1:]):07d}-0000001", order_item_id="1", reason_code=reason,
                        amount=amount, description=f"claim {no}", refund_at=now - timedelta(days=1),
                        delivered_at=now - timedelta(days=1), sku=sku, title=title, claim_no=no)

    file("C1", us, "abuse", usd("100"), "MUG-1", MUG_TITLE)
    file("C2", us, "not_returned", usd("50"), "MUG-1", MUG_TITLE)
    file("C3", india, "abuse", inr("1000"), "SAREE", "Silk Saree")
    to(2)
    desk.as_role("amazon").grant("C1", usd("100"))
    to(4)
    desk.as_role("amazon").no_grant("C2", "Insufficient evidence provided")
    to(5)
    desk.appeal("C2", "The buyer kept the item; tracking attached.")
    to(6)
    desk.as_role("amazon").grant("C3", inr("400"))
    to(8)
    desk.as_role("amazon").grant("C2", usd("50"))
    to(10)
    file("C4", us, "abuse", usd("80"), "LAMP", "Desk Lamp")
    file("C5", india, "not_returned", inr("500"), "SAREE", "Silk Saree")
    to(13)
    desk.as_role("amazon").no_grant("C4", "Photos do not show the return label")
    to(14)
    desk.appeal("C4", "Here are better photos.")
    to(16)
    desk.as_role("amazon").no_grant("C4", "Photos do not show the return label")
    to(20)
    file("C6", us, "abuse", usd("30"), "LAMP", "Desk Lamp")
    to(21)
    file("C7", india, "abuse", inr("200"), "SAREE", "Silk Saree")
    to(22)
    desk.as_role("amazon").no_grant("C7", "Insufficient evidence provided")
    to(59)  # asked a day ago: its reply-by has not passed (a passed one would end it in No-Grant)
    desk.as_role("amazon").request_info("C5", "Please send the tracking number.")
    to(60)
    assert clock.now() == NOW
    for order, account, currency, minor, file_by in (
        ("R1", us, "USD", 2500, NOW - timedelta(days=5)),
        ("R2", us, "USD", 1000, NOW - timedelta(days=40)),
        ("R3", india, "INR", 30000, NOW + timedelta(days=2)),
        ("R4", india, "INR", 10000, NOW + timedelta(days=10)),
    ):
        Refund.create(account=account, order_id=order, currency=currency, amount_minor=minor,
                      refund_at=file_by - timedelta(days=30), file_by=file_by, created_at=file_by - timedelta(days=30))
    desk.us, desk.india = us, india
    return desk


def test_headline_all_time(small):
    a = small.analytics("all")
    h = a.headline
    assert (h.claims, h.decided, h.open) == (7, 5, 2)
    assert (h.granted_full, h.granted_partial, h.no_grant) == (2, 1, 2)
    assert h.share_full == pytest.approx(0.4)
    assert h.share_partial == pytest.approx(0.2)
    assert h.share_no_grant == pytest.approx(0.4)
    # first decisions after 1, 2, 3, 4 and 6 days: the median is 3 days
    assert h.median_days == pytest.approx(3.0)
    assert h.timed == 5
    # C2's appeal turned a No-Grant into a grant; C4's was denied
    assert (h.appeals_filed, h.appeals_decided, h.appeals_won) == (2, 2, 1)
    assert h.appeal_success == pytest.approx(0.5)
    assert a.currencies == ("INR", "USD")


def test_money_is_per_currency(small):
    a = small.analytics("all")
    u, i = a.money_in("USD"), a.money_in("INR")
    assert (u.claims, u.claimed, u.decided, u.decided_claimed, u.reimbursed) == (
        4, usd("260"), 3, usd("230"), usd("150"))
    assert u.recovery_rate == pytest.approx(150 / 230)
    assert (u.open_claims, u.at_stake) == (1, usd("30"))
    assert (u.expired_refunds, u.expired, u.expiring_refunds, u.expiring) == (2, usd("35"), 0, usd("0"))
    assert (i.claims, i.claimed, i.decided, i.decided_claimed, i.reimbursed) == (
        3, inr("1700"), 2, inr("1200"), inr("400"))
    assert i.recovery_rate == pytest.approx(1 / 3)
    assert (i.open_claims, i.at_stake) == (1, inr("500"))
    assert (i.expired_refunds, i.expired, i.expiring_refunds, i.expiring) == (0, inr("0"), 1, inr("300"))


def test_reasons_denials_products(small):
    a = small.analytics("all")
    mix = {m.reason: (m.full, m.partial, m.no_grant, m.open) for m in a.outcome_mix}
    assert mix == {"abuse": (1, 1, 2, 1), "not_returned": (1, 0, 0, 1)}
    rec = {(r.reason, r.currency): (r.decided, r.claimed, r.reimbursed) for r in a.recovery}
    assert rec == {
        ("abuse", "USD"): (2, usd("180"), usd("100")),
        ("abuse", "INR"): (2, inr("1200"), inr("400")),
        ("not_returned", "USD"): (1, usd("50"), usd("50")),
    }
    rates = {(r.reason, r.currency): r.rate for r in a.recovery}
    assert rates[("abuse", "USD")] == pytest.approx(100 / 180)
    assert rates[("not_returned", "USD")] == pytest.approx(1.0)
    assert [(d.rank, d.reason, d.count, d.top) for d in a.denials] == [
        (1, "Insufficient evidence provided", 1, True),
        (2, "Photos do not show the return label", 1, True),
    ]
    assert [d.share for d in a.denials] == [0.5, 0.5]
    assert [(p.rank, p.sku, p.claims, p.claimed, p.reimbursed, p.top) for p in a.products] == [
        (1, "SAREE", 3, inr("1700"), inr("400"), True),
        (2, "MUG-1", 2, usd("150"), usd("150"), True),
        (3, "LAMP", 2, usd("110"), usd("0"), True),
    ]
    assert a.products[1].title == MUG_TITLE


def test_series_by_month(small):
    a = small.analytics("all", bucket="month")
    assert a.bucket == "month"
    got = [(p.label, p.claims, p.reimbursed) for p in a.series]
    assert got == [
        ("2026-09", 3, {"INR": inr("400"), "USD": usd("100")}),  # C1 and C3 decided in September
        ("2026-10", 4, {"USD": usd("50")}),  # C2's appeal granted on 2 October
        ("2026-11", 0, {}),
    ]


def test_series_by_week_fills_empty_weeks(small):
    a = small.analytics("2026-09-21:2026-10-11", bucket="week")
    assert [p.label for p in a.series] == ["2026-09-21", "2026-09-28", "2026-10-05"]
    # C1-C3 on Thu 24 Sep; C4-C5 on Sun 4 Oct, the last day of the week from 28 Sep
    assert [p.claims for p in a.series] == [3, 2, 0]
    # C1 decided Sat 26 Sep; C3 Wed 30 Sep; C2's appeal Fri 2 Oct
    assert [p.reimbursed for p in a.series] == [
        {"USD": usd("100")}, {"INR": inr("400"), "USD": usd("50")}, {}]


def test_custom_period_and_appeal_that_failed(small):
    a = small.analytics("2026-10-04:2026-10-15")  # C4 .. C7
    h = a.headline
    assert (h.claims, h.decided, h.no_grant, h.granted_full) == (4, 2, 2, 0)
    assert h.share_no_grant == pytest.approx(1.0)
    assert h.median_days == pytest.approx(2.0)  # 3 days and 1 day
    assert (h.appeals_filed, h.appeals_decided, h.appeals_won) == (1, 1, 0)
    assert h.appeal_success == 0.0
    assert a.money_in("USD").recovery_rate == 0.0
    assert a.period.start == datetime(2026, 10, 4, tzinfo=UTC)
    assert a.period.end == datetime(2026, 10, 16, tzinfo=UTC)
    assert a.bucket == "week"


def test_periods_move_refunds_left_on_the_table(small):
    assert small.analytics("30d").money_in("USD").expired == usd("25")  # R1 only
    assert small.analytics("90d").money_in("USD").expired == usd("35")  # R1 and R2
    a30 = small.analytics("30d")
    assert a30.headline.claims == 0  # nothing filed in the last 30 days
    assert a30.money_in("USD").at_stake == usd("30")  # at stake is now, whatever the period
    assert small.analytics("90d").headline.claims == 7


def test_account_and_marketplace_filters(small):
    a = small.analytics("all", account="Acme IN")
    assert a.currencies == ("INR",)
    assert (a.headline.claims, a.headline.decided, a.headline.granted_partial) == (3, 2, 1)
    assert a.headline.share_partial == pytest.approx(0.5)
    assert a.scope.label == "Acme IN (amazon.in)"
    b = small.analytics("all", account=small.us.id)
    assert b.currencies == ("USD",) and b.headline.claims == 4
    c = small.analytics("all", marketplace="amazon.com")
    assert c.headline.claims == 4 and [p.sku for p in c.products] == ["MUG-1", "LAMP"]
    with pytest.raises(periods.AnalyticsError, match="no account"):
        small.analytics("all", account="Nobody")


def test_period_parsing():
    assert periods.parse_period("30d", NOW).start == NOW - timedelta(days=30)
    assert periods.parse_period("12m", NOW).start == datetime(2025, 11, 23, 12, tzinfo=UTC)
    assert periods.parse_period("all", NOW).start is None
    p = periods.parse_period("2026-01-01:2026-01-31", NOW)
    assert (p.start.date(), p.end.date(), p.spec) == (date(2026, 1, 1), date(2026, 2, 1), "2026-01-01:2026-01-31")
    for bad in ("7w", "2026-02-01:2026-01-01", "2026-13-01:2026-12-31"):
        with pytest.raises(periods.AnalyticsError):
            periods.parse_period(bad, NOW)


def test_empty_database(empty_desk):
    a = empty_desk.analytics("90d")
    assert a.headline.claims == 0 and a.headline.share_full is None and a.headline.median_days is None
    assert a.currencies == () and a.products == () and a.denials == ()
    assert "Claims filed       0" in exp.to_text(a)


def test_exports_carry_the_same_figures(small):
    a = small.analytics("all")
    data = json.loads(exp.to_json(a))
    assert data["headline"]["claims_filed"] == 7
    assert data["headline"]["appeal_success_rate"] == 0.5
    assert data["money"]["USD"]["reimbursed"] == {"amount": "150.00", "currency": "USD"}
    assert data["money"]["INR"]["expiring_3d"] == {"amount": "300.00", "currency": "INR"}
    assert data["top_products"][1]["title"] == MUG_TITLE
    rows = list(csv.reader(io.StringIO(exp.to_csv(a))))
    assert rows[0] == list(exp.CSV_HEADER)
    assert ["money", "", "", "USD", "recovery_rate", str(round(150 / 230, 6))] in rows
    assert ["headline", "", "", "", "median_days_to_decision", "3.0"] in rows


def test_report_command(small, capsys, tmp_path):
    from safet_tui.cli.main import main

    db = str(small.target)
    # on PostgreSQL who you are is the server login (--user does not apply there)
    user = [] if db.startswith("postgresql://") else ["--user", "tester"]
    assert main(["report", "--db", db, "--period", "all", "--format", "json", *user]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["headline"]["claims_filed"] == 7 and data["money"]["INR"]["claimed"]["amount"] == "1700.00"
    assert main(["report", "--db", db, "--period", "all", "--account", "Acme US"]) == 0
    out = capsys.readouterr().out
    assert "Acme US (amazon.com)" in out and "$260.00" in out and "₹" not in out
    assert main(["report", "--db", db, "--format", "csv", "--period", "all"]) == 0
    assert capsys.readouterr().out.startswith("section,key,label,currency,metric,value\r\n")  # CRLF, RFC 4180: see csv_cells
    assert main(["report", "--db", db, "--period", "bogus"]) == 2
    assert "unknown period" in capsys.readouterr().err
