"""Marketplace policies: every window rule at its boundaries, and overrides from config."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from safet_tui.config import ConfigError, load_config, parse_config
from safet_tui.domain.eligibility import check_filing
from safet_tui.domain.marketplaces import DEFAULT_POLICIES, Policies, PolicyError, build_policies

LA = ZoneInfo("America/Los_Angeles")
IST = ZoneInfo("Asia/Kolkata")
US = DEFAULT_POLICIES["amazon.com"]
IN = DEFAULT_POLICIES["amazon.in"]
SECOND = timedelta(seconds=1)


def assert_window(policy, refund_at, delivered_at, last_inside):
    """``last_inside`` is the last second a claim may be filed; the next second is too late."""
    assert policy.file_by(refund_at, delivered_at) == last_inside
    inside = check_filing(policy, last_inside, refund_at, delivered_at)
    assert inside.ok, inside.problems
    outside = check_filing(policy, last_inside + SECOND, refund_at, delivered_at)
    assert not outside.ok
    assert outside.problems == (
        f"the filing window closed on {last_inside:%Y-%m-%d %H:%M %Z} ({inside.basis})",
    )


# -- amazon.com -------------------------------------------------------------------

def test_defaults_as_data():
    assert (US.currency, US.timezone, US.filing_days, US.legacy_filing_days) == ("USD", "America/Los_Angeles", 30, 60)
    assert US.legacy_before == date(2026, 2, 16)
    assert (IN.currency, IN.timezone, IN.filing_days, IN.legacy_before) == ("INR", "Asia/Kolkata", 7, None)
    assert IN.workweek == (0, 1, 2, 3, 4, 5)


def test_us_window_counts_from_return_delivery_when_it_is_later():
    refund = datetime(2026, 3, 2, 10, 0, tzinfo=LA)
    delivered = datetime(2026, 3, 5, 8, 0, tzinfo=LA)
    last = datetime(2026, 4, 4, 23, 59, 59, tzinfo=LA)
    assert last == datetime(2026, 4, 5, 6, 59, 59, tzinfo=UTC)  # PDT
    assert_window(US, refund, delivered, last)
    assert US.filing_basis_at(refund, delivered) == (delivered, "return delivery")


def test_us_window_counts_from_refund_when_it_is_later():
    refund = datetime(2026, 3, 10, 9, 30, tzinfo=LA)
    delivered = datetime(2026, 3, 7, 12, 0, tzinfo=LA)  # more than 4 days earlier would be an automated refund
    assert_window(US, refund, delivered, datetime(2026, 4, 9, 23, 59, 59, tzinfo=LA))
    assert US.filing_basis_at(refund, delivered) == (refund, "refund date")


def test_us_window_is_in_marketplace_local_days():
    # 2026-03-11 03:00 UTC is still March 10 in Los Angeles.
    refund = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
    assert_window(US, refund, None, datetime(2026, 4, 9, 23, 59, 59, tzinfo=LA))


# Amazon's announcement keys the 60 -> 30 day change on the day a claim is FILED: "Once the new filing
# window takes effect, you won't be able to submit claims for events that occurred more than 30 days ago."

def test_us_claims_filed_before_2026_02_16_get_60_days():
    assert US.filing_window_days(datetime(2026, 2, 15, 23, 59, 59, tzinfo=LA)) == 60
    # A refund of December 1: 60 days end on January 30, before the change.
    assert_window(US, datetime(2025, 12, 1, 10, 0, tzinfo=LA), None, datetime(2026, 1, 30, 23, 59, 59, tzinfo=LA))


def test_us_claims_filed_from_2026_02_16_get_30_days():
    assert US.filing_window_days(datetime(2026, 2, 16, 0, 0, 0, tzinfo=LA)) == 30
    first_new = datetime(2026, 2, 16, 0, 0, 0, tzinfo=LA)
    assert_window(US, first_new, None, datetime(2026, 3, 18, 23, 59, 59, tzinfo=LA))


def test_us_january_refund_filed_after_the_change_has_30_days_not_60():
    # January 20 + 30 days = February 19, after the change: the 30-day window applies, not 60 (March 21).
    refund = datetime(2026, 1, 20, 12, 0, tzinfo=LA)
    assert_window(US, refund, None, datetime(2026, 2, 19, 23, 59, 59, tzinfo=LA))
    assert not check_filing(US, datetime(2026, 3, 1, 12, 0, tzinfo=LA), refund).ok


def test_us_refund_whose_30_days_end_before_the_change_keeps_60_days_until_the_change():
    # January 10 + 30 = February 9, before the change: the old 60 days run, but only until February 15.
    refund = datetime(2026, 1, 10, 12, 0, tzinfo=LA)
    assert_window(US, refund, None, datetime(2026, 2, 15, 23, 59, 59, tzinfo=LA))
    assert check_filing(US, datetime(2026, 2, 12, 9, 0, tzinfo=LA), refund).ok  # day 33: fine under 60 days


def test_us_legacy_rule_follows_the_later_of_refund_and_delivery():
    refund = datetime(2026, 2, 10, 12, 0, tzinfo=LA)
    delivered = datetime(2026, 2, 20, 12, 0, tzinfo=LA)
    assert_window(US, refund, delivered, datetime(2026, 3, 22, 23, 59, 59, tzinfo=LA))


def test_us_unknown_dates():
    delivered = datetime(2026, 3, 5, 8, 0, tzinfo=LA)
    assert US.filing_basis_at(None, delivered) == (delivered, "return delivery (refund date unknown)")
    refund = datetime(2026, 3, 5, 8, 0, tzinfo=LA)
    assert US.filing_basis_at(refund, None) == (refund, "refund date (return delivery unknown)")
    with pytest.raises(PolicyError, match="neither refund date nor return-delivery date"):
        US.file_by(None, None)


# -- amazon.in ---------------------------------------------------------------------

def test_in_window_is_seven_days_from_return_delivery():
    refund = datetime(2026, 11, 9, 11, 0, tzinfo=IST)
    delivered = datetime(2026, 11, 10, 15, 0, tzinfo=IST)
    last = datetime(2026, 11, 17, 23, 59, 59, tzinfo=IST)
    assert last == datetime(2026, 11, 17, 18, 29, 59, tzinfo=UTC)
    assert_window(IN, refund, delivered, last)


def test_in_window_ignores_a_later_refund():
    refund = datetime(2026, 11, 12, 11, 0, tzinfo=IST)
    delivered = datetime(2026, 11, 10, 15, 0, tzinfo=IST)
    assert_window(IN, refund, delivered, datetime(2026, 11, 17, 23, 59, 59, tzinfo=IST))
    assert IN.filing_basis_at(refund, delivered) == (delivered, "return delivery")


def test_in_window_falls_back_to_refund_date():
    refund = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # Nov 10, 05:00 in India
    assert IN.filing_basis_at(refund, None) == (refund, "refund date (return delivery unknown)")
    assert_window(IN, refund, None, datetime(2026, 11, 17, 23, 59, 59, tzinfo=IST))


def test_in_has_no_legacy_rule():
    delivered = datetime(2026, 2, 10, 12, 0, tzinfo=IST)
    assert IN.filing_window_days(delivered) == 7
    assert IN.file_by(delivered, delivered) == datetime(2026, 2, 17, 23, 59, 59, tzinfo=IST)


# -- reply-by and appeal-by -------------------------------------------------------------

@pytest.mark.parametrize(
    ("requested", "reply_by"),
    [
        # Friday: Saturday counts, Sunday does not -> Sat, Mon, Tue
        (datetime(2026, 11, 20, 10, 0, tzinfo=IST), datetime(2026, 11, 24, 10, 0, tzinfo=IST)),
        # Thursday -> Fri, Sat, Mon
        (datetime(2026, 11, 19, 10, 0, tzinfo=IST), datetime(2026, 11, 23, 10, 0, tzinfo=IST)),
        # Saturday -> Mon, Tue, Wed
        (datetime(2026, 11, 21, 10, 0, tzinfo=IST), datetime(2026, 11, 25, 10, 0, tzinfo=IST)),
        # Sunday -> Mon, Tue, Wed
        (datetime(2026, 11, 22, 18, 45, tzinfo=IST), datetime(2026, 11, 25, 18, 45, tzinfo=IST)),
        # Monday -> Tue, Wed, Thu
        (datetime(2026, 11, 23, 9, 0, tzinfo=IST), datetime(2026, 11, 26, 9, 0, tzinfo=IST)),
    ],
)
def test_in_reply_by_is_three_business_days_counting_saturdays(requested, reply_by):
    assert IN.reply_by(requested) == reply_by


def test_in_appeal_by_is_seven_business_days():
    decided = datetime(2026, 11, 23, 10, 0, tzinfo=IST)  # Monday
    # Tue Wed Thu Fri Sat, (Sun), Mon Tue
    assert IN.appeal_by(decided) == datetime(2026, 12, 1, 10, 0, tzinfo=IST)


def test_us_reply_and_appeal_are_calendar_days():
    requested = datetime(2026, 11, 20, 10, 0, tzinfo=LA)  # Friday
    assert US.reply_by(requested) == datetime(2026, 11, 27, 10, 0, tzinfo=LA)
    assert US.appeal_by(requested) == datetime(2026, 11, 27, 10, 0, tzinfo=LA)


def test_us_calendar_days_keep_the_local_time_across_dst():
    requested = datetime(2026, 10, 29, 10, 0, tzinfo=LA)  # PDT; DST ends Nov 1
    assert US.reply_by(requested) == datetime(2026, 11, 5, 10, 0, tzinfo=LA)
    assert US.reply_by(requested) == datetime(2026, 11, 5, 18, 0, tzinfo=UTC)


def test_naive_dates_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        US.file_by(datetime(2026, 3, 1), None)
    with pytest.raises(ValueError, match="timezone-aware"):
        IN.reply_by(datetime(2026, 3, 1))


# -- overrides ------------------------------------------------------------------------

def test_override_changes_one_setting_and_keeps_the_rest():
    policies = build_policies({"amazon.com": {"filing_days": 45}})
    us = policies["amazon.com"]
    assert us.filing_days == 45 and us.legacy_filing_days == 60 and us.currency == "USD"
    refund = datetime(2026, 3, 1, 12, 0, tzinfo=LA)
    assert us.file_by(refund, None) == datetime(2026, 4, 15, 23, 59, 59, tzinfo=LA)
    assert policies["amazon.in"] == IN
    assert DEFAULT_POLICIES["amazon.com"].filing_days == 30  # defaults untouched


def test_override_legacy_date_from_a_string():
    us = build_policies({"amazon.com": {"legacy_before": "2026-03-01"}})["amazon.com"]
    assert us.legacy_before == date(2026, 3, 1)
    assert us.filing_window_days(datetime(2026, 2, 28, 12, 0, tzinfo=LA)) == 60
    assert us.filing_window_days(datetime(2026, 3, 1, 0, 0, tzinfo=LA)) == 30


def test_new_marketplace_from_config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[policies."amazon.com"]\n'
        "filing_days = 45\n"
        '[policies."amazon.ae"]\n'
        'currency = "AED"\n'
        'locale = "en_AE"\n'
        'timezone = "Asia/Dubai"\n'
        'filing_basis = "return_delivery"\n'
        "filing_days = 10\n"
        "reply_days = 3\n"
        "reply_business_days = true\n"
        "workweek = [0, 1, 2, 3, 4, 5]\n",
        encoding="utf-8",
    )
    config = load_config(path)
    ae = config.policies["amazon.ae"]
    assert (ae.marketplace, ae.currency, ae.filing_days, ae.workweek) == ("amazon.ae", "AED", 10, (0, 1, 2, 3, 4, 5))
    dubai = ZoneInfo("Asia/Dubai")
    delivered = datetime(2026, 11, 20, 9, 0, tzinfo=dubai)
    assert ae.file_by(None, delivered) == datetime(2026, 11, 30, 23, 59, 59, tzinfo=dubai)
    assert ae.reply_by(delivered) == datetime(2026, 11, 24, 9, 0, tzinfo=dubai)
    assert ae.appeal_by(delivered) == datetime(2026, 11, 27, 9, 0, tzinfo=dubai)  # default: 7 calendar days
    assert config.policies["amazon.com"].filing_days == 45
    assert [p.marketplace for p in config.policies.for_currency("AED")] == ["amazon.ae"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amazon.com": {"filing_dayz": 3}}, "unknown setting(s) filing_dayz"),
        ({"amazon.ae": {"currency": "AED"}}, "policy amazon.ae: "),
        ({"amazon.com": {"timezone": "Mars/Olympus"}}, "unknown timezone 'Mars/Olympus'"),
        ({"amazon.com": {"filing_days": "30"}}, "filing_days must be a whole number"),
        ({"amazon.com": {"filing_days": 0}}, "filing_days must be a whole number"),
        ({"amazon.com": {"reply_days": -3}}, "reply_days must be a whole number"),
        ({"amazon.com": {"appeal_days": 7.5}}, "appeal_days must be a whole number"),
        ({"amazon.com": {"filing_days": True}}, "filing_days must be a whole number"),
        ({"amazon.com": {"legacy_filing_days": 0}}, "legacy_filing_days must be a whole number"),
        ({"amazon.in": {"workweek": []}}, "workweek must list weekdays"),
        ({"amazon.in": {"workweek": [0, 7]}}, "workweek must list weekdays"),
        ({"amazon.in": {"workweek": 5}}, "workweek must list weekdays"),
        ({"amazon.in": {"reply_business_days": "yes"}}, "reply_business_days must be true or false"),
        ({"amazon.com": {"filing_basis": "whenever"}}, "filing_basis must be one of"),
        ({"amazon.com": {"currency": "usd"}}, "not an ISO 4217 code"),
        ({"amazon.com": {"legacy_before": "yesterday"}}, "legacy_before 'yesterday' is not a date"),
        ({"amazon.com": 30}, "expected a table of settings"),
    ],
)
def test_bad_overrides_are_refused_with_the_reason(overrides, message):
    with pytest.raises(PolicyError) as info:
        build_policies(overrides)
    assert message in str(info.value)
    market = next(iter(overrides))
    assert str(info.value).startswith(f"policy {market}")


def test_bad_override_in_config_names_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[policies."amazon.in"]\nworkweek = []\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: policy amazon.in: workweek must list weekdays")


def test_policies_table_must_be_a_table():
    with pytest.raises(ConfigError, match="policies must be a dict"):
        parse_config({"policies": 3})


def test_unknown_marketplace_lookup():
    with pytest.raises(PolicyError, match="no policy for marketplace 'amazon.de'"):
        Policies()["amazon.de"]
    assert Policies()["amazon.in"] is IN


def test_policy_is_plain_data():
    changed = replace(IN, filing_days=9)
    delivered = datetime(2026, 11, 10, 15, 0, tzinfo=IST)
    assert changed.file_by(None, delivered) == datetime(2026, 11, 19, 23, 59, 59, tzinfo=IST)
