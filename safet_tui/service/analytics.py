"""Analytics: the SAFE-T dashboard's figures, read from the analytics tallies.

Every aggregate is a sum in the database over the tallies (:mod:`safet_tui.tallies`: day-by-day
sums kept by triggers in the transaction of every change) for the whole UTC days of the period,
plus the claims themselves for the part-days at its ends (:mod:`.tally_reads`), so the screen
fills in the same time at a thousand claims or a million. Python only divides two sums into a
rate, fills empty weeks/months with zeros and ranks rows. Amounts are never added across
currencies: money figures are keyed by currency.

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
  median over the cohort's claims that have one, each read in whole hours (truncated: the
  decision-time tallies count hours, so the median is exact to the hour, not the second).
- An appeal *succeeds* when its decision paid out more: a No-Grant overturned
  into a (full or partial) grant, or a partial grant raised to a full one.
- Series: claims filed per week (Monday start, UTC) or month by filing date;
  amounts reimbursed by decision date (the claim's last status change).
"""


from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from safet_tui.domain.clock import to_epoch
from safet_tui.domain.figures import (
    Analytics,
    CurrencyFigures,
    DenialRow,
    Headline,
    ProductRow,
    ReasonMix,
    ReasonRecovery,
    Scope,
    SeriesPoint,
)
from safet_tui.domain.money import Money
from safet_tui.domain.periods import (
    DAY,
    EXPIRING_DAYS,
    MONDAY0,
    TOP_FLAGGED,
    TOP_PRODUCTS,
    WEEK,
    AnalyticsError,
    Period,
    default_bucket,
    parse_period,
)
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.list_sql import CLAIMABLE
from safet_tui.service.queries import execute
from safet_tui.service.tally_reads import everywhere, rows, scope_clause
from safet_tui.service.visibility import EVERYTHING, Visibility
from safet_tui.tallies import HOUR


def resolve_scope(account: int | str | None = None, marketplace: str | None = None,
                  visible: Visibility = EVERYTHING) -> Scope:
    """An account by id or name (or a marketplace) to a Scope, among the accounts ``visible`` to
    the person asking; raises AnalyticsError if unknown (an account they may not see is unknown)."""
    label_parts = []
    account_id = None
    if account not in (None, ""):
        rows = [r for r in execute("SELECT id, name, marketplace FROM account ORDER BY id") if visible.allows(r[1])]
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
    default = "your accounts" if visible.limited else "all accounts"
    return Scope(account_id, marketplace or None, ", ".join(label_parts) or default, visible.accounts)


# -- queries: sums over the tallies (whole days) and the claims of the part-days --------------

#: columns of ``_grouped`` rows after (currency, reason)
_G = ("claims", "claimed", "open", "decided", "full", "partial", "no_grant", "decided_claimed", "reimbursed",
      "appeals", "appeals_decided", "appeals_won")


def _grouped(period: Period, scope: Scope) -> tuple[list[tuple], dict[int, int]]:
    """The cohort grouped by currency and reason: the headline, the outcome mix and the recovery
    rates all roll up from these (at most 8 rows per currency); and the claims filed per UTC day
    (for the series), from the same read: grouped by day too, then added up here."""
    src, params = rows("claim_tally", period.start_ts, period.end_ts, scope)
    by_key: dict[tuple[str, str], list[int]] = {}
    per_day: dict[int, int] = {}
    for day, cur, code, *v in execute(
        "SELECT u.day, u.currency, u.reason, SUM(u.n), SUM(u.claimed),"
        " SUM(CASE WHEN u.status <> 'resolved' THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' AND u.outcome = 'grant_full' THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' AND u.outcome = 'grant_partial' THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' AND u.outcome = 'no_grant' THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' THEN u.claimed ELSE 0 END),"
        " SUM(CASE WHEN u.status = 'resolved' THEN u.reimbursed ELSE 0 END),"
        " SUM(CASE WHEN u.appeal_used = 1 THEN u.n ELSE 0 END),"
        " SUM(CASE WHEN u.appeal_used = 1 AND u.appeal_decided = 1 THEN u.n ELSE 0 END),"
        " SUM(u.won)"
        f" FROM {src} u GROUP BY u.day, u.currency, u.reason HAVING SUM(u.n) <> 0",
        params,
    ):
        sums = by_key.setdefault((cur, code), [0] * len(_G))
        for i, x in enumerate(v):
            sums[i] += int(x or 0)
        per_day[int(day)] = per_day.get(int(day), 0) + int(v[0])
    return [(cur, code, *sums) for (cur, code), sums in sorted(by_key.items())], per_day


