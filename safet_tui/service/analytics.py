"""Analytics: the SAFE-T dashboard's figures, computed in SQL.

Every aggregate is a GROUP BY in the database; Python only divides two sums
into a rate, fills empty weeks/months with zeros and ranks rows. Amounts are
never added across currencies: money figures are keyed by currency.

Definitions (the same for the screen, ``safet report`` and the exports):

- The *cohort* of a period is the claims filed in it (``filed_at`` in
  ``[start, end)``, UTC) for the chosen account / marketplace.
- *Decided* claims are the cohort's resolved claims; shares of Grant, partial
  grant and No-Grant are of decided claims; an appeal still pending counts as
  open, not decided.
- *Recovery rate* = reimbursed / claimed over decided claims, per currency.
- *At stake* is a snapshot now: every open claim (Awaiting or Under
  Investigation) of the account, claimed minus anything already granted.
- *Left on the table*: claimable refunds (no claim, and not a partial or an
  automated refund, which could never be claimed) whose file-by passed in
  the period unclaimed; *expiring*: file-by within the next 3 days (now).
- *Days to decision*: filing to the first decision (Grant or No-Grant), the
  median over the cohort's claims that have one.
- An appeal *succeeds* when its decision paid out more: a No-Grant overturned
  into a (full or partial) grant, or a partial grant raised to a full one.
- Series: claims filed per week (Monday start, UTC) or month by filing date;
  amounts reimbursed by decision date (the claim's last status change).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from safet_tui.db import to_epoch
from safet_tui.domain.money import Money, format_money
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.queries import CLAIMABLE, execute

DAY = 86400
WEEK = 7 * DAY
#: 1970-01-05 00:00 UTC, the first Monday after the epoch: weeks are counted from it
MONDAY0 = 4 * DAY
PERIODS = ("30d", "90d", "12m", "all")
PERIOD_LABELS = {"30d": "last 30 days", "90d": "last 90 days", "12m": "last 12 months", "all": "all time"}
EXPIRING_DAYS = 3
TOP_PRODUCTS = 10
TOP_FLAGGED = 3


class AnalyticsError(ValueError):
    """A period or filter that cannot be read; the message says why."""


# -- filters ------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    key: str  # 30d | 90d | 12m | all | custom
    start: datetime | None  # inclusive; None = since the first claim
    end: datetime  # exclusive
    label: str

    @property
    def start_ts(self) -> int | None:
        return to_epoch(self.start)

    @property
    def end_ts(self) -> int:
        return int(to_epoch(self.end))

    @property
    def spec(self) -> str:
        """The text that gives this period back to ``parse_period``."""
        if self.key != "custom":
            return self.key
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start.date().isoformat()}:{last.isoformat()}"


def _months_back(now: datetime, months: int) -> datetime:
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                        31, 31, 30, 31, 30, 31][month])
    return now.replace(year=year, month=month + 1, day=day)


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise AnalyticsError(f"{what} date {text.strip()!r} is not YYYY-MM-DD") from None


def parse_period(spec: str | Period | None, now: datetime) -> Period:
    """``30d``, ``90d``, ``12m``, ``all`` (ending now) or ``FROM:TO`` (whole UTC days, TO included)."""
    if isinstance(spec, Period):
        return spec
    text = (spec or "90d").strip().lower()
    end = now.astimezone(UTC) + timedelta(seconds=1)  # a claim filed this very second is in
    if text == "30d":
        return Period(text, now - timedelta(days=30), end, PERIOD_LABELS[text])
    if text == "90d":
        return Period(text, now - timedelta(days=90), end, PERIOD_LABELS[text])
    if text == "12m":
        return Period(text, _months_back(now.astimezone(UTC), 12), end, PERIOD_LABELS[text])
    if text == "all":
        return Period(text, None, end, PERIOD_LABELS[text])
    if ":" in text:
        first, _, last = text.partition(":")
        start_day, end_day = _parse_day(first, "from"), _parse_day(last, "to")
        if end_day < start_day:
            raise AnalyticsError(f"the period ends ({end_day}) before it starts ({start_day})")
        start = datetime.combine(start_day, datetime.min.time(), tzinfo=UTC)
        stop = datetime.combine(end_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return Period("custom", start, stop, f"{start_day.isoformat()} to {end_day.isoformat()}")
    raise AnalyticsError(f"unknown period {spec!r}: use 30d, 90d, 12m, all or FROM:TO (YYYY-MM-DD:YYYY-MM-DD)")


@dataclass(frozen=True)
class Scope:
    """Which claims: one account, one marketplace, or all (None)."""

    account_id: int | None = None
    marketplace: str | None = None
    label: str = "all accounts"

    def clause(self, alias: str) -> tuple[str, list]:
        sql, params = "", []
        if self.account_id is not None:
            sql += f" AND {alias}.account_id = ?"
            params.append(self.account_id)
        if self.marketplace:
            sql += f" AND {alias}.account_id IN (SELECT id FROM account WHERE marketplace = ?)"
            params.append(self.marketplace)
        return sql, params


def resolve_scope(account: int | str | None = None, marketplace: str | None = None) -> Scope:
    """An account by id or name (or a marketplace) to a Scope; raises AnalyticsError if unknown."""
    label_parts = []
    account_id = None
    if account not in (None, ""):
        rows = list(execute("SELECT id, name, marketplace FROM account ORDER BY id"))
        wanted = str(account).strip()
        hits = [r for r in rows if str(r[0]) == wanted] or [r for r in rows if r[1].lower() == wanted.lower()]
        if marketplace:
            hits = [r for r in hits if r[2] == marketplace]
        if not hits:
            names = ", ".join(f"{r[1]} ({r[2]})" for r in rows) or "none"
            raise AnalyticsError(f"no account {wanted!r}; accounts: {names}")
        if len(hits) > 1:
            raise AnalyticsError(f"{wanted!r} names {len(hits)} accounts; add --marketplace or use the id")
        account_id = hits[0][0]
        label_parts.append(f"{hits[0][1]} ({hits[0][2]})")
    elif marketplace:
        label_parts.append(marketplace)
    return Scope(account_id, marketplace or None, ", ".join(label_parts) or "all accounts")


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


# -- queries ------------------------------------------------------------------------

def _cohort(period: Period, scope: Scope, alias: str = "c") -> tuple[str, list]:
    sql, params = f"{alias}.filed_at < ?", [period.end_ts]
    if period.start_ts is not None:
        sql += f" AND {alias}.filed_at >= ?"
        params.append(period.start_ts)
    more, more_params = scope.clause(alias)
    return sql + more, params + more_params


_IS_OPEN = "c.status <> 'resolved'"


# An appeal succeeds when its decision paid out more than the first one did.
_APPEAL_WON = (
    "CASE WHEN c.appeal_used AND c.appeal_decided AND c.status = 'resolved' AND ("
    "(c.outcome IN ('grant_full', 'grant_partial') AND EXISTS (SELECT 1 FROM status_event e"
    " WHERE e.claim_id = c.id AND e.action = 'no_grant'))"
    " OR (c.outcome = 'grant_full' AND EXISTS (SELECT 1 FROM status_event e"
    " WHERE e.claim_id = c.id AND e.action = 'grant'))) THEN 1 ELSE 0 END"
)

#: columns of ``_grouped`` rows after (currency, reason)
_G = ("claims", "claimed", "open", "decided", "full", "partial", "no_grant", "decided_claimed", "reimbursed",
      "appeals", "appeals_decided", "appeals_won")


def _grouped(where: str, params: list) -> list[tuple]:
    """One scan of the cohort, grouped by currency and reason: the headline, the outcome
    mix and the recovery rates all roll up from these (at most 8 rows per currency)."""
    return list(execute(
        "SELECT c.currency, c.reason, COUNT(*), COALESCE(SUM(c.claimed_minor), 0),"
        f" SUM(CASE WHEN {_IS_OPEN} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN c.status = 'resolved' AND c.outcome = 'grant_full' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN c.status = 'resolved' AND c.outcome = 'grant_partial' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN c.status = 'resolved' AND c.outcome = 'no_grant' THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN c.status = 'resolved' THEN c.claimed_minor ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN c.status = 'resolved' THEN COALESCE(c.reimbursed_minor, 0) ELSE 0 END), 0),"
        " SUM(CASE WHEN c.appeal_used THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN c.appeal_used AND c.appeal_decided THEN 1 ELSE 0 END),"
        f" SUM({_APPEAL_WON})"
        f" FROM claim c WHERE {where} GROUP BY c.currency, c.reason ORDER BY c.currency, c.reason",
        params,
    ))


# The first decision, as recorded when it was made (for imported decisions: the best evidence,
# a payout's date or the report's own date, never the import time).
_FIRST_DECISION = "c.decided_at"


def _median_days(where: str, params: list) -> tuple[float | None, int]:
    row = execute(
        f"WITH d AS (SELECT {_FIRST_DECISION} - c.filed_at AS secs FROM claim c WHERE {where}),"
        " o AS (SELECT secs, ROW_NUMBER() OVER (ORDER BY secs) AS rn, COUNT(*) OVER () AS n"
        " FROM d WHERE secs IS NOT NULL)"
        " SELECT AVG(secs), MAX(n) FROM o WHERE rn IN ((n + 1) / 2, (n + 2) / 2)",
        params,
    ).fetchone()
    if not row or row[0] is None:
        return None, 0
    return float(row[0]) / DAY, int(row[1])


def _at_stake(scope: Scope) -> dict[str, tuple[int, int]]:
    more, params = scope.clause("c")
    out = {}
    for cur, n, minor in execute(
        "SELECT c.currency, COUNT(*), COALESCE(SUM(c.claimed_minor - COALESCE(c.reimbursed_minor, 0)), 0)"
        f" FROM claim c WHERE c.status IN ('awaiting', 'investigating'){more} GROUP BY c.currency",
        params,
    ):
        out[cur] = (int(n), int(minor))
    return out


def _left_on_table(period: Period, scope: Scope, now: int) -> dict[str, tuple[int, int, int, int]]:
    """Per currency: (expired count, expired minor, expiring count, expiring minor)."""
    more, scope_params = scope.clause("f")
    start = period.start_ts if period.start_ts is not None else -(2**62)
    stop = min(period.end_ts, now)
    soon = now + EXPIRING_DAYS * DAY
    out = {}
    for cur, en, em, sn, sm in execute(
        "SELECT f.currency,"
        " SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN f.amount_minor ELSE 0 END), 0),"
        " SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN f.amount_minor ELSE 0 END), 0)"
        f" FROM refund f WHERE {CLAIMABLE} AND f.file_by IS NOT NULL{more} GROUP BY f.currency",
        [start, stop, start, stop, now, soon, now, soon, *scope_params],
    ):
        out[cur] = (int(en or 0), int(em or 0), int(sn or 0), int(sm or 0))
    return out


def _bucket_expr(bucket: str, column: str) -> str:
    """Weeks are whole in integer arithmetic; months group by UTC day here and roll up to
    months in ``_bucket_of`` (a few hundred rows), which is portable and cheaper than strftime."""
    if bucket == "week":
        return f"(({column} - {MONDAY0}) / {WEEK})"
    return f"({column} / {DAY})"


def _bucket_of(bucket: str, sql_key):
    if bucket == "week":
        return int(sql_key)
    day = datetime.fromtimestamp(int(sql_key) * DAY, UTC).date()
    return f"{day.year:04d}-{day.month:02d}"


def _bucket_key(bucket: str, day: date):
    if bucket == "week":
        return (int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp()) - MONDAY0) // WEEK
    return f"{day.year:04d}-{day.month:02d}"


def _bucket_start(bucket: str, key) -> date:
    if bucket == "week":
        return datetime.fromtimestamp(MONDAY0 + int(key) * WEEK, UTC).date()
    year, month = str(key).split("-")
    return date(int(year), int(month), 1)


def _next_bucket(bucket: str, day: date) -> date:
    if bucket == "week":
        return day + timedelta(days=7)
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _series(period: Period, scope: Scope, bucket: str, where: str, params: list) -> tuple[SeriesPoint, ...]:
    expr = _bucket_expr(bucket, "c.filed_at")
    filed: dict = {}
    for key, n in execute(f"SELECT {expr}, COUNT(*) FROM claim c WHERE {where} GROUP BY 1", params):
        key = _bucket_of(bucket, key)
        filed[key] = filed.get(key, 0) + int(n)
    # Reimbursed by decision date: resolved claims whose last status change is in the period.
    dwhere, dparams = "c.changed_at < ?", [period.end_ts]
    if period.start_ts is not None:
        dwhere += " AND c.changed_at >= ?"
        dparams.append(period.start_ts)
    more, more_params = scope.clause("c")
    paid: dict = {}
    paid_n: dict = {}
    for key, cur, n, minor in execute(
        f"SELECT {_bucket_expr(bucket, 'c.changed_at')}, c.currency, COUNT(*), SUM(c.reimbursed_minor)"
        f" FROM claim c WHERE c.status = 'resolved' AND c.reimbursed_minor > 0 AND {dwhere}{more}"
        " GROUP BY 1, 2",
        dparams + more_params,
    ):
        key = _bucket_of(bucket, key)
        into = paid.setdefault(key, {})
        into[cur] = into.get(cur, 0) + int(minor)
        paid_n[key] = paid_n.get(key, 0) + int(n)
    keys = set(filed) | set(paid)
    if period.start is not None:
        first = period.start.date()
    elif keys:
        first = min(_bucket_start(bucket, k) for k in keys)
    else:
        return ()
    last = (period.end - timedelta(seconds=1)).date()
    if bucket == "week":
        day = first - timedelta(days=first.weekday())
    else:
        day = first.replace(day=1)
    points = []
    while day <= last:
        key = _bucket_key(bucket, day)
        label = day.isoformat() if bucket == "week" else key
        amounts = {cur: Money.from_minor(v, cur) for cur, v in sorted(paid.get(key, {}).items())}
        points.append(SeriesPoint(label, day, filed.get(key, 0), amounts, paid_n.get(key, 0)))
        day = _next_bucket(bucket, day)
    return tuple(points)


def _reason_label(code: str) -> str:
    r = REASONS_BY_CODE.get(code)
    return r.short if r else code


def _by_reason(grouped: list[tuple]) -> tuple[tuple[ReasonMix, ...], tuple[ReasonRecovery, ...]]:
    mix: dict[str, list[int]] = {}
    recovery = []
    for cur, code, *v in grouped:
        g = dict(zip(_G, (int(x or 0) for x in v), strict=True))
        counts = mix.setdefault(code, [0, 0, 0, 0])
        for i, k in enumerate(("open", "full", "partial", "no_grant")):
            counts[i] += g[k]
        if g["decided"]:
            recovery.append(ReasonRecovery(code, _reason_label(code), cur, g["decided"],
                                           Money.from_minor(g["decided_claimed"], cur),
                                           Money.from_minor(g["reimbursed"], cur)))
    order = {code: i for i, code in enumerate(REASONS_BY_CODE)}
    mixes = sorted((ReasonMix(code, _reason_label(code), *c) for code, c in mix.items()),
                   key=lambda m: (order.get(m.reason, 99), m.reason))
    recovery.sort(key=lambda r: (r.currency, order.get(r.reason, 99), r.reason))
    return tuple(mixes), tuple(recovery)


#: what older imports wrote when a report gave no reason (schema 4 stores NULL instead)
_UNSTATED = ("Not stated in the report", "")


def _denials(where: str, params: list) -> tuple[tuple[DenialRow, ...], int]:
    """Denial reasons ranked by count, and the number of No-Grants whose reason is not known."""
    rows = list(execute(
        "SELECT c.denial_reason, COUNT(*) FROM claim c"
        f" WHERE {where} AND c.status = 'resolved' AND c.outcome = 'no_grant'"
        " GROUP BY 1 ORDER BY 2 DESC, 1 ASC",
        params,
    ))
    unstated = sum(int(n) for reason, n in rows if reason is None or reason.strip() in _UNSTATED)
    rows = [(reason, n) for reason, n in rows if reason is not None and reason.strip() not in _UNSTATED]
    total = sum(int(n) for _, n in rows)
    return tuple(DenialRow(i, reason, int(n), int(n) / total, i <= TOP_FLAGGED)
                 for i, (reason, n) in enumerate(rows, start=1)), unstated


def _products(where: str, params: list, limit: int) -> tuple[ProductRow, ...]:
    rows = execute(
        "SELECT COALESCE(p.sku, ''), COALESCE(p.title, '(no product)'), a.name, g.currency, g.n, g.claimed, g.paid"
        " FROM (SELECT c.product_id AS pid, c.account_id AS aid, c.currency AS currency, COUNT(*) AS n,"
        " SUM(c.claimed_minor) AS claimed, COALESCE(SUM(c.reimbursed_minor), 0) AS paid"
        f" FROM claim c WHERE {where} GROUP BY c.product_id, c.account_id, c.currency) g"
        " JOIN account a ON a.id = g.aid LEFT JOIN product p ON p.id = g.pid"
        " ORDER BY g.n DESC, g.claimed DESC, 1 ASC LIMIT ?",
        [*params, limit],
    )
    return tuple(
        ProductRow(i, sku, title, acc, cur, int(n), Money.from_minor(int(claimed), cur),
                   Money.from_minor(int(paid), cur), i <= TOP_FLAGGED)
        for i, (sku, title, acc, cur, n, claimed, paid) in enumerate(rows, start=1)
    )


def default_bucket(period: Period) -> str:
    if period.start is None:
        return "month"
    return "week" if (period.end - period.start) <= timedelta(days=120) else "month"


def compute(now: datetime, period: str | Period = "90d", scope: Scope | None = None,
            bucket: str | None = None, top_products: int = TOP_PRODUCTS) -> Analytics:
    """All figures for one period and scope, through the bound database."""
    period = parse_period(period, now)
    scope = scope or Scope()
    bucket = bucket or default_bucket(period)
    if bucket not in ("week", "month"):
        raise AnalyticsError(f"unknown bucket {bucket!r}: use week or month")
    now_ts = int(to_epoch(now))
    where, params = _cohort(period, scope)

    grouped = _grouped(where, params)
    median, timed = _median_days(where, params)
    stake = _at_stake(scope)
    table = _left_on_table(period, scope, now_ts)
    account_currencies = {cur for (cur,) in execute(
        "SELECT DISTINCT a.currency FROM account a WHERE (? IS NULL OR a.id = ?) AND (? IS NULL OR a.marketplace = ?)",
        [scope.account_id, scope.account_id, scope.marketplace, scope.marketplace])}
    per_cur: dict[str, dict[str, int]] = {}
    for cur, _code, *v in grouped:
        sums = per_cur.setdefault(cur, dict.fromkeys(_G, 0))
        for k, x in zip(_G, v, strict=True):
            sums[k] += int(x or 0)
    currencies = tuple(sorted(set(per_cur) | set(stake) | set(table) | account_currencies))

    def total(k: str) -> int:
        return sum(sums[k] for sums in per_cur.values())

    headline = Headline(
        claims=total("claims"), open=total("open"), decided=total("decided"), granted_full=total("full"),
        granted_partial=total("partial"), no_grant=total("no_grant"), median_days=median, timed=timed,
        appeals_filed=total("appeals"), appeals_decided=total("appeals_decided"), appeals_won=total("appeals_won"),
    )
    money = []
    for cur in currencies:
        g = per_cur.get(cur, dict.fromkeys(_G, 0))
        n_open, at_stake = stake.get(cur, (0, 0))
        en, em, sn, sm = table.get(cur, (0, 0, 0, 0))
        m = Money.from_minor
        money.append(CurrencyFigures(
            currency=cur, claims=g["claims"], claimed=m(g["claimed"], cur), decided=g["decided"],
            decided_claimed=m(g["decided_claimed"], cur), reimbursed=m(g["reimbursed"], cur),
            open_claims=n_open, at_stake=m(at_stake, cur), expired_refunds=en, expired=m(em, cur),
            expiring_refunds=sn, expiring=m(sm, cur),
        ))
    mix, recovery = _by_reason(grouped)
    denials, unstated = _denials(where, params)
    return Analytics(
        generated_at=now, period=period, scope=scope, bucket=bucket, currencies=currencies, headline=headline,
        money=tuple(money), series=_series(period, scope, bucket, where, params), outcome_mix=mix,
        recovery=recovery, denials=denials, products=_products(where, params, top_products),
        denials_unstated=unstated,
    )


# -- output: one shape for the screen's export and for ``safet report`` ---------------

def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


def amount(m: Money) -> str:
    """Plain decimal for files (no symbol, no grouping)."""
    return f"{m.amount:.2f}"


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def to_dict(a: Analytics) -> dict:
    """Plain JSON-ready figures: amounts as decimal strings with their currency."""
    h = a.headline

    def money(m: Money) -> dict:
        return {"amount": amount(m), "currency": m.currency}

    return {
        "generated_at": a.generated_at.astimezone(UTC).isoformat(),
        "period": {"key": a.period.key, "label": a.period.label, "spec": a.period.spec,
                   "from": a.period.start.isoformat() if a.period.start else None,
                   "to": a.period.end.isoformat()},
        "scope": {"account_id": a.scope.account_id, "marketplace": a.scope.marketplace, "label": a.scope.label},
        "bucket": a.bucket,
        "currencies": list(a.currencies),
        "headline": {
            "claims_filed": h.claims, "open": h.open, "decided": h.decided,
            "granted_full": h.granted_full, "granted_partial": h.granted_partial, "no_grant": h.no_grant,
            "share_granted_full": _ratio(h.share_full), "share_granted_partial": _ratio(h.share_partial),
            "share_no_grant": _ratio(h.share_no_grant),
            "median_days_to_decision": None if h.median_days is None else round(h.median_days, 3),
            "decisions_timed": h.timed,
            "appeals_filed": h.appeals_filed, "appeals_decided": h.appeals_decided,
            "appeals_won": h.appeals_won, "appeal_success_rate": _ratio(h.appeal_success),
        },
        "money": {
            m.currency: {
                "claims_filed": m.claims, "claimed": money(m.claimed), "decided": m.decided,
                "decided_claimed": money(m.decided_claimed), "reimbursed": money(m.reimbursed),
                "recovery_rate": _ratio(m.recovery_rate),
                "open_claims_now": m.open_claims, "at_stake_now": money(m.at_stake),
                "expired_unclaimed_refunds": m.expired_refunds, "expired_unclaimed": money(m.expired),
                "expiring_refunds_3d": m.expiring_refunds, "expiring_3d": money(m.expiring),
            } for m in a.money
        },
        "series": [
            {"bucket": p.label, "start": p.start.isoformat(), "claims_filed": p.claims,
             "reimbursed_claims": p.reimbursed_claims,
             "reimbursed": {cur: amount(m) for cur, m in p.reimbursed.items()}}
            for p in a.series
        ],
        "outcome_mix": [
            {"reason": r.reason, "label": r.label, "open": r.open, "granted_full": r.full,
             "granted_partial": r.partial, "no_grant": r.no_grant} for r in a.outcome_mix
        ],
        "recovery_by_reason": [
            {"reason": r.reason, "label": r.label, "currency": r.currency, "decided": r.decided,
             "claimed": amount(r.claimed), "reimbursed": amount(r.reimbursed), "recovery_rate": _ratio(r.rate)}
            for r in a.recovery
        ],
        "denial_reasons": [
            {"rank": d.rank, "reason": d.reason, "count": d.count, "share": _ratio(d.share), "top": d.top}
            for d in a.denials
        ],
        "denials_reason_not_given": a.denials_unstated,
        "top_products": [
            {"rank": p.rank, "sku": p.sku, "title": p.title, "account": p.account, "currency": p.currency,
             "claims": p.claims, "claimed": amount(p.claimed), "reimbursed": amount(p.reimbursed), "top": p.top}
            for p in a.products
        ],
    }


def to_json(a: Analytics) -> str:
    return json.dumps(to_dict(a), indent=2, ensure_ascii=False) + "\n"


CSV_HEADER = ("section", "key", "label", "currency", "metric", "value")


def to_rows(a: Analytics) -> list[tuple]:
    """Long ("tidy") rows: one figure per line, easy to filter in a spreadsheet."""
    d = to_dict(a)
    rows: list[tuple] = [("filter", "period", a.period.label, "", "spec", a.period.spec),
                         ("filter", "scope", a.scope.label, "", "account_id", a.scope.account_id or ""),
                         ("filter", "bucket", "", "", "bucket", a.bucket)]
    for k, v in d["headline"].items():
        rows.append(("headline", "", "", "", k, "" if v is None else v))
    for cur, figures in d["money"].items():
        for k, v in figures.items():
            rows.append(("money", "", "", cur, k, v["amount"] if isinstance(v, dict) else ("" if v is None else v)))
    for p in d["series"]:
        rows.append(("series", p["bucket"], p["start"], "", "claims_filed", p["claims_filed"]))
        rows.append(("series", p["bucket"], p["start"], "", "reimbursed_claims", p["reimbursed_claims"]))
        for cur, v in p["reimbursed"].items():
            rows.append(("series", p["bucket"], p["start"], cur, "reimbursed", v))
    for r in d["outcome_mix"]:
        for k in ("open", "granted_full", "granted_partial", "no_grant"):
            rows.append(("outcome_mix", r["reason"], r["label"], "", k, r[k]))
    for r in d["recovery_by_reason"]:
        for k in ("decided", "claimed", "reimbursed", "recovery_rate"):
            rows.append(("recovery_by_reason", r["reason"], r["label"], r["currency"], k,
                         "" if r[k] is None else r[k]))
    for r in d["denial_reasons"]:
        for k in ("count", "share", "top"):
            rows.append(("denial_reasons", r["rank"], r["reason"], "", k, r[k]))
    for r in d["top_products"]:
        for k in ("claims", "claimed", "reimbursed", "top"):
            rows.append(("top_products", r["rank"], f"{r['sku']} {r['title']}".strip(), r["currency"], k, r[k]))
    return rows


def to_csv(a: Analytics) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    w.writerows(to_rows(a))
    return out.getvalue()


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = []
    for row in (header, *rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join(cells).rstrip())
    return lines


def to_text(a: Analytics) -> str:
    """The report for a terminal or an e-mail: the same figures as the screen."""
    h = a.headline
    fm = format_money
    out = [f"SAFE-T analytics — {a.scope.label}, {a.period.label} (as of {a.generated_at:%Y-%m-%d %H:%M} UTC)", ""]
    out += [
        f"Claims filed       {h.claims}   (decided {h.decided}, open {h.open})",
        f"Granted in full    {h.granted_full}  {pct(h.share_full)} of decided",
        f"Granted in part    {h.granted_partial}  {pct(h.share_partial)} of decided",
        f"No-Grant           {h.no_grant}  {pct(h.share_no_grant)} of decided",
        f"Median to decision {days(h.median_days)}  (over {h.timed} decisions)",
        f"Appeals            {h.appeals_filed} filed, {h.appeals_decided} decided, {h.appeals_won} won"
        f"  {pct(h.appeal_success)} success",
        "",
    ]
    header = ("Currency", "Claimed", "Decided claimed", "Reimbursed", "Recovery", "At stake now",
              "Expired unclaimed", f"Expiring {EXPIRING_DAYS}d")
    out += _table(header, [
        (m.currency, fm(m.claimed), fm(m.decided_claimed), fm(m.reimbursed), pct(m.recovery_rate),
         f"{fm(m.at_stake)} ({m.open_claims})", f"{fm(m.expired)} ({m.expired_refunds})",
         f"{fm(m.expiring)} ({m.expiring_refunds})") for m in a.money
    ], right=set(range(1, 8)))
    out += ["", f"Per {a.bucket}: claims filed, amount reimbursed (by decision date)"]
    out += _table(("From", "Filed", "Reimbursed"), [
        (p.label, p.claims, ", ".join(fm(m) for m in p.reimbursed.values()) or "—") for p in a.series
    ], right={1})
    out += ["", "Outcome by reason (claims)"]
    out += _table(("Reason", "Grant", "Partial", "No-Grant", "Open"), [
        (r.label, r.full, r.partial, r.no_grant, r.open) for r in a.outcome_mix
    ], right={1, 2, 3, 4})
    out += ["", "Recovery rate by reason (decided claims)"]
    out += _table(("Reason", "Cur", "Decided", "Claimed", "Reimbursed", "Rate"), [
        (r.label, r.currency, r.decided, fm(r.claimed), fm(r.reimbursed), pct(r.rate)) for r in a.recovery
    ], right={2, 3, 4, 5})
    out += ["", "Denial reasons (* = top three)"]
    out += _table(("#", "Reason", "Count", "Share"), [
        (f"{d.rank}{'*' if d.top else ''}", d.reason, d.count, pct(d.share)) for d in a.denials
    ], right={2, 3})
    if a.denials_unstated:
        out.append(f"Reason not given: {a.denials_unstated:,} No-Grant(s), not ranked")
    out += ["", "Products with the most claims (* = top three)"]
    out += _table(("#", "SKU", "Product", "Claims", "Claimed", "Reimbursed"), [
        (f"{p.rank}{'*' if p.top else ''}", p.sku, p.title, p.claims, fm(p.claimed), fm(p.reimbursed))
        for p in a.products
    ], right={3, 4, 5})
    return "\n".join(out) + "\n"
