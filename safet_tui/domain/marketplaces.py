"""Marketplaces and their SAFE-T policy, as data.

Every time limit lives here as a default that configuration can override
(``[policies."amazon.com"] filing_days = 45`` in the config file); nothing
else in the code knows a number of days.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from safet_tui.domain.clock import ensure_aware


class PolicyError(ValueError):
    """A policy override that does not make sense."""


@dataclass(frozen=True)
class Policy:
    marketplace: str
    currency: str
    locale: str
    timezone: str
    #: "later_of_refund_and_delivery" (US) or "return_delivery" (IN)
    filing_basis: str
    filing_days: int
    #: claims filed before this date (marketplace-local) get ``legacy_filing_days``
    legacy_before: date | None = None
    legacy_filing_days: int | None = None
    reply_days: int = 7
    reply_business_days: bool = False
    appeal_days: int = 7
    appeal_business_days: bool = False
    #: weekdays that count as business days (Monday = 0)
    workweek: tuple[int, ...] = (0, 1, 2, 3, 4)
    #: automated refunds for returns not processed within this many days are not eligible
    auto_refund_days: int = 4
    #: a refund this many percent below the order amount still counts as full (Amazon: "return shipping
    #: cost or restocking fee may be deducted from the refund"; restocking fees reach 20% for most items)
    refund_deduction_percent: int = 20

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # -- windows -------------------------------------------------------
    # Amazon's announcement of 2026-01-21 (quoted by bigbcc.com, "Amazon narrows SAFE-T claims window for
    # sellers to 30 days", https://bigbcc.com/amazon-narrows-safe-t-claims-window-for-sellers-to-30-days):
    #   "Effective February 16, 2026, the SAFE-T claim filing window for US seller-fulfilled orders will
    #   change from 60 days to 30 days. [...] the 30-day window starts from either the return delivery scan
    #   at your warehouse or the refund date, whichever comes later. [...] We recommend that you review any
    #   returns or refunds that are older than 30 days you may want to file claims on before February 16.
    #   Once the new filing window takes effect, you won't be able to submit claims for events that
    #   occurred more than 30 days ago. This change doesn't affect any claims that are currently in progress."
    # So the change is keyed on the day a claim is FILED, not on the refund date: a refund of January 20
    # could be claimed until February 15 under the old 60 days, and from February 16 only within 30 days of
    # its basis. ``legacy_before`` is that first day of the new window (marketplace-local).
    def filing_days_on(self, day: date) -> int:
        """The filing window in force for a claim filed on ``day`` (marketplace-local)."""
        if self.legacy_before and self.legacy_filing_days and day < self.legacy_before:
            return self.legacy_filing_days
        return self.filing_days

    def filing_window_days(self, filed_at: datetime) -> int:
        """The filing window in force for a claim filed at ``filed_at``."""
        return self.filing_days_on(ensure_aware(filed_at, "filing time").astimezone(self.tz).date())

    def window_end(self, basis: datetime) -> datetime:
        """Last instant to file for a window counted from ``basis``: the end of the Nth local day after it,
        where N is the window in force on the day of filing (see the announcement above)."""
        start = ensure_aware(basis).astimezone(self.tz).date()
        current_end = start + timedelta(days=self.filing_days)
        last: date | None = current_end
        if self.legacy_before and self.legacy_filing_days:
            if current_end < self.legacy_before:
                last = None  # the current window has closed before it took effect
            if start < self.legacy_before:  # filed before the change: the old window, until the change
                old = min(start + timedelta(days=self.legacy_filing_days), self.legacy_before - timedelta(days=1))
                last = old if last is None else max(last, old)
        assert last is not None  # closed before the change means counted from before it: the old window
        return self.end_of_day(last)

    def filing_basis_at(self, refund_at: datetime | None, delivered_at: datetime | None,
                        requested_at: datetime | None = None, reported_at: datetime | None = None,
                        ) -> tuple[datetime, str]:
        """The instant the filing window counts from, and which date that was, in words.

        Amazon counts from the refund and/or the return delivery (``filing_basis``). When a refund is
        known to have posted but those dates are not, the best evidence stands in, and the words say
        so: the return request (the refund came after it, so the window is never longer than the real
        one), then the report that showed the refund (it came before, so the window may have started
        earlier).
        """
        if self.filing_basis == "return_delivery":
            if delivered_at is not None:
                return delivered_at, "return delivery"
            if refund_at is not None:
                return refund_at, "refund date (return delivery unknown)"
        else:
            candidates = [(d, n) for d, n in ((refund_at, "refund date"), (delivered_at, "return delivery")) if d]
            if candidates:
                at, name = max(candidates, key=lambda c: c[0])
                if refund_at is None:
                    name += " (refund date unknown)"
                elif delivered_at is None:
                    name += " (return delivery unknown)"
                return at, name
        if requested_at is not None:
            return requested_at, "return request date (refund and return-delivery dates unknown)"
        if reported_at is not None:
            return reported_at, ("report date (refund, return-delivery and return-request dates unknown: "
                                 "the window may have started earlier)")
        raise PolicyError("neither refund date nor return-delivery date is known")

    def file_by(self, refund_at: datetime | None, delivered_at: datetime | None,
                requested_at: datetime | None = None, reported_at: datetime | None = None) -> datetime:
        """Last instant a claim may be filed, counted from :meth:`filing_basis_at`."""
        basis, _ = self.filing_basis_at(refund_at, delivered_at, requested_at, reported_at)
        return self.window_end(basis)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time(23, 59, 59), tzinfo=self.tz)

    def add_days(self, start: datetime, days: int, business: bool) -> datetime:
        start = ensure_aware(start).astimezone(self.tz)
        if not business:
            return start + timedelta(days=days)
        current, left = start, days
        while left > 0:
            current += timedelta(days=1)
            if current.weekday() in self.workweek:
                left -= 1
        return current

    def reply_by(self, requested_at: datetime) -> datetime:
        return self.add_days(requested_at, self.reply_days, self.reply_business_days)

    def appeal_by(self, decided_at: datetime) -> datetime:
        return self.add_days(decided_at, self.appeal_days, self.appeal_business_days)


DEFAULT_POLICIES: dict[str, Policy] = {
    "amazon.com": Policy(
        marketplace="amazon.com",
        currency="USD",
        locale="en_US",
        timezone="America/Los_Angeles",
        filing_basis="later_of_refund_and_delivery",
        filing_days=30,
        legacy_before=date(2026, 2, 16),
        legacy_filing_days=60,
        reply_days=7,
        reply_business_days=False,
        appeal_days=7,
        appeal_business_days=False,
    ),
    "amazon.in": Policy(
        marketplace="amazon.in",
        currency="INR",
        locale="en_IN",
        timezone="Asia/Kolkata",
        filing_basis="return_delivery",
        filing_days=7,
        reply_days=3,
        reply_business_days=True,
        appeal_days=7,
        appeal_business_days=True,
        workweek=(0, 1, 2, 3, 4, 5),  # Saturdays count
    ),
}


FILING_BASES = ("later_of_refund_and_delivery", "return_delivery")


def _coerce(market: str, name: str, value: object) -> object:
    try:
        if name == "legacy_before" and isinstance(value, str):
            return date.fromisoformat(value)
        if name == "workweek" and isinstance(value, list | tuple):
            return tuple(value)
    except ValueError:
        raise PolicyError(f"policy {market}: {name} {value!r} is not a date (use YYYY-MM-DD)") from None
    return value


def validate_policy(policy: Policy) -> Policy:
    """Refuse settings that would silently misbehave (a string of days, an empty work week)."""
    where = f"policy {policy.marketplace}"
    for name in ("marketplace", "locale", "timezone", "filing_basis"):
        if not isinstance(getattr(policy, name), str) or not getattr(policy, name):
            raise PolicyError(f"{where}: {name} must be a non-empty string")
    if not (isinstance(policy.currency, str) and len(policy.currency) == 3 and policy.currency.isalpha()
            and policy.currency.isupper()):
        raise PolicyError(f"{where}: currency {policy.currency!r} is not an ISO 4217 code like \"USD\"")
    if policy.filing_basis not in FILING_BASES:
        raise PolicyError(f"{where}: filing_basis must be one of {', '.join(FILING_BASES)}")
    for name in ("filing_days", "reply_days", "appeal_days", "auto_refund_days", "legacy_filing_days"):
        value = getattr(policy, name)
        if name == "legacy_filing_days" and value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise PolicyError(f"{where}: {name} must be a whole number of days above zero, not {value!r}")
    pct = policy.refund_deduction_percent
    if not isinstance(pct, int) or isinstance(pct, bool) or not 0 <= pct < 100:
        raise PolicyError(f"{where}: refund_deduction_percent must be a whole number from 0 to 99, not {pct!r}")
    for name in ("reply_business_days", "appeal_business_days"):
        if not isinstance(getattr(policy, name), bool):
            raise PolicyError(f"{where}: {name} must be true or false")
    if policy.legacy_before is not None and not isinstance(policy.legacy_before, date):
        raise PolicyError(f"{where}: legacy_before must be a date (YYYY-MM-DD)")
    week = policy.workweek
    if (not isinstance(week, tuple) or not week
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in week)):
        raise PolicyError(f"{where}: workweek must list weekdays 0 (Monday) to 6 (Sunday), at least one")
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # no such key, not a key or not a tz file, unreadable
        raise PolicyError(f"{where}: unknown timezone {policy.timezone!r}") from None
    return policy


def build_policies(overrides: dict[str, dict] | None = None) -> dict[str, Policy]:
    """Defaults with configuration applied; unknown marketplaces need every field."""
    policies = dict(DEFAULT_POLICIES)
    known = {f.name for f in fields(Policy)}
    for market, values in (overrides or {}).items():
        if not isinstance(values, dict):
            raise PolicyError(f"policy {market}: expected a table of settings, got {values!r}")
        unknown = set(values) - known
        if unknown:
            raise PolicyError(f"policy {market}: unknown setting(s) {', '.join(sorted(unknown))}")
        values = {k: _coerce(market, k, v) for k, v in values.items()}
        try:
            if market in policies:
                policies[market] = replace(policies[market], **values)
            else:
                policies[market] = Policy(marketplace=market, **values)
        except TypeError as exc:
            raise PolicyError(f"policy {market}: {exc}") from exc
        validate_policy(policies[market])
    return policies


@dataclass
class Policies:
    """The policies in force, looked up by marketplace or currency."""

    by_market: dict[str, Policy] = field(default_factory=build_policies)

    def __getitem__(self, marketplace: str) -> Policy:
        try:
            return self.by_market[marketplace]
        except KeyError:
            raise PolicyError(f"no policy for marketplace {marketplace!r}") from None

    def for_currency(self, currency: str) -> list[Policy]:
        return [p for p in self.by_market.values() if p.currency == currency]
