"""The analytics as computed before schema 8 (every figure a GROUP BY over the claim table), kept
only as the tests' oracle for the tallies: the figures the tallies give must equal these (with the
median read at whole hours, see safet_tui/service/analytics.py).

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
from safet_tui.service.visibility import EVERYTHING, Visibility


def scope_clause(scope: Scope, alias: str) -> tuple[str, list]:
    """The SQL that keeps a scope's claims (or refunds) under ``alias``."""
    sql, params = "", list[object]()
    if scope.account_id is not None:
        sql += f" AND {alias}.account_id = ?"
        params.append(scope.account_id)
    if scope.marketplace:
        sql += f" AND {alias}.account_id IN (SELECT id FROM account WHERE marketplace = ?)"
        params.append(scope.marketplace)
    if scope.accounts is not None:
        more, more_params = Visibility(scope.accounts).clause(f"{alias}.account_id")
        sql, params = sql + more, params + more_params
    return sql, params


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


# -- queries ------------------------------------------------------------------------

def _cohort(period: Period, scope: Scope, alias: str = "c") -> tuple[str, list]:
    sql, params = f"{alias}.filed_at < ?", [period.end_ts]
    if period.start_ts is not None:
        sql += f" AND {alias}.filed_at >= ?"
        params.append(period.start_ts)
    more, more_params = scope_clause(scope, alias)
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
        f"WITH d AS (SELECT (({_FIRST_DECISION} - c.filed_at) / 3600) * 3600 AS secs FROM claim c WHERE {where}),"
        " o AS (SELECT secs, ROW_NUMBER() OVER (ORDER BY secs) AS rn, COUNT(*) OVER () AS n"
        " FROM d WHERE secs IS NOT NULL)"
        " SELECT AVG(secs), MAX(n) FROM o WHERE rn IN ((n + 1) / 2, (n + 2) / 2)",
        params,
    ).fetchone()
    if not row or row[0] is None:
        return None, 0
    return float(row[0]) / DAY, int(row[1])


def _at_stake(scope: Scope) -> dict[str, tuple[int, int]]:
    more, params = scope_clause(scope, "c")
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
    more, scope_params = scope_clause(scope, "f")
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
    more, more_params = scope_clause(scope, "c")
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
    denials, unstated = _denials(where, params)
    return Analytics(
        generated_at=now, period=period, scope=scope, bucket=bucket, currencies=currencies, headline=headline,
        money=tuple(money), series=_series(period, scope, bucket, where, params), outcome_mix=mix,
        recovery=recovery, denials=denials, products=_products(where, params, top_products),
        denials_unstated=unstated,
    )
