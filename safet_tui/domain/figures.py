"""The SAFE-T dashboard's figures as plain values (see ``safet_tui.service.analytics`` for how
each is counted): what the service computes, the screen draws and the exports write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from safet_tui.domain.money import Money
from safet_tui.domain.periods import Period


@dataclass(frozen=True)
class Scope:
    """Which claims: one account, one marketplace, or all (None); and, for a person who may see
    only some accounts, those accounts' (their names: ``accounts``, None for every account)."""

    account_id: int | None = None
    marketplace: str | None = None
    label: str = "all accounts"
    accounts: tuple[str, ...] | None = None


# -- results ------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


@dataclass(frozen=True)
class CurrencyFigures:
    """Money headline figures in one currency."""

    currency: str
    claims: int
    claimed: Money
    decided: int
    decided_claimed: Money
    reimbursed: Money
    open_claims: int  # now
    at_stake: Money  # now
    expired_refunds: int
    expired: Money
    expiring_refunds: int  # now, within EXPIRING_DAYS
    expiring: Money

    @property
    def recovery_rate(self) -> float | None:
        return _rate(self.reimbursed.minor, self.decided_claimed.minor)


@dataclass(frozen=True)
class Headline:
    claims: int
    open: int
    decided: int
    granted_full: int
    granted_partial: int
    no_grant: int
    median_days: float | None
    timed: int  # claims with a first decision (the median's sample)
    appeals_filed: int
    appeals_decided: int
    appeals_won: int

    @property
    def share_full(self) -> float | None:
        return _rate(self.granted_full, self.decided)

    @property
    def share_partial(self) -> float | None:
        return _rate(self.granted_partial, self.decided)

    @property
    def share_granted(self) -> float | None:
        return _rate(self.granted_full + self.granted_partial, self.decided)

    @property
    def share_no_grant(self) -> float | None:
        return _rate(self.no_grant, self.decided)

    @property
    def appeal_success(self) -> float | None:
        return _rate(self.appeals_won, self.appeals_decided)


@dataclass(frozen=True)
class SeriesPoint:
    label: str  # 2026-11-16 (week starting) or 2026-11
    start: date
    claims: int
    reimbursed: dict[str, Money] = field(default_factory=dict)  # by decision date, per currency
    reimbursed_claims: int = 0


@dataclass(frozen=True)
class ReasonMix:
    reason: str
    label: str
    open: int
    full: int
    partial: int
    no_grant: int

    @property
    def total(self) -> int:
        return self.open + self.full + self.partial + self.no_grant


@dataclass(frozen=True)
class ReasonRecovery:
    reason: str
    label: str
    currency: str
    decided: int
    claimed: Money
    reimbursed: Money

    @property
    def rate(self) -> float | None:
        return _rate(self.reimbursed.minor, self.claimed.minor)


@dataclass(frozen=True)
class DenialRow:
    rank: int
    reason: str
    count: int
    share: float
    top: bool


@dataclass(frozen=True)
class ProductRow:
    rank: int
    sku: str
    title: str
    account: str
    currency: str
    claims: int
    claimed: Money
    reimbursed: Money
    top: bool


@dataclass(frozen=True)
class Analytics:
    generated_at: datetime
    period: Period
    scope: Scope
    bucket: str  # week | month
    currencies: tuple[str, ...]
    headline: Headline
    money: tuple[CurrencyFigures, ...]
    series: tuple[SeriesPoint, ...]
    outcome_mix: tuple[ReasonMix, ...]
    recovery: tuple[ReasonRecovery, ...]
    denials: tuple[DenialRow, ...]
    products: tuple[ProductRow, ...]
    #: No-Grants whose reason no report or message gave: counted, never ranked among the reasons
    denials_unstated: int = 0

    def money_in(self, currency: str) -> CurrencyFigures | None:
        return next((m for m in self.money if m.currency == currency), None)


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"