def _median_days(period: Period, scope: Scope) -> tuple[float | None, int]:
    """The median decision time in whole hours: the day it falls in from the per-day counts, then
    the hour from the per-hour counts of that day only."""
    src, params = rows("decision_day_tally", period.start_ts, period.end_ts, scope)
    per_day = [(int(d), int(n)) for d, n in execute(
        f"SELECT u.days, SUM(u.n) FROM {src} u GROUP BY u.days HAVING SUM(u.n) <> 0 ORDER BY u.days", params)]
    total = sum(n for _, n in per_day)
    if not total:
        return None, 0
    src, params = rows("decision_tally", period.start_ts, period.end_ts, scope)
    hours_of: dict[int, list[tuple[int, int]]] = {}  # a day's (hours, claims), read once

    def nth(k: int) -> int:  # the k-th smallest decision time (1-based), in hours
        below, day = 0, per_day[-1][0]
        for d, n in per_day:
            if below + n >= k:
                day = d
                break
            below += n
        if day not in hours_of:
            hours_of[day] = [(int(h), int(m)) for h, m in execute(
                f"SELECT u.hours, SUM(u.n) FROM {src} u WHERE u.hours >= ? AND u.hours < ?"
                " GROUP BY u.hours ORDER BY u.hours", [*params, day * 24, day * 24 + 24])]
        for h, m in hours_of[day]:
            below += m
            if below >= k:
                return h
        raise AssertionError("the hour tally disagrees with the day tally")  # pragma: no cover

    low, high = nth((total + 1) // 2), nth((total + 2) // 2)
    return (low + high) / 2 * HOUR / DAY, total


def _at_stake(scope: Scope) -> dict[str, tuple[int, int]]:
    src, params = everywhere("status_tally", scope, "t.status IN ('awaiting', 'investigating')")
    out = {}
    for cur, n, minor in execute(
        f"SELECT u.currency, SUM(u.n), SUM(u.claimed - u.reimbursed) FROM {src} u GROUP BY u.currency"
        " HAVING SUM(u.n) <> 0", params,
    ):
        out[cur] = (int(n), int(minor))
    return out


def _left_on_table(period: Period, scope: Scope, now: int) -> dict[str, tuple[int, int, int, int]]:
    """Per currency: (expired count, expired minor, expiring count, expiring minor)."""
    more, scope_params = scope_clause(scope, "f")
    start = period.start_ts if period.start_ts is not None else -(2**62)
    stop = min(period.end_ts, now)
    soon = now + EXPIRING_DAYS * DAY
    # both windows within one range of file-by dates: read by the claimable refunds' index
    low, high = min(start, now), max(stop, soon)
    out = {}
    for cur, en, em, sn, sm in execute(
        "SELECT f.currency,"
        " SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN f.amount_minor ELSE 0 END), 0),"
        " SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN f.file_by >= ? AND f.file_by < ? THEN f.amount_minor ELSE 0 END), 0)"
        f" FROM refund f WHERE {CLAIMABLE} AND f.file_by >= ? AND f.file_by < ?{more} GROUP BY f.currency",
        [start, stop, start, stop, now, soon, now, soon, low, high, *scope_params],
    ):
        out[cur] = (int(en or 0), int(em or 0), int(sn or 0), int(sm or 0))
    return out


def _bucket_of(bucket: str, day_number) -> int | str:
    """The week (counted from MONDAY0) or month ("YYYY-MM") a UTC day number falls in."""
    if bucket == "week":
        return (int(day_number) * DAY - MONDAY0) // WEEK
    day = datetime.fromtimestamp(int(day_number) * DAY, UTC).date()
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


def _series(period: Period, scope: Scope, bucket: str, filed_per_day: dict[int, int]) -> tuple[SeriesPoint, ...]:
    filed: dict = {}
    for day_number, n in filed_per_day.items():
        if n:
            key = _bucket_of(bucket, day_number)
            filed[key] = filed.get(key, 0) + n
    # Reimbursed by decision date: resolved claims whose last status change is in the period.
    paid: dict = {}
    paid_n: dict = {}
    src, params = rows("paid_tally", period.start_ts, period.end_ts, scope)
    for day_number, cur, n, minor in execute(
        f"SELECT u.day, u.currency, SUM(u.n), SUM(u.reimbursed) FROM {src} u GROUP BY 1, 2 HAVING SUM(u.n) <> 0",
        params,
    ):
        key = _bucket_of(bucket, day_number)
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


def _denials(period: Period, scope: Scope) -> tuple[tuple[DenialRow, ...], int]:
    """Denial reasons ranked by count, and the number of No-Grants whose reason is not known
    (the tally keeps a missing reason as '')."""
    src, params = rows("denial_tally", period.start_ts, period.end_ts, scope)
    found = list(execute(
        f"SELECT u.denial_reason, SUM(u.n) FROM {src} u GROUP BY 1 HAVING SUM(u.n) <> 0 ORDER BY 2 DESC, 1 ASC",
        params,
    ))
    unstated = sum(int(n) for reason, n in found if reason.strip() in _UNSTATED)
    found = [(reason, n) for reason, n in found if reason.strip() not in _UNSTATED]
    total = sum(int(n) for _, n in found)
    return tuple(DenialRow(i, reason, int(n), int(n) / total, i <= TOP_FLAGGED)
                 for i, (reason, n) in enumerate(found, start=1)), unstated


def _products(period: Period, scope: Scope, limit: int) -> tuple[ProductRow, ...]:
    src, params = rows("product_tally", period.start_ts, period.end_ts, scope)
    found = execute(
        "SELECT COALESCE(p.sku, ''), COALESCE(p.title, '(no product)'), a.name, g.currency, g.n, g.claimed, g.paid"
        " FROM (SELECT u.product_id AS pid, u.account_id AS aid, u.currency AS currency, SUM(u.n) AS n,"
        " SUM(u.claimed) AS claimed, SUM(u.reimbursed) AS paid"
        f" FROM {src} u GROUP BY u.product_id, u.account_id, u.currency HAVING SUM(u.n) <> 0) g"
        " JOIN account a ON a.id = g.aid LEFT JOIN product p ON p.id = g.pid"
        " ORDER BY g.n DESC, g.claimed DESC, 1 ASC LIMIT ?",
        [*params, limit],
    )
    return tuple(
        ProductRow(i, sku, title, acc, cur, int(n), Money.from_minor(int(claimed), cur),
                   Money.from_minor(int(paid), cur), i <= TOP_FLAGGED)
        for i, (sku, title, acc, cur, n, claimed, paid) in enumerate(found, start=1)
    )


def compute(now: datetime, period: str | Period = "90d", scope: Scope | None = None,
            bucket: str | None = None, top_products: int = TOP_PRODUCTS) -> Analytics:
    """All figures for one period and scope, through the bound database."""
    period = parse_period(period, now)
    scope = scope or Scope()
    bucket = bucket or default_bucket(period)
    if bucket not in ("week", "month"):
        raise AnalyticsError(f"unknown bucket {bucket!r}: use week or month")
    now_ts = int(to_epoch(now))
    grouped, filed_per_day = _grouped(period, scope)
    median, timed = _median_days(period, scope)
    stake = _at_stake(scope)
    table = _left_on_table(period, scope, now_ts)
    mine, mine_params = scope_clause(Scope(accounts=scope.accounts), "a")
    account_currencies = {cur for (cur,) in execute(
        "SELECT DISTINCT a.currency FROM account a WHERE (? IS NULL OR a.id = ?) AND (? IS NULL OR a.marketplace = ?)"
        + mine.replace("a.account_id", "a.id"),
        [scope.account_id, scope.account_id, scope.marketplace, scope.marketplace, *mine_params])}
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
    denials, unstated = _denials(period, scope)
    return Analytics(
        generated_at=now, period=period, scope=scope, bucket=bucket, currencies=currencies, headline=headline,
        money=tuple(money), series=_series(period, scope, bucket, filed_per_day), outcome_mix=mix,
        recovery=recovery, denials=denials, products=_products(period, scope, top_products),
        denials_unstated=unstated,
    )
